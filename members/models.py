import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

from core.encryption import EncryptedCharField
from core.request_context import current_request
from core.validators import known_choice, single_line

INVITATION_LIFETIME = timedelta(days=14)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.")


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    FACILITATOR = "facilitator", "Facilitator"
    PARTICIPANT = "participant", "Participant"


STAFF_ROLES = frozenset({Role.ADMIN, Role.FACILITATOR})


class UserManager(DjangoUserManager):
    """Email is the login; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        extra_fields.setdefault("role", Role.ADMIN)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField("email address", unique=True)
    first_name = models.CharField(
        "first name", max_length=150, blank=True, validators=[single_line]
    )
    last_name = models.CharField("last name", max_length=150, blank=True, validators=[single_line])
    display_name = models.CharField(
        max_length=80,
        blank=True,
        validators=[single_line],
        help_text="The name other people in your groups see.",
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PARTICIPANT)
    timezone = models.CharField(
        max_length=64, default=settings.TIME_ZONE, validators=[validate_timezone]
    )
    session_reminders = models.BooleanField(
        "session reminders", default=True, help_text="An email before each session."
    )
    # Hours before a session to remind; empty means the organisation's defaults.
    reminder_hours = models.JSONField(default=list, blank=True)
    # The secret in the person's calendar feed address. It reveals only times and places.
    calendar_token = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    goal_prompts = models.BooleanField(
        "goal check-in prompts", default=True, help_text="A gentle email between sessions."
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        constraints = [
            known_choice("role", Role),
            # UPPER, because that is what email__iexact compares on PostgreSQL (allauth's
            # sign-in lookup); on LOWER the index went unused (bench/indexes.py).
            models.UniqueConstraint(Upper("email"), name="user_email_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        # Only the id: a user object that ends up in a log line must not name the person.
        return f"User {self.pk}"

    @property
    def short_name(self) -> str:
        """What fellow group members see: never a surname or an email address."""
        return self.display_name or self.first_name or "Member"

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES


INVITATION_SALT = "together.invitation"


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())

    def for_token(self, token: str):
        """The invitation a link's token names; the token is signed, so it cannot be guessed."""
        try:
            pk = signing.Signer(salt=INVITATION_SALT).unsign(token)
        except signing.BadSignature:
            return self.none()
        return self.filter(pk=int(pk)) if pk.isascii() and pk.isdigit() else self.none()


class Invitation(models.Model):
    """Lets exactly one email address sign up, with the role chosen by whoever invited them.

    The link's token is the invitation's id signed with SECRET_KEY: nothing secret is stored,
    and the outbox can build the link when it sends the email.
    """

    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_sent",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitation",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(Upper("email"), name="invitation_email_ci")]  # for iexact
        constraints = [
            known_choice("role", Role),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="invitation_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} ({self.role})"

    @property
    def token(self) -> str:
        return signing.Signer(salt=INVITATION_SALT).sign(str(self.pk))

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def is_usable(self) -> bool:
        return not self.is_accepted and not self.is_expired


DEFAULT_CRISIS_RESOURCES = """If you are in danger or might act on thoughts of harming yourself, \
call your local emergency number now (for example 999 in the UK, 911 in the US and Canada, \
112 in the EU, 000 in Australia).

If you need to talk to someone today, a crisis line can listen: in the UK and Ireland call \
Samaritans on 116 123, in the US call or text 988, or find a line in your country at \
findahelpline.com.

You can also contact your group's facilitator, but they may not see messages straight away."""


REMINDER_HOUR_CHOICES = [
    (1, "1 hour"),
    (2, "2 hours"),
    (3, "3 hours"),
    (6, "6 hours"),
    (12, "12 hours"),
    (24, "1 day"),
    (48, "2 days"),
    (72, "3 days"),
]


def default_allowed_reminder_hours() -> list[int]:
    return [2, 24, 48]


def default_reminder_hours() -> list[int]:
    return [2, 24]


class Organisation(models.Model):
    """The one organisation this installation serves; admins edit it in the app."""

    name = models.CharField(max_length=120, default="Together", validators=[single_line])
    allowed_reminder_hours = models.JSONField(
        default=default_allowed_reminder_hours,
        help_text="Reminder times (hours before a session) people may choose from.",
    )
    default_reminder_hours = models.JSONField(
        default=default_reminder_hours,
        help_text="Reminder times for people who have not chosen.",
    )
    goal_prompt_days = models.PositiveSmallIntegerField(
        default=3, help_text="Days after a session to send the goal check-in prompt."
    )
    crisis_resources = models.TextField(
        default=DEFAULT_CRISIS_RESOURCES,
        help_text="Shown on the crisis page, linked from every page.",
    )
    support_contact = models.CharField(
        max_length=200, blank=True, help_text="Who people can contact about the app itself."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="organisation_singleton")
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> "Organisation":
        """The one organisation, read once per request however many parts of a page ask."""
        request = current_request()
        organisation = getattr(request, "_together_organisation", None)
        if organisation is None:
            organisation = cls.objects.get_or_create(pk=1)[0]
            if request is not None:
                request._together_organisation = organisation
        return organisation


class ConfidentialityAgreement(models.Model):
    """The group agreement participants accept; a new text is a new version, asked again."""

    version = models.PositiveIntegerField(unique=True)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Confidentiality agreement v{self.version}"

    @classmethod
    def current(cls) -> "ConfidentialityAgreement":
        """The version in force; the default text is version 1 until an admin writes another."""
        latest = cls.objects.order_by("-version").first()
        if latest is None:
            latest, _ = cls.objects.get_or_create(version=1, defaults={"text": DEFAULT_AGREEMENT})
        return latest


class AgreementAcceptance(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agreement_acceptances"
    )
    agreement = models.ForeignKey(
        ConfidentialityAgreement, on_delete=models.PROTECT, related_name="acceptances"
    )
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "agreement"], name="accept_each_version_once")
        ]

    def __str__(self) -> str:
        return f"Acceptance {self.pk} of v{self.agreement.version}"


class ClosureRequest(models.Model):
    """A person asked to close their account: login stops at once; records stay per policy."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="closure_request"
    )
    # Why someone leaves often says something about their health: encrypted like notes.
    reason = EncryptedCharField(max_length=300, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Closure request {self.pk}"


DEFAULT_AGREEMENT = """What is said in the group stays in the group. We don't share other members' \
names, stories or details with anyone outside it.

We don't record sessions or take photos.

If we meet someone from the group outside, we let them choose whether to say hello.

Facilitators keep notes about sessions. They share information only if someone's safety is at \
risk, or if the law requires it, and they will tell you if they can."""


class NotificationQuerySet(models.QuerySet):
    def due(self, now):
        return self.filter(state=Notification.State.PENDING, due_at__lte=now)


class NotificationState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    MISSED = "missed", "Missed"


class OutboxMark(models.Model):
    """A moment the delivery engine keeps in the database, by name (sessions.outbox): how far
    planning has got, since when the mail server has been unreachable, since when delivery is
    held after a restore."""

    PLANNED_THROUGH = "planned_through"
    MAIL_UNREACHABLE = "mail_unreachable_since"
    HELD = "held_since"

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}: {self.at}"


class Notification(models.Model):
    """One email in the outbox: the database, not a Celery ETA, is what is scheduled.

    Rows are written in the same transaction as the change they announce, keyed by the person
    (or, for an invitation, the address). Planning twice is harmless (the unique keys), and a
    cancelled row is no obstacle to planning the same message again. It lives in members
    (every app writes to it); sessions.outbox plans and builds, sessions.delivery sends, under
    the guarantee stated there.
    """

    class Kind(models.TextChoices):
        SESSION_REMINDER = "session_reminder", "Session reminder"
        DAY_SUMMARY = "day_summary", "Facilitator's day-before summary"
        TIME_CHANGED = "time_changed", "Session time changed"
        CANCELLED = "cancelled", "Session cancelled"
        GOAL_PROMPT = "goal_prompt", "Goal check-in prompt"
        WAITLIST_OFFER = "waitlist_offer", "Waitlist place offered"
        ADDED_TO_GROUP = "added_to_group", "Invited to join a group"
        INVITATION = "invitation", "Invitation"

    State = NotificationState

    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # Only for messages to someone without an account (invitations). Everyone else is keyed and
    # reached by their account: the address is read when the message is sent.
    email = models.EmailField(blank=True)
    subject_id = models.BigIntegerField(
        help_text="The session, enrollment or invitation it is about."
    )
    occurrence = models.DateTimeField(
        help_text="The moment it refers to, e.g. the session's start."
    )
    offset_minutes = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField()
    expires_at = models.DateTimeField(help_text="Not sent after this: marked missed instead.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # Fencing: a worker sends and marks a row only while its claim token is still the row's.
    claim_token = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    link_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        constraints = [
            known_choice("state", NotificationState),
            # A cancelled row does not count: re-planning brings the message back to life.
            models.UniqueConstraint(
                fields=["kind", "recipient", "subject_id", "occurrence", "offset_minutes"],
                condition=models.Q(recipient__isnull=False) & ~models.Q(state="cancelled"),
                name="one_message_per_person_and_occurrence",
            ),
            models.UniqueConstraint(
                fields=["kind", "email", "subject_id", "occurrence", "offset_minutes"],
                condition=models.Q(recipient__isnull=True) & ~models.Q(state="cancelled"),
                name="one_message_per_address_and_occurrence",
            ),
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | ~models.Q(email=""),
                name="message_has_a_recipient_or_an_address",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(state="pending"),
                name="notification_pending_due",
            ),
            models.Index(
                fields=["lease_until"],
                condition=models.Q(state="sending"),
                name="notification_sending_lease",
            ),
            models.Index(fields=["created_at", "state"], name="notification_recent_state"),
        ]

    def __str__(self) -> str:
        return f"Notification {self.pk} ({self.kind}, {self.state})"


def user_display(user) -> str:
    """How allauth's pages and messages name the signed-in person ("Signed in as Fern")."""
    return user.short_name


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    CHANGE = "change", "Changed"
    DELETE = "delete", "Deleted"
    SIGN = "sign", "Signed"
    ADDENDUM = "addendum", "Added an addendum"
    VIEW = "view", "Viewed"
    EXPORT = "export", "Exported"
    ROLE = "role", "Role set"
    DEACTIVATE = "deactivate", "Deactivated"
    REACTIVATE = "reactivate", "Reactivated"
    FACILITATORS = "facilitators", "Facilitators changed"
    LOGIN = "login", "Signed in"
    LOGOUT = "logout", "Signed out"
    LOGIN_FAILED = "login_failed", "Sign-in failed"
    KEYS_ROTATED = "keys_rotated", "Encryption keys rotated"


# Account and role events, which admins see; the rest is the clinical record (a view of a
# participant's record names a user too, so the record type alone does not decide).
ACCOUNT_EVENT = models.Q(
    action__in=[
        AuditAction.ROLE,
        AuditAction.DEACTIVATE,
        AuditAction.REACTIVATE,
        AuditAction.FACILITATORS,
        AuditAction.LOGIN,
        AuditAction.LOGOUT,
        AuditAction.LOGIN_FAILED,
        AuditAction.KEYS_ROTATED,
    ]
) | models.Q(
    object_type__in=["members.user", "members.invitation"],
    action__in=[AuditAction.CREATE, AuditAction.CHANGE, AuditAction.DELETE],
)


class AuditEvent(models.Model):
    """One line of the audit trail: who did what to which record, or opened which clinical page.

    Append-only: PostgreSQL refuses UPDATE and DELETE on this table (members migration 0008).
    It names records by type and id and never holds their text.
    """

    Action = AuditAction

    occurred_at = models.DateTimeField(default=timezone.now)
    # No database constraint: deleting a user must never need to touch the trail.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=60, help_text="app_label.model")
    object_id = models.BigIntegerField(null=True)
    group_id = models.BigIntegerField(null=True, help_text="The group whose record it is.")
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        help_text="The person the record is about.",
    )
    ip = models.GenericIPAddressField(null=True)
    request_id = models.CharField(max_length=32, blank=True)
    detail = models.JSONField(default=dict, blank=True, help_text="Field names, never values.")

    class Meta:
        indexes = [
            models.Index(fields=["group_id", "-occurred_at"], name="audit_group_recent"),
            # Exactly the admins' account activity, newest first (bench/indexes.py).
            models.Index(
                fields=["-occurred_at"], condition=ACCOUNT_EVENT, name="audit_account_recent"
            ),
        ]

    def __str__(self) -> str:
        return f"Audit event {self.pk}: {self.action} {self.object_type} {self.object_id}"

    @property
    def record_label(self) -> str:
        """ "Group note 12": the kind of record and its id."""
        from django.apps import apps

        try:
            name = str(apps.get_model(self.object_type)._meta.verbose_name)
        except (LookupError, ValueError):
            name = self.object_type
        return f"{name.capitalize()} {self.object_id or ''}".strip()

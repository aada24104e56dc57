import zoneinfo
from datetime import UTC, datetime, time, timedelta
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.db.models.functions import Now, Upper
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core import sql
from core.encryption import EncryptedCharField
from core.request_context import once_per_unit
from core.validators import known_choice, phone_number, single_line
from members.record import PersonRecord, dial_link  # noqa: F401 (PersonRecord: a members model)

INVITATION_LIFETIME = timedelta(days=14)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(zone)r is not a known time zone.") % {"zone": value})


# The zones most of our clinics are in, offered first; every other zone follows.
COMMON_ZONES = [
    "Europe/London",
    "Europe/Dublin",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Madrid",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Pacific/Auckland",
]


@cache
def _place_zones() -> tuple[str, ...]:
    # available_timezones() walks the zone files on disk (about 2.5 ms); they do not change
    # while the process runs.
    return tuple(
        sorted(
            zone
            for zone in zoneinfo.available_timezones()
            if "/" in zone and not zone.startswith(("Etc/", "SystemV/"))
        )
    )


def timezone_choices() -> list:
    """Zones for a select: the common ones first, then every place zone A to Z."""
    return [
        ("Common time zones", [(zone, zone) for zone in COMMON_ZONES]),
        ("All time zones", [(zone, zone) for zone in _place_zones()]),
    ]


class Role(models.TextChoices):
    ADMIN = "admin", gettext_lazy("Admin")
    FACILITATOR = "facilitator", gettext_lazy("Facilitator")
    PARTICIPANT = "participant", gettext_lazy("Participant")


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
    email = models.EmailField(gettext_lazy("email address"), unique=True)
    first_name = models.CharField(
        gettext_lazy("first name"), max_length=150, blank=True, validators=[single_line]
    )
    last_name = models.CharField(
        gettext_lazy("last name"), max_length=150, blank=True, validators=[single_line]
    )
    display_name = models.CharField(
        gettext_lazy("display name"),
        max_length=80,
        blank=True,
        validators=[single_line],
        help_text=gettext_lazy("The name other people in your groups see."),
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PARTICIPANT)
    timezone = models.CharField(
        gettext_lazy("time zone"),
        max_length=64,
        default=settings.TIME_ZONE,
        validators=[validate_timezone],
    )
    # Everything the person sees and receives is in this language; blank: the organisation's.
    language = models.CharField(
        gettext_lazy("language"), max_length=10, blank=True, choices=settings.LANGUAGES
    )
    session_reminders = models.BooleanField(
        gettext_lazy("session reminders"),
        default=True,
        help_text=gettext_lazy("A message before each session."),
    )
    # Hours before a session to remind; empty means the organisation's defaults.
    reminder_hours = models.JSONField(default=list, blank=True)
    # The secret in the person's calendar feed address. It reveals only times and places.
    calendar_token = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    goal_prompts = models.BooleanField(
        gettext_lazy("goal check-in prompts"),
        default=True,
        help_text=gettext_lazy("A gentle message between sessions."),
    )
    # How each topic reaches the person once they have a checked number: {topic: "email",
    # "text" or "both"}; a topic left out has its default (members/text_numbers.py).
    message_channels = models.JSONField(default=dict, blank=True)

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
        return short_name(self.display_name, self.first_name)

    @property
    def language_in_use(self) -> str:
        return self.language or Organisation.current().language

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES


INVITATION_SALT = "together.invitation"


class Session(AbstractBaseSession):
    """A browser's session: Django's own, with the signed-in person's id in a column of its own.
    Every request reads its session and its person in one query (members/sessions.py), and
    a person's sessions end with them."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="browser_sessions"
    )

    class Meta(AbstractBaseSession.Meta):
        pass

    @classmethod
    def get_session_store_class(cls):
        from members.sessions import SessionStore

        return SessionStore


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


# Marked for translation: until the organisation writes its own, each language has this one.
DEFAULT_CRISIS_RESOURCES = gettext_noop(
    "If you are in danger or might act on thoughts of harming yourself, call your local "
    "emergency number now (for example 999 in the UK, 911 in the US and Canada, 112 in the EU, "
    "000 in Australia).\n\nIf you need to talk to someone today, a crisis line below can listen."
)


REMINDER_HOUR_CHOICES = [
    (1, gettext_lazy("1 hour")),
    (2, gettext_lazy("2 hours")),
    (3, gettext_lazy("3 hours")),
    (6, gettext_lazy("6 hours")),
    (12, gettext_lazy("12 hours")),
    (24, gettext_lazy("1 day")),
    (48, gettext_lazy("2 days")),
    (72, gettext_lazy("3 days")),
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
        help_text=gettext_lazy("Reminder times (hours before a session) people may choose from."),
    )
    default_reminder_hours = models.JSONField(
        default=default_reminder_hours,
        help_text=gettext_lazy("Reminder times for people who have not chosen."),
    )
    goal_prompt_days = models.PositiveSmallIntegerField(
        default=3, help_text=gettext_lazy("Days after a session to send the goal check-in prompt.")
    )
    follow_up_window_hours = models.PositiveSmallIntegerField(
        gettext_lazy("hours to acknowledge a follow-up"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
        help_text=gettext_lazy(
            "If no facilitator acknowledges a safety follow-up within this many hours, the "
            "group's facilitators and the admins are alerted again, and again each time as "
            "long passes."
        ),
    )
    participants_see_scores = models.BooleanField(
        gettext_lazy("participants see their own questionnaire scores"),
        default=True,
        help_text=gettext_lazy("In plain words, over time; never anyone else's."),
    )
    crisis_resources = models.TextField(
        default=DEFAULT_CRISIS_RESOURCES,
        help_text=gettext_lazy(
            "Shown on the crisis page, linked from every page, in the organisation's language."
        ),
    )
    # The same, as the organisation writes it for people who read another language: {code: text}.
    crisis_resources_in = models.JSONField(default=dict, blank=True)
    support_contact = models.CharField(
        max_length=200,
        blank=True,
        help_text=gettext_lazy("Who people can contact about the app itself."),
    )
    contact_phone = models.CharField(
        gettext_lazy("the organisation's phone number"),
        max_length=30,
        blank=True,
        validators=[phone_number],
        help_text=gettext_lazy(
            "Shown on the crisis page as a button to call you, after the crisis lines."
        ),
    )
    contact_hours = models.CharField(
        gettext_lazy("when that phone is answered"),
        max_length=80,
        blank=True,
        validators=[single_line],
        help_text=gettext_lazy("For example: Monday to Friday, 9:00 to 17:00."),
    )
    timezone = models.CharField(
        gettext_lazy("the organisation's time zone"),
        max_length=64,
        default="Europe/London",
        validators=[validate_timezone],
        help_text=gettext_lazy("New groups start in this zone."),
    )
    language = models.CharField(
        gettext_lazy("the organisation's language"),
        max_length=10,
        default="en-gb",
        choices=settings.LANGUAGES,
        help_text=gettext_lazy("For everyone who has not chosen their own, and for invitations."),
    )
    holiday_country = models.CharField(
        gettext_lazy("country for public holidays"),
        max_length=3,
        blank=True,
        help_text=gettext_lazy(
            "Scheduling warns when a session falls on one of its public holidays."
        ),
    )
    quiet_from = models.TimeField(
        gettext_lazy("quiet hours start"),
        default=time(21, 0),
        help_text=gettext_lazy(
            "Texts that can wait are held from this time until quiet hours end, in each "
            "person's own time zone. A cancellation within 24 hours is never held."
        ),
    )
    quiet_until = models.TimeField(
        gettext_lazy("quiet hours end"),
        default=time(8, 0),
        help_text=gettext_lazy("Make it the same as the start for no quiet hours."),
    )
    name_in_subjects = models.BooleanField(
        gettext_lazy("name the organisation in email subjects"),
        default=False,
        help_text=gettext_lazy(
            "Off: a phone's lock screen shows only the message, such as “Reminder: "
            "Tuesday group at 18:00”. On: the organisation's name follows it."
        ),
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="organisation_singleton")
        ]

    def __str__(self) -> str:
        return self.name

    def quiet_hours_end(self, zone: str, moment: datetime) -> datetime | None:
        """When the quiet hours `moment` falls in end, in `zone`'s wall-clock time; None
        outside quiet hours (or with none: start and end the same)."""
        start, end = self.quiet_from, self.quiet_until
        local = timezone.localtime(moment, zoneinfo.ZoneInfo(zone))
        now = local.time()
        if start == end or not (start <= now or now < end if start > end else start <= now < end):
            return None
        day = local.date() + timedelta(days=1 if start > end and now >= start else 0)
        # In UTC: subtracting two times in one zone would count wall-clock hours across a change.
        return datetime.combine(day, end, zoneinfo.ZoneInfo(zone)).astimezone(UTC)

    @property
    def contact_phone_link(self) -> str:
        return dial_link("tel", self.contact_phone)

    @property
    def crisis_text(self) -> str:
        """The crisis resources in the language in use, where the organisation wrote them in
        it; the default text translated, if it is still the default; else its own text."""
        written = self.crisis_resources_in.get(translation.get_language() or "")
        if written:
            return written
        if self.crisis_resources == DEFAULT_CRISIS_RESOURCES:
            return translation.gettext(DEFAULT_CRISIS_RESOURCES)
        return self.crisis_resources

    def subject(self, message: str) -> str:
        """An email subject: the message first; the organisation's name only if it chose so."""
        return f"{message} · {self.name}" if self.name_in_subjects else message

    @classmethod
    def current(cls) -> "Organisation":
        """The one organisation, read once per request or delivery batch however many parts
        ask (core.request_context.unit_of_work), with the id of the agreement version in force
        (`agreement_in_force_id`, None before the first). Nearly every page reads it, so it is
        one plain query (core/sql.py), and a signed-in request's comes with its session
        (members/sessions.py): no query of its own.
        """
        return once_per_unit("organisation", cls._read)

    @classmethod
    def columns(cls, alias: str) -> str:
        """The organisation's columns and the agreement in force, for a SELECT list in which
        `alias` names the organisation's row; `from_row` reads them back."""
        agreements = ConfidentialityAgreement._meta.db_table
        return (
            f'{sql.columns(cls, alias)}, (SELECT a.id FROM "{agreements}" a '  # noqa: S608 (_meta)
            "ORDER BY a.version DESC LIMIT 1)"
        )

    @classmethod
    def from_row(cls, values) -> "Organisation":
        organisation = sql.instance(cls, values[:-1])
        organisation.agreement_in_force_id = values[-1]
        return organisation

    @classmethod
    def _read(cls) -> "Organisation":
        query = f'SELECT {cls.columns("o")} FROM "{cls._meta.db_table}" o WHERE o.id = 1'  # noqa: S608 (names from _meta)
        with connection.cursor() as cursor:
            cursor.execute(query)
            row = cursor.fetchone()
        if row:
            return cls.from_row(row)
        organisation = cls.objects.get_or_create(pk=1)[0]
        organisation.agreement_in_force_id = None
        return organisation


class TextNumber(models.Model):
    """The mobile number a person gets texts on (members/text_numbers.py), in E.164.

    Encrypted at rest; seen by the person and the facilitators of their groups only. Texts go
    to it only once it is verified (the code sent to it was typed back) and until the person
    replies STOP. While a code is pending it is kept encrypted, with when it was sent and how
    many wrong tries it has had.
    """

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="text_number"
    )
    number = EncryptedCharField(max_length=20)
    # A keyed digest of the number: how a reply (STOP) finds it without decrypting every row.
    number_digest = models.CharField(max_length=64, db_index=True, editable=False, default="")
    verified_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(
        null=True, blank=True, help_text=gettext_lazy("Replied STOP.")
    )
    code = EncryptedCharField(max_length=6, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    wrong_tries = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"Text number {self.pk}"

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    @staticmethod
    def digest(number: str, secret: str | None = None) -> str:
        """HMAC-SHA256 of an E.164 number, keyed by SECRET_KEY (or `secret`, a fallback)."""
        return salted_hmac(
            "together.text-number", number, secret=secret, algorithm="sha256"
        ).hexdigest()


class CodeSent(models.Model):
    """A code texted to check a number. The "three codes an hour" limit counts these, per
    person and per number (by its digest), so removing a number and adding it again, or adding
    it to another account, never starts the count afresh."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    number_digest = models.CharField(max_length=64, db_index=True)
    sent_at = models.DateTimeField(db_default=Now(), db_index=True)  # the database's clock

    def __str__(self) -> str:
        return f"Code sent {self.pk}"


class ReplyReceived(models.Model):
    """A reply the text provider posted, by its id: a reply (STOP, START) acts once, however
    often its signed request is posted again."""

    message_sid = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(db_default=Now())

    def __str__(self) -> str:
        return f"Reply {self.pk}"


class CrisisLine(models.Model):
    """A line people can call or text when they need help now, shown on the crisis page (one
    tap from every page) as large call and text buttons, in the order the admin gives."""

    name = models.CharField(max_length=80, validators=[single_line])
    phone = models.CharField(max_length=30, blank=True, validators=[phone_number])
    text_number = models.CharField(
        gettext_lazy("number to text"), max_length=30, blank=True, validators=[phone_number]
    )
    hours = models.CharField(
        max_length=80,
        blank=True,
        validators=[single_line],
        help_text=gettext_lazy("For example: 24 hours."),
    )
    web = models.URLField(gettext_lazy("website"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(phone="", text_number="", web=""),
                name="crisis_line_can_be_reached",
                violation_error_message="Give a phone number, a number to text or a website.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_link(self) -> str:
        return dial_link("tel", self.phone)

    @property
    def text_link(self) -> str:
        return dial_link("sms", self.text_number)


def short_name(display_name: str, first_name: str) -> str:
    """What fellow group members see: never a surname or an email address."""
    return display_name or first_name or "Member"


def full_name(first_name: str, last_name: str, display_name: str) -> str:
    """What staff see: the whole name, or the short one when no name was given."""
    return f"{first_name} {last_name}".strip() or short_name(display_name, first_name)


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
            latest, __ = cls.objects.get_or_create(version=1, defaults={"text": DEFAULT_AGREEMENT})
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


def user_display(user) -> str:
    """How allauth's pages and messages name the signed-in person ("Signed in as Fern")."""
    return user.short_name

"""The tables of the infrastructure: the audit trail and the outbox. They know people only as
the user model named in settings, and records only by type and id."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core.validators import known_choice


class NotificationQuerySet(models.QuerySet):
    def due(self, now):
        return self.filter(state=Notification.State.PENDING, due_at__lte=now)


class NotificationState(models.TextChoices):
    PENDING = "pending", gettext_lazy("Pending")
    SENDING = "sending", gettext_lazy("Sending")
    SENT = "sent", gettext_lazy("Sent")
    FAILED = "failed", gettext_lazy("Failed")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")
    MISSED = "missed", gettext_lazy("Missed")


class Channel(models.TextChoices):
    EMAIL = "email", gettext_lazy("Email")
    TEXT = "text", gettext_lazy("Text message")


class OutboxMark(models.Model):
    """A moment the delivery engine keeps in the database, by name (core.outbox): how far
    planning has got, since when the mail server (or the text provider) has been unreachable,
    since when delivery is held after a restore."""

    PLANNED_THROUGH = "planned_through"
    MAIL_UNREACHABLE = "mail_unreachable_since"
    TEXTS_UNAVAILABLE = "texts_unavailable_since"
    HELD = "held_since"

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField()

    class Meta:
        db_table = "members_outboxmark"  # made by members before the engine moved here

    def __str__(self) -> str:
        return f"{self.name}: {self.at}"


class Notification(models.Model):
    """One email in the outbox: the database, not a Celery ETA, is what is scheduled.

    Rows are written in the same transaction as the change they announce, keyed by the person
    (or, for an invitation, the address). Planning twice is harmless (the unique keys), and a
    cancelled row is no obstacle to planning the same message again. Apps register their kinds
    and how to build them (core.outbox); core.delivery sends, under the guarantee stated there.
    """

    State = NotificationState
    Channel = Channel

    # A message kind registered by the app that plans it (core.outbox.register_kind).
    kind = models.CharField(max_length=20)
    # The same message may go by email and by text: one row for each (core/sms.py sends texts).
    channel = models.CharField(max_length=5, choices=Channel.choices, default=Channel.EMAIL)
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
        help_text=gettext_lazy("The session, enrollment or invitation it is about.")
    )
    occurrence = models.DateTimeField(
        help_text=gettext_lazy("The moment it refers to, e.g. the session's start.")
    )
    offset_minutes = models.PositiveIntegerField(default=0)
    # For a change notice: the time the person last heard of, so the notice can name it.
    previous_occurrence = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField()
    expires_at = models.DateTimeField(
        help_text=gettext_lazy("Not sent after this: marked missed instead.")
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # Fencing: a worker sends and marks a row only while its claim token is still the row's.
    claim_token = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    segments = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=gettext_lazy("A text's cost.")
    )
    # A text's id at the provider, and what the provider last reported of it (status callbacks).
    provider_id = models.CharField(max_length=64, blank=True)
    delivery_status = models.CharField(max_length=12, blank=True)
    # Sends whose answer never came back and no report settled (core.delivery): above 0 on a
    # sent text, it may have reached the phone more than once.
    maybe_sent = models.PositiveSmallIntegerField(default=0)
    link_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "members_notification"  # made by members before the engine moved here
        constraints = [
            known_choice("state", NotificationState, name="members_notification_state_known"),
            known_choice("channel", Channel, name="notification_channel_known"),
            # A cancelled row does not count: re-planning brings the message back to life.
            models.UniqueConstraint(
                fields=[
                    "kind",
                    "channel",
                    "recipient",
                    "subject_id",
                    "occurrence",
                    "offset_minutes",
                ],
                condition=models.Q(recipient__isnull=False) & ~models.Q(state="cancelled"),
                name="one_message_per_person_channel_and_occurrence",
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
            # A text goes to a person's verified number: never to a bare address.
            models.CheckConstraint(
                condition=models.Q(channel="email") | models.Q(recipient__isnull=False),
                name="text_has_a_recipient",
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
            models.Index(
                fields=["provider_id"],
                condition=~models.Q(provider_id=""),
                name="notification_provider_id",
            ),
        ]

    def __str__(self) -> str:
        return f"Notification {self.pk} ({self.kind}, {self.state})"


class AuditAction(models.TextChoices):
    CREATE = "create", gettext_lazy("Created")
    CHANGE = "change", gettext_lazy("Changed")
    DELETE = "delete", gettext_lazy("Deleted")
    SIGN = "sign", gettext_lazy("Signed")
    ADDENDUM = "addendum", gettext_lazy("Added an addendum")
    VIEW = "view", gettext_lazy("Viewed")
    EXPORT = "export", gettext_lazy("Exported")
    ROLE = "role", gettext_lazy("Role set")
    DEACTIVATE = "deactivate", gettext_lazy("Deactivated")
    REACTIVATE = "reactivate", gettext_lazy("Reactivated")
    FACILITATORS = "facilitators", gettext_lazy("Facilitators changed")
    LOGIN = "login", gettext_lazy("Signed in")
    LOGOUT = "logout", gettext_lazy("Signed out")
    LOGIN_FAILED = "login_failed", gettext_lazy("Sign-in failed")
    KEYS_ROTATED = "keys_rotated", gettext_lazy("Encryption keys rotated")
    ESCALATE = "escalate", gettext_lazy("Escalated")


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

    Append-only: PostgreSQL refuses UPDATE and DELETE on this table (members migration 0008),
    and the app's database role may only add to it and read it (core.db_roles).
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
    object_type = models.CharField(max_length=60, help_text=gettext_lazy("app_label.model"))
    object_id = models.BigIntegerField(null=True)
    group_id = models.BigIntegerField(
        null=True, help_text=gettext_lazy("The group whose record it is.")
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        help_text=gettext_lazy("The person the record is about."),
    )
    ip = models.GenericIPAddressField(null=True)
    request_id = models.CharField(max_length=32, blank=True)
    detail = models.JSONField(
        default=dict, blank=True, help_text=gettext_lazy("Field names, never values.")
    )

    class Meta:
        db_table = "members_auditevent"  # made by members before the trail moved here
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

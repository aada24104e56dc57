"""The outbox's tables: each message planned (`Notification`, one row per channel) and the
moments the engine keeps (`OutboxMark`). They know people only as the user model named in
settings, and what a message is about only by id."""

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
    and how to build them (core.outbox); core/outbox/delivery.py sends, under the guarantee
    stated there.
    """

    State = NotificationState
    Channel = Channel

    # A message kind registered by the app that plans it (core.outbox.register).
    kind = models.CharField(max_length=20)
    # The same message may go by email and by text: one row for each (sms.py sends texts).
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
    # Sends whose answer never came back and no report settled (core.outbox.delivery): above 0 on a
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

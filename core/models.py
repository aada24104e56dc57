"""The tables of the infrastructure: the audit trail here, the outbox's in core/outbox/models.py
(imported below, so Django finds them with this app's). They know people only as the user
model named in settings, and records only by type and id."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core.outbox.models import Notification, OutboxMark  # noqa: F401


class AuditAction(models.TextChoices):
    CREATE = "create", gettext_lazy("Created")
    CHANGE = "change", gettext_lazy("Changed")
    DELETE = "delete", gettext_lazy("Deleted")
    SIGN = "sign", gettext_lazy("Signed")
    ADDENDUM = "addendum", gettext_lazy("Added an addendum")
    VIEW = "view", gettext_lazy("Viewed")
    EXPORT = "export", gettext_lazy("Exported")
    DOWNLOAD = "download", gettext_lazy("Downloaded")
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

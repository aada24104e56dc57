"""Django admin, kept for data repair by superusers, and nothing more.

- It has no login of its own: people sign in through allauth (rate limits, two steps), and the
  site opens only for an active superuser whose session passed the second step.
- It never shows clinical text or second-step secrets: a model with encrypted fields, or an
  allauth authenticator, is never registered, whoever asks.
- Every change made through it lands in the audit trail with the names of the fields changed.
- Who signs in as whom changes only through the app's own flows: email addresses and their
  verification, invitations and sign-in sessions are shown read-only, and a person's email
  address cannot be edited here (they change it on their account page: confirmed by the new
  address, the old one told, audited).
"""

from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE
from django.core.exceptions import PermissionDenied
from django.db.models.base import ModelBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from core.encryption import EncryptedTextField
from members import second_step

KEPT_OUT = {"mfa.authenticator"}
IDENTITY = {"account.emailaddress", "members.invitation", "usersessions.usersession"}


class ReadOnly:
    """Mixed into the admin of a record that decides who signs in as whom: view only."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def kept_out(model) -> bool:
    """Clinical records (anything encrypted) and MFA secrets never appear in Django admin."""
    return model._meta.label_lower in KEPT_OUT or any(
        isinstance(field, EncryptedTextField) for field in model._meta.concrete_fields
    )


def changed_fields(message) -> list[str]:
    """The field names in a change message built by ModelAdmin.construct_change_message."""
    names = set()
    for part in message if isinstance(message, list) else []:
        for change in part.values():
            names.update(change.get("fields", []))
    return sorted(names)


class AuditedAdmin:
    """Mixed into every ModelAdmin: admin's own log entries go to our audit trail too."""

    def _audit(self, request, obj, action, message=None):
        from core import audit

        audit.record(
            action,
            obj,
            detail={"via": "django-admin", "fields": changed_fields(message)},
        )

    def log_addition(self, request, obj, message):
        self._audit(request, obj, audit_action(ADDITION), message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, obj, audit_action(CHANGE), message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, audit_action(None))
        return super().log_deletions(request, queryset)


def audit_action(flag):
    from core.models import AuditEvent

    return {ADDITION: AuditEvent.Action.CREATE, CHANGE: AuditEvent.Action.CHANGE}.get(
        flag, AuditEvent.Action.DELETE
    )


class TogetherAdminSite(admin.AdminSite):
    site_header = "Together: data repair"
    site_title = "Together data repair"
    index_title = "Records (superusers only; every change is audited)"

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_superuser and second_step.passed(request)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            # Signed in, but not a superuser with both steps done in this session.
            raise PermissionDenied
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:index")
        return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")

    def password_change(self, request, extra_context=None):
        return redirect("account_change_password")

    def register(self, model_or_iterable, admin_class=None, **options):
        single = isinstance(model_or_iterable, ModelBase)
        models = [model_or_iterable] if single else model_or_iterable
        base = admin_class or admin.ModelAdmin
        for model in models:
            if kept_out(model):
                continue
            mixins = (
                (ReadOnly, AuditedAdmin) if model._meta.label_lower in IDENTITY else (AuditedAdmin,)
            )
            super().register(model, type(f"Audited{base.__name__}", (*mixins, base), {}), **options)

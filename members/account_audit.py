"""Account events in the audit trail: creation, role, deactivation, sign-in and sign-out."""

from django.contrib.auth import signals as auth_signals

from core.audit import Action, record, track
from members.models import Invitation, PersonRecord, User

# Saves of other user fields (last_login at every sign-in) are not account changes.
ACCOUNT_FIELDS = {"email", "password", "role", "is_active", "is_staff", "is_superuser"}


def account_action(user: User, created: bool, update_fields) -> str | None:
    if created:
        return Action.CREATE
    if update_fields is None:
        return Action.CHANGE
    if "role" in update_fields:
        return Action.ROLE
    if "is_active" in update_fields:
        return Action.REACTIVATE if user.is_active else Action.DEACTIVATE
    return Action.CHANGE if ACCOUNT_FIELDS & set(update_fields) else None


def _self(user: User) -> int:
    return user.pk


def track_accounts() -> None:
    track(User, group=lambda user: None, participant=_self, action=account_action)
    track(Invitation, group=lambda invitation: None)
    # The clinic's record of a person: the trail says who changed it, never the values.
    track(PersonRecord, group=lambda record: None, participant=lambda r: r.person_id)

    def logged_in(sender, request, user, **kwargs):
        record(Action.LOGIN, user, participant_id=user.pk)

    def logged_out(sender, request, user, **kwargs):
        if user is not None:
            record(Action.LOGOUT, user, participant_id=user.pk)

    def login_failed(sender, credentials, request=None, **kwargs):
        # The address typed is not kept: it may be someone else's, mistyped.
        record(Action.LOGIN_FAILED, User)

    auth_signals.user_logged_in.connect(logged_in, weak=False, dispatch_uid="audit-login")
    auth_signals.user_logged_out.connect(logged_out, weak=False, dispatch_uid="audit-logout")
    auth_signals.user_login_failed.connect(login_failed, weak=False, dispatch_uid="audit-failed")

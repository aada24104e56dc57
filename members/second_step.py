"""Staff see clinical data, so a staff session counts only once it passed the second step.

An authenticator on the account says nothing about this session: a session that signed in by
password alone (before enrolment, or by any other path) has no "mfa" record. allauth keeps the
methods each session used; this module reads them and adds one when a person enrols TOTP (the
code they typed to enrol proves the same thing a sign-in code does).
"""

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.totp.views import ActivateTOTPView

from members.models import STAFF_ROLES


def passed(request) -> bool:
    """This session completed a second step (a TOTP or recovery code) for this user."""
    return any(
        record.get("method") == "mfa"
        for record in get_authentication_records(request, request.user)
    )


def required(user) -> bool:
    return user.is_authenticated and (user.role in STAFF_ROLES or user.is_superuser)


def has_totp(user) -> bool:
    return user.authenticator_set.filter(type="totp").exists()


class EnrolTOTPView(ActivateTOTPView):
    """allauth's TOTP set-up, which also counts as this session's second step."""

    def form_valid(self, form):
        response = super().form_valid(form)
        # The code just typed proves what a reauthentication would: the recovery codes
        # page that follows opens without asking for the password again.
        record_authentication(
            self.request,
            self.request.user,
            "mfa",
            type="totp",
            enrolled=True,
            reauthenticated=True,
        )
        return response


enrol_totp = EnrolTOTPView.as_view()

from datetime import timedelta

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.request_context import client_ip
from members import invitations
from members.models import Organisation


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """Signup opens only for a visitor holding a usable invitation, for that invitation's email."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # Say what to do, and that it is not a judgement: the limit is 5 tries in 5 minutes.
        "too_many_login_attempts": (
            "Too many failed login attempts. Wait five minutes and try again, or use "
            "“Forgot your password?” to set a new one."
        ),
    }

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Every account email speaks in the organisation's name (templates/account/email).
        organisation = Organisation.current()
        super().send_mail(
            template_prefix,
            email,
            {"organisation": organisation, "site_url": settings.SITE_URL, **context},
        )

    def format_email_subject(self, subject: str) -> str:
        return Organisation.current().subject(subject)

    def get_client_ip(self, request) -> str:
        # The same address the audit trail records: behind our proxy, the one the proxy saw.
        return client_ip(request) or super().get_client_ip(request)

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # Failed passwords count per account *and* address, so that someone who knows a staff
        # member's email cannot lock them out from elsewhere (SECURITY.md, "Sign-in limits").
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}:{self.get_client_ip(request)}"

    def is_open_for_signup(self, request) -> bool:
        if invitations.usable_invitation(request) is None:
            raise ImmediateHttpResponse(render(request, "account/signup_closed.html", status=403))
        return True

    def clean_email(self, email: str) -> str:
        request = self.request
        if request is not None and not request.user.is_authenticated:
            invitation = invitations.usable_invitation(request)
            if invitation is not None and invitation.email.lower() != email.lower():
                raise ValidationError(
                    _(
                        "This invitation is for a different email address. "
                        "Use the address the invitation was sent to."
                    )
                )
        return super().clean_email(email)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # Staff must enrol TOTP straight after signing in; asking for the password they have
        # just typed again protects nothing when they have no authenticator yet.
        if app == "allauth.mfa" and self._first_enrolment_right_after_sign_in():
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def _first_enrolment_right_after_sign_in(self) -> bool:
        request = self.request
        if request is None or not request.user.is_authenticated:
            return False
        user = request.user
        # last_login, not allauth's authentication records: signing in by confirming the
        # email address (right after signup) leaves no record.
        recent = user.last_login is not None and timezone.now() - user.last_login < timedelta(
            seconds=account_settings.REAUTHENTICATION_TIMEOUT
        )
        return recent and not user.authenticator_set.exists()

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django.core.exceptions import ValidationError
from django.shortcuts import render

from members import invitations


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """Signup opens only for a visitor holding a usable invitation, for that invitation's email."""

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
                    "This invitation is for a different email address. "
                    "Use the address the invitation was sent to."
                )
        return super().clean_email(email)

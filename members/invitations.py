"""The invitation a visitor is signing up with, remembered in their session."""

from django.conf import settings
from django.urls import reverse

from members.models import Invitation, User

SESSION_KEY = "members.invitation_id"


def remember(request, invitation: Invitation) -> None:
    request.session[SESSION_KEY] = invitation.pk


def usable_invitation(request) -> Invitation | None:
    """The session's invitation if it can still be used, else None."""
    invitation_id = request.session.get(SESSION_KEY)
    if invitation_id is None:
        return None
    invitation = Invitation.objects.pending().filter(pk=invitation_id).first()
    if invitation is None:
        request.session.pop(SESSION_KEY, None)
    return invitation


def forget(request) -> None:
    request.session.pop(SESSION_KEY, None)


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("invitation_accept", kwargs={"token": invitation.token})


def account_waiting(invitation: Invitation) -> User | None:
    """The account made for this address from a referral, with no password chosen yet."""
    person = User.objects.filter(email__iexact=invitation.email, is_active=True).first()
    return person if person is not None and not person.has_usable_password() else None

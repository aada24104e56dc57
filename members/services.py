"""Writes that touch accounts: invitations and their acceptance."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from members.models import INVITATION_LIFETIME, Invitation, Organisation, Role, User, hash_token
from members.signals import invitation_accepted


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("invitation_accept", kwargs={"token": token})


def create_invitation(*, email: str, role: Role, invited_by: User | None) -> tuple[Invitation, str]:
    """Invite `email` to sign up as `role`, replacing any earlier pending invitation.

    Returns the invitation and its link; the link is emailed once the transaction commits.
    """
    email = email.strip().lower()
    now = timezone.now()
    Invitation.objects.pending().filter(email__iexact=email).update(expires_at=now)
    token = Invitation.new_token()
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        invited_by=invited_by,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    url = invitation_url(token)
    transaction.on_commit(lambda: send_invitation_email(invitation=invitation, url=url))
    return invitation, url


def send_invitation_email(*, invitation: Invitation, url: str) -> None:
    organisation = Organisation.current()
    context = {"invitation": invitation, "url": url, "organisation": organisation}
    send_mail(
        subject=f"You're invited to {organisation.name}",
        message=render_to_string("members/email/invitation.txt", context),
        html_message=render_to_string("members/email/invitation.html", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


def accept_invitation(*, invitation: Invitation, user: User) -> None:
    """Give the new account the invited role and mark the invitation used, exactly once."""
    updated = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_at=timezone.now(), accepted_user=user
    )
    if not updated:
        raise ValueError("This invitation has already been used.")
    user.role = invitation.role
    user.save(update_fields=["role"])
    invitation_accepted.send(sender=Invitation, invitation=invitation, user=user)

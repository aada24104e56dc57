"""Signup is by invitation only, in one step: the invitation link proves the address, so the
invitee sets a name and password and is signed in, with no second email."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from members.models import Invitation, Role, User
from members.services import create_invitation

pytestmark = pytest.mark.django_db(transaction=False)

SIGNUP = {
    "display_name": "Nia",
    "password1": "calm-river-stones-81",
    "password2": "calm-river-stones-81",
    "timezone": "America/New_York",
}


def invite(email="nia@example.org", role=Role.PARTICIPANT, invited_by=None, **_):
    return create_invitation(email=email, role=role, invited_by=invited_by)


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_invited_person_signs_up_and_is_signed_in_without_a_second_email(
    client, facilitator, django_capture_on_commit_callbacks, send_outbox
):
    invitation, url = invite(
        invited_by=facilitator,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    send_outbox()
    assert mail.outbox[-1].to == ["nia@example.org"]
    assert link_in(mail.outbox[-1]) == url

    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("account_signup")
    form_page = client.get(reverse("account_signup"))
    assert form_page.status_code == 200
    assert 'value="nia@example.org"' in form_page.text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), {"email": "nia@example.org", **SIGNUP})
    assert response.status_code == 302
    user = User.objects.get(email="nia@example.org")
    assert user.role == Role.PARTICIPANT
    assert user.timezone == "America/New_York"
    assert user.display_name == "Nia"
    invitation.refresh_from_db()
    assert invitation.accepted_user == user and invitation.accepted_at is not None

    # Signed in at once, the address verified by the invitation: one email in all.
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.emailaddress_set.get().verified
    assert not [m for m in mail.outbox if "confirm-email" in m.body]
    # A new participant's first stop is the group agreement, then home.
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home"))["Location"] == reverse("agreement")


def test_open_signup_is_refused_with_a_clear_page(client):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 403
    assert "You can only create an account from an invitation link" in response.text
    response = client.post(reverse("account_signup"), {"email": "walk-in@example.org", **SIGNUP})
    assert response.status_code == 403
    assert not User.objects.filter(email="walk-in@example.org").exists()


def test_expired_invitation_says_so(client, django_capture_on_commit_callbacks):
    invitation, url = invite(django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.get(url)
    assert response.status_code == 410
    assert "This invitation has expired" in response.text
    assert client.get(reverse("account_signup")).status_code == 403


def test_used_invitation_says_so(client, participant, django_capture_on_commit_callbacks):
    invitation, url = invite(django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    Invitation.objects.filter(pk=invitation.pk).update(
        accepted_at=timezone.now(), accepted_user=participant
    )
    response = client.get(url)
    assert response.status_code == 410
    assert "This invitation has been used" in response.text


def test_unknown_invitation_token_is_not_found(client):
    response = client.get(reverse("invitation_accept", kwargs={"token": "made-up"}))
    assert response.status_code == 404
    assert "We could not find this invitation" in response.text


def test_invitation_cannot_be_used_for_another_email(client, django_capture_on_commit_callbacks):
    _, url = invite(django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    client.get(url)
    response = client.post(
        reverse("account_signup"), {"email": "someone-else@example.org", **SIGNUP}
    )
    assert response.status_code == 400
    assert "This invitation is for a different email address" in response.text
    assert not User.objects.filter(email="someone-else@example.org").exists()


def test_participant_invitation_cannot_escalate_to_another_role(
    client, django_capture_on_commit_callbacks
):
    _, url = invite(django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    client.get(url)
    client.post(
        reverse("account_signup"),
        {
            "email": "nia@example.org",
            **SIGNUP,
            "role": Role.ADMIN,
            "is_staff": "on",
            "is_superuser": "on",
        },
    )
    user = User.objects.get(email="nia@example.org")
    assert (user.role, user.is_staff, user.is_superuser) == (Role.PARTICIPANT, False, False)


def test_new_invitation_replaces_the_pending_one(django_capture_on_commit_callbacks):
    first, _ = invite(django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    second, _ = invite(django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    first.refresh_from_db()
    assert first.is_expired and second.is_usable


def test_invitation_link_token_is_signed_and_nothing_secret_is_stored(
    django_capture_on_commit_callbacks,
):
    invitation, url = invite()
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert Invitation.objects.for_token(token).get() == invitation
    assert not Invitation.objects.for_token(token[:-2] + "xx").exists()
    assert not Invitation.objects.for_token(str(invitation.pk)).exists()


def test_unknown_browser_timezone_falls_back_to_the_server_zone(
    client, settings, django_capture_on_commit_callbacks
):
    _, url = invite(django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    client.get(url)
    client.post(
        reverse("account_signup"),
        {"email": "nia@example.org", **SIGNUP, "timezone": "Mars/Olympus"},
    )
    assert User.objects.get(email="nia@example.org").timezone == settings.TIME_ZONE

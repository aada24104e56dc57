"""Staff sessions count only once they passed the second step, Django admin included, and
Django admin is a superuser's data-repair tool with no login, passwords or secrets of its own."""

import time

import pytest
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from members.admin_site import kept_out
from members.models import Role, User
from tests.conftest import signed_in_client
from tests.members.factories import PASSWORD, UserFactory, current_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(role=Role.ADMIN, email="root@example.org", is_superuser=True, is_staff=True)


def test_django_admin_has_no_login_of_its_own(participant, superuser):
    """A participant posting a superuser's password to admin's login gets no staff session."""
    client = signed_in_client(participant)
    response = client.post(
        reverse("admin:login"), {"username": superuser.email, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert client.session["_auth_user_id"] == str(participant.pk)
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.get(reverse("admin:members_user_changelist")).status_code == 302


def test_anonymous_visitors_of_django_admin_go_to_allauths_login():
    client = Client()
    response = client.post(reverse("admin:login"), {"username": "x@example.org", "password": "y"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")
    assert "_auth_user_id" not in client.session
    follow = client.get(reverse("admin:login") + "?next=https://evil.example/")
    assert "evil.example" not in follow["Location"]


def test_superuser_reaches_django_admin_only_after_both_steps(superuser):
    client = Client()
    client.post(reverse("account_login"), {"login": superuser.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session  # the password alone signs nobody in
    client.post(reverse("mfa_authenticate"), {"code": current_totp(superuser.totp_secret)})
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize(("steps_ago", "accepted"), [(1, True), (3, False)])
def test_a_code_from_the_step_just_gone_is_accepted_and_an_older_one_is_not(
    facilitator, steps_ago, accepted
):
    client = Client()
    client.post(reverse("account_login"), {"login": facilitator.email, "password": PASSWORD})
    client.post(
        reverse("mfa_authenticate"), {"code": current_totp(facilitator.totp_secret, steps_ago)}
    )
    assert ("_auth_user_id" in client.session) is accepted


def test_a_code_once_used_cannot_sign_in_again(facilitator, monkeypatch):
    # Pinned to the middle of a 30-second step: at a step's edge the previous step's code
    # falls out of the tolerance between making it and using it (it failed at 00:31:00.02).
    middle = int(time.time()) // 30 * 30 + 15
    monkeypatch.setattr(time, "time", lambda: middle)
    code = current_totp(facilitator.totp_secret, 1)  # the step before: still accepted
    first, second = Client(), Client()
    for client in (first, second):
        client.post(reverse("account_login"), {"login": facilitator.email, "password": PASSWORD})
        client.post(reverse("mfa_authenticate"), {"code": code})
    assert "_auth_user_id" in first.session
    assert "_auth_user_id" not in second.session


@pytest.mark.parametrize(
    "page", ["home", "admin:index", "account_email", "mfa_view_recovery_codes"]
)
def test_a_staff_session_without_the_second_step_is_signed_out(superuser, page):
    """The account has an authenticator, but this session never used it."""
    client = Client()
    client.force_login_password_only(superuser)
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_staff_without_an_authenticator_see_only_the_enrolment_pages(client):
    user = UserFactory(role=Role.FACILITATOR, mfa=False)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    for page in ("home", "account_email", "account_change_password", "usersessions_list"):
        assert client.get(reverse(page))["Location"] == reverse("mfa_activate_totp"), page
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_enrolling_totp_counts_as_this_sessions_second_step(client):
    user = UserFactory(role=Role.FACILITATOR, mfa=False)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": current_totp(secret)})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_an_admin_who_is_not_a_superuser_cannot_open_django_admin(admin_user):
    client = signed_in_client(admin_user)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 403


def test_django_admin_cannot_set_passwords_or_create_accounts(superuser, participant):
    client = signed_in_client(superuser)
    assert (
        client.get(reverse("admin:members_user_change", args=[participant.pk])).status_code == 200
    )
    url = reverse("admin:auth_user_password_change", args=[participant.pk])
    assert client.get(url).status_code == 404
    response = client.post(url, {"password1": "taken-over-42!", "password2": "taken-over-42!"})
    assert response.status_code == 404
    participant.refresh_from_db()
    assert participant.check_password(PASSWORD)
    assert client.get(reverse("admin:members_user_add")).status_code == 403
    page = client.get(reverse("admin:members_user_change", args=[participant.pk])).text
    assert "/password/" not in page


def test_no_clinical_record_or_mfa_secret_is_in_django_admin():
    registered = admin.site._registry
    assert Authenticator not in registered
    assert [m._meta.label for m in registered if kept_out(m)] == []
    assert User in registered  # the site still works for account repair


def test_changes_through_django_admin_are_audited_with_field_names(superuser, participant):
    client = signed_in_client(superuser)
    url = reverse("admin:members_user_change", args=[participant.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields if name != "password"}
    data.update(
        display_name="Pia R.", first_name="Pia", role=participant.role, timezone="Europe/London"
    )
    data = {k: v for k, v in data.items() if v not in (None, False)}
    data["is_active"] = "on"
    data["groups"] = []
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.filter(detail__via="django-admin").get()
    assert event.actor == superuser
    assert event.object_id == participant.pk
    assert event.action == AuditEvent.Action.CHANGE
    assert "display_name" in event.detail["fields"] or "Display name" in event.detail["fields"]
    assert "Pia R." not in str(event.detail)


def test_django_admin_cannot_change_who_signs_in_as_whom(superuser, participant):
    """The takeover a superuser tried: own address on a participant, ticked verified, then a
    password reset. Addresses, verification, invitations and sessions are read-only there."""
    from allauth.account.models import EmailAddress

    client = signed_in_client(superuser)
    url = reverse("admin:members_user_change", args=[participant.pk])
    form = client.get(url).context["adminform"].form
    assert "email" not in form.fields  # shown, not editable
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data |= {"email": "root@example.org", "role": participant.role, "timezone": "Europe/London"}
    data = {k: v for k, v in data.items() if v not in (None, False)} | {"is_active": "on"}
    client.post(url, data)
    participant.refresh_from_db()
    assert participant.email == "participant@example.org"

    address = EmailAddress.objects.get(user=participant)
    EmailAddress.objects.filter(pk=address.pk).update(verified=False)
    change = reverse("admin:account_emailaddress_change", args=[address.pk])
    assert client.get(change).status_code == 200  # read-only view
    posted = client.post(
        change, {"user": participant.pk, "email": "root@example.org", "verified": "on"}
    )
    assert posted.status_code == 403
    address.refresh_from_db()
    assert (address.email, address.verified) == ("participant@example.org", False)
    for model in ("account_emailaddress", "members_invitation", "usersessions_usersession"):
        assert client.get(reverse(f"admin:{model}_add")).status_code == 403
    assert (
        client.post(reverse("admin:account_emailaddress_delete", args=[address.pk])).status_code
        == 403
    )
    assert EmailAddress.objects.filter(pk=address.pk).exists()


def test_a_person_changes_their_address_in_the_app_confirmed_by_the_new_one_and_the_old_told(
    participant,
):
    import re

    from django.core import mail

    client = Client()
    client.post(reverse("account_login"), {"login": participant.email, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})  # a change of address
    client.post(reverse("account_email"), {"action_add": "", "email": "pia.new@example.org"})
    [confirm] = [m for m in mail.outbox if m.to == ["pia.new@example.org"]]
    participant.refresh_from_db()
    assert participant.email == "participant@example.org"  # nothing changes before it is confirmed
    client.post(re.search(r"/accounts/confirm-email/[^\s/]+/", confirm.body).group(0))
    client.post(reverse("account_email"), {"action_primary": "", "email": "pia.new@example.org"})
    participant.refresh_from_db()
    assert participant.email == "pia.new@example.org"
    assert any(m.to == ["participant@example.org"] for m in mail.outbox[1:])  # the old one told
    changed = AuditEvent.objects.filter(object_type="members.user", object_id=participant.pk)
    assert changed.filter(action=AuditEvent.Action.CHANGE).exists()

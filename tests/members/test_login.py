import pytest
from django.test import Client
from django.urls import reverse

from members.models import Role
from tests.members.factories import PASSWORD, UserFactory, current_totp

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.ADMIN])
def test_staff_without_mfa_are_sent_to_totp_setup(client, role):
    user = UserFactory(role=role, mfa=False)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(user.pk)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # The set-up page itself, and the crisis page, stay open.
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    assert client.get(reverse("crisis_resources")).status_code == 200


def test_facilitator_with_mfa_reaches_the_dashboard(client, facilitator):
    client.force_login(facilitator)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "<h1>Dashboard</h1>" in response.text


def test_participant_without_mfa_reaches_home(client, participant):
    client.force_login(participant)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Your next session" in response.text


def sign_in_with_totp(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    client.post(reverse("mfa_authenticate"), {"code": current_totp(user.totp_secret)})


def test_facilitator_login_asks_for_a_totp_code(client, facilitator):
    sign_in_with_totp(client, facilitator)
    assert client.session["_auth_user_id"] == str(facilitator.pk)
    assert client.get(reverse("home")).status_code == 200


def test_login_is_rate_limited_after_repeated_failures(client, participant):
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": participant.email, "password": "wrong"}
        )
        assert response.status_code == 400  # refused, with the form again
    # Even the right password is refused now, with a message saying what is going on.
    response = client.post(
        reverse("account_login"), {"login": participant.email, "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code in (400, 429)
    assert "Too many failed login attempts. Wait five minutes and try again" in response.text


def test_pages_show_times_in_the_viewers_zone_and_name_it(client, participant):
    participant.timezone = "Australia/Lord_Howe"
    participant.save()
    client.force_login(participant)
    assert "Times are shown in Australia/Lord_Howe" in client.get(reverse("home")).text


def test_changing_mfa_later_asks_for_the_password_again(client, facilitator):
    """The first enrolment right after signing in skips re-authentication; nothing else does."""
    sign_in_with_totp(client, facilitator)
    response = client.get(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_password_reset_sends_a_link_to_an_existing_account(client, participant):
    from django.core import mail

    response = client.post(reverse("account_reset_password"), {"email": participant.email})
    assert response.status_code == 302
    assert mail.outbox[-1].to == [participant.email]
    assert "/accounts/password/reset/key/" in mail.outbox[-1].body


def age_authentication(client) -> None:
    """As if the person signed in an hour ago: past allauth's re-authentication window."""
    session = client.session
    session["account_authentication_methods"] = [
        {**m, "at": m["at"] - 3600} for m in session.get("account_authentication_methods", [])
    ]
    session.save()


def test_adding_an_email_address_asks_for_the_password_again(client, participant):
    client.post(reverse("account_login"), {"login": participant.email, "password": PASSWORD})
    age_authentication(client)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "new@example.org"})
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not participant.emailaddress_set.filter(email="new@example.org").exists()


def test_turning_off_two_step_sign_in_asks_for_the_password_again(client, facilitator):
    sign_in_with_totp(client, facilitator)
    age_authentication(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert facilitator.authenticator_set.filter(type="totp").exists()


def test_changing_the_password_needs_the_current_one(client, participant):
    client.force_login(participant)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "not-it",
            "password1": "a-new-long-password-7",
            "password2": "a-new-long-password-7",
        },
    )
    assert response.status_code == 400
    participant.refresh_from_db()
    assert participant.check_password(PASSWORD)


def test_signing_in_greets_the_person_by_name_not_by_email_or_id(client, participant):
    response = client.post(
        reverse("account_login"), {"login": participant.email, "password": PASSWORD}, follow=True
    )
    assert f"Successfully signed in as {participant.short_name}." in response.text


def test_signing_in_gives_a_new_session_key_and_the_old_one_is_gone(client, participant):
    from members.models import Session

    before = client.session  # a session from before sign-in, as a fixation attack would plant
    before["planted"] = True
    before.save()
    client.cookies["sessionid"] = before.session_key
    client.post(reverse("account_login"), {"login": participant.email, "password": PASSWORD})
    after = client.cookies["sessionid"].value
    assert after != before.session_key
    assert client.session["_auth_user_id"] == str(participant.pk)
    assert not Session.objects.filter(session_key=before.session_key).exists()


def test_an_outsider_cannot_lock_a_known_staff_account_by_failing_from_elsewhere(facilitator):
    outsider = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(8):
        outsider.post(reverse("account_login"), {"login": facilitator.email, "password": "guess"})
    refused = outsider.post(
        reverse("account_login"), {"login": facilitator.email, "password": PASSWORD}
    )
    assert "Too many failed login attempts" in refused.text  # the outsider is held back...
    clinic = Client(REMOTE_ADDR="198.51.100.20")
    sign_in_with_totp(clinic, facilitator)  # ...the facilitator is not
    assert clinic.session["_auth_user_id"] == str(facilitator.pk)


def test_wrong_second_step_codes_are_limited_per_account_from_any_address(facilitator):
    """Six digits are guessable from many addresses: the code step counts per account."""
    for number in range(5):
        client = Client(REMOTE_ADDR=f"203.0.113.{number + 1}")
        client.post(reverse("account_login"), {"login": facilitator.email, "password": PASSWORD})
        client.post(reverse("mfa_authenticate"), {"code": "000000"})
    client = Client(REMOTE_ADDR="198.51.100.20")
    client.post(reverse("account_login"), {"login": facilitator.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": current_totp(facilitator.totp_secret)})
    assert "_auth_user_id" not in client.session

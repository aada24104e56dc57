"""Onboarding in one step: the invitation link proves the address, so an invitee sets a name
and password and is in. Staff then enrol TOTP, save their recovery codes and reach the
dashboard; participants meet the group agreement, then their home."""

from urllib.parse import urlsplit

from django.core import mail
from django.urls import reverse

from members.models import Role, User
from members.services import create_invitation
from tests.members.factories import current_totp


def sign_up(page, live_server, link: str, name: str) -> None:
    page.goto(live_server.url + urlsplit(link).path)
    browser = page.page
    assert browser.url.endswith(reverse("account_signup"))
    browser.get_by_label("What should we call you?").fill(name)
    browser.get_by_label("Password:", exact=True).fill("quiet-harbour-lights-7")
    browser.get_by_label("Password (again)").fill("quiet-harbour-lights-7")
    browser.get_by_role("button", name="Create my account").click()
    page.check()


def test_invited_facilitator_signs_up_enrols_saves_codes_and_lands_on_dashboard(page, live_server):
    _, link = create_invitation(email="fern@example.org", role=Role.FACILITATOR, invited_by=None)
    page.goto(live_server.url + urlsplit(link).path)
    browser = page.page
    page.check()
    assert browser.get_by_label("Email").input_value() == "fern@example.org"
    sent_before = len(mail.outbox)
    sign_up(page, live_server, link, "Fern")

    user = User.objects.get(email="fern@example.org")
    assert user.role == Role.FACILITATOR
    assert user.timezone == "America/Chicago"  # from the browser
    assert len(mail.outbox) == sent_before  # no "verify your email" on top of the invitation

    # Staff must set up two-step sign-in before anything else opens; no password asked again.
    assert browser.url.endswith(reverse("mfa_activate_totp"))
    secret = browser.locator("#authenticator_secret").input_value()
    browser.get_by_label("Authenticator code").fill(current_totp(secret))
    browser.get_by_role("button", name="Turn on two-step sign-in").click()
    page.check()
    assert browser.url.endswith(reverse("mfa_view_recovery_codes"))
    codes = browser.get_by_label("Your recovery codes").input_value().split()
    assert len(codes) == 10 and all(codes)
    browser.get_by_role("link", name="I have saved them: continue").click()
    page.check()
    assert browser.get_by_role("heading", level=1).inner_text() == "Dashboard"
    assert "Times are shown in America/Chicago" in browser.content()
    assert user.authenticator_set.filter(type="totp").exists()


def test_invited_participant_is_home_after_one_email(page, live_server):
    _, link = create_invitation(email="nia@example.org", role=Role.PARTICIPANT, invited_by=None)
    sign_up(page, live_server, link, "Nia")
    browser = page.page
    assert browser.url.endswith(reverse("agreement"))
    browser.get_by_role("button", name="I agree").click()
    page.check()
    assert urlsplit(browser.url).path == reverse("home")
    assert "Nia" in browser.content()

"""An invited facilitator signs up, verifies their email, sets up TOTP and reaches the dashboard."""

import re
from urllib.parse import urlsplit

from django.core import mail
from django.urls import reverse

from members.models import Role, User
from members.services import create_invitation
from tests.members.factories import current_totp


def test_invited_facilitator_signs_up_sets_up_totp_and_lands_on_dashboard(page, live_server):
    _, link = create_invitation(email="fern@example.org", role=Role.FACILITATOR, invited_by=None)
    page.goto(live_server.url + urlsplit(link).path)
    browser = page.page
    assert browser.url.endswith(reverse("account_signup"))
    assert browser.get_by_label("Email").input_value() == "fern@example.org"
    browser.get_by_label("What should we call you?").fill("Fern")
    browser.get_by_label("Password:", exact=True).fill("quiet-harbour-lights-7")
    browser.get_by_label("Password (again)").fill("quiet-harbour-lights-7")
    browser.get_by_role("button", name="Sign Up").click()
    page.check()
    assert "Verify Your Email Address" in browser.content()

    user = User.objects.get(email="fern@example.org")
    assert user.role == Role.FACILITATOR
    assert user.timezone == "America/Chicago"  # from the browser

    confirm_url = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body).group(
        0
    )
    page.goto(confirm_url)
    browser.get_by_role("button", name="Confirm").click()
    page.check()

    # Staff must set up two-step sign-in before anything else opens.
    assert browser.url.endswith(reverse("mfa_activate_totp"))
    secret = browser.locator("#authenticator_secret").input_value()
    browser.get_by_label("Authenticator code").fill(current_totp(secret))
    browser.get_by_role("button", name="Activate").click()
    page.check()

    page.goto(live_server.url + reverse("home"))
    assert browser.get_by_role("heading", level=1).inner_text() == "Dashboard"
    assert "Times are shown in America/Chicago" in browser.content()
    assert user.authenticator_set.filter(type="totp").exists()

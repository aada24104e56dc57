"""The sign-out warning appears before the idle timeout and "Stay signed in" keeps the session."""

from django.urls import reverse

from tests.members.factories import PASSWORD, UserFactory


def test_warning_appears_and_staying_signed_in_keeps_the_session(page, live_server, settings):
    # 122 seconds of allowed quiet: the warning comes 2 minutes early, so after 2 seconds.
    settings.SESSION_IDLE_SECONDS = {**settings.SESSION_IDLE_SECONDS, "participant": 122}
    person = UserFactory(first_name="Wren")
    browser = page.page
    page.goto(live_server.url + reverse("account_login"))
    browser.get_by_label("Email:").fill(person.email)
    browser.get_by_label("Password:").fill(PASSWORD)
    browser.get_by_role("button", name="Sign in").click()
    page.check()
    dialog = browser.get_by_role("dialog", name="Still there?")
    dialog.wait_for(state="visible", timeout=15_000)
    page.check()  # the open dialog is accessible too
    with browser.expect_response(lambda r: r.url.endswith(reverse("keep_alive"))) as kept:
        dialog.get_by_role("button", name="Stay signed in").click()
    assert kept.value.status == 204
    dialog.wait_for(state="hidden")
    page.goto(live_server.url + reverse("account_overview"))
    assert browser.get_by_role("heading", level=1).inner_text() == "Your account"

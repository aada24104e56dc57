"""Text people type is shown as text: a stored <script> or onerror= never runs in Chromium."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from sessions import services as session_services
from tests.e2e.conftest import CheckedPage
from tests.e2e.test_facilitator_week import sign_in
from tests.members.factories import PASSWORD, UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups.models import Goal

PAYLOAD = '<script>window.__xss = 1</script><img src="x" onerror="window.__xss = 2">'


def assert_shown_not_run(page: CheckedPage, dialogs: list) -> None:
    browser = page.page
    assert browser.evaluate("window.__xss") is None
    assert dialogs == []
    assert browser.get_by_text(PAYLOAD).count() >= 1  # the markup itself, as text
    assert browser.locator('main img[src="x"], main script').count() == 0


def test_markup_typed_into_goals_and_notes_appears_as_text(page, browser, live_server):
    facilitator = UserFactory(role="facilitator", first_name="Fay")
    participant = UserFactory(first_name="Pip")
    group = TherapyGroupFactory(facilitators=[facilitator], display_name="Tuesday group")
    EnrollmentFactory(group=group, participant=participant)
    dialogs = []
    page.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # The participant types it into the goal form and a check-in, in the browser.
    page.goto(live_server.url + reverse("account_login"))
    page.page.get_by_label("Email:").fill(participant.email)
    page.page.get_by_label("Password:").fill(PASSWORD)
    page.page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + reverse("goal_new"))
    page.page.get_by_label("What you want to do").fill(PAYLOAD)
    page.page.get_by_role("button", name="Save goal").click()
    page.check()
    page.page.get_by_label("A note (optional)").fill(PAYLOAD)
    page.page.get_by_role("button", name="5", exact=True).click()
    page.page.get_by_text("Check-in saved").wait_for()
    page.check()
    assert_shown_not_run(page, dialogs)
    goal = Goal.objects.get(participant=participant)
    assert goal.what == PAYLOAD  # stored as typed, escaped only when shown

    # The facilitator sees the goal, and a note with the same text, on their pages.
    session = GroupSessionFactory(group=group, starts_at=timezone.now() - timedelta(hours=2))
    session_services.mark_attendance(
        session=session, participant=participant, status="present", marked_by=facilitator
    )
    session_services.save_group_note(
        session=session, author=facilitator, format="free", free_text=PAYLOAD
    )
    context = browser.new_context(timezone_id="Europe/London", locale="en-GB")
    staff = CheckedPage(context.new_page())
    staff_dialogs = []
    staff.page.on("dialog", lambda dialog: (staff_dialogs.append(1), dialog.dismiss()))
    try:
        sign_in(staff, live_server, facilitator)
        staff.goto(live_server.url + reverse("participant_record", args=[group.pk, participant.pk]))
        assert_shown_not_run(staff, staff_dialogs)
        staff.goto(live_server.url + reverse("session_detail", args=[session.pk]))
        assert_shown_not_run(staff, staff_dialogs)
    finally:
        context.close()

"""A programme from its template to a member's phone and back, in a browser: a facilitator adds
a handout to the example programme, creates a group on it and schedules its eight weekly
sessions, which take their plans from it, and releases the handout; a member on a 390 px
phone downloads it and fills in the week's activity schedule, saved as they type; the
facilitator reads it on the session page. axe on every page."""

import zoneinfo
from datetime import timedelta
from pathlib import Path

from django.urls import reverse
from django.utils import timezone

from demo.programmes import seed_example_programme
from programmes.models import Worksheet
from tests.e2e.conftest import CheckedPage
from tests.e2e.test_facilitator_week import sign_in
from tests.members.factories import PASSWORD, UserFactory
from tests.programmes.factories import PDF
from tests.therapy_groups.factories import EnrollmentFactory
from therapy_groups.models import TherapyGroup

LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_a_group_runs_on_the_example_programme_from_handout_to_worksheet(
    page, browser, live_server
):
    seed_example_programme()
    facilitator = UserFactory(
        role="facilitator", first_name="Fay", last_name="Field", timezone="Europe/London"
    )
    member = UserFactory(first_name="Robin", timezone="Europe/London")
    desk = page.page
    sign_in(page, live_server, facilitator)

    # A handout for the programme's second module, "What we do and how we feel".
    desk.get_by_role("link", name="Programmes").click()
    page.check()
    desk.get_by_role("link", name="Eight weeks: mood and action").click()
    page.check()
    desk.get_by_role("link", name="Handouts for What we do and how we feel").click()
    page.check()
    desk.get_by_label("Title").fill("Activity diary guide")
    desk.get_by_label("File").set_input_files(
        files=[{"name": "guide.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    desk.get_by_role("button", name="Add it").click()
    page.check()

    # A group on the programme; its series is offered as eight weekly sessions.
    page.goto(live_server.url + reverse("group_create"))
    desk.locator("[name=name]").fill("Wednesday mood group")
    desk.locator("[name=location]").fill("Room 2")
    desk.get_by_label("Programme").select_option(label="Eight weeks: mood and action")
    desk.get_by_role("button", name="Create group").click()
    page.check()
    two_weeks_ago = timezone.localtime(timezone.now(), LONDON).date() - timedelta(days=14)
    desk.get_by_label("Date:", exact=True).fill(two_weeks_ago.isoformat())
    desk.get_by_label("Start time").fill("10:00")
    assert desk.get_by_label("Number of sessions").input_value() == "8"
    desk.get_by_role("button", name="Show the dates").click()
    page.check()
    desk.get_by_role("button", name="Schedule 8 sessions").click()
    page.check()
    group = TherapyGroup.objects.get(name="Wednesday mood group")
    sessions = list(group.sessions.order_by("starts_at"))
    assert [s.topic for s in sessions][:2] == [
        "Welcome: how low mood works",
        "What we do and how we feel",
    ]
    EnrollmentFactory(group=group, participant=member)

    # The second session, a week ago: release its module's handout.
    second = sessions[1]
    page.goto(live_server.url + reverse("session_detail", args=[second.pk]))
    desk.get_by_role("link", name="Handouts").click()
    page.check()
    desk.get_by_role("button", name="Release Activity diary guide").click()
    page.check()

    # The member, on a phone: the handout, then the week's activity schedule.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, timezone_id="Europe/London", locale="en-GB"
    )
    context.set_default_timeout(10_000)
    phone = CheckedPage(context.new_page())
    try:
        phone.goto(live_server.url + reverse("account_login"))
        phone.page.get_by_label("Email:").fill(member.email)
        phone.page.get_by_label("Password:").fill(PASSWORD)
        phone.page.get_by_role("button", name="Sign in").click()
        phone.check()
        phone.page.get_by_role("link", name="Your programme and handouts").click()
        phone.check()
        assert "You have been to 0 of its 8 sessions" in phone.page.content()
        with phone.page.expect_download() as download:
            phone.page.get_by_role("link", name="Activity diary guide").click()
        assert Path(download.value.path()).read_bytes() == PDF
        phone.goto(live_server.url + reverse("home"))
        phone.page.get_by_role("link", name="Fill in the worksheet").click()
        phone.check()
        assert "facilitators (Fay Field) read this" in phone.page.content()
        phone.page.get_by_label("What I did").first.fill("Walked to the park with my sister")
        phone.page.get_by_label("How it felt (0 to 10)").first.select_option("7")
        phone.page.locator("#save-status").get_by_text("Saved").wait_for()  # autosave
        phone.check()
    finally:
        context.close()
    sheet = Worksheet.objects.get(participant=member, session=second)
    assert sheet.rows == [{"what": "Walked to the park with my sister", "feeling": 7}]

    # The facilitator reads it on the session page.
    page.goto(live_server.url + reverse("session_detail", args=[second.pk]))
    desk.get_by_text("Robin").first.click()  # opens the member's worksheet
    assert desk.get_by_text("Walked to the park with my sister").is_visible()

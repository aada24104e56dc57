"""A facilitator schedules a weekly series, takes attendance and signs the group note."""

import zoneinfo
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from sessions.models import Attendance, GroupNote, GroupSession
from tests.members.factories import PASSWORD, UserFactory, current_totp
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory


def sign_in(page, live_server, user):
    page.goto(live_server.url + reverse("account_login"))
    browser = page.page
    browser.get_by_label("Email:").fill(user.email)
    browser.get_by_label("Password:").fill(PASSWORD)
    browser.get_by_role("button", name="Sign in").click()
    browser.get_by_label("Code:").fill(current_totp(user.totp_secret))
    browser.get_by_role("button", name="Sign In").click()
    page.check()


def test_facilitator_schedules_a_series_takes_attendance_and_signs_the_note(page, live_server):
    facilitator = UserFactory(role="facilitator", first_name="Fay", last_name="Field")
    group = TherapyGroupFactory(
        facilitators=[facilitator], name="Tuesday mood group", timezone="Europe/London"
    )
    ana = EnrollmentFactory(
        group=group, participant=UserFactory(first_name="Ana", last_name="Ash")
    ).participant
    ben = EnrollmentFactory(
        group=group, participant=UserFactory(first_name="Ben", last_name="Birch")
    ).participant
    browser = page.page
    sign_in(page, live_server, facilitator)

    page.goto(live_server.url + reverse("group_detail", args=[group.pk]))
    browser.get_by_role("link", name="Schedule sessions").click()
    page.check()
    last_week = timezone.localtime(
        timezone.now(), zoneinfo.ZoneInfo("Europe/London")
    ).date() - timedelta(days=7)
    browser.get_by_label("Date:", exact=True).fill(last_week.isoformat())
    browser.get_by_label("Start time").fill("10:00")
    browser.get_by_label("Repeat").select_option("weekly")
    browser.get_by_label("Number of sessions").fill("12")
    browser.get_by_role("button", name="Schedule").click()
    page.check()
    assert "12 sessions scheduled" in browser.content()
    assert group.sessions.count() == 12

    first = group.sessions.order_by("starts_at").first()
    browser.locator(f'a[href="{reverse("session_detail", args=[first.pk])}"]').first.click()
    page.check()

    ana_row = browser.locator(f"#attendance-{ana.pk}")
    ana_row.get_by_role("button", name="Present").click()
    browser.locator(f'#attendance-{ana.pk} button[value="present"][aria-pressed="true"]').wait_for()
    ben_row = browser.locator(f"#attendance-{ben.pk}")
    ben_row.get_by_role("button", name="Absent").click()
    browser.locator(f'#attendance-{ben.pk} button[value="absent"][aria-pressed="true"]').wait_for()
    page.check()
    assert dict(
        Attendance.objects.filter(session=first).values_list("participant_id", "status")
    ) == {ana.pk: "present", ben.pk: "absent"}
    assert GroupSession.objects.get(pk=first.pk).status == GroupSession.Status.HELD

    browser.get_by_role("link", name="Write the group note").click()
    page.check()
    browser.get_by_label("Data").fill("The group practised noticing unhelpful thoughts.")
    browser.get_by_label("Assessment").fill("Engaged; two shared examples.")
    browser.get_by_label("Plan").fill("Thought diary for next week.")
    browser.get_by_role("button", name="Save draft").click()
    page.check()
    browser.get_by_role("button", name="Sign the group note and individual notes").click()
    page.check()
    assert "Signed by Fay Field" in browser.content()
    note = GroupNote.objects.get(session=first)
    assert note.signed_by == facilitator and note.plan == "Thought diary for next week."

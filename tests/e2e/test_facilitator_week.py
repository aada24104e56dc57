"""A facilitator schedules a weekly series, takes attendance and signs the group note."""

import zoneinfo
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from members.models import Session
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
    browser.get_by_role("button", name="Show the dates").click()
    page.check()
    assert "in the past" in browser.content()  # the first date was last week
    browser.get_by_role("button", name="Schedule 12 sessions").click()
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
    browser.get_by_role("link", name="Review and sign the notes").click()
    page.check()
    browser.get_by_role("button", name="Sign the group note and 0 individual notes").click()
    page.check()
    assert "Signed by Fay Field" in browser.content()
    note = GroupNote.objects.get(session=first)
    assert note.signed_by == facilitator and note.plan == "Thought diary for next week."


def test_a_note_is_never_lost_and_a_signed_one_is_corrected(page, live_server):
    """Write (saved while typing), switch format, review, sign, then correct: an individual
    note's addendum and an attendance change with its reason."""
    facilitator = UserFactory(role="facilitator", first_name="Fay", last_name="Field")
    group = TherapyGroupFactory(facilitators=[facilitator], timezone="Europe/London")
    session = GroupSession.objects.create(
        group=group, starts_at=timezone.now() - timedelta(hours=2), duration=90, topic="Sleep"
    )
    ana = EnrollmentFactory(
        group=group, participant=UserFactory(first_name="Ana", last_name="Ash")
    ).participant
    browser = page.page
    sign_in(page, live_server, facilitator)
    page.goto(live_server.url + reverse("session_detail", args=[session.pk]))
    browser.locator(f"#attendance-{ana.pk}").get_by_role("button", name="Present").click()
    browser.locator(f'#attendance-{ana.pk} button[value="present"][aria-pressed="true"]').wait_for()

    browser.get_by_role("link", name="Write the group note").click()
    page.check()
    browser.get_by_label("Data").press_sequentially("We practised noticing thoughts.")
    browser.get_by_text("Draft saved at").wait_for()  # no button pressed
    assert GroupNote.objects.get(session=session).data == "We practised noticing thoughts."
    browser.get_by_label("Note format").select_option("soap")
    browser.get_by_role("button", name="Switch format").click()
    page.check()
    assert browser.get_by_label("Subjective").input_value() == (
        "Data:\nWe practised noticing thoughts."
    )
    browser.get_by_label("Plan").fill("Diary again.")
    browser.get_by_role("button", name="Save draft").click()
    page.check()

    browser.get_by_role("link", name="Add a short note").click()
    page.check()
    assert "Sleep" in browser.content()  # the session's plan, to write against
    browser.get_by_label("Progress").press_sequentially("Kept the diary.")
    browser.get_by_text("Draft saved at").wait_for()
    browser.get_by_role("link", name="Back to the session").click()
    page.check()

    browser.get_by_role("link", name="Review and sign the notes").click()
    page.check()
    assert "Kept the diary." in browser.content() and "Ana Ash: Present" in browser.content()
    browser.get_by_role("button", name="Sign the group note and 1 individual note").click()
    page.check()
    assert "Signed by Fay Field" in browser.content()

    browser.get_by_role("link", name="Note", exact=True).click()
    page.check()
    browser.get_by_label("Addendum").fill("She also tried the breathing exercise.")
    browser.get_by_role("button", name="Sign and add addendum").click()
    page.check()
    assert "She also tried the breathing exercise." in browser.content()
    browser.get_by_role("link", name="Back to the session").click()
    page.check()

    browser.get_by_text("Change attendance").click()
    browser.get_by_label("New attendance").select_option("late")
    browser.get_by_label("Why it changes").fill("Arrived after the check-in.")
    browser.get_by_role("button", name="Change and add to the note").click()
    page.check()
    assert "changed from Present to Late. Reason: Arrived after the check-in." in (
        browser.content()
    )
    assert Attendance.objects.get(session=session, participant=ana).status == "late"


def test_a_draft_typed_after_being_signed_out_says_it_was_not_saved(page, live_server):
    facilitator = UserFactory(role="facilitator")
    group = TherapyGroupFactory(facilitators=[facilitator])
    session = GroupSession.objects.create(
        group=group, starts_at=timezone.now() - timedelta(hours=2), duration=90
    )
    browser = page.page
    sign_in(page, live_server, facilitator)
    page.goto(live_server.url + reverse("group_note", args=[session.pk]))
    browser.get_by_label("Data").press_sequentially("Saved part.")
    browser.get_by_text("Draft saved at").wait_for()
    Session.objects.all().delete()  # signed out elsewhere, or timed out
    browser.get_by_label("Data").press_sequentially(" Unsaved part.")
    browser.get_by_text("Not saved: you have been signed out").wait_for()
    assert browser.get_by_label("Data").input_value() == "Saved part. Unsaved part."
    assert GroupNote.objects.get(session=session).data == "Saved part."

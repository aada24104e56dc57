"""The care loop on the screens clinicians use, on a 390 px phone (axe on every page): the
follow-up banner takes a line or two with the count and the way to the list, and the outcome
board puts who is not on track first, with the reason in words."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from measures import instruments, services
from measures.models import Channel, FollowUp
from members.models import Organisation
from sessions import services as session_services
from sessions.models import GroupSession, IndividualNote
from tests.e2e.test_facilitator_week import sign_in
from tests.members.factories import UserFactory
from tests.sessions.factories import AttendanceFactory, GroupSessionFactory, later_today
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

PHONE = {"width": 390, "height": 844}


def a_group_with_people_to_call(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator], name="Tuesday mood group")
    people = [
        EnrollmentFactory(group=group, participant__first_name=name).participant
        for name in ("Ada", "Bo", "Cy", "Di", "Eve")
    ]
    week = timedelta(weeks=1)
    sessions = [
        GroupSessionFactory(
            group=group,
            starts_at=timezone.now() - (2 - i) * week,
            status=GroupSession.Status.HELD,
        )
        for i in range(2)
    ]
    for session in sessions:
        for person in people:
            AttendanceFactory(session=session, participant=person)
    services.set_measure_plan(group=group, instruments=["phq9"], schedule="every")
    for person, totals in zip(people, ([5, 5], [6, 7], [4, 14], [9, 8], [7, 7]), strict=True):
        for session, total in zip(sessions, totals, strict=True):
            services.record_answers(
                participant=person,
                group=group,
                instrument=instruments.PHQ9,
                answers=[min(3, total - 3 * i) if total > 3 * i else 0 for i in range(8)]
                + [1 if person.first_name == "Cy" and total == 14 else 0],
                session=session,
                channel=Channel.ROOM,
            )
    for person in people[:4]:  # absences, and Cy's safety answer: four members to call
        services.open_follow_up(group=group, participant=person, reason="absences")
    return group


def test_on_a_phone_the_banner_is_a_line_or_two_and_the_board_leads_with_who_to_call(
    page, live_server
):
    facilitator = UserFactory(role="facilitator")
    group = a_group_with_people_to_call(facilitator)
    assert FollowUp.objects.filter(reason="risk_answer").count() == 1
    sign_in(page, live_server, facilitator)
    screen = page.page
    screen.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("group_list"))
    banner = screen.locator(".follow-up-banner")
    assert "Needs a call now: 4 people" in banner.inner_text()
    assert banner.bounding_box()["height"] <= 110, banner.bounding_box()
    banner.get_by_role("link", name="Open the follow-ups").click()
    page.check()
    assert screen.url.endswith(reverse("follow_up_list"))
    names = screen.locator("ul.follow-ups li > a").all_inner_texts()
    assert names[0].startswith("Cy")  # the safety answer first, whatever its age

    screen.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + reverse("group_list"))
    lines = screen.locator(".follow-up-banner li > a").all_inner_texts()
    assert len(lines) == 4 and lines[0].startswith("Cy")

    screen.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("group_outcomes", args=[group.pk]))
    first = screen.locator("table.board tbody tr").first
    assert first.locator("th").inner_text().startswith("Cy")
    reason = first.locator("td").first
    assert "Not on track: safety flag in the last 4 weeks" in reason.inner_text()
    box = reason.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"] and box["y"] < PHONE["height"]


def test_on_a_phone_a_member_without_a_phone_is_tried_another_way_and_closed_with_a_next_step(
    page, live_server
):
    facilitator = UserFactory(role="facilitator")
    group = TherapyGroupFactory(facilitators=[facilitator])
    member = EnrollmentFactory(group=group, participant__first_name="Noor").participant
    follow_up = services.open_follow_up(group=group, participant=member, reason="absences")
    sign_in(page, live_server, facilitator)
    screen = page.page
    screen.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("follow_up_detail", args=[follow_up.pk]))
    ways = screen.locator("section", has=screen.locator("#instead-title"))
    assert ways.get_by_role("link", name=member.email).get_attribute("href") == (
        f"mailto:{member.email}"
    )
    screen.get_by_role("button", name="I tried and could not reach them (keep it open)").click()
    page.check()
    assert "It stays open." in screen.content()
    screen.get_by_label("Could not reach them").check()
    screen.get_by_label("Referred").check()
    screen.get_by_label("Notes (kept encrypted; the participant does not see them)").fill(
        "Rang twice, emailed."
    )
    screen.get_by_role("button", name="Close the follow-up").click()
    page.check()
    assert "Say what was done instead" in screen.content()  # the step is asked, nothing lost
    screen.get_by_label("Wrote asking them to get in touch").check()
    screen.get_by_role("button", name="Close the follow-up").click()
    page.check()
    follow_up.refresh_from_db()
    assert not follow_up.is_open and follow_up.next_step == "letter"
    assert follow_up.attempts.count() == 1


def test_on_a_phone_the_register_taken_early_waits_for_the_start_and_says_when_signing_opens(
    page, live_server
):
    facilitator = UserFactory(role="facilitator")
    group = TherapyGroupFactory(facilitators=[facilitator])
    for name in ("Ada", "Bo"):
        EnrollmentFactory(group=group, participant__first_name=name)
    session = later_today(group)
    sign_in(page, live_server, facilitator)
    screen = page.page
    screen.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("session_detail", args=[session.pk]))
    screen.get_by_role("button", name="Everyone not marked is present").click()
    page.check()
    assert screen.locator(".badge").first.inner_text() == "Scheduled"
    session_services.save_group_note(
        session=session, author=facilitator, format="free", free_text="We planned the week."
    )
    page.goto(live_server.url + reverse("session_detail", args=[session.pk]))
    sign = screen.get_by_role("button", name="Review and sign the notes")
    assert sign.is_disabled()
    assert (
        "Signing opens when the session starts: " in screen.locator("#signing-opens").inner_text()
    )
    session.refresh_from_db()
    assert session.status == GroupSession.Status.SCHEDULED
    assert session.attendance.count() == 2


def test_on_a_phone_a_holiday_is_skipped_in_the_preview_and_a_later_date_takes_its_place(
    page, live_server
):
    Organisation.objects.update_or_create(pk=1, defaults={"holiday_country": "GB"})
    facilitator = UserFactory(role="facilitator")
    group = TherapyGroupFactory(facilitators=[facilitator], timezone="Europe/London")
    sign_in(page, live_server, facilitator)
    screen = page.page
    screen.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("session_schedule", args=[group.pk]))
    screen.get_by_label("Date:", exact=True).fill("2030-12-18")
    screen.get_by_label("Start time (the group's time zone)").fill("18:00")
    screen.get_by_label("Number of sessions").fill("3")
    screen.get_by_role("button", name="Show the dates").click()
    page.check()
    christmas = screen.locator("li", has_text="Christmas Day")
    christmas.get_by_label("Skip this date").check()
    screen.get_by_role("button", name="Check the dates again").click()
    page.check()
    dates = screen.locator(".planned-dates ol li").all_inner_texts()
    assert [d.split(",")[0] for d in dates] == [
        "Wednesday 18 December 2030",
        "Wednesday 1 January 2031",
        "Wednesday 8 January 2031",
    ]
    screen.get_by_role("button", name="Schedule 3 sessions").click()
    page.check()
    assert group.sessions.count() == 3


def test_on_a_phone_individual_notes_go_from_one_member_to_the_next_without_losing_a_word(
    page, live_server
):
    facilitator = UserFactory(role="facilitator")
    group = TherapyGroupFactory(facilitators=[facilitator])
    ada, bo = (
        EnrollmentFactory(group=group, participant__first_name=name).participant
        for name in ("Ada", "Bo")
    )
    session = GroupSessionFactory(group=group, starts_at=timezone.now() - timedelta(hours=2))
    session_services.mark_everyone_present(session=session, marked_by=facilitator)
    sign_in(page, live_server, facilitator)
    screen = page.page
    screen.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("individual_note", args=[session.pk, ada.pk]))
    screen.get_by_label("Progress").fill("Tried the walk twice.")
    # Leaving the field also fires the autosave: the page waits for the move itself.
    with screen.expect_navigation(url=f"**{reverse('individual_note', args=[session.pk, bo.pk])}"):
        screen.get_by_role("button", name="Save, then Bo →").click()
    page.check()
    assert IndividualNote.objects.get(participant=ada).progress == "Tried the walk twice."
    assert screen.get_by_role("button", name="← Save, then Ada").is_visible()

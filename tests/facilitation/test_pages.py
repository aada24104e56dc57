"""The facilitator pages' forms: clear messages for bad input, and the right outcome for good."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions.models import Addendum, Attendance, GroupNote, GroupSession, IndividualNote
from tests.members.factories import UserFactory
from tests.sessions.factories import GroupSessionFactory, reviewed
from tests.sessions.factories import sign as sign_session
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups.models import Enrollment, TherapyGroup

pytestmark = pytest.mark.django_db

GROUP = {
    "name": "Wednesday mood group",
    "display_name": "Wednesday group",
    "focus": "depression",
    "kind": "therapy",
    "enrollment_mode": "open",
    "capacity": 8,
    "location": "Room 4",
    "timezone": "Europe/London",
    "default_duration": 90,
    "start_date": "2026-12-02",
}


@pytest.fixture
def signed_in(client, facilitator):
    client.force_login(facilitator)
    return client


@pytest.fixture
def group(facilitator):
    return TherapyGroupFactory(facilitators=[facilitator])


def test_facilitator_creates_a_group_with_a_co_facilitator(signed_in, facilitator, cofacilitator):
    response = signed_in.post(
        reverse("group_create"), {**GROUP, "co_facilitators": [cofacilitator.pk]}
    )
    group = TherapyGroup.objects.get(name="Wednesday mood group")
    assert response["Location"] == reverse("session_schedule", args=[group.pk])
    assert set(group.facilitators.all()) == {facilitator, cofacilitator}
    assert group.public_name == "Wednesday group"


def test_group_form_explains_what_is_missing(signed_in):
    response = signed_in.post(
        reverse("group_create"), {**GROUP, "location": "", "capacity": 0, "end_date": "2026-01-01"}
    )
    assert response.status_code == 400
    assert "Give a place, a video link, or both" in response.text
    assert "The end date must be on or after the start date" in response.text
    assert "A group has room for at least one person" in response.text
    assert not TherapyGroup.objects.filter(name=GROUP["name"]).exists()


def test_editing_keeps_the_editor_as_a_facilitator(signed_in, facilitator, cofacilitator, group):
    group.facilitators.add(cofacilitator)
    signed_in.post(reverse("group_edit", args=[group.pk]), {**GROUP, "co_facilitators": []})
    group.refresh_from_db()
    assert group.name == GROUP["name"] and list(group.facilitators.all()) == [facilitator]


def test_group_is_archived_not_deleted(signed_in, group):
    asked = signed_in.post(reverse("group_status", args=[group.pk]), {"status": "archived"})
    assert "Its records stay." in asked.text
    group.refresh_from_db()
    assert group.status == "active"
    signed_in.post(
        reverse("group_status", args=[group.pk]), {"status": "archived", "confirmed": "yes"}
    )
    group.refresh_from_db()
    assert group.status == "archived"
    assert group.name not in signed_in.get(reverse("group_list")).text
    response = signed_in.post(
        reverse("group_status", args=[group.pk]), {"status": "gone"}, follow=True
    )
    assert "Choose active, finished or archived" in response.text


def test_invite_page_adds_a_person_and_says_what_happened(signed_in, group):
    response = signed_in.post(
        reverse("group_invite", args=[group.pk]), {"email": "mo@example.org"}, follow=True
    )
    assert "mo@example.org has been invited by email" in response.text
    assert group.enrollments.get().status == Enrollment.Status.INVITED


def test_invite_page_shows_the_closed_cohort_rule(signed_in, facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator], enrollment_mode="closed")
    GroupSessionFactory(group=group, starts_at=timezone.now() - timedelta(days=1))
    page = signed_in.get(reverse("group_invite", args=[group.pk])).text
    assert "it has already met" in page
    response = signed_in.post(
        reverse("group_invite", args=[group.pk]), {"email": "late@example.org"}
    )
    assert response.status_code == 400 and "give a reason" in response.text
    assert not group.enrollments.exists()


def test_ending_an_enrollment_through_its_page(signed_in, group):
    enrollment = EnrollmentFactory(group=group)
    url = reverse("enrollment_end", args=[group.pk, enrollment.pk])
    response = signed_in.post(url, {"status": "withdrawn", "left_on": "2025-01-01", "reason": "x"})
    assert "The leaving date cannot be before the joining date" in response.text
    signed_in.post(url, {"status": "completed", "left_on": timezone.localdate().isoformat()})
    enrollment.refresh_from_db()
    assert enrollment.status == "completed"
    assert signed_in.get(url).status_code == 404  # no longer live


def test_changing_and_cancelling_a_session_through_its_pages(signed_in, group):
    session = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=3))
    response = signed_in.post(
        reverse("session_change", args=[session.pk]),
        {"day": "2026-12-10", "at": "19:15", "duration": 60, "location": "Hall", "topic": "Sleep"},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.location, session.topic, session.duration) == ("Hall", "Sleep", 60)

    response = signed_in.post(reverse("session_cancel", args=[session.pk]), {"reason": ""})
    assert response.status_code == 400 and "This field is required" in response.text
    signed_in.post(reverse("session_cancel", args=[session.pk]), {"reason": "Building closed"})
    session.refresh_from_db()
    assert session.status == GroupSession.Status.CANCELLED
    response = signed_in.post(
        reverse("session_change", args=[session.pk]),
        {"day": "2026-12-11", "at": "19:15", "duration": 60},
    )
    assert "A cancelled session cannot be changed" in response.text


def test_plan_is_saved_from_its_page(signed_in, group):
    session = GroupSessionFactory(group=group)
    signed_in.post(
        reverse("session_plan", args=[session.pk]),
        {
            "topic": "Activity scheduling",
            "take_home": "Plan one pleasant activity",
            "agenda": "",
            "curriculum_module": "",
            "materials_link": "",
        },
    )
    session.refresh_from_db()
    assert (
        session.topic == "Activity scheduling" and session.take_home == "Plan one pleasant activity"
    )


def test_individual_note_and_its_addendum_through_the_pages(signed_in, facilitator, group):
    session = GroupSessionFactory(group=group, starts_at=timezone.now() - timedelta(hours=2))
    person = EnrollmentFactory(group=group).participant
    signed_in.post(reverse("attendance_mark", args=[session.pk, person.pk]), {"status": "present"})
    signed_in.post(
        reverse("individual_note", args=[session.pk, person.pk]),
        {"progress": "Tried the diary", "participation": "Quiet", "risk_flag": "on"},
    )
    note = IndividualNote.objects.get(session=session, participant=person)
    assert note.risk_flag and note.progress == "Tried the diary"
    signed_in.post(
        reverse("group_note", args=[session.pk]), {"format": "free", "free_text": "Good"}
    )
    signed_in.post(reverse("notes_sign", args=[session.pk]), reviewed(session))
    signed_in.post(
        reverse("individual_note_addendum", args=[session.pk, person.pk]),
        {"text": "Risk discussed with supervisor"},
    )
    assert Addendum.objects.get(individual_note=note).text == "Risk discussed with supervisor"
    record = signed_in.get(reverse("participant_record", args=[group.pk, person.pk])).text
    assert "Tried the diary" in record and "Risk discussed with supervisor" in record


def test_people_outside_the_group_have_no_record_page(signed_in, group):
    stranger = UserFactory()
    assert (
        signed_in.get(reverse("participant_record", args=[group.pk, stranger.pk])).status_code
        == 404
    )


def test_bad_attendance_input_gets_a_message_not_an_error(signed_in, group):
    session = GroupSessionFactory(group=group, starts_at=timezone.now() - timedelta(hours=1))
    person = EnrollmentFactory(group=group).participant
    response = signed_in.post(
        reverse("attendance_mark", args=[session.pk, person.pk]), {"status": "asleep"}, follow=True
    )
    assert response.status_code == 200 and "Choose one of the attendance options" in response.text
    assert not session.attendance.exists()


def test_existing_participant_added_to_a_group_is_told_without_clinical_words(
    signed_in, group, participant, send_outbox
):
    signed_in.post(reverse("group_invite", args=[group.pk]), {"email": participant.email})
    send_outbox()
    body = mail.outbox[-1].body.lower()
    assert group.public_name.lower() in body
    for word in ("depression", "therapy", "diagnos", "note"):
        assert word not in mail.outbox[-1].subject.lower()


def test_participant_record_shows_the_latest_sessions_and_pages_its_notes(signed_in, group):
    from sessions.models import Attendance

    person = EnrollmentFactory(group=group).participant
    Enrollment.objects.filter(group=group, participant=person).update(
        joined_on=timezone.localdate() - timedelta(days=200)
    )
    for week in range(15):
        session = GroupSessionFactory(
            group=group, starts_at=timezone.now() - timedelta(days=7 * (week + 1)), status="held"
        )
        Attendance.objects.create(
            session=session, participant=person, status="absent" if week < 5 else "present"
        )
        IndividualNote.objects.create(session=session, participant=person, progress=f"Week {week}")
    page = signed_in.get(reverse("participant_record", args=[group.pk, person.pk])).text
    assert "The latest 12." in page and page.count('<li><a href="/sessions/') == 12
    assert "Attendance: 67%." in page  # over all 15 sessions, not only the ones listed
    assert "Page 1 of 2" in page and "Week 0" in page and "Week 14" not in page
    older = signed_in.get(reverse("participant_record", args=[group.pk, person.pk]) + "?page=2")
    assert "Week 14" in older.text and "Week 0" not in older.text


def test_a_session_page_links_to_the_groups_sessions_just_before_and_after(signed_in, group):
    now = timezone.now()
    first, middle, last = (
        GroupSessionFactory(group=group, starts_at=now + timedelta(days=d)) for d in (-7, 0, 7)
    )
    GroupSessionFactory(starts_at=now + timedelta(days=1))  # another group's: never a neighbour
    page = signed_in.get(reverse("session_detail", args=[middle.pk])).text
    assert f'href="{reverse("session_detail", args=[first.pk])}" rel="prev"' in page
    assert f'href="{reverse("session_detail", args=[last.pk])}" rel="next"' in page
    page = signed_in.get(reverse("session_detail", args=[first.pk])).text
    assert 'rel="prev"' not in page
    assert f'href="{reverse("session_detail", args=[middle.pk])}" rel="next"' in page


def test_a_signed_group_note_shows_its_addenda_in_order_with_who_signed_them(
    signed_in, facilitator, group
):
    session = GroupSessionFactory(group=group, starts_at=timezone.now() - timedelta(hours=2))
    signed_in.post(
        reverse("group_note", args=[session.pk]), {"format": "free", "free_text": "Good"}
    )
    signed_in.post(reverse("notes_sign", args=[session.pk]), reviewed(session))
    page = signed_in.get(reverse("session_detail", args=[session.pk])).text
    assert "<strong>Addendum</strong>" not in page
    for text in ("First: a fire drill", "Second: the room changed"):
        signed_in.post(reverse("group_note_addendum", args=[session.pk]), {"text": text})
    page = signed_in.get(reverse("session_detail", args=[session.pk])).text
    assert page.count("<strong>Addendum</strong>") == 2
    assert page.index("First: a fire drill") < page.index("Second: the room changed")
    assert facilitator.get_full_name() in page.split("<strong>Addendum</strong>", 1)[1]


def test_a_form_error_that_belongs_to_no_field_shows_once(signed_in):
    response = signed_in.post(reverse("group_create"), {**GROUP, "location": "", "video_link": ""})
    assert response.status_code == 400
    assert response.text.count("Give a place, a video link, or both") == 1


def test_participants_see_a_materials_link_only_when_the_facilitator_shares_it(
    signed_in, group, participant
):
    EnrollmentFactory(group=group, participant=participant)
    session = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=2))
    plan = {
        "topic": "Sleep",
        "agenda": "",
        "curriculum_module": "",
        "materials_link": "https://files.example/sleep-worksheet.pdf",
        "take_home": "",
    }
    signed_in.post(reverse("session_plan", args=[session.pk]), plan)
    member = Client()
    member.force_login(participant)
    assert "sleep-worksheet" not in member.get(reverse("home")).text
    assert "(facilitators only)" in signed_in.get(reverse("session_detail", args=[session.pk])).text
    signed_in.post(reverse("session_plan", args=[session.pk]), {**plan, "materials_shared": "on"})
    home = member.get(reverse("home")).text
    assert 'href="https://files.example/sleep-worksheet.pdf"' in home
    assert "Materials for this session" in home


def test_the_attendance_list_has_who_belonged_that_day_with_their_marks_and_notes(
    signed_in, facilitator, group
):
    session = GroupSessionFactory(group=group, starts_at=timezone.now() - timedelta(days=7))
    day = session.local_date

    def member(first_name, **enrollment):
        person = UserFactory(role="participant", first_name=first_name, last_name="Ash")
        EnrollmentFactory(group=group, participant=person, **enrollment)
        return person

    came, flagged, away = member("Ana"), member("Bea"), member("Cy")
    member("Dee", status="withdrawn", left_on=day)  # left that day: not on the list
    member("Eve", joined_on=day + timedelta(days=1))  # joined later: not on the list
    member("Fay", status="withdrawn", left_on=day + timedelta(days=1))  # left after: listed
    Attendance.objects.create(session=session, participant=came, status="present")
    Attendance.objects.create(session=session, participant=flagged, status="late")
    Attendance.objects.create(
        session=session, participant=away, status="excused", marked_by=away, comment="Exams"
    )
    IndividualNote.objects.create(session=session, participant=came, progress="Fine")
    IndividualNote.objects.create(session=session, participant=flagged, risk_flag=True)
    page = signed_in.get(reverse("session_detail", args=[session.pk])).text
    listed = page.split('class="attendance-list"', 1)[1].split("</ul>", 1)[0]
    names = re.findall(r'<li id="attendance-\d+">\s*<strong>([^<]+)</strong>', listed)
    assert names == ["Ana Ash", "Bea Ash", "Cy Ash", "Fay Ash"]
    ana, bea, cy, fay = listed.split("<li ")[1:]
    assert "Risk concern" in bea and "Risk concern" not in ana
    assert reverse("individual_note", args=[session.pk, came.pk]) in ana and ">Note<" in ana
    assert "told us they can't make it: “Exams”" in cy and "told us" not in ana
    assert 'value="late" aria-pressed="true"' in bea
    assert "Add a short note" not in fay and 'aria-pressed="true"' not in fay


def test_the_group_page_lists_its_people_and_sessions_as_facilitators_see_them(
    signed_in, facilitator, cofacilitator, group
):
    group.facilitators.add(cofacilitator)
    now = timezone.now()
    joined = EnrollmentFactory(
        group=group, participant=UserFactory(first_name="Ana", last_name="Ash")
    )
    EnrollmentFactory(
        group=group,
        participant=UserFactory(first_name="Bo", last_name="Birch"),
        status="withdrawn",
        left_on=timezone.localdate(),
        leaving_reason="Moved away",
    )
    invited = EnrollmentFactory(
        group=group,
        participant=UserFactory(email="cy@example.org"),
        status="invited",
        joined_on=None,
    )
    offered = EnrollmentFactory(
        group=group,
        participant=UserFactory(email="dee@example.org"),
        status="waitlisted",
        joined_on=None,
        waitlisted_at=now,
        offered_at=now,
    )
    soon = GroupSessionFactory(group=group, starts_at=now + timedelta(days=2), topic="Sleep")
    held = GroupSessionFactory(group=group, starts_at=now - timedelta(days=5), status="held")
    page = signed_in.get(reverse("group_detail", args=[group.pk])).text
    named = page.split("Facilitators: ", 1)[1].split(".", 1)[0]
    assert named == f"{cofacilitator.get_full_name()}, {facilitator.get_full_name()}"
    roster = page.split('id="roster-title"', 1)[1].split("</table>", 1)[0]
    record = reverse("participant_record", args=[group.pk, joined.participant_id])
    assert f'<a href="{record}">Ana Ash</a>' in roster
    assert "Withdrawn" in roster and ", left " in roster and ": Moved away" in roster
    assert "cy@example.org (has not joined yet)" in roster and "Invited" in roster
    assert "dee@example.org (has not joined yet)" in roster and "place offered" in roster
    assert reverse("seat_confirm", args=[group.pk, offered.pk]) in roster
    assert reverse("enrollment_end", args=[group.pk, invited.pk]) in roster
    coming = page.split('id="upcoming-title"', 1)[1].split("</section>", 1)[0]
    recent = page.split('id="past-title"', 1)[1].split("</section>", 1)[0]
    assert reverse("session_detail", args=[soon.pk]) in coming and ": Sleep" in coming
    assert reverse("session_detail", args=[held.pk]) in recent and "Took place" in recent
    assert "Took place" not in coming


def test_the_dashboard_lists_this_weeks_sessions_and_the_notes_still_to_sign(
    signed_in, facilitator, other_facilitator, group
):
    now = timezone.now()
    EnrollmentFactory(group=group)
    EnrollmentFactory(group=group)
    EnrollmentFactory(group=group, status="withdrawn", left_on=timezone.localdate())

    def session(days, **fields):
        return GroupSessionFactory(group=group, starts_at=now + timedelta(days=days), **fields)

    soon, cancelled = session(1), session(2, status="cancelled", cancel_reason="Holiday")
    later = session(9)
    elsewhere = GroupSessionFactory(
        group=TherapyGroupFactory(facilitators=[other_facilitator]),
        starts_at=now + timedelta(days=1),
    )
    draft, signed = session(-7, status="held"), session(-14, status="held")
    unheld = session(-21, status="not_held")
    for held in (draft, signed):
        GroupNote.objects.create(session=held, free_text="Written", format="free")
    sign_session(signed, facilitator)
    page = signed_in.get(reverse("home")).text
    week = page.split('id="upcoming"', 1)[1].split("</table>", 1)[0]
    to_do = page.split('id="to-do"', 1)[1].split("</section>", 1)[0]

    def link(s):
        return f'href="{reverse("session_detail", args=[s.pk])}"'

    assert link(soon) in week and f'{link(cancelled)} class="cancelled"' in week
    assert link(later) not in week and link(elsewhere) not in week
    assert week.count('<td data-label="Members">2</td>') == 2  # active members only
    assert "Notes to write or sign" in to_do
    assert link(draft) in to_do
    for s in (signed, unheld, soon):
        assert link(s) not in to_do


def test_the_record_shows_a_checked_text_number_and_says_it_is_not_consent_to_phone(
    signed_in, group
):
    from members.models import TextNumber

    checked = EnrollmentFactory(group=group).participant
    unchecked = EnrollmentFactory(group=group).participant
    TextNumber.objects.create(person=checked, number="+447400123456", verified_at=timezone.now())
    TextNumber.objects.create(person=unchecked, number="+447400654321")

    page = signed_in.get(reverse("participant_record", args=[group.pk, checked.pk])).text
    assert "+44 7400 123456 · for reminders by text; giving it is not agreement" in page
    page = signed_in.get(reverse("participant_record", args=[group.pk, unchecked.pk])).text
    assert "7400 654321" not in page and "has not given a phone number" in page


def test_the_attendance_grid_codes_are_in_the_readers_language():
    from django.utils import translation

    from sessions.templatetags.attendance import attendance_cells

    with translation.override("es"):
        spanish = attendance_cells(["late", "excused", "", None])
    with translation.override("en-gb"):
        english = attendance_cells(["late"])
    assert '<abbr title="Con retraso">R</abbr>' in spanish
    assert '<abbr title="Avisó de que no venía">AV</abbr>' in spanish
    assert "Sin marcar" in spanish and "No estaba en el grupo entonces" in spanish
    assert english == '<td><abbr title="Late">L</abbr></td>'

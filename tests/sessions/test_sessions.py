"""Scheduling, changing and cancelling sessions; attendance; signed notes and addenda."""

import csv
import io
import re
import zoneinfo
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from members.models import Organisation
from sessions import queries, services
from sessions.models import AbsenceFollowUp, Attendance, GroupNote, GroupSession, IndividualNote
from tests.members.factories import UserFactory
from tests.sessions.factories import (
    AttendanceFactory,
    GroupSessionFactory,
    later_today,
    reviewed,
    sign,
)
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups.models import Enrollment
from therapy_groups.services import end_enrollment

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture
def group(facilitator):
    return TherapyGroupFactory(facilitators=[facilitator], timezone="Europe/London")


def held_session(group, days_ago):
    return GroupSessionFactory(
        group=group,
        starts_at=timezone.now() - timedelta(days=days_ago),
        status=GroupSession.Status.HELD,
    )


def test_facilitator_schedules_a_weekly_series_through_the_page(client, facilitator, group):
    client.force_login(facilitator)
    Organisation.objects.update_or_create(pk=1, defaults={"holiday_country": "GB"})
    data = {"first_date": "2026-03-17", "at": "18:00", "duration": 90, "repeat": "weekly"}
    review = client.post(reverse("session_schedule", args=[group.pk]), {**data, "count": 12})
    # The dates first, with what to know about them; nothing scheduled yet.
    assert "Check the 12 dates" in review.text and not group.sessions.exists()
    assert "Tuesday 17 March 2026, 18:00" in review.text and "in the past" in review.text
    assert "Tuesday 7 April 2026" in review.text  # the day after Easter Monday: no holiday
    response = client.post(
        reverse("session_schedule", args=[group.pk]), {**data, "count": 12, "confirmed": "yes"}
    )
    assert response.status_code == 302
    sessions = list(group.sessions.order_by("starts_at"))
    assert len(sessions) == 12 and sessions[0].series is not None
    assert {timezone.localtime(s.starts_at, LONDON).time() for s in sessions} == {time(18)}
    assert sessions[0].location == group.location


def test_schedule_form_explains_a_series_without_an_ending(client, facilitator, group):
    client.force_login(facilitator)
    response = client.post(
        reverse("session_schedule", args=[group.pk]),
        {"first_date": "2026-03-17", "at": "18:00", "duration": 90, "repeat": "weekly"},
    )
    assert response.status_code == 400
    assert "either the number of sessions or the last date" in response.text
    assert not group.sessions.exists()


def test_double_booking_warns_but_does_not_block(client, facilitator, group):
    other = TherapyGroupFactory(facilitators=[facilitator], name="Thursday grief group")
    services.schedule_session(group=other, day=date(2026, 5, 5), at=time(18, 30), duration=60)
    client.force_login(facilitator)
    data = {"first_date": "2026-05-05", "at": "18:00", "duration": 90, "repeat": "once"}
    response = client.post(reverse("session_schedule", args=[group.pk]), data)
    assert response.status_code == 200 and "This overlaps another session" in response.text
    assert "Thursday grief group" in response.text and not group.sessions.exists()
    response = client.post(
        reverse("session_schedule", args=[group.pk]), {**data, "confirmed": "yes"}
    )
    assert response.status_code == 302 and group.sessions.count() == 1


def test_the_review_names_public_holidays_where_the_group_meets(client, facilitator, group):
    Organisation.objects.update_or_create(pk=1, defaults={"holiday_country": "GB"})
    client.force_login(facilitator)
    data = {"first_date": "2030-12-18", "at": "18:00", "duration": 90, "repeat": "weekly"}
    review = client.post(reverse("session_schedule", args=[group.pk]), {**data, "count": 3})
    assert "Wednesday 25 December 2030, 18:00" in review.text
    assert "<strong>Christmas Day</strong> (public holiday)" in review.text
    assert "<strong>New Year&#x27;s Day</strong>" in review.text  # 1 January 2031
    assert review.text.count("(public holiday)") == 2 and "in the past" not in review.text
    Organisation.objects.filter(pk=1).update(holiday_country="")
    review = client.post(reverse("session_schedule", args=[group.pk]), {**data, "count": 3})
    assert "public holiday" not in review.text


def test_a_holiday_in_the_preview_can_be_skipped_and_a_later_date_takes_its_place(
    client, facilitator, group
):
    Organisation.objects.update_or_create(pk=1, defaults={"holiday_country": "GB"})
    client.force_login(facilitator)
    url = reverse("session_schedule", args=[group.pk])
    data = {"first_date": "2030-12-18", "at": "18:00", "duration": 90, "repeat": "weekly"}
    data["count"] = 3
    review = client.post(url, data).text
    assert 'name="skip" value="2030-12-25"' in review and "Skip this date" in review
    # Ticked, then straight to "Schedule": the later date it brings is shown first.
    again = client.post(url, {**data, "skip": ["2030-12-25"], "confirmed": "yes"})
    assert again.status_code == 200 and not group.sessions.exists()
    assert "Wednesday 8 January 2031, 18:00" in again.text
    assert "Wednesday 25 December 2030, 18:00" not in again.text
    assert 'value="2030-12-25" checked' in again.text  # can be brought back
    done = client.post(
        url,
        {**data, "skip": ["2030-12-25"], "previewed_skip": "2030-12-25", "confirmed": "yes"},
    )
    assert done.status_code == 302
    days = [timezone.localtime(s.starts_at, LONDON).date() for s in group.sessions.all()]
    assert sorted(days) == [date(2030, 12, 18), date(2031, 1, 1), date(2031, 1, 8)]
    bad = client.post(url, {**data, "skip": ["25/12/2030"], "previewed_skip": "x"})
    assert bad.status_code == 400 and "was not a date" in bad.text


def test_change_this_and_following_moves_later_sessions_of_the_series_only(facilitator, group):
    series = services.schedule_series(
        group=group,
        frequency="weekly",
        first_date=date(2026, 3, 3),
        at=time(18),
        duration=90,
        count=6,
    )
    sessions = list(series.sessions.order_by("starts_at"))
    services.change_session(
        session=sessions[2],
        day=date(2026, 3, 18),
        at=time(17, 30),
        duration=60,
        location="Room 5",
        video_link="",
        topic="Sleep",
        and_following=True,
    )
    local = [
        timezone.localtime(s.starts_at, LONDON) for s in GroupSession.objects.filter(series=series)
    ]
    assert [t.date() for t in local[:2]] == [date(2026, 3, 3), date(2026, 3, 10)]
    assert [t.date() for t in local[2:]] == [
        date(2026, 3, 18),
        date(2026, 3, 25),
        date(2026, 4, 1),
        date(2026, 4, 8),
    ]
    assert {t.time() for t in local[2:]} == {time(17, 30)}  # across the 29 March change too
    changed = GroupSession.objects.filter(series=series).order_by("starts_at")
    assert [s.topic for s in changed] == ["", "", "Sleep", "", "", ""]
    assert {s.location for s in changed[2:]} == {"Room 5"} and changed[0].location != "Room 5"
    assert all(s.sequence == 1 for s in changed[2:])


def test_cancelled_session_stays_visible_with_its_reason(client, facilitator, group):
    session = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=2))
    with pytest.raises(ValidationError):
        services.cancel_session(session=session, reason="  ")
    services.cancel_session(session=session, reason="Facilitator unwell")
    client.force_login(facilitator)
    page = client.get(reverse("group_detail", args=[group.pk])).text
    assert 'class="cancelled"' in page
    assert (
        "Cancelled: Facilitator unwell"
        in client.get(reverse("session_detail", args=[session.pk])).text
    )


def test_roster_changes_never_touch_sessions(group, participant):
    past, future = (
        held_session(group, 14),
        GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=7)),
    )
    enrollment = EnrollmentFactory(group=group, participant=participant, joined_on=date(2026, 1, 1))
    AttendanceFactory(session=past, participant=participant)
    newcomer = EnrollmentFactory(group=group, joined_on=timezone.localdate())
    end_enrollment(enrollment=enrollment, status=Enrollment.Status.WITHDRAWN)

    future_list = [e.participant for e in queries.roster_for(future)]
    past_list = [e.participant for e in queries.roster_for(past)]
    assert newcomer.participant in future_list and participant not in future_list
    assert participant in past_list and newcomer.participant not in past_list
    assert Attendance.objects.filter(session=past, participant=participant).exists()


def test_everyone_present_marks_only_the_unmarked(facilitator, group):
    session = held_session(group, 0)
    late, *others = [EnrollmentFactory(group=group).participant for _ in range(3)]
    services.mark_attendance(
        session=session, participant=late, status="late", marked_by=facilitator
    )
    assert services.mark_everyone_present(session=session, marked_by=facilitator) == 2
    statuses = dict(session.attendance.values_list("participant_id", "status"))
    assert statuses == {late.pk: "late", others[0].pk: "present", others[1].pk: "present"}


def test_attendance_is_marked_with_one_tap_through_htmx(client, facilitator, group):
    session = held_session(group, 0)
    person = EnrollmentFactory(group=group).participant
    client.force_login(facilitator)
    response = client.post(
        reverse("attendance_mark", args=[session.pk, person.pk]),
        {"status": "absent"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<li id="attendance-{person.pk}"')
    assert 'aria-pressed="true">Absent</button>' in response.text
    assert Attendance.objects.get(session=session, participant=person).status == "absent"


def test_a_refused_htmx_mark_redraws_the_row_with_its_buttons_off(client, facilitator, group):
    future = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=2))
    person = EnrollmentFactory(group=group).participant
    client.force_login(facilitator)
    response = client.post(
        reverse("attendance_mark", args=[future.pk, person.pk]),
        {"status": "present"},
        HTTP_HX_REQUEST="true",
    )
    assert "from the start of the session&#x27;s day" in response.text
    # Only "Excused" stays on: apologies can be recorded any time before.
    assert response.text.count(" disabled>") == len(Attendance.Status.choices) - 1
    assert not Attendance.objects.filter(session=future).exists()


def test_attendance_refuses_people_not_in_the_group_and_future_sessions(facilitator, group):
    session = held_session(group, 0)
    with pytest.raises(ValidationError, match="not in the group"):
        services.mark_attendance(
            session=session, participant=UserFactory(), status="present", marked_by=facilitator
        )
    future = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=2))
    member = EnrollmentFactory(group=group).participant
    with pytest.raises(ValidationError, match="from the start of the session's day"):
        services.mark_attendance(
            session=future, participant=member, status="present", marked_by=facilitator
        )


def test_absent_people_get_no_individual_note(facilitator, group):
    session = held_session(group, 0)
    member = EnrollmentFactory(group=group).participant
    services.mark_attendance(
        session=session, participant=member, status="absent", marked_by=facilitator
    )
    with pytest.raises(ValidationError, match="people who attended"):
        services.save_individual_note(
            session=session,
            participant=member,
            author=facilitator,
            progress="x",
            participation="y",
            risk_flag=False,
        )


def test_signed_notes_cannot_change_and_corrections_are_addenda(facilitator, cofacilitator, group):
    session = held_session(group, 0)
    member = EnrollmentFactory(group=group).participant
    services.mark_attendance(
        session=session, participant=member, status="present", marked_by=facilitator
    )
    services.save_group_note(
        session=session,
        author=facilitator,
        format="soap",
        subjective="Low mood this week",
        plan="Behavioural activation",
        data="ignored",
    )
    services.save_individual_note(
        session=session,
        participant=member,
        author=facilitator,
        progress="Shared a small win",
        participation="Active",
        risk_flag=False,
    )
    note = sign(session, cofacilitator)
    assert note.signed_by == cofacilitator and note.signed_at is not None
    assert note.data == ""  # fields outside the chosen format are not kept
    assert IndividualNote.objects.get(session=session).signed_by == cofacilitator

    with pytest.raises(ValidationError, match="signed"):
        services.save_group_note(
            session=session, author=facilitator, format="soap", subjective="Changed"
        )
    with pytest.raises(ValidationError, match="signed"):
        services.save_individual_note(
            session=session,
            participant=member,
            author=facilitator,
            progress="Changed",
            participation="",
            risk_flag=True,
        )
    with pytest.raises(ValidationError, match="signed"):
        sign(session, facilitator)

    services.add_addendum(
        note=note, text="Correction: mood improved by the end.", signer=facilitator
    )
    note.refresh_from_db()
    assert note.subjective == "Low mood this week"
    assert [a.text for a in note.addenda.all()] == ["Correction: mood improved by the end."]


def test_an_empty_note_cannot_be_signed_and_a_draft_takes_no_addendum(facilitator, group):
    session = held_session(group, 0)
    with pytest.raises(ValidationError, match="Write the group note"):
        sign(session, facilitator)
    note = services.save_group_note(
        session=session, author=facilitator, format="free", free_text="Draft"
    )
    with pytest.raises(ValidationError, match="addenda are for signed notes"):
        services.add_addendum(note=note, text="x", signer=facilitator)


def test_group_note_is_written_signed_and_shown_through_the_pages(client, facilitator, group):
    session = held_session(group, 0)
    client.force_login(facilitator)
    assert 'name="data"' in client.get(reverse("group_note", args=[session.pk])).text
    assert (
        'name="behaviour"'
        in client.get(reverse("group_note", args=[session.pk]) + "?format=birp").text
    )
    client.post(
        reverse("group_note", args=[session.pk]),
        {"format": "dap", "data": "Discussed sleep", "assessment": "Engaged", "plan": "Diary"},
    )
    client.post(reverse("notes_sign", args=[session.pk]), reviewed(session))
    page = client.get(reverse("session_detail", args=[session.pk])).text
    assert "Discussed sleep" in page and "Signed by" in page
    # Typed into a page opened before the signing: nothing changes, nothing typed is lost.
    response = client.post(
        reverse("group_note", args=[session.pk]), {"format": "dap", "data": "Rewritten"}
    )
    assert "was signed while you were writing" in response.text
    assert "Data:\nRewritten</textarea>" in response.text
    assert GroupNote.objects.get(session=session).data == "Discussed sleep"


def test_two_consecutive_absences_flag_until_a_follow_up_dated_after_them(facilitator, group):
    member = EnrollmentFactory(
        group=group, participant=UserFactory(first_name="Ash", last_name="Lane")
    )
    for days_ago, status in [(21, "present"), (14, "absent"), (7, "absent")]:
        AttendanceFactory(
            session=held_session(group, days_ago), participant=member.participant, status=status
        )
    flags = queries.absence_flags([group])
    assert [f.participant for f in flags] == [member.participant]
    # A date recorded before absences joined the follow-up loop still clears the flag.
    AbsenceFollowUp.objects.create(
        group=group, participant=member.participant, followed_up_on=timezone.localdate()
    )
    assert queries.absence_flags([group]) == []


def test_one_absence_or_an_excused_one_raises_no_flag(group):
    member = EnrollmentFactory(group=group).participant
    AttendanceFactory(session=held_session(group, 14), participant=member, status="excused")
    AttendanceFactory(session=held_session(group, 7), participant=member, status="absent")
    assert queries.absence_flags([group]) == []


def test_attendance_rates_are_derived_and_exported_as_csv(client, facilitator, group):
    a = EnrollmentFactory(group=group, participant=UserFactory(first_name="=Amy", last_name="Ash"))
    b = EnrollmentFactory(group=group, participant=UserFactory(first_name="Bo", last_name="Birch"))
    for days_ago, (sa, sb) in zip(
        [21, 14, 7],
        [("present", "absent"), ("late", "present"), ("excused", "present")],
        strict=True,
    ):
        session = held_session(group, days_ago)
        AttendanceFactory(session=session, participant=a.participant, status=sa)
        AttendanceFactory(session=session, participant=b.participant, status=sb)
    grid = queries.attendance_grid(group)
    assert [r.rate for r in grid.rows] == [1.0, 2 / 3]
    assert grid.group_rate == 0.8

    client.force_login(facilitator)
    response = client.get(reverse("attendance_csv", args=[group.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Participant" and rows[0][-1] == "Attendance rate" and len(rows[0]) == 5
    assert rows[1] == ["'=Amy Ash", "present", "late", "excused", "100%"]  # no formula injection
    assert rows[2] == ["Bo Birch", "absent", "present", "present", "67%"]
    page = client.get(reverse("attendance_grid", args=[group.pk])).text
    cells = re.findall(r'<td><abbr title="([^"]+)">', page)
    assert cells == ["Present", "Late", "Excused", "Absent", "Present", "Present"]
    assert "<td>67%</td>" in page


def test_notes_are_seen_by_the_groups_facilitators_only(
    client, facilitator, cofacilitator, other_facilitator, admin_user, participant, group
):
    group.facilitators.add(cofacilitator)
    session = held_session(group, 1)
    GroupNote.objects.create(session=session, free_text="Confidential theme", format="free")
    url = reverse("session_detail", args=[session.pk])
    for user, expected in [
        (facilitator, 200),
        (cofacilitator, 200),
        (other_facilitator, 404),
        (admin_user, 403),
        (participant, 403),
    ]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == expected, user.email
        assert ("Confidential theme" in response.text) == (expected == 200)


def test_session_page_links_previous_and_next(client, facilitator, group):
    first, second, third = (held_session(group, d) for d in (14, 7, 0))
    client.force_login(facilitator)
    page = client.get(reverse("session_detail", args=[second.pk])).text
    assert reverse("session_detail", args=[first.pk]) in page
    assert reverse("session_detail", args=[third.pk]) in page


def test_local_date_is_the_groups_date(group):
    late_evening = datetime(2026, 7, 1, 23, 30, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    session = GroupSessionFactory(group=group, starts_at=late_evening)
    assert session.local_date == date(2026, 7, 1)


def test_postgresql_itself_refuses_to_change_a_signed_note_or_an_addendum(facilitator, group):
    from django.db import IntegrityError, transaction

    from sessions.models import Addendum

    session = held_session(group, 0)
    services.save_group_note(
        session=session, author=facilitator, format="free", free_text="Original"
    )
    note = sign(session, facilitator)
    addendum = services.add_addendum(note=note, text="Later thought", signer=facilitator)
    for attempt in (
        lambda: GroupNote.objects.filter(pk=note.pk).update(free_text="Tampered"),
        lambda: GroupNote.objects.filter(pk=note.pk).update(signed_at=None, signed_by=None),
        lambda: GroupNote.objects.filter(pk=note.pk).delete(),
        lambda: Addendum.objects.filter(pk=addendum.pk).update(text="Rewritten"),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            attempt()
    note.refresh_from_db()
    assert note.free_text == "Original" and note.is_signed


def test_a_draft_note_can_still_be_edited_in_the_database(facilitator, group):
    session = held_session(group, 0)
    note = services.save_group_note(
        session=session, author=facilitator, format="free", free_text="a"
    )
    GroupNote.objects.filter(pk=note.pk).update(free_text="b")
    note.refresh_from_db()
    assert note.free_text == "b"


def test_a_group_with_sessions_cannot_be_deleted(group):
    from django.db.models import ProtectedError

    GroupSessionFactory(group=group)
    with pytest.raises(ProtectedError):
        group.delete()


def test_attendance_opens_at_the_start_of_the_sessions_day_where_the_group_meets(
    facilitator, group
):
    member = EnrollmentFactory(group=group).participant
    zone = zoneinfo.ZoneInfo(group.timezone)
    today = timezone.localdate(timezone.now(), zone)
    tonight = datetime.combine(today, time(23, 30), tzinfo=zone)
    later_today = GroupSessionFactory(group=group, starts_at=tonight)
    services.mark_attendance(
        session=later_today, participant=member, status="present", marked_by=facilitator
    )
    tomorrow = GroupSessionFactory(group=group, starts_at=tonight + timedelta(days=1))
    with pytest.raises(ValidationError, match="mark someone as excused"):
        services.mark_attendance(
            session=tomorrow, participant=member, status="present", marked_by=facilitator
        )
    services.mark_attendance(  # apologies by phone, days ahead
        session=tomorrow, participant=member, status="excused", marked_by=facilitator
    )
    assert Attendance.objects.get(session=tomorrow).status == "excused"


def test_a_register_taken_before_the_start_makes_it_took_place_only_once_it_starts(
    facilitator, group, client
):
    """The finding: attendance opens hours before the start and then marked the session
    "Took place", and signing was refused only after pressing Sign."""
    session = later_today(group)
    members = [EnrollmentFactory(group=group).participant for _ in range(2)]
    services.mark_everyone_present(session=session, marked_by=facilitator)
    session.refresh_from_db()
    assert session.status == GroupSession.Status.SCHEDULED
    assert set(session.attendance.values_list("participant_id", flat=True)) == {
        m.pk for m in members
    }
    apology_only = later_today(group, hour=22)
    services.mark_attendance(
        session=apology_only, participant=members[0], status="excused", marked_by=facilitator
    )
    with pytest.raises(ValidationError, match="once its start time has come"):
        services.set_session_status(session=session, status=GroupSession.Status.HELD)
    assert services.mark_started_sessions_held() == 0  # not started yet

    GroupSession.objects.filter(pk__in=[session.pk, apology_only.pk]).update(
        starts_at=timezone.now() - timedelta(minutes=1)
    )
    assert services.mark_started_sessions_held() == 1
    session.refresh_from_db()
    apology_only.refresh_from_db()
    assert session.status == GroupSession.Status.HELD
    assert apology_only.status == GroupSession.Status.SCHEDULED  # an apology says nothing
    # An older session a facilitator set back to scheduled stays as they set it.
    GroupSession.objects.filter(pk=session.pk).update(
        status=GroupSession.Status.SCHEDULED, starts_at=timezone.now() - timedelta(days=2)
    )
    assert services.mark_started_sessions_held() == 0


def test_the_sign_button_says_when_signing_opens(facilitator, group, client):
    session = later_today(group)
    services.save_group_note(session=session, author=facilitator, format="free", free_text="Ok.")
    client.force_login(facilitator)
    page = client.get(reverse("session_detail", args=[session.pk])).text
    assert "Signing opens when the session starts: " in page
    assert f'href="{reverse("notes_sign", args=[session.pk])}"' not in page
    review = client.get(reverse("notes_sign", args=[session.pk])).text
    assert 'disabled aria-describedby="signing-opens"' in review
    GroupSession.objects.filter(pk=session.pk).update(starts_at=timezone.now())
    page = client.get(reverse("session_detail", args=[session.pk])).text
    assert "Signing opens" not in page
    assert f'href="{reverse("notes_sign", args=[session.pk])}"' in page


def test_the_beat_marks_started_sessions_every_minute():
    from config.celery import app

    schedule = app.conf.beat_schedule["sessions-started"]
    assert schedule == {"task": "sessions.mark_started_sessions_held", "schedule": 60.0}
    app.loader.import_default_modules()  # what a worker does at start: each app's tasks.py
    assert "sessions.mark_started_sessions_held" in app.tasks


def test_moving_a_session_into_the_past_is_asked_about_first(client, facilitator, group):
    session = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=7))
    client.force_login(facilitator)
    url = reverse("session_change", args=[session.pk])
    local = timezone.localtime(session.starts_at, zoneinfo.ZoneInfo(group.timezone))
    data = {
        "day": (local.date() - timedelta(days=365)).isoformat(),  # a slip of the year
        "at": local.strftime("%H:%M"),
        "duration": 90,
    }
    warned = client.post(url, data)
    assert warned.status_code == 200 and "That time is in the past" in warned.text
    assert 'name="confirm_clash"' in warned.text and "Save anyway" in warned.text
    session.refresh_from_db()
    assert session.starts_at > timezone.now()  # nothing moved yet
    assert client.post(url, {**data, "confirm_clash": "1"}).status_code == 302
    session.refresh_from_db()
    assert session.starts_at < timezone.now()
    # Its own time again (already past), only shorter: nothing to ask, saved at once.
    assert client.post(url, {**data, "duration": 60}).status_code == 302

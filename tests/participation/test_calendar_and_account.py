"""iCal feeds, preferences, "My data" and closing an account."""

import json
import zoneinfo
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from members.models import Organisation
from sessions import services
from sessions.models import GroupNote
from tests.members.factories import PASSWORD, UserFactory
from tests.sessions.factories import AttendanceFactory, GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups import services as group_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(facilitator, participant):
    group = TherapyGroupFactory(
        facilitators=[facilitator],
        name="Depression CBT (clinical name)",
        display_name="Tuesday group",
        location="Room 2",
    )
    EnrollmentFactory(group=group, participant=participant)
    return group


def feed(client, user) -> Calendar:
    client.force_login(user)
    client.post(reverse("calendar_settings"))
    user.refresh_from_db()
    response = Client().get(reverse("calendar_feed", args=[user.calendar_token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def events(calendar):
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_feed_lists_sessions_with_stable_uids_and_follows_changes_and_cancellations(
    client, participant, group
):
    session = GroupSessionFactory(
        group=group, starts_at=timezone.now() + timedelta(days=3), location="Room 2"
    )
    first = events(feed(client, participant))
    ((uid, event),) = first.items()
    assert str(event["summary"]) == "Tuesday group"
    assert str(event["location"]) == "Room 2"
    assert int(event["sequence"]) == 0 and str(event["status"]) == "CONFIRMED"

    local = timezone.localtime(session.starts_at, session.group_zone)
    services.change_session(
        session=session,
        day=local.date(),
        at=local.time().replace(hour=9),
        duration=60,
        location="Room 7",
        video_link="",
        topic="",
    )
    services.cancel_session(session=session, reason="Unwell")
    after = events(feed(client, participant))
    assert list(after) == [uid]
    assert int(after[uid]["sequence"]) == 2 and str(after[uid]["status"]) == "CANCELLED"
    assert str(after[uid]["location"]) == "Room 7"


def test_feed_carries_no_clinical_content(client, participant, group):
    session = GroupSessionFactory(
        group=group,
        starts_at=timezone.now() + timedelta(days=3),
        topic="Thinking traps",
        agenda="Private agenda",
    )
    GroupNote.objects.create(session=session, free_text="Clinical note", format="free")
    client.force_login(participant)
    client.post(reverse("calendar_settings"))
    participant.refresh_from_db()
    body = (
        Client().get(reverse("calendar_feed", args=[participant.calendar_token])).content.decode()
    )
    for secret in (
        "clinical name",
        "Depression",
        "Thinking traps",
        "Private agenda",
        "Clinical note",
    ):
        assert secret not in body


def test_regenerating_the_feed_address_revokes_the_old_one(client, participant, group):
    client.force_login(participant)
    client.post(reverse("calendar_settings"))
    participant.refresh_from_db()
    old = participant.calendar_token
    asked = client.post(reverse("calendar_settings")).text
    assert "The old address stops working at once" in asked  # asked once, nothing changed yet
    participant.refresh_from_db()
    assert participant.calendar_token == old
    client.post(reverse("calendar_settings"), {"confirmed": "yes"})
    participant.refresh_from_db()
    assert participant.calendar_token != old
    assert Client().get(reverse("calendar_feed", args=[old])).status_code == 404
    assert (
        Client().get(reverse("calendar_feed", args=[participant.calendar_token])).status_code == 200
    )


def test_facilitators_get_a_feed_of_the_groups_they_run(client, facilitator, group):
    GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=1))
    GroupSessionFactory(starts_at=timezone.now() + timedelta(days=1))  # someone else's group
    assert len(events(feed(client, facilitator))) == 1


def test_one_session_download_parses_and_is_scoped(client, participant, other_participant, group):
    session = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=3))
    client.force_login(participant)
    calendar = Calendar.from_ical(client.get(reverse("session_ics", args=[session.pk])).content)
    assert len(calendar.walk("VEVENT")) == 1
    client.force_login(other_participant)
    assert client.get(reverse("session_ics", args=[session.pk])).status_code == 404


def test_preferences_offer_only_the_organisations_reminder_times(client, participant):
    client.force_login(participant)
    page = client.get(reverse("preferences")).text
    assert "1 day before" in page and "3 days before" not in page
    response = client.post(
        reverse("preferences"),
        {
            "display_name": "Pia",
            "timezone": "Asia/Kolkata",
            "session_reminders": "on",
            "reminder_hours": ["72"],
        },
    )
    assert response.status_code == 400 and "Select a valid choice" in response.text
    client.post(
        reverse("preferences"),
        {
            "display_name": "Pia",
            "timezone": "Asia/Kolkata",
            "session_reminders": "on",
            "reminder_hours": ["2"],
        },
    )
    participant.refresh_from_db()
    assert participant.timezone == "Asia/Kolkata" and participant.reminder_hours == [2]
    assert participant.goal_prompts is False  # unticked


def test_my_data_holds_goals_and_attendance_but_no_clinical_notes(client, participant, group):
    goal = group_services.create_goal(participant=participant, group=group, what="Walk daily")
    group_services.check_in(goal=goal, progress=4, note="Two walks")
    session = GroupSessionFactory(
        group=group, starts_at=timezone.now() - timedelta(days=1), status="held"
    )
    GroupNote.objects.create(session=session, free_text="Clinical note", format="free")
    AttendanceFactory(session=session, participant=participant, status="present")
    client.force_login(participant)
    data = json.loads(client.get(reverse("my_data_json")).content)
    assert data["account"]["email"] == participant.email
    assert data["goals"][0]["what"] == "Walk daily"
    assert data["goals"][0]["check_ins"][0]["note"] == "Two walks"
    assert "Clinical note" not in json.dumps(data)
    page = client.get(reverse("my_data")).text
    assert "Walk daily" in page and "not in this download" in page
    # In words and the person's own time, not field names and UTC.
    when = timezone.localtime(session.starts_at, zoneinfo.ZoneInfo(participant.timezone))
    assert "<dt>Session reminders</dt>" in page and "session_reminders" not in page
    assert f"({participant.timezone})" in page and "+00:00" not in page
    assert f", {when:%H:%M} ({participant.timezone}): present" in page
    assert "Working on it" in page and "active" not in page.split("<h2>Goals</h2>")[1]


def test_closing_an_account_disables_login_at_once_and_staff_see_the_request(
    client, participant, facilitator, admin_user, group
):
    other_browser = Client()
    other_browser.post(reverse("account_login"), {"login": participant.email, "password": PASSWORD})
    assert other_browser.get(reverse("home")).status_code == 200
    client.force_login(participant)
    response = client.post(reverse("close_account"), {"reason": "Feeling better", "confirm": "on"})
    assert "Your account is closed" in response.text
    participant.refresh_from_db()
    assert participant.is_active is False
    assert other_browser.get(reverse("home")).status_code == 200  # anonymous welcome now
    assert "_auth_user_id" not in other_browser.session
    assert not Client().login(email=participant.email, password=PASSWORD)
    client.force_login(facilitator)
    assert "Asked to close their account" in client.get(reverse("home")).text
    client.force_login(admin_user)
    assert "Feeling better" in client.get(reverse("admin_closures")).text


def test_organisation_reminder_defaults_apply_to_people_who_have_not_chosen(participant):
    from members.services import reminder_hours_for

    organisation = Organisation.current()
    assert reminder_hours_for(participant, organisation) == [24, 2]
    participant.reminder_hours = [2, 72]  # 72 is not allowed
    assert reminder_hours_for(participant, organisation) == [2]


def test_nobody_new_appears_in_someone_elses_feed(client, participant, other_participant, group):
    GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=3))
    other = UserFactory()
    assert len(events(feed(client, other))) == 0


def test_my_data_holds_what_the_person_wrote_never_a_facilitators_comment(
    client, participant, facilitator, group
):
    past = GroupSessionFactory(group=group, starts_at=timezone.now() - timedelta(days=2))
    services.mark_attendance(
        session=past,
        participant=participant,
        status="absent",
        marked_by=facilitator,
        comment="Marker-facilitator: sounded low on the phone",
    )
    later = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=2))
    services.notify_absence(session=later, participant=participant, reason="Marker-own: dentist")
    enrollment = group.enrollments.get(participant=participant)
    group_services.end_enrollment(
        enrollment=enrollment, status="withdrawn", reason="Marker-leaving: risk concerns"
    )
    client.force_login(participant)
    for url in (reverse("my_data_json"), reverse("my_data")):
        body = client.get(url).content.decode()
        assert "Marker-own: dentist" in body
        assert "Marker-facilitator" not in body and "Marker-leaving" not in body


def test_opening_the_calendar_page_writes_nothing(client, participant):
    """A GET shows; only the button makes the private address."""
    client.force_login(participant)
    page = client.get(reverse("calendar_settings"))
    participant.refresh_from_db()
    assert participant.calendar_token in ("", None)
    assert "Make my calendar address" in page.text
    client.post(reverse("calendar_settings"))
    participant.refresh_from_db()
    assert participant.calendar_token in client.get(reverse("calendar_settings")).text


def test_the_feed_and_the_one_session_file_agree_and_say_what_the_person_told_us(
    client, participant, group
):
    session = GroupSessionFactory(
        group=group,
        starts_at=timezone.now() + timedelta(days=3),
        location="Room 2",
        video_link="https://video.example/tuesday",
    )
    services.notify_absence(session=session, participant=participant, reason="Work")
    (in_feed,) = events(feed(client, participant)).values()
    download = Calendar.from_ical(client.get(reverse("session_ics", args=[session.pk])).content)
    assert str(download["method"]) == "PUBLISH" and "method" not in feed(client, participant)
    (in_file,) = download.walk("VEVENT")
    for event in (in_feed, in_file):
        assert str(event["summary"]) == "Tuesday group (you can't make it)"
        assert str(event["transp"]) == "TRANSPARENT"
        assert str(event["location"]) == "Room 2 · https://video.example/tuesday"
        assert "Join by video: https://video.example/tuesday" in str(event["description"])
    assert {k: str(v) for k, v in in_feed.items()} == {k: str(v) for k, v in in_file.items()}
    # Someone else in the group sees an ordinary session.
    other = EnrollmentFactory(group=group).participant
    (theirs,) = events(feed(Client(), other)).values()
    assert str(theirs["summary"]) == "Tuesday group" and "transp" not in theirs


def test_a_cancellation_tells_calendar_apps_to_remove_the_event(
    client, participant, group, send_outbox
):
    session = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=3))
    services.cancel_session(session=session, reason="Unwell")
    send_outbox()
    notice = next(m for m in mail.outbox if m.subject.startswith("Cancelled"))
    (_, content, kind) = notice.attachments[0]
    attached = Calendar.from_ical(content)
    assert str(attached["method"]) == "CANCEL" and kind == "text/calendar"
    (event,) = attached.walk("VEVENT")
    assert str(event["status"]) == "CANCELLED" and "mailto:" in str(event["organizer"])
    client.force_login(participant)
    download = Calendar.from_ical(client.get(reverse("session_ics", args=[session.pk])).content)
    assert str(download["method"]) == "CANCEL"


def test_a_facilitator_handles_closure_requests_of_current_members_only(world, personas):
    """Someone who left the group long ago is no longer the facilitator's to handle: the
    admins see to it. (Their request stays on the admins' list.)"""
    from therapy_groups.models import Enrollment

    url = reverse("closure_handled", args=[world.closure.pk])
    Enrollment.objects.filter(participant=world.closure.user).update(
        status=Enrollment.Status.COMPLETED
    )
    facilitator = personas["facilitator"]
    assert "Asked to close their account" not in facilitator.get(reverse("home")).text
    assert facilitator.post(url).status_code == 404
    world.closure.refresh_from_db()
    assert world.closure.handled_at is None
    Enrollment.objects.filter(participant=world.closure.user).update(
        status=Enrollment.Status.ACTIVE
    )
    assert "Asked to close their account" in facilitator.get(reverse("home")).text
    assert facilitator.post(url).status_code == 302
    assert (
        personas["admin"]
        .post(reverse("closure_handled", args=[world.other_closure.pk]))
        .status_code
        == 302
    )

"""The outbox: what is planned, when, for whom; what is sent, cancelled or missed."""

import smtplib
import zoneinfo
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.outbox import delivery
from core.outbox.models import Notification
from members.messages import INVITATION
from members.models import Organisation
from sessions import outbox, services
from sessions.models import GroupNote, GroupSession
from tests.members.factories import UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups import services as group_services
from therapy_groups.messages import WAITLIST_OFFER
from therapy_groups.models import Enrollment, GoalCheckIn

pytestmark = pytest.mark.django_db
State = Notification.State


@pytest.fixture
def group(facilitator):
    return TherapyGroupFactory(
        facilitators=[facilitator],
        name="Depression CBT",
        display_name="Tuesday group",
        location="Room 2",
    )


def member(group, **user):
    return EnrollmentFactory(group=group, participant=UserFactory(**user)).participant


def rows(kind=outbox.SESSION_REMINDER):
    return list(
        Notification.objects.filter(kind=kind)
        .select_related("recipient")
        .order_by("due_at", "recipient_id", "pk")
    )


def at(*args, zone="UTC"):
    return datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone))


CLOCK_CHANGES = [
    # Lord Howe leaves daylight time by 30 minutes at 02:00 on 5 April 2026.
    ("Australia/Lord_Howe", (2026, 4, 5, 18, 0)),
    # New York leaves daylight time by an hour on 1 November 2026, and joins it on 8 March 2026.
    ("America/New_York", (2026, 11, 1, 18, 0)),
    ("America/New_York", (2026, 3, 8, 18, 0)),
    ("Asia/Kolkata", (2026, 4, 5, 18, 0)),  # no clock changes: both rules agree
]


@pytest.mark.parametrize(("zone", "local_start"), CLOCK_CHANGES)
def test_the_day_before_reminder_keeps_the_wall_clock_time_and_hours_count_real_time(
    group, zone, local_start
):
    """People read "24 hours before" as the day before, at the same time; "2 hours before" is
    two real hours, whatever the clocks do."""
    group.timezone = zone
    group.save()
    person = member(group, timezone=zone)
    start = at(*local_start, zone=zone)
    GroupSessionFactory(group=group, starts_at=start)
    day_before = (datetime(*local_start) - timedelta(days=1)).replace(
        tzinfo=zoneinfo.ZoneInfo(zone)
    )
    for due in (day_before, start - timedelta(hours=2)):
        outbox.plan(due - timedelta(minutes=5))
    planned = rows()
    assert [r.due_at for r in planned] == [day_before, start - timedelta(hours=2)]
    assert timezone.localtime(planned[0].due_at, zoneinfo.ZoneInfo(zone)).hour == 18
    assert {(r.recipient_id, r.occurrence) for r in planned} == {(person.pk, start)}
    assert all(r.expires_at <= start for r in planned)


def test_planning_twice_is_harmless(group):
    member(group)
    GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(hours=2, minutes=3))
    now = timezone.now()
    outbox.plan(now)
    outbox.plan(now)
    outbox.plan(now + timedelta(minutes=1))
    assert len(rows()) == 1


def test_reminder_follows_preferences_and_the_organisations_allowed_times(group):
    everything = member(group)
    two_hours_only = member(group, reminder_hours=[2])
    member(group, session_reminders=False)
    member(group, reminder_hours=[72])  # not allowed: falls back to the defaults
    start = timezone.now() + timedelta(hours=30)
    GroupSessionFactory(group=group, starts_at=start)
    for hours in (24, 2):
        outbox.plan(start - timedelta(hours=hours, minutes=2))
    by_person = {}
    for row in rows():
        by_person.setdefault(row.recipient.email, []).append(row.offset_minutes // 60)
    assert by_person[everything.email] == [24, 2] and by_person[two_hours_only.email] == [2]
    assert len(by_person) == 3


def test_no_reminders_to_waitlisted_withdrawn_or_deactivated_people(group):
    EnrollmentFactory(group=group, status=Enrollment.Status.WAITLISTED, joined_on=None)
    gone = EnrollmentFactory(group=group)
    group_services.end_enrollment(enrollment=gone, status=Enrollment.Status.WITHDRAWN)
    member(group, is_active=False)
    GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(hours=2, minutes=3))
    outbox.plan(timezone.now())
    assert rows() == []


def test_reminder_reads_the_time_in_the_recipients_zone_and_carries_an_ics(group, send_outbox):
    person = member(group, timezone="America/New_York", first_name="Ada")
    start = at(2026, 12, 1, 18, 0, zone="Europe/London")
    GroupSessionFactory(group=group, starts_at=start, location="Room 2")
    outbox.plan(start - timedelta(hours=2, minutes=1))
    delivery.deliver_due(start - timedelta(hours=2))
    message = mail.outbox[-1]
    assert message.to == [person.email]
    assert "Tuesday 1 December, 13:00 (America/New_York)" in message.body
    assert (
        "Room 2" in message.body
        and reverse("cant_make_it", args=[GroupSession.objects.get().pk]) in message.body
    )
    assert message.alternatives and message.alternatives[0][1] == "text/html"
    assert message.attachments[0][0] == "session.ics"
    assert "Tuesday group" in message.subject and "Depression" not in message.subject + message.body


def test_cancelled_session_gets_a_notice_and_its_pending_reminders_are_cancelled(
    group, send_outbox
):
    person = member(group)
    session = GroupSessionFactory(
        group=group, starts_at=timezone.now() + timedelta(hours=2, minutes=3)
    )
    outbox.plan(timezone.now())
    services.cancel_session(session=session, reason="Sam is in hospital")
    send_outbox()
    assert [m.subject.split(",")[0] for m in mail.outbox] == ["Cancelled: Tuesday group"]
    assert mail.outbox[0].to == [person.email]
    assert "hospital" not in mail.outbox[0].body + str(mail.outbox[0].alternatives)  # the record's
    assert "From your facilitator" not in mail.outbox[0].body  # nothing written for members
    assert rows()[0].state == State.CANCELLED


def test_members_get_only_the_message_written_for_them_never_the_reason(
    group, send_outbox, facilitator
):
    person = member(group)
    session = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=2))
    client = Client()
    client.force_login(facilitator)
    client.post(
        reverse("session_cancel", args=[session.pk]),
        {"reason": "Sam is in hospital", "members_message": "We meet again next Tuesday."},
    )
    session.refresh_from_db()
    assert session.is_cancelled and session.cancel_reason == "Sam is in hospital"
    [sent] = send_outbox()
    for text in (sent.body, str(sent.alternatives)):
        assert "From your facilitator: We meet again next Tuesday." in text
        assert "hospital" not in text
    client.force_login(person)
    home = client.get(reverse("home")).text
    assert "We meet again next Tuesday." in home and "hospital" not in home


def test_rescheduled_session_gets_a_notice_and_reminders_for_the_new_time_only(group, send_outbox):
    member(group)
    session = GroupSessionFactory(
        group=group, starts_at=timezone.now() + timedelta(hours=2, minutes=3)
    )
    outbox.plan(timezone.now())
    local = timezone.localtime(session.starts_at, session.group_zone)
    services.change_session(
        session=session,
        day=local.date() + timedelta(days=1),
        at=local.time(),
        duration=90,
        location="Room 2",
        video_link="",
        topic="",
    )
    send_outbox()
    assert [m.subject.split(": ")[0] for m in mail.outbox] == ["New time"]
    assert rows()[0].state == State.CANCELLED  # the reminder for the old time
    session.refresh_from_db()
    # Both reminders for the new time were planned when it moved.
    pending = [r for r in rows() if r.state == State.PENDING]
    assert {r.occurrence for r in pending} == {session.starts_at}
    assert sorted(r.offset_minutes // 60 for r in pending) == [2, 24]


def test_a_reminder_past_its_window_is_missed_not_sent_late(group):
    person = member(group)
    start = timezone.now() + timedelta(hours=2, minutes=3)
    GroupSessionFactory(group=group, starts_at=start)
    outbox.plan(timezone.now())
    delivery.deliver_due(start + timedelta(minutes=1))  # the session has started
    delivery.expire_and_reclaim(start + timedelta(minutes=1))
    assert rows()[0].state == State.MISSED
    assert [m for m in mail.outbox if m.to == [person.email]] == []


def test_smtp_errors_retry_with_backoff_then_fail_and_show_on_delivery_health(
    group, monkeypatch, admin_user
):
    member(group)
    start = timezone.now() + timedelta(hours=2, minutes=3)
    GroupSessionFactory(group=group, starts_at=start)
    now = timezone.now()
    outbox.plan(now)

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    due_times = []
    for _ in range(delivery.MAX_ATTEMPTS):
        row = rows()[0]
        due_times.append(row.due_at)
        delivery.deliver_due(max(now, row.due_at))
    row = rows()[0]
    gaps = [b - a for a, b in pairwise(due_times)]
    assert row.state == State.FAILED and row.attempts == delivery.MAX_ATTEMPTS
    assert "SMTPServerDisconnected" in row.last_error
    assert gaps[1] > gaps[0]  # exponential backoff
    client = Client()
    client.force_login(admin_user)
    page = client.get(reverse("admin_delivery")).text
    assert "SMTPServerDisconnected" in page and row.recipient.email not in page


def lease_runs_out(row):
    """What the database's clock would show LEASE later: the lease is over."""
    Notification.objects.filter(pk=row.pk).update(lease_until=timezone.now() - timedelta(seconds=1))


def test_rows_stuck_in_sending_are_reclaimed_once_the_lease_runs_out_on_the_databases_clock(
    group,
):
    member(group)
    GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(hours=2, minutes=3))
    outbox.plan(timezone.now())
    now = rows()[0].due_at
    _, claimed = delivery.claim(now)  # a worker takes the row, then dies
    assert [r.state for r in claimed] == [State.SENDING]
    # A host whose clock runs far ahead reclaims nothing: only the database's clock counts.
    delivery.expire_and_reclaim(now + timedelta(minutes=6))
    assert rows()[0].state == State.SENDING
    lease_runs_out(claimed[0])
    delivery.expire_and_reclaim(now)
    assert rows()[0].state == State.PENDING and rows()[0].claim_token is None
    delivery.deliver_due(now)
    assert rows()[0].state == State.SENT


def test_a_worker_that_lost_its_claim_neither_sends_nor_marks_the_row(group):
    """Fencing: the first worker's lease ran out and a second worker claimed the row; the first
    one's token no longer matches, so it sends nothing and cannot mark the row."""
    member(group)
    GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(hours=2, minutes=3))
    outbox.plan(timezone.now())
    now = rows()[0].due_at
    first_token, claimed = delivery.claim(now)
    lease_runs_out(claimed[0])
    delivery.expire_and_reclaim(now)
    second_token, _ = delivery.claim(now)
    sent = delivery._send_one(claimed[0], first_token, mail.mailers.default, now)
    assert sent == 0 and mail.outbox == []
    assert not delivery._finish(claimed[0], first_token, State.SENT)
    assert rows()[0].state == State.SENDING and rows()[0].claim_token == second_token


def test_a_row_whose_worker_keeps_dying_ends_failed_not_retried_forever(group):
    member(group)
    GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(hours=2, minutes=3))
    outbox.plan(timezone.now())
    now = rows()[0].due_at
    for _ in range(delivery.MAX_ATTEMPTS):
        _, claimed = delivery.claim(now)
        lease_runs_out(claimed[0])
        delivery.expire_and_reclaim(now)
    row = rows()[0]
    assert row.state == State.FAILED and row.last_error == "WorkerLost"


def test_facilitator_gets_a_day_before_summary_naming_only_those_who_sent_apologies(
    group, facilitator, send_outbox
):
    member(group, first_name="Zed", last_name="Zebra")
    away = member(group, first_name="Amy", last_name="Apple", display_name="Amy")
    zone = zoneinfo.ZoneInfo(facilitator.timezone)
    tomorrow = timezone.localtime(timezone.now(), zone).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, datetime.min.time().replace(hour=18), tzinfo=zone)
    session = GroupSessionFactory(group=group, starts_at=start)
    services.notify_absence(session=session, participant=away, reason="Hospital appointment")
    held = GroupSessionFactory(
        group=group, starts_at=timezone.now() - timedelta(days=1), status="held"
    )
    GroupNote.objects.create(session=held, free_text="x", format="free")  # unsigned
    due = datetime.combine(tomorrow - timedelta(days=1), outbox.SUMMARY_AT, tzinfo=zone)
    outbox.plan(due)
    delivery.deliver_due(due)
    message = next(m for m in mail.outbox if m.to == [facilitator.email])
    assert (
        "Tuesday group, 2 enrolled. Can't make it: Amy" in message.body
        and "1 session still needs signed notes" in message.body
    )
    assert "Zed" not in message.body and "Zebra" not in message.body  # came, so not named
    assert "Hospital" not in message.body and "Apple" not in message.body  # never why


def prompt_link(group, *, days_after=3):
    person = member(group)
    group_services.create_goal(participant=person, group=group, what="Walk daily")
    other = member(group)
    other_goal = group_services.create_goal(
        participant=other, group=group, what="Other person's goal"
    )
    session = GroupSessionFactory(
        group=group, starts_at=timezone.now() - timedelta(days=days_after), status="held"
    )
    outbox.plan(timezone.now())
    delivery.deliver_due(timezone.now())
    prompt = Notification.objects.get(kind=outbox.GOAL_PROMPT, recipient=person)
    assert prompt.subject_id == session.pk
    message = next(m for m in mail.outbox if m.to == [person.email])
    assert "Walk daily" not in message.body + message.subject  # the email names no goal
    link = next(w for w in message.body.split() if "/check-in/" in w)
    return person, other_goal, link


def test_goal_prompt_link_records_check_ins_once_without_a_password(group):
    person, other_goal, link = prompt_link(group)
    client = Client()
    page = client.get(link)
    assert (
        page.status_code == 200
        and "Walk daily" in page.text
        and "Other person's goal" not in page.text
    )
    goal = person.goals.get()
    response = client.post(link, {f"progress-{goal.pk}": "6", f"progress-{other_goal.pk}": "9"})
    assert response.status_code == 200 and "Thank you" in response.text
    assert list(GoalCheckIn.objects.values_list("goal_id", "progress")) == [(goal.pk, 6)]
    assert client.post(link, {f"progress-{goal.pk}": "7"}).status_code == 410  # used
    assert client.get(reverse("home")).status_code == 200 and "_auth_user_id" not in client.session


def test_goal_prompt_link_refuses_tampered_and_expired_tokens(group, monkeypatch):
    _, _, link = prompt_link(group)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert Client().get(link.replace(token, token[:-3] + "abc")).status_code == 400
    later = timezone.now().timestamp() + outbox.GOAL_LINK_AGE.total_seconds() + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = Client().get(link)
    assert response.status_code == 410 and "This link has expired" in response.text


def test_goal_prompts_go_n_days_after_a_session_to_members_with_active_goals_only(group):
    Organisation.objects.filter(pk=1).update(goal_prompt_days=2)
    with_goal = member(group)
    group_services.create_goal(participant=with_goal, group=group, what="A goal")
    member(group)  # no goals
    opted_out = member(group, goal_prompts=False)
    group_services.create_goal(participant=opted_out, group=group, what="Another")
    GroupSessionFactory(group=group, starts_at=timezone.now() - timedelta(days=2), status="held")
    GroupSessionFactory(group=group, starts_at=timezone.now() - timedelta(days=1), status="held")
    outbox.plan(timezone.now())
    assert [r.recipient for r in rows(outbox.GOAL_PROMPT)] == [with_goal]


def test_planning_looks_only_at_sessions_near_their_reminder_time(
    group, django_assert_max_num_queries
):
    member(group)
    far = timezone.now() + timedelta(days=20)
    GroupSession.objects.bulk_create(
        GroupSession(group=group, starts_at=far + timedelta(hours=i), duration=60)
        for i in range(300)
    )
    with django_assert_max_num_queries(20):
        outbox.plan(timezone.now())
    assert rows() == []


def test_invitations_and_waitlist_offers_go_through_the_outbox(group, facilitator, send_outbox):
    group.capacity = 1
    group.save()
    seat = EnrollmentFactory(group=group)
    waiting = UserFactory()
    group_services.invite_to_group(
        group=group, email=waiting.email, invited_by=facilitator, cohort_started=False
    )
    group_services.invite_to_group(
        group=group, email="new@example.org", invited_by=facilitator, cohort_started=False
    )
    group_services.end_enrollment(enrollment=seat, status=Enrollment.Status.WITHDRAWN)
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {INVITATION, WAITLIST_OFFER} <= kinds
    send_outbox()
    assert {m.to[0] for m in mail.outbox} == {waiting.email, "new@example.org"}
    assert Notification.objects.exclude(state=State.SENT).count() == 0


def test_nothing_is_sent_to_an_account_closed_after_planning(group):
    person = member(group)
    GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(hours=2, minutes=3))
    outbox.plan(timezone.now())
    person.is_active = False
    person.save()
    delivery.deliver_due(rows()[0].due_at)
    assert rows()[0].state == State.CANCELLED
    assert [m for m in mail.outbox if m.to == [person.email]] == []


def test_fixed_utc_helper_is_utc():
    assert at(2026, 1, 1).tzinfo.utcoffset(None) is None or at(2026, 1, 1).utcoffset() == timedelta(
        0
    )
    assert UTC


def move(session, to):
    local = timezone.localtime(to, session.group_zone)
    services.change_session(
        session=session,
        day=local.date(),
        at=local.time(),
        duration=90,
        location="Room 2",
        video_link="",
        topic="",
    )
    session.refresh_from_db()


def test_a_new_time_notice_names_the_time_the_person_last_heard_of(group):
    person = member(group, timezone="Europe/London")
    first = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    session = GroupSessionFactory(group=group, starts_at=first)
    move(session, first + timedelta(hours=1))
    move(session, first + timedelta(hours=2))  # again, before the first notice went out
    delivery.deliver_due(timezone.now())
    notices = [m for m in mail.outbox if m.subject.startswith("New time")]
    assert len(notices) == 1  # one notice, saying it all
    new, old = (
        timezone.localtime(t, zoneinfo.ZoneInfo("Europe/London"))
        for t in (first + timedelta(hours=2), first)
    )
    assert f"has a new time: {new:%A} {new.day} {new:%B}, {new:%H:%M}" in notices[0].body
    assert f"It was {old:%A} {old.day} {old:%B}, {old:%H:%M} (Europe/London)." in notices[0].body
    assert person.email in notices[0].to

    mail.outbox.clear()
    other = GroupSessionFactory(group=group, starts_at=first + timedelta(days=1))
    move(other, other.starts_at + timedelta(hours=1))
    move(other, first + timedelta(days=1))  # back to the time they know, before any notice
    delivery.deliver_due(timezone.now())
    assert not [m for m in mail.outbox if m.subject.startswith("New time")]


def test_the_new_time_goes_out_before_any_reminder_for_it(group):
    member(group)
    now = timezone.now()
    session = GroupSessionFactory(group=group, starts_at=now + timedelta(hours=5))
    move(session, now + timedelta(minutes=90))  # its 2-hour reminder is due at once
    delivery.deliver_due(now + timedelta(seconds=5))
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["New time"]
    delivery.deliver_due(now + services.NOTICE_FIRST + timedelta(seconds=5))
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["New time", "Reminder"]

"""Delivery under the faults outside testing found: re-planning, outages, stale data, changed
addresses, slow and unreachable mail servers, poison rows. Real SMTP where it is about SMTP."""

import zoneinfo
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config import env
from core.outbox import delivery, mark
from core.outbox.models import Notification, OutboxMark
from members import services as member_services
from sessions import outbox, services
from sessions.models import GroupSession
from tests.members.factories import UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.support.smtp_sink import SmtpSink
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups.models import TherapyGroup

pytestmark = pytest.mark.django_db
State = Notification.State


@pytest.fixture
def group(facilitator):
    return TherapyGroupFactory(facilitators=[facilitator], display_name="Tuesday group")


def member(group, **fields):
    return EnrollmentFactory(group=group, participant=UserFactory(**fields)).participant


def reminders(**filters):
    return Notification.objects.filter(kind=outbox.SESSION_REMINDER, **filters)


def schedule(group, starts_at):
    local = timezone.localtime(starts_at, group.zone if hasattr(group, "zone") else None)
    return services.schedule_session(group=group, day=local.date(), at=local.time(), duration=90)


def send_everything_due(until):
    """Workers running until `until`: each reminder is sent when it falls due."""
    for row in reminders(state=State.PENDING).order_by("due_at"):
        delivery.deliver_due(max(row.due_at, timezone.now()))
    return [m for m in mail.outbox if m.subject.startswith("Reminder")]


def test_a_session_moved_away_and_back_gets_its_reminders_again(group):
    person = member(group)
    start = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    session = schedule(group, start)
    assert reminders(state=State.PENDING).count() == 2  # planned when it was scheduled

    def move(to):
        local = timezone.localtime(to, zoneinfo.ZoneInfo(group.timezone))
        services.change_session(
            session=session,
            day=local.date(),
            at=local.time(),
            duration=90,
            location="",
            video_link="",
            topic="",
        )
        session.refresh_from_db()

    move(start + timedelta(hours=1))
    move(start)
    live = reminders(state=State.PENDING, recipient=person)
    assert {(r.occurrence, r.offset_minutes // 60) for r in live} == {(start, 24), (start, 2)}
    sent = send_everything_due(start)
    assert len(sent) == 2 and all(m.to == [person.email] for m in sent)


def test_a_person_deactivated_and_reactivated_gets_their_reminders_again(group):
    person = member(group)
    schedule(group, timezone.now() + timedelta(days=3))
    member_services.deactivate_user(user=person)
    assert not reminders(state=State.PENDING).exists()
    member_services.reactivate_user(user=person)
    assert reminders(state=State.PENDING, recipient=person).count() == 2
    assert len(send_everything_due(None)) == 2


def test_joining_plans_the_reminders_of_sessions_already_scheduled(group, facilitator):
    schedule(group, timezone.now() + timedelta(days=3))
    newcomer = UserFactory()
    from therapy_groups import services as group_services

    place = group_services.invite_to_group(
        group=group, email=newcomer.email, invited_by=facilitator, cohort_started=False
    )
    assert not reminders(recipient=newcomer).exists()
    group_services.answer_place(enrollment=place, accept=True)
    assert reminders(state=State.PENDING, recipient=newcomer).count() == 2


def test_after_a_long_outage_the_tick_catches_up_and_passed_reminders_show_as_missed(group):
    """Beat and Redis down for three hours around a reminder: when the tick runs again, the
    row is written and shows as missed; it is never silently absent."""
    member(group)
    before = timezone.now()
    outbox.plan(before)  # the last tick before the outage
    # A session whose 2-hour reminder fell due during the outage (made without the service,
    # as if its write-time planning had not happened).
    start = before + timedelta(hours=2, minutes=30)
    GroupSessionFactory(group=group, starts_at=start)
    back = before + timedelta(hours=3)
    outbox.plan(back)
    delivery.expire_and_reclaim(back)
    row = reminders(offset_minutes=120).get()
    assert row.state == State.MISSED and row.due_at == start - timedelta(hours=2)


def test_a_session_cancelled_during_a_batch_gets_no_reminder_after_the_cancellation(
    group, facilitator, monkeypatch
):
    other = TherapyGroupFactory(facilitators=[facilitator], display_name="Thursday group")
    member(group)
    member(other)
    start = timezone.now() + timedelta(hours=2, minutes=3)
    first = GroupSessionFactory(group=group, starts_at=start)
    second = GroupSessionFactory(group=other, starts_at=start + timedelta(seconds=1))
    outbox.plan(timezone.now())
    real_send = mail.backends.locmem.EmailBackend.send_messages

    def send_then_cancel(self, messages):
        sent = real_send(self, messages)
        if GroupSession.objects.get(pk=second.pk).status == GroupSession.Status.SCHEDULED:
            services.cancel_session(session=second, reason="Facilitator unwell")  # committed
        return sent

    monkeypatch.setattr(mail.backends.locmem.EmailBackend, "send_messages", send_then_cancel)
    delivery.deliver_due(start - timedelta(hours=2))
    subjects = [m.subject for m in mail.outbox]
    assert sum("Reminder" in s for s in subjects) == 1 and "Tuesday group" in subjects[0]
    assert reminders(subject_id=second.pk).get().state == State.CANCELLED
    assert first.pk != second.pk


def test_a_changed_address_gets_the_reminder_only_at_the_new_address(group):
    person = member(group, email="old@example.org")
    start = timezone.now() + timedelta(hours=2, minutes=3)
    GroupSessionFactory(group=group, starts_at=start)
    outbox.plan(timezone.now())
    person.email = "new@example.org"
    person.save()
    delivery.deliver_due(start - timedelta(hours=2))
    assert [m.to for m in mail.outbox] == [["new@example.org"]]


def test_a_slow_mail_server_makes_the_batch_stop_in_time_and_hand_back_the_rest(group, monkeypatch):
    people = [member(group) for _ in range(6)]
    start = timezone.now() + timedelta(hours=2, minutes=3)
    GroupSessionFactory(group=group, starts_at=start)
    outbox.plan(timezone.now())
    clock = iter(range(0, 10_000, 15))  # each message takes 15 s on this mail server
    monkeypatch.setattr(delivery.time, "monotonic", lambda: next(clock))
    due = start - timedelta(hours=2)
    # Before each message the batch has run 15, 30, 45 s: two go, then 40 s (2/3 of 60) are spent.
    assert delivery.deliver_due(due) == 2
    back = reminders(state=State.PENDING)
    assert back.count() == 4 and set(back.values_list("attempts", flat=True)) == {0}
    while delivery.deliver_due(due):
        pass
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)


@pytest.fixture
def real_smtp(settings):
    """The mail goes to a real SMTP server on loopback, started when the test says so."""
    sink = SmtpSink()
    settings.MAILERS = {"default": env.mailer_config(f"smtp://127.0.0.1:{sink.port}")}
    return sink


def test_a_poison_row_ends_failed_and_the_good_ones_arrive(group, facilitator, real_smtp):
    good = [member(group) for _ in range(3)]
    poisoned = TherapyGroupFactory(facilitators=[facilitator])
    # Saved before names were checked: a line break that breaks the email's headers.
    TherapyGroup.objects.filter(pk=poisoned.pk).update(display_name="Group\nBcc: x@example.org")
    victim = member(poisoned)
    start = timezone.now() + timedelta(hours=2, minutes=3)
    GroupSessionFactory(group=group, starts_at=start)
    GroupSessionFactory(group=poisoned, starts_at=start)
    outbox.plan(timezone.now())
    with real_smtp:
        for _ in range(delivery.MAX_ATTEMPTS):  # each retry when its backoff is over
            delivery.deliver_due(reminders(recipient=victim).get().due_at)
    assert real_smtp.counts() == {p.email: 1 for p in good}
    bad = reminders(recipient=victim).get()
    assert bad.state == State.FAILED and bad.attempts == delivery.MAX_ATTEMPTS
    assert bad.last_error and "@" not in bad.last_error and "\n" not in bad.last_error


def test_an_unreachable_mail_server_holds_rows_uncounted_then_everything_arrives_once(
    group, real_smtp, admin_user
):
    people = [member(group) for _ in range(4)]
    start = timezone.now() + timedelta(hours=2, minutes=3)
    GroupSessionFactory(group=group, starts_at=start)
    outbox.plan(timezone.now())
    due = start - timedelta(hours=2)
    for _ in range(3):  # three ticks while nothing listens on the port
        assert delivery.deliver_due(due) == 0
    waiting = reminders(state=State.PENDING)
    assert waiting.count() == 4 and set(waiting.values_list("attempts", flat=True)) == {0}
    assert "MailServerUnreachable: ConnectionRefusedError" in waiting.first().last_error
    assert mark(OutboxMark.MAIL_UNREACHABLE) is not None
    admin = Client()
    admin.force_login(admin_user)
    assert "The mail server is not answering" in admin.get(reverse("admin_delivery")).text
    with real_smtp:  # the server is back
        assert delivery.deliver_due(due) == 4
    assert real_smtp.counts() == {p.email: 1 for p in people}
    assert mark(OutboxMark.MAIL_UNREACHABLE) is None
    assert "The mail server is not answering" not in admin.get(reverse("admin_delivery")).text

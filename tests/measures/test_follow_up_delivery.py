"""The item-9 path with a real Celery worker on the real Redis: the alert goes out on the next
tick, escalations come from the tick's own check of the window, each exactly once."""

from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from config.celery import app
from core.outbox.models import Notification
from core.outbox.tasks import tick
from measures import services
from measures.instruments import PHQ9
from measures.messages import FOLLOW_UP_ALERT, FOLLOW_UP_OVERDUE
from measures.models import Channel, FollowUp
from tests.members.factories import UserFactory
from tests.support.waiting import wait_until
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_queue():
    app.control.purge()
    yield
    app.control.purge()


@pytest.fixture
def people():
    lead = UserFactory(role="facilitator")
    co = UserFactory(role="facilitator")
    admin = UserFactory(role="admin")
    group = TherapyGroupFactory(facilitators=[lead, co])
    member = EnrollmentFactory(group=group).participant
    return group, member, lead, co, admin


def sent(kind: str) -> list[str]:
    rows = Notification.objects.filter(kind=kind, state=Notification.State.SENT)
    return sorted(rows.values_list("recipient__email", flat=True))


def ticks_until(count: int, kind: str) -> None:
    """Two ticks, as two beats would send, then wait for the worker to send `count`."""
    tick.delay()
    tick.delay()
    wait_until(lambda: len(sent(kind)) >= count, what=f"{count} {kind} sent")


def test_an_item_9_answer_alerts_every_facilitator_on_the_next_tick_once(people):
    group, member, lead, co, _ = people
    services.record_answers(
        participant=member,
        group=group,
        instrument=PHQ9,
        answers=[0] * 8 + [1],
        channel=Channel.LINK,
    )
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        ticks_until(2, FOLLOW_UP_ALERT)
        tick.delay()  # and one more tick changes nothing
        wait_until(
            lambda: not Notification.objects.filter(state=Notification.State.PENDING).exists(),
            what="nothing pending",
        )
    assert sent(FOLLOW_UP_ALERT) == sorted([lead.email, co.email])
    assert sorted(m.to[0] for m in mail.outbox) == sorted([lead.email, co.email])


def test_the_tick_escalates_a_follow_up_no_one_acknowledged_once_per_window(people):
    group, member, lead, co, admin = people
    follow_up = services.open_follow_up(group=group, participant=member, reason="risk_answer")
    FollowUp.objects.filter(pk=follow_up.pk).update(
        opened_at=timezone.now() - timedelta(hours=4, minutes=5)
    )
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        ticks_until(3, FOLLOW_UP_OVERDUE)
    assert sent(FOLLOW_UP_OVERDUE) == sorted([lead.email, co.email, admin.email])
    assert FollowUp.objects.get().escalations == 1


def test_the_tick_never_escalates_an_acknowledged_follow_up(people):
    group, member, lead, *_ = people
    follow_up = services.open_follow_up(group=group, participant=member, reason="risk_answer")
    services.acknowledge_follow_up(follow_up=follow_up, by=lead)
    FollowUp.objects.filter(pk=follow_up.pk).update(opened_at=timezone.now() - timedelta(days=1))
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        tick.delay()
        tick.delay()
        wait_until(
            lambda: not Notification.objects.filter(state=Notification.State.PENDING).exists(),
            what="the alerts closed as no longer needed",
        )
    assert not Notification.objects.filter(kind=FOLLOW_UP_OVERDUE).exists()
    assert sent(FOLLOW_UP_ALERT) == []  # acknowledged before the worker came


@pytest.mark.parametrize("skew", [timedelta(minutes=6), timedelta(minutes=-6)])
def test_an_alert_from_a_web_host_whose_clock_is_off_goes_on_the_next_tick(
    people, monkeypatch, skew
):
    """The answer is recorded on a web host six minutes fast (or slow); the alert is due on the
    database's clock, so the worker's next tick sends it, and the follow-up's window is counted
    from when the database saw it open."""
    from core.clock import db_now

    group, member, lead, co, _ = people
    host_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: host_now() + skew)
    services.record_answers(
        participant=member,
        group=group,
        instrument=PHQ9,
        answers=[0] * 8 + [2],
        channel=Channel.HOME,
    )
    monkeypatch.undo()
    follow_up = FollowUp.objects.get()
    assert abs(follow_up.opened_at - db_now()) < timedelta(seconds=30)
    alerts = Notification.objects.filter(kind=FOLLOW_UP_ALERT)
    assert alerts.count() == 2 and all(row.due_at <= db_now() for row in alerts)
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        ticks_until(2, FOLLOW_UP_ALERT)
    assert sent(FOLLOW_UP_ALERT) == sorted([lead.email, co.email])

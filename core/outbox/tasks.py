"""Celery tasks. They take no arguments that name a person: rows are found in the outbox."""

import math

from celery import shared_task
from django.db import OperationalError

from core import outbox
from core.outbox import delivery
from core.outbox.models import Notification
from core.request_context import unit_of_work

MAX_BATCHES_PER_TICK = 50  # 5,000 messages a minute at most, so one tick cannot flood the queue


@shared_task(name="delivery.tick", acks_late=True, ignore_result=True)
@unit_of_work()
def tick() -> int:
    """Every minute (beat): plan what came due since the last tick, close what expired, reclaim
    dead workers' rows, and hand the due rows to workers in batches. Running it twice at once
    is harmless. Time is the database's, which every host shares."""
    now = delivery.db_now()
    outbox.plan_due(now)
    delivery.expire_and_reclaim(now)
    due = Notification.objects.due(now).count()
    batches = min(math.ceil(due / delivery.BATCH), MAX_BATCHES_PER_TICK)
    for _ in range(batches):
        deliver_batch.delay()
    return batches


@shared_task(
    name="delivery.deliver_batch",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=120,
    max_retries=10,
)
def deliver_batch() -> int:
    """Claim and send one batch of due messages (a database hiccup retries with backoff). A
    batch that sent something while more is due passes the work on at once instead of leaving
    it for the next tick (a slow mail server); one that sent nothing (mail server unreachable,
    only bad rows left) waits for the tick, so nothing spins."""
    sent = delivery.deliver_due()
    if sent and Notification.objects.due(delivery.db_now()).exists():
        deliver_batch.delay()
    return sent

"""The outbox, as every app writes to it: a message is a row planned in the same transaction as
the change it announces (`enqueue`, `notify_person`), closed when it no longer applies
(`cancel_pending`), and sent by the engine (delivery.py, run by tasks.py) under the guarantee
stated there. What the engine knows of the apps is in registry.py; its tables in models.py;
the text provider in sms.py.
"""

from datetime import datetime, timedelta

from django.db.models import Value
from django.db.models.functions import Greatest

from core.clock import db_now
from core.outbox import registry
from core.outbox.models import Notification, OutboxMark
from core.outbox.registry import (
    Choice,
    MessageKind,
    Recipients,
    Text,
    Topic,
    kind,
    kinds,
    known_kinds,
    plan_due,
    plan_for_person,
    recipients,
    register,
    register_person_planner,
    register_recipients,
    register_tick_planner,
    topics,
)

__all__ = [
    "Choice",
    "MessageKind",
    "Recipients",
    "Text",
    "Topic",
    "advance_mark",
    "cancel_pending",
    "clear_mark",
    "enqueue",
    "enqueue_many",
    "kind",
    "kinds",
    "known_kinds",
    "mark",
    "notify_person",
    "plan_due",
    "plan_for_person",
    "recipients",
    "register",
    "register_person_planner",
    "register_recipients",
    "register_tick_planner",
    "set_mark",
    "set_mark_once",
    "topics",
]


def enqueue(
    *,
    kind: str,
    subject_id: int,
    occurrence: datetime,
    expires_at: datetime,
    due_at: datetime | None = None,
    recipient=None,
    email: str = "",
    offset_minutes: int = 0,
    previous_occurrence: datetime | None = None,
    channel: str = Notification.Channel.EMAIL,
) -> None:
    """Add one message to the outbox, for a person (or, for an invitation, an address); the
    same message twice is one row (the unique keys)."""
    enqueue_many(
        [
            Notification(
                kind=kind,
                channel=channel,
                email="" if recipient is not None else email,
                recipient=recipient,
                subject_id=subject_id,
                occurrence=occurrence,
                offset_minutes=offset_minutes,
                due_at=due_at or db_now(),
                expires_at=expires_at,
                previous_occurrence=previous_occurrence,
            )
        ]
    )


def enqueue_many(rows: list[Notification]) -> int:
    """Insert rows, skipping any already planned (a cancelled row is not in the way); returns
    how many rows were offered."""
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def notify_person(
    *,
    kind: str,
    person,
    subject_id: int,
    occurrence: datetime,
    expires_at: datetime | None = None,
    previous_occurrence: datetime | None = None,
) -> None:
    """An immediate notice to someone with an account (never to a deactivated one), on each
    channel they chose for its kind's topic."""
    if not person.is_active:
        return
    now = db_now()  # a web host's clock running fast must not hold a safety alert back
    enqueue_many(
        [
            Notification(
                kind=kind,
                channel=channel,
                recipient=person,
                subject_id=subject_id,
                occurrence=occurrence,
                due_at=now,
                expires_at=expires_at or now + timedelta(days=2),
                previous_occurrence=previous_occurrence,
            )
            for channel in _channels(person, kind)
        ]
    )


def _channels(person, code: str) -> list[str]:
    topic = registry.kind(code).topic
    if topic is None:
        return [Notification.Channel.EMAIL]
    return recipients().channels([person], topic)[person.pk]


def cancel_pending(**filters) -> int:
    """Close waiting rows that no longer apply (their session moved or was cancelled, or their
    recipient left). The sender checks again before each send; this keeps the health page true."""
    return Notification.objects.filter(state=Notification.State.PENDING, **filters).update(
        state=Notification.State.CANCELLED
    )


# Marks: moments the engine keeps in the database ---------------------------------------


def mark(name: str) -> datetime | None:
    return OutboxMark.objects.filter(name=name).values_list("at", flat=True).first()


def set_mark(name: str, at: datetime) -> None:
    OutboxMark.objects.update_or_create(name=name, defaults={"at": at})


def set_mark_once(name: str, at: datetime) -> None:
    """Keep the first moment (e.g. since when the mail server has been unreachable)."""
    OutboxMark.objects.get_or_create(name=name, defaults={"at": at})


def advance_mark(name: str, at: datetime) -> None:
    """Move a mark forward, never back, whoever else moves it at the same time."""
    if not OutboxMark.objects.filter(name=name).update(at=Greatest("at", Value(at))):
        OutboxMark.objects.get_or_create(name=name, defaults={"at": at})


def clear_mark(name: str) -> None:
    OutboxMark.objects.filter(name=name).delete()

"""Writing to the notification outbox. Planning and sending happen in sessions.outbox.

Apps below sessions (accounts, groups) cannot plan session reminders themselves, so when a
person joins a group or comes back, they call `plan_for_person`, which runs the planners that
higher apps registered at start-up (sessions registers its reminders).
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Value
from django.db.models.functions import Greatest
from django.utils import timezone

from members.models import Notification, OutboxMark, User

_person_planners: list[Callable[[User], int]] = []


def register_person_planner(planner: Callable[[User], int]) -> None:
    if planner not in _person_planners:
        _person_planners.append(planner)


def plan_for_person(person: User) -> int:
    """Plan every message now owed to `person` (they joined a group, or came back)."""
    return sum(planner(person) for planner in _person_planners)


def enqueue(
    *,
    kind: str,
    subject_id: int,
    occurrence: datetime,
    expires_at: datetime,
    due_at: datetime | None = None,
    recipient: User | None = None,
    email: str = "",
    offset_minutes: int = 0,
) -> None:
    """Add one message to the outbox, for a person (or, for an invitation, an address); the
    same message twice is one row (the unique keys)."""
    enqueue_many(
        [
            Notification(
                kind=kind,
                email="" if recipient is not None else email,
                recipient=recipient,
                subject_id=subject_id,
                occurrence=occurrence,
                offset_minutes=offset_minutes,
                due_at=due_at or timezone.now(),
                expires_at=expires_at,
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
    person: User,
    subject_id: int,
    occurrence: datetime,
    expires_at: datetime | None = None,
) -> None:
    """An immediate notice to someone with an account (never to a deactivated one)."""
    if not person.is_active:
        return
    enqueue(
        kind=kind,
        recipient=person,
        subject_id=subject_id,
        occurrence=occurrence,
        expires_at=expires_at or timezone.now() + timedelta(days=2),
    )


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

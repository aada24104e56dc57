"""Writing to the notification outbox. Sending happens in sessions.outbox, run by Celery."""

from datetime import datetime, timedelta

from django.utils import timezone

from members.models import Notification, User


def enqueue(
    *,
    kind: str,
    email: str,
    subject_id: int,
    occurrence: datetime,
    expires_at: datetime,
    due_at: datetime | None = None,
    recipient: User | None = None,
    offset_minutes: int = 0,
) -> None:
    """Add one message to the outbox; the same message twice is one row (the unique key)."""
    enqueue_many(
        [
            Notification(
                kind=kind,
                email=email,
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
    """Insert rows, skipping any already planned; returns how many rows were offered."""
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
        email=person.email,
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

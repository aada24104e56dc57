"""Escalating follow-ups no one acknowledged, from the database on every tick (never a long
Celery ETA): each window that passes alerts the group's facilitators and the admins again.

A follow-up's `escalations` counts the windows already alerted; the tick moves it forward with
one conditional UPDATE, so of two beats (or a tick retried after a crash) exactly one writes
each escalation, its audit event and its messages, in one transaction.
"""

from datetime import datetime, timedelta

from django.db import transaction

from core import audit, outbox
from core.outbox.models import Notification
from measures.messages import FOLLOW_UP_OVERDUE
from measures.models import FollowUp
from measures.services import responsible_for
from members.models import Organisation, Role, User


def escalate_overdue(now: datetime) -> int:
    """Escalate every follow-up whose window passed unacknowledged; returns messages planned."""
    window = timedelta(hours=Organisation.current().follow_up_window_hours)
    overdue = FollowUp.objects.open().filter(
        acknowledged_at__isnull=True, opened_at__lte=now - window
    )
    admins = list(User.objects.filter(role=Role.ADMIN, is_active=True))
    planned = 0
    for follow_up in overdue.select_related("group", "assigned_to"):
        step = int((now - follow_up.opened_at) / window)
        with transaction.atomic():
            moved = FollowUp.objects.filter(
                pk=follow_up.pk, escalations__lt=step, acknowledged_at__isnull=True
            ).update(escalations=step)
            if not moved:
                continue  # another beat has done it, or someone just acknowledged it
            audit.record(
                audit.Action.ESCALATE,
                follow_up,
                group_id=follow_up.group_id,
                participant_id=follow_up.participant_id,
                detail={"escalations": step},
            )
            facilitators = responsible_for(follow_up)
            planned += outbox.enqueue_many(
                [
                    Notification(
                        kind=FOLLOW_UP_OVERDUE,
                        recipient=person,
                        subject_id=follow_up.pk,
                        occurrence=follow_up.opened_at,
                        offset_minutes=step * int(window.total_seconds() // 60),
                        due_at=now,
                        expires_at=now + window,
                    )
                    for person in [*facilitators, *admins]
                ]
            )
    return planned

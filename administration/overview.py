"""The admin's overview in figures: counts and outcomes, never clinical text."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from core.outbox.models import Notification
from measures import queries as measure_queries
from members.models import ClosureRequest, Organisation
from sessions.models import GroupSession
from therapy_groups.models import Enrollment, TherapyGroup


@dataclass(frozen=True)
class Figures:
    active_groups: int
    participants: int
    sessions_this_week: int
    overdue_follow_ups: int
    failed_deliveries: int
    closures: int


def figures() -> Figures:
    now = timezone.now()
    organisation = Organisation.current()
    return Figures(
        active_groups=TherapyGroup.objects.filter(status=TherapyGroup.Status.ACTIVE).count(),
        participants=Enrollment.objects.filter(status=Enrollment.Status.ACTIVE)
        .values("participant")
        .distinct()
        .count(),
        sessions_this_week=GroupSession.objects.not_cancelled()
        .filter(starts_at__gte=now, starts_at__lt=now + timedelta(days=7))
        .count(),
        overdue_follow_ups=measure_queries.overdue_follow_ups(
            organisation.follow_up_window_hours
        ).count(),
        failed_deliveries=Notification.objects.filter(
            state=Notification.State.FAILED, created_at__gte=now - timedelta(days=7)
        ).count(),
        closures=ClosureRequest.objects.filter(handled_at__isnull=True).count(),
    )

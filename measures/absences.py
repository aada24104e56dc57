"""Two absences in a row join the follow-up loop: the tick opens a follow-up for each active
member absent from both of their group's last two sessions that took place (the same rule as
before, sessions.queries.absence_flags), once per absence, so someone reaches out, says how and
what came of it, and it escalates if no one acknowledges it."""

from datetime import datetime, timedelta

from measures.models import FollowUp, FollowUpReason
from measures.services import open_follow_up_once
from sessions.models import GroupSession
from sessions.queries import absence_flags
from therapy_groups.models import TherapyGroup

RECENT = timedelta(days=14)  # groups that met this recently are looked at on every tick


def open_for_absences(now: datetime) -> int:
    """Open a follow-up for each new pair of absences; returns how many were opened."""
    groups = TherapyGroup.objects.filter(
        sessions__status=GroupSession.Status.HELD, sessions__starts_at__gte=now - RECENT
    ).distinct()
    flags = absence_flags(groups)
    known = set(
        FollowUp.objects.filter(
            reason=FollowUpReason.ABSENCES, last_absence__in=[f.last_absence for f in flags]
        ).values_list("participant_id", "last_absence_id")
    )
    opened = 0
    for flag in flags:
        if (flag.participant.pk, flag.last_absence.pk) in known:
            continue
        opened += open_follow_up_once(
            group=flag.group,
            participant=flag.participant,
            reason=FollowUpReason.ABSENCES,
            last_absence=flag.last_absence,
        )
    return opened

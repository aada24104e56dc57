"""Waiting times, for admins: counts and days only, never a name.

From each referral's arrival to its screening, and to the first session the person attended in
the group they were offered, for the organisation and per group, with the share who started
within 6 and within 18 weeks (the NHS Talking Therapies waiting-time standards: 75% and 95%).
People still waiting are counted with how long they have waited so far, by the database's
clock."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from django.db.models import OuterRef, Subquery

from core.clock import db_now
from pathways.models import Referral, Status
from sessions.models import Attendance

SIX_WEEKS, EIGHTEEN_WEEKS = timedelta(weeks=6), timedelta(weeks=18)
ATTENDED = (Attendance.Status.PRESENT, Attendance.Status.LATE, Attendance.Status.LEFT_EARLY)


@dataclass
class Waits:
    """Waiting times of one set of referrals (the organisation's, or one group's)."""

    name: str
    referred: int = 0
    to_screening: list[float] = field(default_factory=list)  # days, for those screened
    to_first_session: list[float] = field(default_factory=list)  # days, for those who started
    waiting: list[float] = field(default_factory=list)  # days so far, for open referrals

    @property
    def screened(self) -> int:
        return len(self.to_screening)

    @property
    def started(self) -> int:
        return len(self.to_first_session)

    @property
    def median_to_screening(self) -> float | None:
        return median(self.to_screening) if self.to_screening else None

    @property
    def median_to_first_session(self) -> float | None:
        return median(self.to_first_session) if self.to_first_session else None

    def share_started_within(self, limit: timedelta) -> float | None:
        if not self.to_first_session:
            return None
        days = limit.total_seconds() / 86400
        return sum(d <= days for d in self.to_first_session) / len(self.to_first_session)

    @property
    def within_6_weeks(self) -> float | None:
        return self.share_started_within(SIX_WEEKS)

    @property
    def within_18_weeks(self) -> float | None:
        return self.share_started_within(EIGHTEEN_WEEKS)

    @property
    def waiting_over_6_weeks(self) -> int:
        return sum(d > SIX_WEEKS.days for d in self.waiting)


@dataclass
class WaitingTimes:
    organisation: Waits
    groups: list[Waits]
    at: datetime
    by_status: list[tuple[str, int]] = field(default_factory=list)  # (label, referrals)


def _days(later: datetime, earlier: datetime) -> float:
    return round((later - earlier).total_seconds() / 86400, 1)


def waiting_times() -> WaitingTimes:
    first_attended = (
        Attendance.objects.filter(
            participant=OuterRef("person"),
            session__group=OuterRef("enrollment__group"),
            session__starts_at__gte=OuterRef("received_at"),
            status__in=ATTENDED,
        )
        .order_by("session__starts_at")
        .values("session__starts_at")[:1]
    )
    referrals = Referral.objects.annotate(first_session=Subquery(first_attended)).values_list(
        "status", "received_at", "screened_at", "first_session", "enrollment__group__name"
    )
    now = db_now()
    states = Counter(status for status, *__ in referrals)
    organisation = Waits(name="")
    groups: dict[str, Waits] = {}
    for status, received, screened, first_session, group_name in referrals:
        counted = [organisation]
        if group_name:
            counted.append(groups.setdefault(group_name, Waits(name=group_name)))
        for waits in counted:
            waits.referred += 1
            if screened:
                waits.to_screening.append(_days(screened, received))
            if first_session:
                waits.to_first_session.append(_days(first_session, received))
            elif status != Status.CLOSED:  # still waiting: to be seen, or to start
                waits.waiting.append(_days(now, received))
    return WaitingTimes(
        organisation=organisation,
        groups=sorted(groups.values(), key=lambda w: w.name),
        at=now,
        by_status=[(status.label, states[status.value]) for status in Status],
    )

"""Organisation reports for admins: attendance by group and month, active people, retention.

Counts only; no names, notes or goal text. Rates leave excused absences out.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from sessions.models import Attendance, GroupSession
from therapy_groups.models import Enrollment, TherapyGroup

RETENTION_THRESHOLD = 0.75


@dataclass
class GroupReport:
    group_name: str
    monthly: list  # rate per month, None where nothing was counted
    rate: float | None
    active: int
    retention: float | None


@dataclass
class OrganisationReport:
    months: list[date]
    groups: list[GroupReport]
    active_participants: int
    retention: float | None
    computed_at: datetime | None = None


REPORT_CACHE_SECONDS = 600


def cached_organisation_report(*, months: int = 6) -> OrganisationReport:
    """The report as of at most ten minutes ago: it aggregates months of attendance, and admins
    open it often while figures move slowly. The page says when it was computed."""
    key = f"together:organisation-report:{months}:{timezone.localdate().isoformat()}"
    report = cache.get(key)
    if report is None:
        report = organisation_report(months=months)
        cache.set(key, report, REPORT_CACHE_SECONDS)
    return report


def _months_back(count: int) -> list[date]:
    today = timezone.localdate()
    months, year, month = [], today.year, today.month
    for __ in range(count):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def _rate(attended: int, counted: int) -> float | None:
    return attended / counted if counted else None


ATTENDED = Q(status__in=Attendance.ATTENDED)
COUNTED = ~Q(status=Attendance.Status.EXCUSED)


def organisation_report(*, months: int = 6) -> OrganisationReport:
    month_list = _months_back(months)
    since = timezone.make_aware(datetime.combine(month_list[0], time.min))
    # A range on starts_at itself (not its date) lets PostgreSQL use the index on it.
    held = Attendance.objects.filter(
        session__status=GroupSession.Status.HELD, session__starts_at__gte=since
    )
    monthly = defaultdict(dict)
    for row in (
        held.annotate(month=TruncMonth("session__starts_at"))
        .values("session__group_id", "month")
        .annotate(attended=Count("pk", filter=ATTENDED), counted=Count("pk", filter=COUNTED))
    ):
        monthly[row["session__group_id"]][row["month"].date()] = (row["attended"], row["counted"])

    per_person = defaultdict(list)  # group -> [rate of each participant]
    for row in held.values("session__group_id", "participant_id").annotate(
        attended=Count("pk", filter=ATTENDED), counted=Count("pk", filter=COUNTED)
    ):
        rate = _rate(row["attended"], row["counted"])
        if rate is not None:
            per_person[row["session__group_id"]].append(rate)

    groups = (
        TherapyGroup.objects.live()
        .annotate(
            active=Count("enrollments", filter=Q(enrollments__status=Enrollment.Status.ACTIVE))
        )
        .order_by("name")
    )
    rows = []
    for group in groups:
        by_month = monthly.get(group.pk, {})
        totals = [sum(v[i] for v in by_month.values()) for i in (0, 1)]
        rates = per_person.get(group.pk, [])
        rows.append(
            GroupReport(
                group_name=group.name,
                monthly=[_rate(*by_month[m]) if m in by_month else None for m in month_list],
                rate=_rate(*totals),
                active=group.active,
                retention=sum(r >= RETENTION_THRESHOLD for r in rates) / len(rates)
                if rates
                else None,
            )
        )
    everyone = [r for rates in per_person.values() for r in rates]
    return OrganisationReport(
        months=month_list,
        groups=rows,
        active_participants=Enrollment.objects.filter(status=Enrollment.Status.ACTIVE)
        .values("participant")
        .distinct()
        .count(),
        retention=sum(r >= RETENTION_THRESHOLD for r in everyone) / len(everyone)
        if everyone
        else None,
        computed_at=timezone.now(),
    )


def as_percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"

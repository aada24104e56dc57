"""The draft of a discharge summary: what the app knows of a member's time in a group, read
from the records when the facilitator opens the draft (and again each time it is saved, until
it is signed: a signed summary keeps the figures it was signed with).

Sessions offered and attended, first and last scores with reliable change, recovery and
response, goals with their last check-in, take-home practice done, follow-ups still open."""

from datetime import date

from django.db.models import Q
from django.utils import timezone

from measures.instruments import INSTRUMENTS
from measures.models import FollowUp, MeasureResponse
from measures.scoring import change, recovery
from programmes.queries import take_home_done
from sessions.models import Attendance, GroupSession
from therapy_groups.models import Enrollment, Goal

ATTENDED = (Attendance.Status.PRESENT, Attendance.Status.LATE, Attendance.Status.LEFT_EARLY)


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def facts(enrollment: Enrollment) -> dict:
    """Plain values (JSON), so that the signed summary, the letter and the FHIR document are
    all made from one record of them."""
    person, group = enrollment.participant, enrollment.group
    first_day = enrollment.joined_on or enrollment.created_at.date()
    last_day = enrollment.left_on or timezone.localdate()
    held = (
        GroupSession.objects.filter(group=group, starts_at__date__gte=first_day)
        .filter(starts_at__date__lte=last_day, starts_at__lte=timezone.now())
        .exclude(status=GroupSession.Status.CANCELLED)
    )
    offered = held.count()
    attended = Attendance.objects.filter(
        session__in=held, participant=person, status__in=ATTENDED
    ).count()
    return {
        "group": group.name,
        "joined_on": _iso(enrollment.joined_on),
        "left_on": _iso(enrollment.left_on),
        "ended": enrollment.status,
        "sessions_offered": offered,
        "sessions_attended": attended,
        "measures": _measures(group, person),
        "recovery": _recovery(group, person),
        "goals": _goals(group, person),
        "take_home_set": held.exclude(take_home="").count(),
        "take_home_done": len(take_home_done(held, participant=person)),
        "open_follow_ups": FollowUp.objects.open()
        .filter(participant=person)
        .filter(Q(group=group) | Q(group__isnull=True))
        .count(),
    }


def _totals(group, person) -> dict[str, list[int]]:
    totals: dict[str, list[int]] = {}
    for code, total in (
        MeasureResponse.objects.filter(group=group, participant=person)
        .in_the_group()
        .in_session_order()
        .values_list("instrument", "total")
    ):
        totals.setdefault(code, []).append(total)
    return totals


def _measures(group, person) -> list[dict]:
    shown = []
    for code, totals in _totals(group, person).items():
        measure = INSTRUMENTS[code]
        moved = change(measure, totals)
        shown.append(
            {
                "code": code,
                "name": measure.name,
                "answered": len(totals),
                "first": moved.baseline,
                "first_band": measure.band(moved.baseline).label,
                "last": moved.latest,
                "last_band": measure.band(moved.latest).label,
                "reliable": str(moved.reliable or "none") if len(totals) > 1 else None,
                "response": moved.response,
                "remission": moved.remission,
            }
        )
    return shown


def _recovery(group, person) -> bool | None:
    """As on the outcome board: both measures answered at least twice (None otherwise)."""
    totals = {INSTRUMENTS[c]: t for c, t in _totals(group, person).items() if len(t) > 1}
    if len(totals) != len(INSTRUMENTS):
        return None
    return recovery({m: t[0] for m, t in totals.items()}, {m: t[-1] for m, t in totals.items()})


def _goals(group, person) -> list[dict]:
    found = []
    for goal in Goal.objects.filter(group=group, participant=person).prefetch_related("check_ins"):
        last = max(goal.check_ins.all(), key=lambda c: c.created_at, default=None)
        found.append(
            {
                "what": goal.what,
                "status": goal.get_status_display(),
                "last_progress": last.progress if last else None,
                "last_note": last.note if last else "",
                "last_on": _iso(last.created_at.date()) if last else None,
            }
        )
    return found


def day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None

"""The group outcome board: members by sessions, each cell a session's attendance and the
totals of its questionnaires, each row the change since the first score and whether the person
is on track; after them, the booster check-ins answered 1, 3 and 6 months after discharge.
Seven queries, whatever the group's size or history."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext as _

from core.sql import Row
from measures.instruments import INSTRUMENTS, Instrument
from measures.models import FollowUp, FollowUpReason, MeasurePlan, MeasureResponse
from measures.scoring import Change, Reliable, change
from programmes.queries import take_home_done
from sessions.models import Attendance, GroupSession
from sessions.queries import attendance_grid
from therapy_groups.models import TherapyGroup

# An answer above 0 to a risk item keeps its row off track this long, follow-up closed or not.
SAFETY_FLAG_DAYS = 28


@dataclass(frozen=True)
class Score:
    total: int
    band: str


@dataclass
class BoardRow:
    participant: Row  # id, name, email (sessions.queries.attendance_grid)
    # Per session: {"attendance": status, "" or None, "scores": [(measure, Score or None)],
    # "take_home": True or False, None when the session set none}
    cells: list[dict]
    changes: list[tuple[Instrument, Change | None]] = field(default_factory=list)
    # Per measure, the lowest total so far: getting reliably worse than one's best counts too.
    lowest: dict[str, int] = field(default_factory=dict)
    safety_flag: bool = False
    open_follow_up: bool = False
    missed_last_two: bool = False
    # Booster check-ins after discharge: months -> [(measure, Score or None)].
    after: dict[int, list] = field(default_factory=dict)

    @property
    def worse(self) -> bool:
        for measure, seen in self.changes:
            if seen is None:
                continue
            if seen.reliable == Reliable.DETERIORATION:
                return True
            if seen.latest - self.lowest[measure.code] >= measure.reliable_change:
                return True
        return False

    @property
    def off_track(self) -> list[str]:
        """Why this person is not on track, most urgent first (empty when they are). The
        safety flag is named as a flag, never as the question it came from."""
        reasons = []
        if self.safety_flag:
            reasons.append(_("safety flag in the last 4 weeks"))
        if self.open_follow_up:
            reasons.append(_("open follow-up"))
        if self.worse:
            reasons.append(_("reliably worse"))
        if self.missed_last_two:
            reasons.append(_("missed the last two sessions"))
        return reasons


@dataclass
class Board:
    sessions: list[GroupSession]
    measures: list[Instrument]
    rows: list[BoardRow]
    after_months: list[int] = field(default_factory=list)  # booster columns, when any answered


def board_sessions(group: TherapyGroup, limit: int) -> list[GroupSession]:
    """The columns: sessions that took place, and any other session someone has answered a
    questionnaire for (before it started, or before attendance was taken), newest `limit`."""
    answered = MeasureResponse.objects.filter(group=group, session__isnull=False).values(
        "session_id"
    )
    return list(
        group.sessions.filter(Q(status=GroupSession.Status.HELD) | Q(pk__in=answered))
        .exclude(status=GroupSession.Status.CANCELLED)
        .order_by("-starts_at")[:limit]
    )


def outcome_board(group: TherapyGroup, *, limit: int = 12) -> Board:
    grid = attendance_grid(group, sessions=board_sessions(group, limit))
    held = [s.status == GroupSession.Status.HELD for s in grid.sessions]
    responses = MeasureResponse.objects.filter(group=group).in_session_order()
    totals: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    cells: dict[tuple[int, int], dict[str, Score]] = defaultdict(dict)
    after: dict[tuple[int, int], dict[str, Score]] = defaultdict(dict)
    for person, session, code, total, band, months in responses.values_list(
        "participant_id", "session_id", "instrument", "total", "band", "after_months"
    ):
        if months is not None:  # after discharge: its own columns, not the group's change
            after[person, months][code] = Score(total, band)
            continue
        totals[person][code].append(total)
        if session is not None:
            cells[person, session][code] = Score(total, band)
    after_months = sorted({months for __, months in after})
    plan = MeasurePlan.objects.filter(group=group).first()
    shown = set(plan.instruments if plan else ()) | {c for t in totals.values() for c in t}
    measures = [measure for code, measure in INSTRUMENTS.items() if code in shown]
    took_home = take_home_done(grid.sessions)
    follow_ups = FollowUp.objects.filter(group=group)
    following_up = set(follow_ups.open().values_list("participant_id", flat=True))
    flagged = set(  # the database's clock decides "the last four weeks"
        follow_ups.filter(
            reason=FollowUpReason.RISK_ANSWER,
            response__completed_at__gte=Now() - timedelta(days=SAFETY_FLAG_DAYS),
        ).values_list("participant_id", flat=True)
    )
    rows = []
    for grid_row in grid.rows:
        person = grid_row.participant
        marks = [m for m, was in zip(grid_row.cells, held, strict=True) if was and m is not None]
        series = totals[person.pk]
        rows.append(
            BoardRow(
                participant=person,
                cells=[
                    {
                        "attendance": mark,
                        "scores": [(m, cells[person.pk, session.pk].get(m.code)) for m in measures],
                        "take_home": (person.pk, session.pk) in took_home
                        if session.take_home
                        else None,
                    }
                    for session, mark in zip(grid.sessions, grid_row.cells, strict=True)
                ],
                changes=[(m, change(m, series[m.code])) for m in measures],
                lowest={m.code: min(series[m.code]) for m in measures if series[m.code]},
                safety_flag=person.pk in flagged,
                open_follow_up=person.pk in following_up,
                missed_last_two=len(marks) >= 2
                and all(mark == Attendance.Status.ABSENT for mark in marks[-2:]),
                after={
                    months: [(m, after[person.pk, months].get(m.code)) for m in measures]
                    for months in after_months
                },
            )
        )
    # Who is not on track comes first (a clinician on a phone finds them at once), most
    # urgent reason first; then everyone else in the register's order.
    rows.sort(key=lambda row: (not row.off_track, urgency(row)))
    return Board(sessions=grid.sessions, measures=measures, rows=rows, after_months=after_months)


def urgency(row: BoardRow) -> int:
    for rank, reason in enumerate((row.safety_flag, row.open_follow_up, row.worse)):
        if reason:
            return rank
    return 3

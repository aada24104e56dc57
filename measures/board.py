"""The group outcome board: members by sessions, each cell a session's attendance and the
totals of its questionnaires, each row the change since the first score and whether the person
is on track. Seven queries, whatever the group's size or history."""

from collections import defaultdict
from dataclasses import dataclass, field

from core.sql import Row
from measures.instruments import INSTRUMENTS, Instrument
from measures.models import FollowUp, MeasurePlan, MeasureResponse
from measures.scoring import Change, Reliable, change
from sessions.models import Attendance, GroupSession, TakeHomeDone
from sessions.queries import attendance_grid
from therapy_groups.models import TherapyGroup


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
    open_follow_up: bool = False
    missed_last_two: bool = False

    @property
    def reliable(self) -> set[Reliable]:
        return {c.reliable for _, c in self.changes if c is not None and c.reliable is not None}

    @property
    def off_track(self) -> list[str]:
        """Why this person is not on track (empty when they are)."""
        reasons = []
        if Reliable.DETERIORATION in self.reliable:
            reasons.append("reliably worse")
        if self.open_follow_up:
            reasons.append("open follow-up")
        if self.missed_last_two:
            reasons.append("missed the last two sessions")
        return reasons


@dataclass
class Board:
    sessions: list[GroupSession]
    measures: list[Instrument]
    rows: list[BoardRow]


def outcome_board(group: TherapyGroup, *, limit: int = 12) -> Board:
    grid = attendance_grid(group, limit=limit)
    responses = MeasureResponse.objects.filter(group=group).order_by("completed_at", "pk")
    totals: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    cells: dict[tuple[int, int], dict[str, Score]] = defaultdict(dict)
    for person, session, code, total, band in responses.values_list(
        "participant_id", "session_id", "instrument", "total", "band"
    ):
        totals[person][code].append(total)
        if session is not None:
            cells[person, session][code] = Score(total, band)
    plan = MeasurePlan.objects.filter(group=group).first()
    shown = set(plan.instruments if plan else ()) | {c for t in totals.values() for c in t}
    measures = [measure for code, measure in INSTRUMENTS.items() if code in shown]
    took_home = set(
        TakeHomeDone.objects.filter(session__in=grid.sessions).values_list(
            "participant_id", "session_id"
        )
    )
    following_up = set(
        FollowUp.objects.open().filter(group=group).values_list("participant_id", flat=True)
    )
    rows = []
    for grid_row in grid.rows:
        person = grid_row.participant
        marks = [mark for mark in grid_row.cells if mark is not None]
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
                open_follow_up=person.pk in following_up,
                missed_last_two=len(marks) >= 2
                and all(mark == Attendance.Status.ABSENT for mark in marks[-2:]),
            )
        )
    return Board(sessions=grid.sessions, measures=measures, rows=rows)

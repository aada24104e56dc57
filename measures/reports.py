"""Outcome reports for admins: aggregated per group and for the organisation, never a name, an
item answer or anyone's own score. The rates follow NHS Talking Therapies:

- completion: people with a first and a latest score (two or more) of those with any score;
- reliable improvement: of those, reliably better on a measure and reliably worse on none;
- reliable deterioration: reliably worse on a measure;
- recovery: of those at case level at first with both measures paired, below case level on
  both at the latest (scoring.recovery).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from measures.instruments import INSTRUMENTS
from measures.models import MeasureResponse
from measures.scoring import Reliable, change, recovery
from therapy_groups.models import TherapyGroup


@dataclass
class OutcomeRow:
    name: str
    started: object  # the group's start date (its cohort), None for the organisation's row
    people: int
    paired: int
    improved: int
    deteriorated: int
    at_case_level: int
    recovered: int

    @staticmethod
    def share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def completion(self) -> float | None:
        return self.share(self.paired, self.people)

    @property
    def improvement(self) -> float | None:
        return self.share(self.improved, self.paired)

    @property
    def deterioration(self) -> float | None:
        return self.share(self.deteriorated, self.paired)

    @property
    def recovery(self) -> float | None:
        return self.share(self.recovered, self.at_case_level)


def _row(name: str, started, people: dict) -> OutcomeRow:
    """people: participant -> instrument code -> totals, oldest first."""
    row = OutcomeRow(name, started, len(people), 0, 0, 0, 0, 0)
    for series in people.values():
        paired = {INSTRUMENTS[code]: totals for code, totals in series.items() if len(totals) > 1}
        if not paired:
            continue
        row.paired += 1
        reliable = {change(measure, totals).reliable for measure, totals in paired.items()}
        if Reliable.DETERIORATION in reliable:
            row.deteriorated += 1
        elif Reliable.IMPROVEMENT in reliable:
            row.improved += 1
        if len(paired) == len(INSTRUMENTS):
            recovered = recovery(
                {m: totals[0] for m, totals in paired.items()},
                {m: totals[-1] for m, totals in paired.items()},
            )
            if recovered is not None:
                row.at_case_level += 1
                row.recovered += recovered
    return row


def outcome_report() -> list[OutcomeRow]:
    """One row per group with any scores, then the organisation's row (two queries)."""
    by_group: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    # Answers in groups: a screening's, before any group, is not a group's outcome.
    answered = MeasureResponse.objects.filter(group__isnull=False).in_session_order()
    for group_id, person, code, total in answered.values_list(
        "group_id", "participant_id", "instrument", "total"
    ):
        by_group[group_id][person][code].append(total)
    groups = TherapyGroup.objects.filter(pk__in=by_group).order_by("name")
    rows = [_row(g.name, g.start_date, by_group[g.pk]) for g in groups]
    everyone = {
        (group_id, person): series
        for group_id, people in by_group.items()
        for person, series in people.items()
    }
    return [*rows, _row(_("All groups"), None, everyone)]

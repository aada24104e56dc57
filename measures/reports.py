"""Outcome reports for admins: aggregated per group and for the organisation, never a name, an
item answer or anyone's own score. The rates follow NHS Talking Therapies:

- completion: people with a first and a latest score (two or more) of those with any score;
- reliable improvement: of those, reliably better on a measure and reliably worse on none;
- reliable deterioration: reliably worse on a measure;
- recovery: of those at case level at first with both measures paired, below case level on
  both at the latest (scoring.recovery).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from measures.instruments import INSTRUMENTS
from measures.models import AFTER_MONTHS, MeasureResponse
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
    # months after discharge -> (people who answered then, of them reliably better than at
    # their first score in the group on a measure and worse on none)
    after: dict = field(default_factory=dict)

    def after_shares(self) -> list[tuple[int, int, float | None]]:
        return [
            (months, answered, self.share(improved, answered))
            for months, (answered, improved) in sorted(self.after.items())
        ]

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


def _after(people: dict, boosters: dict) -> dict:
    """boosters: participant -> months -> instrument code -> total, against people's first."""
    after = {}
    for months in AFTER_MONTHS:
        answered = improved = 0
        for person, by_months in boosters.items():
            if months not in by_months:
                continue
            answered += 1
            seen = {
                change(INSTRUMENTS[code], [people[person][code][0], total]).reliable
                for code, total in by_months[months].items()
                if people.get(person, {}).get(code)
            }
            improved += Reliable.IMPROVEMENT in seen and Reliable.DETERIORATION not in seen
        if answered:
            after[months] = (answered, improved)
    return after


def outcome_report() -> list[OutcomeRow]:
    """One row per group with any scores, then the organisation's row (two queries). A
    screening's answers (before any group) are not a group's outcome; booster check-ins after
    discharge are read apart, as "after" figures against each person's first score."""
    by_group: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    boosters: dict = defaultdict(lambda: defaultdict(dict))
    answered = MeasureResponse.objects.filter(group__isnull=False).in_session_order()
    for group_id, person, code, total, months in answered.values_list(
        "group_id", "participant_id", "instrument", "total", "after_months"
    ):
        if months is None:
            by_group[group_id][person][code].append(total)
        else:
            boosters[group_id, person].setdefault(months, {})[code] = total
    groups = TherapyGroup.objects.filter(pk__in=by_group).order_by("name")
    rows = []
    for g in groups:
        row = _row(g.name, g.start_date, by_group[g.pk])
        mine = {person: by for (group_id, person), by in boosters.items() if group_id == g.pk}
        row.after = _after(by_group[g.pk], mine)
        rows.append(row)
    everyone = {
        (group_id, person): series
        for group_id, people in by_group.items()
        for person, series in people.items()
    }
    total = _row(_("All groups"), None, everyone)
    total.after = _after(everyone, boosters)
    return [*rows, total]

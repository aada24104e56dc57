"""Totals, bands and what a run of totals means, by each instrument's own rules (instruments.py).

Nothing here reads the database: the services store what `score` returns, and pages ask
`change` and `recovery` about totals they have already read.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from measures.instruments import Band, Instrument


@dataclass(frozen=True)
class Scored:
    instrument: Instrument
    answers: tuple[int, ...]
    difficulty: int | None
    total: int
    band: Band

    @property
    def risk_answer(self) -> int | None:
        """The answer to the instrument's risk item (PHQ-9 item 9), if it has one."""
        item = self.instrument.risk_item
        return self.answers[item - 1] if item else None


def score(instrument: Instrument, answers: Sequence[int | None], difficulty=None) -> Scored:
    """Score a completed questionnaire. Every item must be answered; the difficulty question,
    unscored, may be left out."""
    if len(answers) != len(instrument.items) or any(answer is None for answer in answers):
        raise ValidationError(_("Please answer every question."), code="incomplete")
    top = len(instrument.options) - 1
    if any(type(answer) is not int or not 0 <= answer <= top for answer in answers):
        raise ValidationError(
            _("Each answer is a number from 0 to %(top)s.") % {"top": top}, code="out_of_range"
        )
    if difficulty is not None and not (
        type(difficulty) is int and 0 <= difficulty < len(instrument.difficulty_options)
    ):
        raise ValidationError(_("That answer is not one of the choices."), code="out_of_range")
    total = sum(answers)
    return Scored(instrument, tuple(answers), difficulty, total, instrument.band(total))


class Reliable(StrEnum):
    IMPROVEMENT = "improvement"
    DETERIORATION = "deterioration"


@dataclass(frozen=True)
class Change:
    """A person's totals on one instrument, oldest first, read against its rules."""

    instrument: Instrument
    baseline: int
    latest: int
    previous: int | None

    @property
    def since_baseline(self) -> int:
        return self.latest - self.baseline

    @property
    def since_last(self) -> int | None:
        return None if self.previous is None else self.latest - self.previous

    @property
    def reliable(self) -> Reliable | None:
        """A change since the baseline at least as large as the instrument's threshold."""
        if -self.since_baseline >= self.instrument.reliable_change:
            return Reliable.IMPROVEMENT
        if self.since_baseline >= self.instrument.reliable_change:
            return Reliable.DETERIORATION
        return None

    @property
    def response(self) -> bool | None:
        """Down by the instrument's share of the baseline (PHQ-9: half); None where the
        instrument has no such rule or there is nothing to go down from."""
        fraction = self.instrument.response_fraction
        if fraction is None or self.previous is None or self.baseline == 0:
            return None
        return self.baseline - self.latest >= fraction * self.baseline

    @property
    def remission(self) -> bool | None:
        """The latest total below the instrument's remission line (PHQ-9: below 5), for someone
        who started at or above it; None where that does not apply."""
        below = self.instrument.remission_below
        if below is None or self.previous is None or self.baseline < below:
            return None
        return self.latest < below


def change(instrument: Instrument, totals: Sequence[int]) -> Change | None:
    if not totals:
        return None
    previous = totals[-2] if len(totals) > 1 else None
    return Change(instrument, baseline=totals[0], latest=totals[-1], previous=previous)


def at_case_level(totals: Mapping[Instrument, int]) -> bool:
    return any(total >= instrument.case_level for instrument, total in totals.items())


def recovery(first: Mapping[Instrument, int], latest: Mapping[Instrument, int]) -> bool | None:
    """Recovery as NHS Talking Therapies define it: at case level on any measure at the start
    (PHQ-9 at least 10 or GAD-7 at least 8) and below case level on every one at the end.
    None when it does not apply: a measure missing at either end, or not at case level at first.
    """
    if not first or set(first) != set(latest) or not at_case_level(first):
        return None
    return not at_case_level(latest)


def in_plain_words(change: Change) -> str:
    """A participant's own change, said plainly and without blame. Lower is better on every
    instrument here."""
    measure = change.instrument
    if change.previous is None:
        return _(
            "Your first score on the %(questions)s: %(score)s out of %(most)s. Lower scores "
            "mean the problems bothered you less."
        ) % {"questions": measure.plain_name, "score": change.latest, "most": measure.max_total}
    went = {"first": change.baseline, "latest": change.latest}
    if change.reliable == Reliable.IMPROVEMENT:
        return _("Your score went from %(first)s to %(latest)s: that is a real change.") % went
    if change.reliable == Reliable.DETERIORATION:
        return (
            _(
                "Your score went from %(first)s to %(latest)s. That is a big change. Your "
                "facilitator will talk it through with you."
            )
            % went
        )
    return (
        _(
            "Your score went from %(first)s to %(latest)s. Scores go up and down from week to "
            "week; what counts is the trend."
        )
        % went
    )

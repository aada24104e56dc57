"""PHQ-9 and GAD-7: their published wording, totals and bands at every boundary, and what a
run of totals means (reliable change, response, remission, recovery)."""

import pytest
from django.core.exceptions import ValidationError

from measures.instruments import GAD7, INSTRUMENTS, PHQ9
from measures.scoring import Reliable, change, recovery, score
from tests.measures.factories import answers_totalling


def test_the_instruments_keep_their_published_wording_and_codes():
    assert PHQ9.frame == (
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    )
    assert len(PHQ9.items) == 9 and len(GAD7.items) == 7
    assert PHQ9.items[0] == "Little interest or pleasure in doing things"
    assert PHQ9.items[8] == (
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    )
    assert GAD7.items[6] == "Feeling afraid as if something awful might happen"
    for instrument in (PHQ9, GAD7):
        assert instrument.options == (
            "Not at all",
            "Several days",
            "More than half the days",
            "Nearly every day",
        )
    assert PHQ9.difficulty.startswith("If you checked off any problems")
    assert PHQ9.difficulty_options[-1] == "Extremely difficult"
    assert (PHQ9.loinc_panel, PHQ9.loinc_total, PHQ9.loinc_risk_item) == (
        "44249-1",
        "44261-6",
        "44260-8",
    )
    assert (GAD7.loinc_panel, GAD7.loinc_total) == ("69737-5", "70274-6")
    assert (PHQ9.max_total, GAD7.max_total) == (27, 21)
    assert set(INSTRUMENTS) == {"phq9", "gad7"}


@pytest.mark.parametrize(
    "instrument, total, band",
    [
        (PHQ9, 0, "minimal"),
        (PHQ9, 4, "minimal"),
        (PHQ9, 5, "mild"),
        (PHQ9, 9, "mild"),
        (PHQ9, 10, "moderate"),
        (PHQ9, 14, "moderate"),
        (PHQ9, 15, "moderately severe"),
        (PHQ9, 19, "moderately severe"),
        (PHQ9, 20, "severe"),
        (PHQ9, 27, "severe"),
        (GAD7, 0, "minimal"),
        (GAD7, 4, "minimal"),
        (GAD7, 5, "mild"),
        (GAD7, 9, "mild"),
        (GAD7, 10, "moderate"),
        (GAD7, 14, "moderate"),
        (GAD7, 15, "severe"),
        (GAD7, 21, "severe"),
    ],
)
def test_a_total_falls_in_its_band_at_every_boundary(instrument, total, band):
    scored = score(instrument, answers_totalling(instrument, total))
    assert (scored.total, scored.band.label) == (total, band)


@pytest.mark.parametrize(
    "answers",
    [
        [1] * 8,  # one item left out
        [1] * 10,
        [1] * 8 + [None],
        [],
    ],
)
def test_every_item_must_be_answered(answers):
    with pytest.raises(ValidationError, match="answer every question"):
        score(PHQ9, answers)


@pytest.mark.parametrize("bad", [4, -1, "2", 2.0, True])
def test_an_answer_outside_zero_to_three_is_refused(bad):
    with pytest.raises(ValidationError, match="from 0 to 3"):
        score(PHQ9, [1] * 8 + [bad])


def test_the_difficulty_question_is_unscored_and_may_be_left_out():
    assert score(PHQ9, [1] * 9, difficulty=3).total == 9
    assert score(PHQ9, [1] * 9).difficulty is None
    with pytest.raises(ValidationError):
        score(PHQ9, [1] * 9, difficulty=4)
    with pytest.raises(ValidationError):
        score(GAD7, [1] * 7, difficulty=0)  # GAD-7 is asked without it


def test_the_risk_answer_is_phq9_item_9_whatever_the_total():
    assert score(PHQ9, [0] * 8 + [1]).risk_answer == 1
    assert score(PHQ9, [3] * 8 + [0]).risk_answer == 0
    assert score(GAD7, [3] * 7).risk_answer is None


@pytest.mark.parametrize(
    "instrument, totals, reliable",
    [
        (PHQ9, [16, 10], Reliable.IMPROVEMENT),  # down 6
        (PHQ9, [16, 11], None),  # down 5
        (PHQ9, [10, 16], Reliable.DETERIORATION),
        (PHQ9, [10, 15], None),
        (PHQ9, [16, 20, 9], Reliable.IMPROVEMENT),  # from the baseline, not the last
        (GAD7, [12, 8], Reliable.IMPROVEMENT),  # down 4
        (GAD7, [12, 9], None),
        (GAD7, [8, 12], Reliable.DETERIORATION),
        (GAD7, [8, 11], None),
    ],
)
def test_reliable_change_needs_the_instruments_threshold_either_way(instrument, totals, reliable):
    assert change(instrument, totals).reliable == reliable


def test_change_is_read_since_the_baseline_and_since_the_last_score():
    run = change(PHQ9, [18, 12, 14])
    assert (run.baseline, run.latest, run.since_baseline, run.since_last) == (18, 14, -4, 2)
    first = change(PHQ9, [18])
    assert (first.since_baseline, first.since_last, first.reliable) == (0, None, None)
    assert change(PHQ9, []) is None


@pytest.mark.parametrize(
    "totals, response",
    [([16, 8], True), ([16, 9], False), ([15, 7], True), ([0, 0], None), ([16], None)],
)
def test_response_is_phq9_down_by_half_from_the_baseline(totals, response):
    assert change(PHQ9, totals).response is response
    assert change(GAD7, totals).response is None  # GAD-7 has no response rule


@pytest.mark.parametrize(
    "totals, remission",
    [([12, 4], True), ([12, 5], False), ([3, 2], None), ([12], None)],
)
def test_remission_is_a_phq9_total_below_5_for_someone_who_started_above(totals, remission):
    assert change(PHQ9, totals).remission is remission
    assert change(GAD7, totals).remission is None


@pytest.mark.parametrize(
    "first, latest, recovered",
    [
        ((12, 6), (9, 7), True),  # depression at case level, then below both lines
        ((9, 8), (9, 7), True),  # anxiety at case level (GAD-7 8)
        ((12, 6), (9, 8), False),  # GAD-7 reached case level at the end
        ((12, 6), (10, 2), False),  # PHQ-9 still at 10
        ((9, 7), (2, 1), None),  # never at case level: recovery does not apply
    ],
)
def test_recovery_is_from_case_level_on_either_to_below_both(first, latest, recovered):
    def pair(totals):
        return {PHQ9: totals[0], GAD7: totals[1]}

    assert recovery(pair(first), pair(latest)) is recovered


def test_recovery_needs_the_same_measures_at_both_ends():
    assert recovery({PHQ9: 12, GAD7: 9}, {PHQ9: 3}) is None
    assert recovery({}, {}) is None

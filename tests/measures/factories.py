"""Answers for tests, through the service as members give them."""

from measures import services
from measures.models import Channel, MeasureResponse


def answers_totalling(instrument, total: int) -> list[int]:
    """Answers with the given total, filled from the first item (the risk item stays 0 where
    the total allows)."""
    answers = [0] * len(instrument.items)
    for index in range(len(answers)):
        answers[index] = min(3, total - sum(answers))
    return answers


def answer(
    person, group, instrument, *, total=None, answers=None, risk=0, session=None, at=None
) -> MeasureResponse:
    """One questionnaire answered in the room: the given answers, or ones with `total` whose
    risk item (PHQ-9 question 9) is `risk`; completed `at` a moment if given."""
    if answers is None:
        answers = answers_totalling(instrument, total - risk)
        if instrument.risk_item:
            answers[instrument.risk_item - 1] = risk
    response = services.record_answers(
        participant=person,
        group=group,
        instrument=instrument,
        answers=answers,
        session=session,
        channel=Channel.ROOM,
    )
    if at is not None:
        MeasureResponse.objects.filter(pk=response.pk).update(completed_at=at)
    return response

"""Demo questionnaire history for the CBT group: most members improving, one reliably worse,
one whose latest answer opened a safety follow-up."""

from measures import services
from measures.instruments import GAD7, PHQ9, Instrument
from measures.models import Channel, MeasureResponse
from sessions.models import Attendance, GroupSession
from therapy_groups.models import TherapyGroup

# PHQ-9 and GAD-7 totals at the first session; each later session moves them by `step`.
PATHS = [
    (17, 13, -2),  # participant@example.com: a real change by the fourth session
    (15, 11, -2),
    (18, 14, -3),
    (12, 9, -1),  # the latest answer to question 9 is "Several days": an open follow-up
    (14, 10, -2),
    (10, 8, 0),
    (8, 6, 2),  # reliably worse
    (16, 12, -2),
]


def _answers(instrument: Instrument, total: int, risk: int = 0) -> list[int]:
    """Answers with this total, spread from the first item; the risk item gets `risk`."""
    answers = [0] * len(instrument.items)
    left = total - risk
    for index in range(len(answers)):
        if index + 1 == instrument.risk_item:
            continue
        answers[index] = min(3, left)
        left -= answers[index]
    if instrument.risk_item:
        answers[instrument.risk_item - 1] = risk
    return answers


def seed_outcomes(group: TherapyGroup) -> None:
    services.set_measure_plan(group=group, instruments=["phq9", "gad7"], schedule="every")
    people = [e.participant for e in group.enrollments.filter(status="active").order_by("pk")]
    held = list(group.sessions.filter(status=GroupSession.Status.HELD).order_by("starts_at"))
    away = set(
        Attendance.objects.filter(session__in=held, status=Attendance.Status.ABSENT).values_list(
            "session_id", "participant_id"
        )
    )
    for person, (phq, gad, step) in zip(people, PATHS, strict=False):
        for week, session in enumerate(held):
            if (session.pk, person.pk) in away:
                continue  # not in the room that day
            latest = week == len(held) - 1
            risk = 1 if latest and person == people[3] else 0
            for instrument, start in ((PHQ9, phq), (GAD7, gad)):
                total = max(0, min(instrument.max_total, start + step * week))
                response = services.record_answers(
                    participant=person,
                    group=group,
                    instrument=instrument,
                    answers=_answers(
                        instrument, max(total, risk), risk if instrument is PHQ9 else 0
                    ),
                    session=session,
                    channel=Channel.ROOM,
                )
                MeasureResponse.objects.filter(pk=response.pk).update(
                    completed_at=session.starts_at
                )

"""The screening's questionnaires: when a screening is booked, the person gets the baseline
PHQ-9 and GAD-7 by email, through the same signed, single-use link flow as a session's
check-in (core.outbox.links). Their answers are kept without a group; an answer above 0 to
PHQ-9 item 9 opens a follow-up for the clinician handling the referral, who is alerted at once
and escalated like any other (measures.escalation).

The email is discreet ("a few questions before we talk", a link, the time of the call), built
from current data just before it goes: nothing is sent once the questions are answered, the
referral has moved on, or the screening was moved (the new time sends a new email)."""

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import outbox
from core.outbox import links
from core.outbox.models import Notification
from measures import services as measure_services
from measures.instruments import GAD7, PHQ9, Instrument
from measures.models import Channel, MeasureResponse
from members.messages import Content, email, link, when_for
from members.models import Organisation
from pathways.models import Referral, Status

SCREENING_REQUEST = "screening_request"
LINK_SALT = "together.screening-link"
LINK_AGE = timedelta(days=14)
INSTRUMENTS: tuple[Instrument, ...] = (PHQ9, GAD7)


def answers(referral: Referral):
    """The questionnaires answered for this referral: the person's, without a group, since it
    arrived."""
    return MeasureResponse.objects.filter(
        participant=referral.person_id, group__isnull=True, completed_at__gte=referral.received_at
    )


def unanswered(referral: Referral) -> list[Instrument]:
    done = set(answers(referral).values_list("instrument", flat=True))
    return [measure for measure in INSTRUMENTS if measure.code not in done]


def stop_asking(referral: Referral) -> None:
    outbox.cancel_pending(kind=SCREENING_REQUEST, subject_id=referral.pk)


def ask(referral: Referral) -> None:
    """Send the questions for the booked screening (again, for a new time), unless answered."""
    stop_asking(referral)
    if unanswered(referral):
        outbox.notify_person(
            kind=SCREENING_REQUEST,
            person=referral.person,
            subject_id=referral.pk,
            occurrence=referral.screening_at,
            expires_at=referral.screening_at + timedelta(days=1),
        )


def still_asking(row: Notification) -> Referral | None:
    referral = Referral.objects.filter(pk=row.subject_id, person=row.recipient_id).first()
    if (
        referral is None
        or referral.status != Status.SCREENING_BOOKED
        or referral.screening_at != row.occurrence
        or not unanswered(referral)
    ):
        return None
    return referral


def render_request(row: Notification, organisation: Organisation) -> Content | None:
    referral = still_asking(row)
    if referral is None:
        return None
    return Content(
        _("A few questions before we talk"),
        "screening_request",
        {
            "link": link("screening_link", links.link_token(row, salt=LINK_SALT)),
            "when": when_for(row.recipient, referral.screening_at),
        },
    )


def open_link(token: str) -> Notification:
    """The request a link's token names; raises core.outbox.links.LinkProblem."""
    return links.open_link(token, salt=LINK_SALT, max_age=LINK_AGE, kinds=(SCREENING_REQUEST,))


@transaction.atomic
def record_answers(*, referral: Referral, chosen: dict, language: str) -> None:
    """Keep the page's answers, every questionnaire on it or none (a ValidationError keeps
    nothing). `chosen`: {instrument code: (item answers, difficulty answer)}."""
    for measure in unanswered(referral):
        items, difficulty = chosen[measure.code]
        measure_services.record_answers(
            participant=referral.person,
            group=None,
            instrument=measure,
            answers=items,
            difficulty=difficulty,
            channel=Channel.LINK,
            language=measure.language_shown(language),
            clinician=referral.handler,
        )


def register() -> None:
    outbox.register(
        outbox.MessageKind(
            SCREENING_REQUEST,
            gettext_lazy("Screening questions"),
            email=email(render_request),
        )
    )

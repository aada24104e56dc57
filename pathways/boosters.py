"""Booster check-ins: a member who agreed at discharge answers the group's questionnaires
again 1, 3 and 6 months later, by email or text as they chose, through the same signed,
single-use link flow as a session's check-in. Each is due at 10:00 in the member's own zone
on the day; a text waits out the organisation's quiet hours (the delivery engine). An answer
above 0 to PHQ-9 item 9 opens a follow-up for the group's facilitators, as in the group.

The tick plans each request when its time comes, from a mark in the database (an outage is
caught up, nothing is planned twice: the unique keys), with the channels the member chooses
then; each message is built from current data just before it goes, and nothing is sent once
it is answered or the member's account is closed."""

import zoneinfo
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import outbox
from core.outbox import links
from core.outbox.models import Notification
from measures import services as measure_services
from measures.instruments import GAD7, PHQ9, Instrument
from measures.models import AFTER_MONTHS, Channel, MeasureResponse
from measures.requests import QUESTIONNAIRES
from members.messages import Content, email, link, text_link
from members.models import Organisation
from pathways.models import DischargeSummary

BOOSTER_REQUEST = "booster_request"
MONTHS = AFTER_MONTHS
DUE_AT = time(10, 0)  # in the member's own zone
LINK_SALT = "together.booster-link"
LINK_AGE = timedelta(days=14)  # a link lives two weeks from its message
PLANNED_THROUGH = "boosters_planned_through"  # an OutboxMark
PLAN_AHEAD = timedelta(minutes=10)
CATCH_UP = timedelta(days=7)
INSTRUMENTS: tuple[Instrument, ...] = (PHQ9, GAD7)


def due(summary: DischargeSummary, months: int, zone_name: str) -> datetime:
    zone = zoneinfo.ZoneInfo(zone_name)
    day = summary.signed_at.astimezone(zone).date() + relativedelta(months=months)
    return datetime.combine(day, DUE_AT, tzinfo=zone)


def plan_boosters(now: datetime) -> int:
    """Requests whose time came since the last run, up to PLAN_AHEAD from now."""
    since = max(outbox.mark(PLANNED_THROUGH) or now - timedelta(hours=1), now - CATCH_UP)
    until = now + PLAN_AHEAD
    summaries = (
        DischargeSummary.objects.signed()
        .filter(boosters=True, person__is_active=True)
        .filter(signed_at__gte=since - relativedelta(months=max(MONTHS)) - timedelta(days=1))
        .select_related("person")
    )
    waiting = [
        (summary, months, when)
        for summary in summaries
        for months in MONTHS
        if since < (when := due(summary, months, summary.person.timezone)) <= until
    ]
    people = list({summary.person_id: summary.person for summary, __, __ in waiting}.values())
    channels = outbox.recipients().channels(people, QUESTIONNAIRES)
    planned = outbox.enqueue_many(
        [
            Notification(
                kind=BOOSTER_REQUEST,
                channel=channel,
                recipient=summary.person,
                subject_id=summary.pk,
                occurrence=when,
                offset_minutes=months,  # which of the three
                due_at=when,
                expires_at=when + LINK_AGE,
            )
            for summary, months, when in waiting
            for channel in channels[summary.person_id]
        ]
    )
    outbox.advance_mark(PLANNED_THROUGH, until)
    return planned


def answers(summary: DischargeSummary, months: int):
    return MeasureResponse.objects.filter(
        participant=summary.person_id, group=summary.group_id, after_months=months
    )


def unanswered(summary: DischargeSummary, months: int) -> list[Instrument]:
    done = set(answers(summary, months).values_list("instrument", flat=True))
    return [measure for measure in INSTRUMENTS if measure.code not in done]


def still_asking(row: Notification) -> DischargeSummary | None:
    summary = (
        DischargeSummary.objects.signed()
        .filter(pk=row.subject_id, person=row.recipient_id, boosters=True)
        .select_related("group")
        .first()
    )
    if summary is None or not unanswered(summary, row.offset_minutes):
        return None
    return summary


def render_request(row: Notification, organisation: Organisation) -> Content | None:
    """'A short check-in from <organisation>': a link and nothing clinical."""
    if still_asking(row) is None:
        return None
    return Content(
        _("A short check-in from %(name)s") % {"name": organisation.name},
        "booster_request",
        {"link": link("booster_link", link_token(row)), "months": row.offset_minutes},
    )


def text_request(row: Notification, now) -> outbox.Text | None:
    if still_asking(row) is None:
        return None
    return outbox.Text(
        _("A short check-in from %(name)s: %(link)s")
        % {"name": Organisation.current().name, "link": text_link(row)}
    )


def link_token(row: Notification) -> str:
    return links.link_token(row, salt=LINK_SALT)


def open_link(token: str) -> Notification:
    """The request a link's token names; raises core.outbox.links.LinkProblem."""
    return links.open_link(token, salt=LINK_SALT, max_age=LINK_AGE, kinds=(BOOSTER_REQUEST,))


@transaction.atomic
def record_answers(*, summary: DischargeSummary, months: int, chosen: dict, language: str):
    """Keep the page's answers, every questionnaire on it or none."""
    for measure in unanswered(summary, months):
        items, difficulty = chosen[measure.code]
        measure_services.record_answers(
            participant=summary.person,
            group=summary.group,
            instrument=measure,
            answers=items,
            difficulty=difficulty,
            channel=Channel.LINK,
            language=measure.language_shown(language),
            after_months=months,
        )


def register() -> None:
    outbox.register(
        outbox.MessageKind(
            BOOSTER_REQUEST,
            gettext_lazy("Check-in after the group"),
            email=email(render_request),
            text=text_request,
            topic=QUESTIONNAIRES,
            opens=lambda row: reverse("booster_link", args=[link_token(row)]),
            link_age=LINK_AGE,
        )
    )
    outbox.register_tick_planner(plan_boosters)

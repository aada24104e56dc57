"""Asking by email (and by text, for those who chose it): when a session's questionnaires open
(four days before it, or when it is scheduled, if later), each member gets a discreet message
with a signed, single-use link, and one reminder two days later if the session is still ahead.

The tick plans the requests whose time came since the last planning run (a mark in the
database, so an outage is caught up and nothing is planned twice); the unique keys make each
one row however many beats plan it. Each email is built from current data just before it is
sent: nothing goes to someone who answered, left the group, or whose session was cancelled.
Members who join after the request went out find the check-in on their home page."""

from datetime import datetime, timedelta

from django.db.models import F
from django.db.models.functions import Greatest
from django.utils.translation import gettext_lazy

from core import outbox
from core.outbox import links
from core.outbox.models import Notification
from measures.models import MeasurePlan
from measures.queries import OPEN_AFTER, OPEN_BEFORE, measures_for
from members import text_numbers
from sessions.models import GroupSession
from therapy_groups.models import Enrollment

MEASURE_REQUEST = "measure_request"
MEASURE_REMINDER = "measure_reminder"
# A person chooses email, text or both for these; a questionnaire is better read in an email.
QUESTIONNAIRES = outbox.Topic(
    "questionnaires", gettext_lazy("A short check-in before a session"), outbox.Choice.EMAIL
)
KINDS = (MEASURE_REQUEST, MEASURE_REMINDER)
REMIND_AFTER = timedelta(days=2)
LINK_SALT = "together.measure-link"
LINK_AGE = OPEN_BEFORE  # a link lives four days from its email
PLANNED_THROUGH = "measure_requests_planned_through"  # an OutboxMark
PLAN_AHEAD = timedelta(minutes=10)  # rows are planned this long before they are due
CATCH_UP = timedelta(days=7)  # how far back a tick looks after an outage


def link_token(row: Notification) -> str:
    return links.link_token(row, salt=LINK_SALT)


def open_link(token: str) -> Notification:
    """The request a link's token names; raises core.outbox.links.LinkProblem."""
    return links.open_link(token, salt=LINK_SALT, max_age=LINK_AGE, kinds=KINDS)


def plan_requests(now: datetime) -> int:
    """Requests (with their reminders) whose time came since the last run, up to PLAN_AHEAD
    from now; returns how many rows were offered."""
    since = max(outbox.mark(PLANNED_THROUGH) or now - timedelta(hours=1), now - CATCH_UP)
    until = now + PLAN_AHEAD
    sessions = list(
        GroupSession.objects.annotate(asked=Greatest(F("starts_at") - OPEN_BEFORE, F("created_at")))
        .filter(
            asked__gt=since,
            asked__lte=until,
            starts_at__gt=now,
            group__in=MeasurePlan.objects.values("group"),
        )
        .exclude(status=GroupSession.Status.CANCELLED)
    )
    groups = {session.group_id for session in sessions}
    plans = {plan.group_id: plan for plan in MeasurePlan.objects.filter(group__in=groups)}
    members: dict[int, list] = {}
    for enrollment in Enrollment.objects.filter(
        group__in=groups, status=Enrollment.Status.ACTIVE, participant__is_active=True
    ).select_related("participant"):
        members.setdefault(enrollment.group_id, []).append(enrollment.participant)
    channels = text_numbers.channels(
        [p for group in members.values() for p in group], QUESTIONNAIRES
    )
    rows = []
    for session in sessions:
        if not measures_for(session, plans[session.group_id]):
            continue
        closes = session.starts_at + OPEN_AFTER
        asked = [(MEASURE_REQUEST, session.asked)]
        if session.asked + REMIND_AFTER < session.starts_at:
            asked.append((MEASURE_REMINDER, session.asked + REMIND_AFTER))
        rows.extend(
            Notification(
                kind=kind,
                channel=channel,
                recipient=person,
                subject_id=session.pk,
                occurrence=session.starts_at,
                due_at=due,
                expires_at=closes,
            )
            for person in members.get(session.group_id, [])
            for channel in channels[person.pk]
            for kind, due in asked
        )
    planned = outbox.enqueue_many(rows)
    outbox.advance_mark(PLANNED_THROUGH, until)
    return planned

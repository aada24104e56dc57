"""Messages about measures: follow-up alerts and questionnaire requests. Discreet: a link and
nothing else (no name, no answers, no questionnaire's name)."""

import zoneinfo

from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import outbox
from core.outbox.models import Notification
from measures import queries
from measures.models import FollowUp
from measures.requests import (
    LINK_AGE,
    MEASURE_REMINDER,
    MEASURE_REQUEST,
    QUESTIONNAIRES,
    link_token,
)
from members.messages import Content, email, link, text_link, when_for
from members.models import Organisation, Role
from sessions.models import GroupSession
from therapy_groups.models import Enrollment

FOLLOW_UP_ALERT = "follow_up_alert"
FOLLOW_UP_OVERDUE = "follow_up_overdue"


def _waiting(row: Notification) -> FollowUp | None:
    """The row's follow-up, while no one has it in hand (open and not acknowledged)."""
    follow_up = FollowUp.objects.filter(pk=row.subject_id).first()
    if follow_up is None or not follow_up.is_open or follow_up.acknowledged_at is not None:
        return None
    return follow_up


def render_alert(row: Notification, organisation: Organisation) -> Content | None:
    follow_up = _waiting(row)
    if follow_up is None:
        return None
    # The subject says how soon, never why: a safety concern reads as urgent, absences not.
    urgent = follow_up.reason in queries.SAFETY_REASONS
    if follow_up.group_id is None:  # an answer at a screening, before any group
        subject = _("Urgent: someone you are screening needs a call today")
    elif urgent:
        subject = _("Urgent: someone in your group needs a call today")
    else:
        subject = _("Someone in your group may need a call")
    return Content(
        subject,
        "follow_up_alert",
        {
            "link": link("follow_up_detail", follow_up.pk),
            "urgent": urgent,
            "screening": follow_up.group_id is None,
        },
    )


def render_overdue(row: Notification, organisation: Organisation) -> Content | None:
    """Facilitators get the follow-up's page; admins the list of overdue ones (group and age,
    never who or why)."""
    follow_up = _waiting(row)
    if follow_up is None:
        return None
    staff_page = (
        link("overdue_follow_ups")
        if row.recipient.role == Role.ADMIN
        else link("follow_up_detail", follow_up.pk)
    )
    return Content(
        _("Urgent: a follow-up is still waiting for someone")
        if follow_up.reason in queries.SAFETY_REASONS
        else _("A follow-up is waiting for someone"),
        "follow_up_overdue",
        {"link": staff_page, "hours": organisation.follow_up_window_hours},
    )


def _still_asking(row: Notification) -> GroupSession | None:
    """The row's session, while its person is a member with questionnaires left to answer."""
    person = row.recipient
    session = GroupSession.objects.filter(pk=row.subject_id).select_related("group").first()
    if (
        session is None
        or session.is_cancelled
        or not session.group.enrollments.filter(
            participant=person, status=Enrollment.Status.ACTIVE
        ).exists()
        or not queries.unanswered(session, person)
        or queries.withdrawn(session, person)  # "I can't make it": no request, no reminder
    ):
        return None
    return session


def _weekday(row: Notification, session: GroupSession) -> str:
    zone = zoneinfo.ZoneInfo(row.recipient.timezone)
    return format_date(timezone.localtime(session.starts_at, zone), "l")


def render_request(row: Notification, organisation: Organisation) -> Content | None:
    """'A short check-in before Tuesday's group': no questionnaire's name, no clinical word."""
    person = row.recipient
    session = _still_asking(row)
    if session is None:
        return None
    return Content(
        _("A short check-in before %(weekday)s's group") % {"weekday": _weekday(row, session)},
        "measure_request",
        {
            "link": link("measure_link", link_token(row)),
            "when": when_for(person, session.starts_at),
            "reminder": row.kind == MEASURE_REMINDER,
        },
    )


def text_request(row: Notification, now) -> outbox.Text | None:
    session = _still_asking(row)
    if session is None or not queries.is_open(session, now):  # held overnight, it may be shut
        return None
    words = (
        _("Reminder: a short check-in before %(weekday)s's group: %(link)s")
        if row.kind == MEASURE_REMINDER
        else _("A short check-in before %(weekday)s's group: %(link)s")
    )
    return outbox.Text(words % {"weekday": _weekday(row, session), "link": text_link(row)})


def request_opens(row: Notification) -> str:
    return reverse("measure_link", args=[link_token(row)])


def register() -> None:
    outbox.register(
        outbox.MessageKind(
            FOLLOW_UP_ALERT, gettext_lazy("Follow-up alert"), email=email(render_alert)
        ),
        outbox.MessageKind(
            FOLLOW_UP_OVERDUE, gettext_lazy("Follow-up overdue"), email=email(render_overdue)
        ),
        *[
            outbox.MessageKind(
                code,
                label,
                email=email(render_request),
                text=text_request,
                topic=QUESTIONNAIRES,
                opens=request_opens,
                link_age=LINK_AGE,
            )
            for code, label in [
                (MEASURE_REQUEST, gettext_lazy("Questionnaire request")),
                (MEASURE_REMINDER, gettext_lazy("Questionnaire reminder")),
            ]
        ],
    )

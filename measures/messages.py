"""Messages about measures: follow-up alerts and questionnaire requests. Discreet: a link and
nothing else (no name, no answers, no questionnaire's name)."""

import zoneinfo

from django.utils import timezone
from django.utils.dateformat import format as format_date

from core import outbox
from core.models import Notification
from measures import queries
from measures.models import FollowUp
from measures.requests import MEASURE_REMINDER, MEASURE_REQUEST, link_token
from members.messages import Content, email, link, when_for
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
    return Content(
        "Someone in your group needs a call",
        "follow_up_alert",
        {"link": link("follow_up_detail", follow_up.pk)},
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
        "A follow-up is waiting for someone",
        "follow_up_overdue",
        {"link": staff_page, "hours": organisation.follow_up_window_hours},
    )


def render_request(row: Notification, organisation: Organisation) -> Content | None:
    """'A short check-in before Tuesday's group': no questionnaire's name, no clinical word."""
    person = row.recipient
    session = GroupSession.objects.filter(pk=row.subject_id).select_related("group").first()
    if (
        session is None
        or session.is_cancelled
        or not session.group.enrollments.filter(
            participant=person, status=Enrollment.Status.ACTIVE
        ).exists()
        or not queries.unanswered(session, person)
    ):
        return None
    day = timezone.localtime(session.starts_at, zoneinfo.ZoneInfo(person.timezone))
    return Content(
        f"A short check-in before {format_date(day, 'l')}'s group",
        "measure_request",
        {
            "link": link("measure_link", link_token(row)),
            "when": when_for(person, session.starts_at),
            "reminder": row.kind == MEASURE_REMINDER,
        },
    )


def register() -> None:
    outbox.register_kind(FOLLOW_UP_ALERT, "Follow-up alert", email(render_alert))
    outbox.register_kind(FOLLOW_UP_OVERDUE, "Follow-up overdue", email(render_overdue))
    outbox.register_kind(MEASURE_REQUEST, "Questionnaire request", email(render_request))
    outbox.register_kind(MEASURE_REMINDER, "Questionnaire reminder", email(render_request))

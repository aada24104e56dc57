"""Messages about follow-ups: discreet, a link and nothing else (no name, no answers)."""

from core import outbox
from core.models import Notification
from measures.models import FollowUp
from members.messages import Content, email, link
from members.models import Organisation, Role

FOLLOW_UP_ALERT = "follow_up_alert"
FOLLOW_UP_OVERDUE = "follow_up_overdue"


def render_alert(row: Notification, organisation: Organisation) -> Content | None:
    follow_up = FollowUp.objects.filter(pk=row.subject_id).first()
    if follow_up is None or not follow_up.is_open or follow_up.acknowledged_at is not None:
        return None  # someone has it in hand
    return Content(
        "Someone in your group needs a call",
        "follow_up_alert",
        {"link": link("follow_up_detail", follow_up.pk)},
    )


def render_overdue(row: Notification, organisation: Organisation) -> Content | None:
    """Facilitators get the follow-up's page; admins the list of overdue ones (group and age,
    never who or why)."""
    follow_up = FollowUp.objects.filter(pk=row.subject_id).first()
    if follow_up is None or not follow_up.is_open or follow_up.acknowledged_at is not None:
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


def register() -> None:
    outbox.register_kind(FOLLOW_UP_ALERT, "Follow-up alert", email(render_alert))
    outbox.register_kind(FOLLOW_UP_OVERDUE, "Follow-up overdue", email(render_overdue))

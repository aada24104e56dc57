"""Messages about follow-ups: discreet, a link and nothing else (no name, no answers)."""

from core import outbox
from core.models import Notification
from measures.models import FollowUp
from members.messages import Content, email, link
from members.models import Organisation

FOLLOW_UP_ALERT = "follow_up_alert"


def render_alert(row: Notification, organisation: Organisation) -> Content | None:
    follow_up = FollowUp.objects.filter(pk=row.subject_id).first()
    if follow_up is None or not follow_up.is_open or follow_up.acknowledged_at is not None:
        return None  # someone has it in hand
    return Content(
        "Someone in your group needs a call",
        "follow_up_alert",
        {"link": link("follow_up_detail", follow_up.pk)},
    )


def register() -> None:
    outbox.register_kind(FOLLOW_UP_ALERT, "Follow-up alert", email(render_alert))

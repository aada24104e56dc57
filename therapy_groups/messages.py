"""Messages about places in groups: invited to join, a place free from the waitlist."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import outbox
from core.outbox.models import Notification
from members.messages import Content, email, link
from members.models import Organisation
from therapy_groups.models import Enrollment

WAITLIST_OFFER = "waitlist_offer"
ADDED_TO_GROUP = "added_to_group"


def render_waitlist_offer(row: Notification, organisation: Organisation) -> Content | None:
    enrollment = Enrollment.objects.filter(pk=row.subject_id).select_related("group").first()
    if enrollment is None or not enrollment.has_offer:
        return None
    return Content(
        _("A place is free for you"),
        "waitlist_offer",
        {"group_name": enrollment.group.public_name, "home": link("home")},
    )


def render_added(row: Notification, organisation: Organisation) -> Content | None:
    enrollment = Enrollment.objects.filter(pk=row.subject_id).select_related("group").first()
    if enrollment is None or not enrollment.awaits_answer:
        return None
    return Content(
        _("You're invited to join a group"),
        "added_to_group",
        {"group_name": enrollment.group.public_name, "home": link("home")},
    )


def register() -> None:
    outbox.register(
        outbox.MessageKind(
            WAITLIST_OFFER,
            gettext_lazy("Waitlist place offered"),
            email=email(render_waitlist_offer),
        ),
        outbox.MessageKind(
            ADDED_TO_GROUP, gettext_lazy("Invited to join a group"), email=email(render_added)
        ),
    )

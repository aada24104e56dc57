"""Emails as every app sends them: composed in the organisation's name, from templates, with
the person's address as it is now. Also the account invitation, members' own kind."""

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import mail, signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from core import outbox
from core.outbox.models import Notification
from members.invitations import invitation_url
from members.models import Invitation, Organisation, Role, User

INVITATION = "invitation"


@dataclass
class Content:
    subject: str
    template: str
    context: dict
    attachment: tuple[str, bytes, str] | None = None


def compose(row: Notification, content: Content, organisation: Organisation):
    context = {
        "organisation": organisation,
        "site_url": settings.SITE_URL,
        "row": row,
        "person": row.recipient,
        **content.context,
    }
    message = mail.EmailMultiAlternatives(
        subject=organisation.subject(content.subject),
        body=render_to_string(f"emails/{content.template}.txt", context, using="text"),
        # The person's address as it is now; an invitation's as it was typed.
        to=[row.recipient.email if row.recipient_id else row.email],
    )
    message.attach_alternative(
        render_to_string(f"emails/{content.template}.html", context), "text/html"
    )
    if content.attachment:
        message.attach(*content.attachment)
    return message


def email(render):
    """A kind's build function from a renderer: render(row, organisation) gives the Content,
    or None when the message no longer applies."""

    def build(row: Notification, now: datetime):
        organisation = Organisation.current()
        content = render(row, organisation)
        return None if content is None else compose(row, content, organisation)

    return build


def when_for(person: User | None, moment: datetime) -> str:
    """'Tuesday 3 March, 18:00 (Europe/London)' in the recipient's own zone."""
    return when_in(person.timezone if person else settings.TIME_ZONE, moment)


def when_in(zone_name: str, moment: datetime, shape: str = "") -> str:
    """'Tuesday 3 March, 18:00 (Europe/London)', in the language active (each language's
    order: 'martes 3 de marzo, 18:00')."""
    shape = shape or pgettext("date format: a moment in a message", "l j F, H:i")
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(zone_name))
    return f"{format_date(local, shape)} ({zone_name})"


def time_for(person: User, moment: datetime) -> str:
    """'18:00 (Europe/London)': the time of day alone, in the recipient's own zone."""
    return when_in(person.timezone, moment, "H:i")


def link(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


# A text's link is short (a text is one segment wherever possible): the row's id and 72 bits
# of its signature. It opens what the row's kind says (core.outbox.MessageKind.opens).
TEXT_LINK_SALT = "together.text-link"


def _text_link_signature(pk: int) -> str:
    digest = salted_hmac(TEXT_LINK_SALT, str(pk), algorithm="sha256").digest()
    return signing.b64_encode(digest)[:12].decode()


def text_link(row: Notification) -> str:
    return link("text_link", f"{signing.b62_encode(row.pk)}-{_text_link_signature(row.pk)}")


def read_text_link(token: str) -> int | None:
    """The row id a text link names, or None if it is not one we made."""
    encoded, __, signature = token.partition("-")
    try:
        pk = signing.b62_decode(encoded)
    except (ValueError, IndexError):
        return None
    return pk if constant_time_compare(signature, _text_link_signature(pk)) else None


def render_invitation(row: Notification, organisation: Organisation) -> Content | None:
    invitation = (
        Invitation.objects.pending().filter(pk=row.subject_id).select_related("invited_by").first()
    )
    if invitation is None:
        return None
    inviter = invitation.invited_by.short_name if invitation.invited_by else None
    staff = invitation.role != Role.PARTICIPANT
    return Content(
        _("You're invited"),
        "invitation",
        {
            "url": invitation_url(invitation),
            "inviter": inviter,
            "staff": staff,
            "expires": format_date(invitation.expires_at, "j F Y"),
            **{
                key: value
                for details in _invitation_details
                for key, value in details(invitation).items()
            },
        },
    )


# What apps above this one add to an invitation email (sessions: the group and its next
# session), registered in their ready() like their message kinds.
_invitation_details: list[Callable[[Invitation], dict]] = []


def register_invitation_details(details: Callable[[Invitation], dict]) -> None:
    if details not in _invitation_details:
        _invitation_details.append(details)


def register() -> None:
    from members import text_numbers
    from members.recipients import Recipients

    outbox.register(
        outbox.MessageKind(INVITATION, gettext_lazy("Invitation"), email=email(render_invitation)),
        outbox.MessageKind(
            text_numbers.CODE,
            gettext_lazy("Code for a text number"),
            text=text_numbers.code_text,  # by text only: it checks the number it goes to
            urgent=lambda row, now: True,  # the person is waiting for it, whatever the hour
        ),
    )
    outbox.register_recipients(Recipients())

"""Members' answers to the questions the delivery engine asks about the people it sends to
(core.outbox.Recipients), each read as the message is planned or sent."""

from datetime import datetime

from django.conf import settings
from django.urls import reverse

from core import outbox
from core.outbox.models import Notification
from members import text_numbers
from members.models import Organisation


class Recipients:
    def language(self, row: Notification) -> str:
        """A person's own language; for an invitation (no account yet), the organisation's."""
        if row.recipient_id:
            return row.recipient.language_in_use
        return Organisation.current().language

    def channels(self, people: list, topic: outbox.Topic) -> dict[int, list[str]]:
        return text_numbers.channels(people, topic)

    def wants(self, row: Notification, topic: outbox.Topic) -> bool:
        return text_numbers.wanted(row, topic)

    def number(self, row: Notification) -> str | None:
        return text_numbers.number_for(row)

    def quiet_until(self, row: Notification, now: datetime) -> datetime | None:
        """The organisation's quiet hours, in the recipient's own zone."""
        return Organisation.current().quiet_hours_end(row.recipient.timezone, now)

    def stopped(self, row: Notification) -> None:
        text_numbers.provider_says_stopped(row)

    def report_url(self) -> str:
        return settings.SITE_URL + reverse("text_status")

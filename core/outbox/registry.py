"""What the engine knows of the apps that use it, each registered at start-up (in `ready()`):

- **Message kinds**, in one shape (`MessageKind`, `register`): a code, a label for Delivery
  health, and how to build the email and the text from current data just before it is sent.
  A kind with a topic goes by email, by text or both, as its person chose for that topic.
- **The recipients** (`Recipients`, `register_recipients`): the questions the engine asks about
  the people it sends to, answered by the app that knows them (members/recipients.py).
- **Planners**: what the tick plans every minute (`register_tick_planner`), and what is owed to
  someone who joined a group or came back (`register_person_planner`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.core import mail
from django.db import models
from django.utils.translation import gettext_lazy

from core.outbox.models import Notification


@dataclass(frozen=True)
class Text:
    body: str


class Choice(models.TextChoices):
    """How a person wants a topic's messages."""

    EMAIL = "email", gettext_lazy("Email")
    TEXT = "text", gettext_lazy("Text")
    BOTH = "both", gettext_lazy("Both")


@dataclass(frozen=True)
class Topic:
    """What a person's messages are about; each may come by email, by text or both."""

    code: str
    label: str
    default: str  # a Choice, until the person makes their own
    for_staff: bool = False  # facilitators' and admins' topic, or participants'


# A kind's email(row, now) is the email to send, and text(row, now) the text; either is None
# when the message no longer applies (the row is then cancelled).
BuildEmail = Callable[[Notification, datetime], "mail.EmailMessage | None"]
BuildText = Callable[[Notification, datetime], "Text | None"]


@dataclass(frozen=True)
class MessageKind:
    code: str
    label: str
    email: BuildEmail | None = None  # None: it goes by text only (a verification code)
    text: BuildText | None = None  # None: it goes by email only
    topic: Topic | None = None  # None: always by email (or, without email, by text)
    # Where a text's short link opens (members.messages.text_link), and for how long after
    # sending.
    opens: Callable[[Notification], str] | None = None
    link_age: timedelta = timedelta(days=4)
    # urgent(row, now): a text that may not wait for quiet hours to end. None: it always can.
    urgent: Callable[[Notification, datetime], bool] | None = None


_kinds: dict[str, MessageKind] = {}


def register(*kinds: MessageKind) -> None:
    for each in kinds:
        _kinds[each.code] = each


def kind(code: str) -> MessageKind:
    return _kinds[code]


def kinds() -> list[MessageKind]:
    return list(_kinds.values())


def known_kinds() -> set[str]:
    return set(_kinds)


def topics() -> list[Topic]:
    """Every topic of a registered kind, in the order the kinds were registered."""
    return list({each.topic.code: each.topic for each in _kinds.values() if each.topic}.values())


class Recipients(Protocol):
    """The questions the engine asks about the people it sends to, each read at that moment."""

    def language(self, row: Notification) -> str:
        """The language the row's message is written in (its recipient's)."""

    def channels(self, people: list, topic: Topic) -> dict[int, list[str]]:
        """For planning: each person's channels for a topic, {person id: [channel, ...]}."""

    def wants(self, row: Notification, topic: Topic) -> bool:
        """At sending: whether the row's channel is still what its person wants for the topic."""

    def number(self, row: Notification) -> str | None:
        """At sending: the E.164 number a text goes to now, or None."""

    def quiet_until(self, row: Notification, now: datetime) -> datetime | None:
        """At sending: when the quiet hours the recipient is in end, or None outside them."""

    def stopped(self, row: Notification) -> None:
        """The provider refused a row's text because its number replied STOP there."""

    def report_url(self) -> str:
        """Where the provider reports what became of each text (delivery.record_report)."""


class EmailOnly:
    """Until an app registers its recipients: everyone by email, in the site's language."""

    def language(self, row):
        return settings.LANGUAGE_CODE

    def channels(self, people, topic):
        return {person.pk: [Notification.Channel.EMAIL] for person in people}

    def wants(self, row, topic):
        return True

    def number(self, row):
        return None

    def quiet_until(self, row, now):
        return None

    def stopped(self, row):
        pass

    def report_url(self):
        return ""


class _Registered:
    recipients: Recipients = EmailOnly()


def register_recipients(answers: Recipients) -> None:
    _Registered.recipients = answers


def recipients() -> Recipients:
    return _Registered.recipients


_tick_planners: list[Callable[[datetime], int]] = []
_person_planners: list[Callable] = []


def register_tick_planner(planner: Callable[[datetime], int]) -> None:
    if planner not in _tick_planners:
        _tick_planners.append(planner)


def plan_due(now: datetime) -> int:
    """What the tick plans: every registered planner's messages coming due by `now`."""
    return sum(planner(now) for planner in _tick_planners)


def register_person_planner(planner: Callable) -> None:
    if planner not in _person_planners:
        _person_planners.append(planner)


def plan_for_person(person) -> int:
    """Plan every message now owed to `person` (they joined a group, or came back)."""
    return sum(planner(person) for planner in _person_planners)

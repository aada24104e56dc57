"""The outbox, as every app writes to it, and the registry of message kinds.

- Each app registers its kinds of message at start-up (`register_kind`): a code, a label for
  Delivery health, and how to build the message from current data just before it is sent:
  the email, and, for kinds that may go by text, the text. The engine (delivery.py) knows
  no kind by name.
- A kind with a topic (reminders, changes, ...) goes by email, by text or both, as its person
  chose for that topic. Members registers the rules (`register_text_rules`): which channels to
  plan for whom, whether a row's channel is still wanted when it is sent, and the number a text
  goes to at that moment (the person's verified number, unless they replied STOP; for the code
  that verifies a number, that number), or none.
- Each message is written in its recipient's language (`register_language`; members knows it).
- Apps register planners too: `register_tick_planner` for what the tick plans every minute,
  `register_person_planner` for what is owed to someone who joined a group or came back (apps
  below the planner's own call `plan_for_person` without knowing who plans).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import mail
from django.db.models import Value
from django.db.models.functions import Greatest

from core.clock import db_now
from core.outbox.models import Notification, OutboxMark

# A kind's build(row, now) returns the email, or the state to close the row with when it
# must not go (it no longer applies).
Build = Callable[[Notification, datetime], "mail.EmailMultiAlternatives | str | None"]
# A kind's text(row, now) returns the text's body, or, as build does, a state or None.
BuildText = Callable[[Notification, datetime], "Text | str | None"]


@dataclass(frozen=True)
class Text:
    body: str


@dataclass(frozen=True)
class MessageKind:
    code: str
    label: str
    build: Build
    text: BuildText | None = None
    # The choice of channel that applies ("" for email-only kinds).
    topic: str = ""
    # Where a text's short link opens (members.messages.text_link), and for how long after
    # sending.
    opens: Callable[[Notification], str] | None = None
    link_age: timedelta = timedelta(days=4)
    # urgent(row, now): a text that may not wait for quiet hours to end. None: it always can.
    urgent: Callable[[Notification, datetime], bool] | None = None


_kinds: dict[str, MessageKind] = {}
_tick_planners: list[Callable[[datetime], int]] = []
_person_planners: list[Callable] = []


def register_kind(
    code: str,
    label: str,
    build: Build,
    *,
    text: BuildText | None = None,
    topic: str = "",
    opens: Callable[[Notification], str] | None = None,
    link_age: timedelta = timedelta(days=4),
    urgent: Callable[[Notification, datetime], bool] | None = None,
) -> None:
    _kinds[code] = MessageKind(code, label, build, text, topic, opens, link_age, urgent)


def kind(code: str) -> MessageKind:
    return _kinds[code]


def kinds() -> list[MessageKind]:
    return list(_kinds.values())


def known_kinds() -> set[str]:
    return set(_kinds)


@dataclass(frozen=True)
class TextRules:
    # Where a text goes now: an E.164 number, or None.
    number: Callable[[Notification], str | None]
    # For planning: each person's channels for a topic, {person id: [channel, ...]}.
    channels: Callable[[list, str], dict[int, list[str]]]
    # At sending: whether the row's channel is still what its person wants for the topic.
    wanted: Callable[[Notification, str], bool]
    # At sending: when the quiet hours the recipient is in end, or None outside them.
    quiet_until: Callable[[Notification, datetime], datetime | None]
    # The provider refused a row's text because its number replied STOP there.
    opted_out: Callable[[Notification], None]
    # Where the provider reports what became of each text (core.outbox.delivery.record_report).
    status_callback: Callable[[], str]


class _Registered:
    """What one app registers once for the engine (the text rules, the language lookup)."""

    text_rules: TextRules | None = None
    language: Callable[[Notification], str] | None = None


def register_text_rules(rules: TextRules) -> None:
    _Registered.text_rules = rules


def text_number(row: Notification) -> str | None:
    rules = _Registered.text_rules
    return rules.number(row) if rules else None


def text_opted_out(row: Notification) -> None:
    if rules := _Registered.text_rules:
        rules.opted_out(row)


def status_callback() -> str:
    rules = _Registered.text_rules
    return rules.status_callback() if rules else ""


def register_language(lookup: Callable[[Notification], str]) -> None:
    """How to find the language a row's message is written in (its recipient's)."""
    _Registered.language = lookup


def language_for(row: Notification) -> str:
    lookup = _Registered.language
    return lookup(row) if lookup else settings.LANGUAGE_CODE


def channels_for(people: list, topic: str) -> dict[int, list[str]]:
    """The channels to plan a message of `topic` on, for each of these people."""
    rules = _Registered.text_rules
    if topic and rules:
        return rules.channels(people, topic)
    return {person.pk: [Notification.Channel.EMAIL] for person in people}


def quiet_until(row: Notification, now: datetime) -> datetime | None:
    """When a text that can wait may go, if `now` is in its recipient's quiet hours."""
    urgent = kind(row.kind).urgent
    rules = _Registered.text_rules
    if not rules or (urgent is not None and urgent(row, now)):
        return None
    return rules.quiet_until(row, now)


def channel_wanted(row: Notification) -> bool:
    topic = kind(row.kind).topic
    rules = _Registered.text_rules
    return not (topic and rules) or rules.wanted(row, topic)


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


def enqueue(
    *,
    kind: str,
    subject_id: int,
    occurrence: datetime,
    expires_at: datetime,
    due_at: datetime | None = None,
    recipient=None,
    email: str = "",
    offset_minutes: int = 0,
    previous_occurrence: datetime | None = None,
    channel: str = Notification.Channel.EMAIL,
) -> None:
    """Add one message to the outbox, for a person (or, for an invitation, an address); the
    same message twice is one row (the unique keys)."""
    enqueue_many(
        [
            Notification(
                kind=kind,
                channel=channel,
                email="" if recipient is not None else email,
                recipient=recipient,
                subject_id=subject_id,
                occurrence=occurrence,
                offset_minutes=offset_minutes,
                due_at=due_at or db_now(),
                expires_at=expires_at,
                previous_occurrence=previous_occurrence,
            )
        ]
    )


def enqueue_many(rows: list[Notification]) -> int:
    """Insert rows, skipping any already planned (a cancelled row is not in the way); returns
    how many rows were offered."""
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def notify_person(
    *,
    kind: str,
    person,
    subject_id: int,
    occurrence: datetime,
    expires_at: datetime | None = None,
    previous_occurrence: datetime | None = None,
) -> None:
    """An immediate notice to someone with an account (never to a deactivated one), on each
    channel they chose for its kind's topic."""
    if not person.is_active:
        return
    now = db_now()  # a web host's clock running fast must not hold a safety alert back
    enqueue_many(
        [
            Notification(
                kind=kind,
                channel=channel,
                recipient=person,
                subject_id=subject_id,
                occurrence=occurrence,
                due_at=now,
                expires_at=expires_at or now + timedelta(days=2),
                previous_occurrence=previous_occurrence,
            )
            for channel in channels_for([person], _kinds[kind].topic)[person.pk]
        ]
    )


def cancel_pending(**filters) -> int:
    """Close waiting rows that no longer apply (their session moved or was cancelled, or their
    recipient left). The sender checks again before each send; this keeps the health page true."""
    return Notification.objects.filter(state=Notification.State.PENDING, **filters).update(
        state=Notification.State.CANCELLED
    )


# Marks: moments the engine keeps in the database ---------------------------------------


def mark(name: str) -> datetime | None:
    return OutboxMark.objects.filter(name=name).values_list("at", flat=True).first()


def set_mark(name: str, at: datetime) -> None:
    OutboxMark.objects.update_or_create(name=name, defaults={"at": at})


def set_mark_once(name: str, at: datetime) -> None:
    """Keep the first moment (e.g. since when the mail server has been unreachable)."""
    OutboxMark.objects.get_or_create(name=name, defaults={"at": at})


def advance_mark(name: str, at: datetime) -> None:
    """Move a mark forward, never back, whoever else moves it at the same time."""
    if not OutboxMark.objects.filter(name=name).update(at=Greatest("at", Value(at))):
        OutboxMark.objects.get_or_create(name=name, defaults={"at": at})


def clear_mark(name: str) -> None:
    OutboxMark.objects.filter(name=name).delete()

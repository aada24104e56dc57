"""Texts in the delivery engine (core/outbox/delivery.py): the same outbox rows as emails, with a
channel on each, sent through the text provider under the same claim, fencing and retries.
Against the locmem provider and against the local fake of Twilio's API."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config import env
from core import outbox
from core.outbox import delivery, sms
from core.outbox.models import Notification, OutboxMark
from tests.members.factories import UserFactory
from tests.support.fake_twilio import FakeTwilio, error

pytestmark = pytest.mark.django_db
State, Channel = Notification.State, Notification.Channel
KIND = "test_text"


class Numbers(outbox.registry.EmailOnly):
    """Everyone's texts go where the test says (members answers for real people)."""

    def __init__(self):
        self.of: dict[int, str] = {}

    def number(self, row):
        return self.of.get(row.recipient_id)


@pytest.fixture(autouse=True)
def kind_and_numbers():
    """A kind that goes by text, and where people's texts go."""
    kinds, recipients = dict(outbox.registry._kinds), outbox.recipients()
    numbers = Numbers()
    outbox.register(
        outbox.MessageKind(
            KIND,
            "Test message",
            email=lambda row, now: mail.EmailMessage(
                "Reminder", "Group at 6pm", to=[row.recipient.email]
            ),
            text=lambda row, now: outbox.Text("Reminder: your group meets at 6pm."),
        )
    )
    outbox.register_recipients(numbers)
    sms.LocmemBackend.sent.clear()
    yield numbers.of
    outbox.registry._kinds.clear()
    outbox.registry._kinds.update(kinds)
    outbox.register_recipients(recipients)


def row(person, channel=Channel.TEXT, subject_id=1, **fields) -> Notification:
    now = timezone.now()
    return Notification.objects.create(
        kind=KIND,
        channel=channel,
        recipient=person,
        subject_id=subject_id,
        occurrence=now + timedelta(hours=2),
        due_at=now - timedelta(minutes=1),
        expires_at=now + timedelta(hours=2),
        **fields,
    )


def state(notification: Notification) -> tuple:
    notification.refresh_from_db()
    return notification.state, notification.attempts, notification.last_error


def test_a_text_goes_to_the_number_the_person_has_when_it_is_sent(kind_and_numbers, participant):
    text = row(participant)
    kind_and_numbers[participant.pk] = "+447700900123"
    assert delivery.deliver_due() == 1
    assert sms.LocmemBackend.sent == [("+447700900123", "Reminder: your group meets at 6pm.")]
    text.refresh_from_db()
    assert (text.state, text.segments) == (State.SENT, 1)


@pytest.mark.parametrize("why", ["no number", "texts switched off", "kind has no text"])
def test_a_text_that_may_not_go_is_cancelled_and_never_sent(
    kind_and_numbers, participant, settings, why
):
    text = row(participant)
    if why != "no number":
        kind_and_numbers[participant.pk] = "+447700900123"
    if why == "texts switched off":
        settings.SMS = None
    if why == "kind has no text":
        outbox.register(outbox.MessageKind(KIND, "Test message", email=lambda row, now: None))
    assert delivery.deliver_due() == 0
    assert sms.LocmemBackend.sent == []
    assert state(text)[0] == State.CANCELLED


def test_the_same_message_by_email_and_by_text_is_two_rows_and_each_goes_once(
    kind_and_numbers, participant
):
    kind_and_numbers[participant.pk] = "+447700900123"
    now = timezone.now()
    for channel in (Channel.EMAIL, Channel.TEXT, Channel.TEXT):  # the text planned twice
        outbox.enqueue(
            kind=KIND,
            channel=channel,
            recipient=participant,
            subject_id=7,
            occurrence=now + timedelta(hours=2),
            due_at=now - timedelta(minutes=1),
            expires_at=now + timedelta(hours=2),
        )
    assert Notification.objects.count() == 2
    assert delivery.deliver_due() == 2
    assert len(mail.outbox) == 1 and len(sms.LocmemBackend.sent) == 1


def test_a_text_needs_a_person_never_a_bare_address():
    with pytest.raises(IntegrityError):
        Notification.objects.create(
            kind=KIND,
            channel=Channel.TEXT,
            email="someone@example.org",
            subject_id=1,
            occurrence=timezone.now(),
            due_at=timezone.now(),
            expires_at=timezone.now() + timedelta(hours=1),
        )


@pytest.fixture
def twilio(settings):
    with FakeTwilio() as fake:
        settings.SMS = env.sms_config(fake.url)
        yield fake


def people(count, numbers):
    found = [UserFactory(role="participant") for _ in range(count)]
    for i, person in enumerate(found):
        numbers[person.pk] = f"+4477009001{i:02d}"
    return found


def test_a_rate_limited_provider_holds_the_rest_uncounted_and_emails_still_go(
    kind_and_numbers, twilio
):
    persons = people(3, kind_and_numbers)
    texts = [row(person, subject_id=i) for i, person in enumerate(persons)]
    emails = [row(person, Channel.EMAIL, subject_id=i) for i, person in enumerate(persons)]
    status, body, _ = error(429, 20429, "Too Many Requests")
    twilio.script.extend([(201, twilio.message({"To": "+1", "Body": "x"}), {})])
    twilio.script.append((status, body, {"Retry-After": "30"}))

    assert delivery.deliver_due() == 1 + 3  # the first text, then every email
    assert len(mail.outbox) == 3
    assert state(texts[0])[0] == State.SENT
    for waiting in texts[1:]:
        assert state(waiting) == (State.PENDING, 0, "TextsUnavailable: Unavailable")
        assert waiting.due_at > timezone.now() + timedelta(seconds=25)
    assert OutboxMark.objects.filter(name=OutboxMark.TEXTS_UNAVAILABLE).exists()
    assert all(state(e)[0] == State.SENT for e in emails)

    assert delivery.deliver_due(timezone.now() + timedelta(minutes=1)) == 2
    assert all(state(t)[0] == State.SENT for t in texts)
    assert not OutboxMark.objects.filter(name=OutboxMark.TEXTS_UNAVAILABLE).exists()
    sent_to = [r["form"]["To"] for r in twilio.received]
    assert sorted(sent_to) == sorted([*kind_and_numbers.values(), kind_and_numbers[persons[1].pk]])
    assert twilio.problems == []


@pytest.mark.parametrize(("code", "recorded"), [(21614, "Refused"), (21610, "OptedOut")])
def test_a_number_refused_for_good_fails_its_row_alone(kind_and_numbers, twilio, code, recorded):
    first, second = people(2, kind_and_numbers)
    refused, fine = row(first, subject_id=1), row(second, subject_id=2)
    twilio.script.append(error(400, code, "refused"))
    assert delivery.deliver_due() == 1
    assert state(refused) == (State.FAILED, 1, recorded)
    assert state(fine)[0] == State.SENT
    assert delivery.deliver_due(timezone.now() + timedelta(hours=1)) == 0  # never tried again


def test_a_text_whose_claim_was_taken_over_is_not_sent(kind_and_numbers, participant):
    kind_and_numbers[participant.pk] = "+447700900123"
    row(participant)
    now = timezone.now()
    first_token, claimed = delivery.claim(now)
    Notification.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    delivery.expire_and_reclaim(now)
    delivery.claim(now)  # another worker takes it over
    assert delivery._send_one(claimed[0], first_token, sms.provider(), now) == 0
    assert sms.LocmemBackend.sent == []


def test_delivery_health_shows_texts_on_their_own_rows_with_segments_by_month(
    kind_and_numbers, admin_user, participant
):
    kind_and_numbers[participant.pk] = "+447700900123"
    now = timezone.now()
    this_month = now.replace(day=1, hour=12)
    last_month = (this_month - timedelta(days=1)).replace(day=10)
    for sent_at, segments in ((this_month, 1), (this_month, 2), (last_month, 3)):
        row(participant, state=State.SENT, sent_at=sent_at, segments=segments, subject_id=segments)
    row(participant, subject_id=9, state=State.FAILED, attempts=1, last_error="OptedOut")
    row(participant, Channel.EMAIL, subject_id=9)
    OutboxMark.objects.create(name=OutboxMark.TEXTS_UNAVAILABLE, at=now)
    client = Client()
    client.force_login(admin_user)

    page = client.get(reverse("admin_delivery")).text

    assert "The text provider is not sending" in page
    assert '<th scope="row">Test message (text)</th>' in page
    assert '<th scope="row">Test message</th>' in page
    month = f'<th scope="row">{timezone.localtime(this_month):%B %Y}</th><td>2</td><td>3</td>'
    assert month in page
    assert (
        f'<th scope="row">{timezone.localtime(last_month):%B %Y}</th><td>1</td><td>3</td>' in page
    )
    assert "Test message (text message), due" in page and "OptedOut" in page
    assert "+447700900123" not in page and participant.email not in page


def test_retry_after_is_counted_on_the_databases_clock_not_the_workers(
    kind_and_numbers, twilio, monkeypatch
):
    """A worker whose clock is three hours ahead must not push waiting texts past their window:
    the provider's "retry after 30 s" is 30 s on the clock every worker shares."""
    from core.clock import db_now

    [person] = people(1, kind_and_numbers)
    text = row(person)
    status, body, _ = error(429, 20429, "Too Many Requests")
    twilio.script.append((status, body, {"Retry-After": "30"}))
    worker_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: worker_now() + timedelta(hours=3))
    delivery.deliver_due()
    monkeypatch.undo()
    text.refresh_from_db()
    assert text.state == State.PENDING
    assert timedelta(seconds=25) < text.due_at - db_now() < timedelta(seconds=35)

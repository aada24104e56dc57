"""Email, text or both, per topic (members/text_numbers.py): what is planned follows the
person's choice, what is sent follows it as it is when the row's turn comes, and someone who
chose texts only gets the email whenever a text cannot reach them."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.outbox import delivery, sms
from core.outbox.models import Notification
from members import text_numbers
from members.models import TextNumber
from sessions import outbox
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_quiet_hours")]
Channel, State = Notification.Channel, Notification.State
MOBILE = "+447400123456"


@pytest.fixture(autouse=True)
def no_texts_yet():
    sms.LocmemBackend.sent.clear()


@pytest.fixture
def session(facilitator, participant):
    group = TherapyGroupFactory(facilitators=[facilitator])
    EnrollmentFactory(group=group, participant=participant)
    return GroupSessionFactory(
        group=group, starts_at=timezone.now() + timedelta(hours=2, minutes=3)
    )


def checked(person):
    return TextNumber.objects.create(person=person, number=MOBILE, verified_at=timezone.now())


def choose(person, **choices):
    text_numbers.choose_channels(person=person, choices=choices)


def planned(person):
    outbox.plan(timezone.now())
    return sorted(Notification.objects.filter(recipient=person).values_list("channel", flat=True))


def deliver():
    delivery.deliver_due(timezone.now() + timedelta(minutes=4))
    return [to for to, _ in sms.LocmemBackend.sent], [m.to[0] for m in mail.outbox]


def test_reminders_come_both_ways_by_default_and_only_by_email_when_chosen(
    session, participant, other_participant
):
    checked(participant)
    assert planned(participant) == [Channel.EMAIL, Channel.TEXT]

    EnrollmentFactory(group=session.group, participant=other_participant)
    checked(other_participant)
    choose(other_participant, reminders="email")
    assert planned(other_participant) == [Channel.EMAIL]


def test_choosing_texts_later_adds_them_to_reminders_already_planned(session, participant):
    checked(participant)
    choose(participant, reminders="email")
    assert planned(participant) == [Channel.EMAIL]
    choose(participant, reminders="text")
    assert planned(participant) == [Channel.EMAIL, Channel.TEXT]
    assert deliver() == ([MOBILE], [])  # texts only: the email stays in


def test_a_choice_changed_after_planning_is_the_one_that_counts(session, participant):
    checked(participant)
    planned(participant)
    participant.message_channels = {"reminders": "email"}
    participant.save()
    assert deliver() == ([], [participant.email])
    assert Notification.objects.get(channel=Channel.TEXT).state == State.CANCELLED


@pytest.mark.parametrize("why", ["replied STOP", "number removed", "texts switched off"])
def test_texts_only_still_gets_the_email_when_no_text_can_reach_them(
    session, participant, settings, why
):
    number = checked(participant)
    choose(participant, reminders="text")
    planned(participant)
    if why == "replied STOP":
        number.stopped_at = timezone.now()
        number.save()
    elif why == "number removed":
        text_numbers.remove_number(person=participant)
    else:
        settings.SMS = None
    assert deliver() == ([], [participant.email])


def test_the_page_offers_each_persons_own_topics_and_saves_a_choice(session, participant):
    checked(participant)
    client = Client()
    client.force_login(participant)
    url = reverse("text_messages")
    page = client.get(url).text
    assert "Reminders before each session" in page and "evening before you run" not in page
    assert "<legend>A short check-in before a session:</legend>" in page

    refused = client.post(url, {"action": "channels", "reminders": "pigeon"})
    assert refused.status_code == 400 and "Select a valid choice" in refused.text
    participant.refresh_from_db()
    assert participant.message_channels == {}

    choices = {"reminders": "text", "changes": "both", "questionnaires": "both"}
    page = client.post(url, {"action": "channels", **choices, "goal_prompts": "email"}, follow=True)
    assert "Saved." in page.text
    participant.refresh_from_db()
    assert participant.message_channels == {**choices, "goal_prompts": "email"}
    assert Notification.objects.filter(channel=Channel.TEXT, recipient=participant).exists()


def test_staff_choose_for_their_own_topics_only(facilitator):
    checked(facilitator)
    client = Client()
    client.force_login(facilitator)
    page = client.get(reverse("text_messages")).text
    assert "The evening before you run sessions" in page and "Reminders before" not in page
    client.post(
        reverse("text_messages"),
        {"action": "channels", "day_summary": "text", "reminders": "text"},
    )
    facilitator.refresh_from_db()
    assert facilitator.message_channels == {"day_summary": "text"}

"""Session reminders by text, for people with a checked number (members/text_numbers.py):
planned beside the email, sent through the provider, short and discreet."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.outbox import delivery, sms
from core.outbox.models import Notification
from members import text_numbers
from members.models import TextNumber
from sessions import outbox
from tests.members.factories import UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_quiet_hours")]
Channel = Notification.Channel
MOBILE = "+447400123456"


@pytest.fixture(autouse=True)
def no_texts_yet():
    sms.LocmemBackend.sent.clear()


@pytest.fixture
def group(facilitator):
    return TherapyGroupFactory(facilitators=[facilitator], display_name="Tuesday hope group")


def member(group):
    return EnrollmentFactory(group=group, participant=UserFactory(role="participant")).participant


def checked(person, number=MOBILE):
    TextNumber.objects.create(person=person, number=number, verified_at=timezone.now())


def test_a_checked_number_gets_the_reminder_by_text_as_well_as_by_email(group):
    texted, emailed = member(group), member(group)
    checked(texted)
    session = GroupSessionFactory(
        group=group, starts_at=timezone.now() + timedelta(hours=2, minutes=3)
    )
    outbox.plan(timezone.now())

    planned = set(Notification.objects.values_list("recipient_id", "channel"))
    assert (texted.pk, Channel.TEXT) in planned and (emailed.pk, Channel.TEXT) not in planned
    delivery.deliver_due(timezone.now() + timedelta(minutes=4))

    [(to, body)] = sms.LocmemBackend.sent
    assert to == MOBILE
    assert body.startswith("Reminder: your group meets ") and "http" in body
    assert "Tuesday hope group" not in body and group.name not in body
    assert sms.segments(body) == 1
    assert {m.to[0] for m in mail.outbox} == {texted.email, emailed.email}
    assert session.pk == Notification.objects.get(channel=Channel.TEXT).subject_id


def test_checking_a_number_later_adds_texts_for_reminders_already_planned(group):
    person = member(group)
    GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(hours=2, minutes=3))
    outbox.plan(timezone.now())
    assert not Notification.objects.filter(channel=Channel.TEXT).exists()

    text_numbers.send_code(person=person, number=MOBILE)
    code = TextNumber.objects.get(person=person).code
    text_numbers.confirm_number(person=person, code=code)

    assert Notification.objects.filter(
        kind=outbox.SESSION_REMINDER, channel=Channel.TEXT, recipient=person
    ).exists()


def test_a_reminder_text_follows_the_same_rules_as_the_email(group):
    person = member(group)
    checked(person)
    session = GroupSessionFactory(
        group=group, starts_at=timezone.now() + timedelta(hours=2, minutes=3)
    )
    outbox.plan(timezone.now())
    person.session_reminders = False  # turned off after planning: neither goes
    person.save()
    delivery.deliver_due(timezone.now() + timedelta(minutes=4))
    assert sms.LocmemBackend.sent == [] and mail.outbox == []
    assert session.pk

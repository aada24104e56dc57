"""Quiet hours (core/outbox/delivery.py, Organisation.quiet_hours_end): a text that can wait is held
until they end in its recipient's own zone, its window moved with it; urgent texts and emails
never wait."""

import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.outbox import delivery, sms
from core.outbox.models import Notification
from members import text_numbers
from members.models import Organisation, TextNumber
from sessions import outbox
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

pytestmark = pytest.mark.django_db
Channel, State = Notification.Channel, Notification.State
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LONDON = zoneinfo.ZoneInfo("Europe/London")
MOBILE = "+447400123456"


@pytest.fixture(autouse=True)
def no_texts_yet():
    sms.LocmemBackend.sent.clear()


def at(day_offset: int, hour: int, minute: int = 0, zone=NEW_YORK) -> datetime:
    day = timezone.localtime(timezone.now(), zone).date() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, minute), zone)


@pytest.mark.parametrize(
    ("start", "end", "local", "until"),
    [
        (time(21), time(8), "2026-06-10 20:59", None),
        (time(21), time(8), "2026-06-10 21:00", "2026-06-11 08:00"),
        (time(21), time(8), "2026-06-10 03:00", "2026-06-10 08:00"),
        (time(21), time(8), "2026-06-10 08:00", None),
        (time(0), time(7), "2026-06-10 06:59", "2026-06-10 07:00"),
        (time(0), time(7), "2026-06-10 23:00", None),
        (time(9), time(9), "2026-06-10 03:00", None),  # the same time: no quiet hours
    ],
)
def test_quiet_hours_end_in_the_zones_own_wall_clock_time(start, end, local, until):
    organisation = Organisation(quiet_from=start, quiet_until=end)
    moment = datetime.fromisoformat(local).replace(tzinfo=LONDON)
    expected = datetime.fromisoformat(until).replace(tzinfo=LONDON) if until else None
    assert organisation.quiet_hours_end("Europe/London", moment) == expected


def test_across_a_clock_change_the_morning_is_still_eight_oclock():
    organisation = Organisation()  # the defaults: 21:00 to 08:00
    saturday_night = datetime(2026, 3, 28, 22, 0, tzinfo=LONDON)  # clocks go forward at 01:00
    until = organisation.quiet_hours_end("Europe/London", saturday_night)
    assert until.astimezone(LONDON).time() == time(8) and until - saturday_night == timedelta(
        hours=9
    )


@pytest.fixture
def person(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator])
    member = EnrollmentFactory(group=group).participant
    member.timezone = "America/New_York"  # the organisation's zone is London's
    member.save()
    TextNumber.objects.create(person=member, number=MOBILE, verified_at=timezone.now())
    return member


def text_row(person, kind, session, due, expires, **fields):
    return Notification.objects.create(
        kind=kind,
        channel=Channel.TEXT,
        recipient=person,
        subject_id=session.pk,
        occurrence=session.starts_at,
        due_at=due,
        expires_at=expires,
        **fields,
    )


def test_a_reminder_due_at_night_waits_for_the_morning_in_the_persons_zone(person):
    session = GroupSessionFactory(
        group=person.enrollments.get().group, starts_at=at(1, 22)
    )  # tomorrow 22:00 in New York: its 24-hour reminder is due tonight at 22:00 there
    text = text_row(
        person,
        outbox.SESSION_REMINDER,
        session,
        due=at(0, 22),
        expires=at(0, 23),
        offset_minutes=24 * 60,
    )
    email = Notification.objects.create(
        kind=outbox.SESSION_REMINDER,
        recipient=person,
        subject_id=session.pk,
        occurrence=session.starts_at,
        offset_minutes=24 * 60,
        due_at=at(0, 22),
        expires_at=at(0, 23),
    )

    delivery.deliver_due(at(0, 22, 1))
    text.refresh_from_db()
    assert sms.LocmemBackend.sent == []
    assert (text.state, text.attempts) == (State.PENDING, 0)
    assert text.due_at == at(1, 8)  # 08:00 in New York, not in London
    assert text.expires_at == at(0, 23) + (at(1, 8) - at(0, 22, 1))
    email.refresh_from_db()
    assert email.state == State.SENT and len(mail.outbox) == 1  # emails never wait

    delivery.deliver_due(at(1, 7, 59))
    assert sms.LocmemBackend.sent == []
    delivery.deliver_due(at(1, 8))
    assert [to for to, _ in sms.LocmemBackend.sent] == [MOBILE]


@pytest.mark.parametrize(("days_ahead", "held"), [(0, False), (3, True)])
def test_a_cancellation_within_24_hours_is_not_held_and_a_later_one_is(person, days_ahead, held):
    session = GroupSessionFactory(
        group=person.enrollments.get().group,
        starts_at=at(days_ahead + 1, 9),
        status="cancelled",
        cancel_reason="The room is closed",
    )
    text_row(person, outbox.CANCELLED, session, due=at(0, 23), expires=session.starts_at)
    delivery.deliver_due(at(0, 23, 1))
    assert bool(sms.LocmemBackend.sent) is not held


def test_a_move_away_from_tomorrow_morning_is_urgent_too(person):
    session = GroupSessionFactory(group=person.enrollments.get().group, starts_at=at(8, 9))
    text_row(
        person,
        outbox.TIME_CHANGED,
        session,
        due=at(0, 23),
        expires=session.starts_at,
        previous_occurrence=at(1, 9),
    )
    delivery.deliver_due(at(0, 23, 1))
    assert len(sms.LocmemBackend.sent) == 1


def test_a_code_goes_whatever_the_hour(person):
    text_numbers.send_code(person=person, number="+447400654321")
    code = Notification.objects.get(kind=text_numbers.CODE)
    Notification.objects.filter(pk=code.pk).update(due_at=at(0, 2), expires_at=at(0, 2, 10))
    delivery.deliver_due(at(0, 2, 1))
    assert [to for to, _ in sms.LocmemBackend.sent] == ["+447400654321"]


def test_with_no_quiet_hours_nothing_waits(person):
    Organisation.objects.update(quiet_from=time(0), quiet_until=time(0))
    session = GroupSessionFactory(group=person.enrollments.get().group, starts_at=at(1, 22))
    text_row(
        person,
        outbox.SESSION_REMINDER,
        session,
        due=at(0, 22),
        expires=at(0, 23),
        offset_minutes=24 * 60,
    )
    delivery.deliver_due(at(0, 22, 1))
    assert len(sms.LocmemBackend.sent) == 1


def test_an_admin_sets_the_quiet_hours(admin_user):
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin_settings")
    form = client.get(url).context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name in form.fields
    }
    data |= {"quiet_from": "22:30", "quiet_until": "07:00", "agreement_text": "Be kind."}
    page = client.post(url, data, follow=True)
    assert "Settings saved." in page.text
    organisation = Organisation.objects.get()
    assert (organisation.quiet_from, organisation.quiet_until) == (time(22, 30), time(7))
    assert 'type="time"' in page.text and 'value="22:30"' in page.text

"""Replies to our texts and delivery reports (members/text_replies.py): STOP stops texts to the
number at once and START brings them back; only requests signed as the provider signs them are
read; a reply is never answered. Against the Django test client with the development signing
key, and end to end against a live server with the fake Twilio calling it."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config import env
from core.outbox import delivery, sms
from core.outbox.models import Notification
from members import text_numbers
from members.models import TextNumber
from members.text_replies import NOTHING
from sessions import outbox
from tests.members.factories import UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.support.fake_twilio import FakeTwilio, error
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

Channel, State = Notification.Channel, Notification.State
MOBILE = "+447400123456"
SITE = "http://testserver"


@pytest.fixture(autouse=True)
def no_texts_yet():
    sms.LocmemBackend.sent.clear()


def texted(person, number=MOBILE):
    return TextNumber.objects.create(
        person=person,
        number=number,
        number_digest=TextNumber.digest(number),
        verified_at=timezone.now(),
    )


def reply(body, number=MOBILE, signature=None, **extra):
    """A reply as the provider posts it, signed with the development key (SMS_URL=locmem://)."""
    url = SITE + reverse("text_reply")
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC1", "From": number}
    params["To"] = "+447700900000"
    params |= {"Body": body, **extra}
    signed = sms.LocmemBackend().sign(url, params) if signature is None else signature
    return Client().post(reverse("text_reply"), params, headers={"X-Twilio-Signature": signed})


@pytest.fixture
def member(facilitator, settings, no_quiet_hours):
    settings.SITE_URL = SITE
    group = TherapyGroupFactory(facilitators=[facilitator])
    person = EnrollmentFactory(group=group).participant
    texted(person)
    GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(hours=2, minutes=3))
    outbox.plan(timezone.now())
    return person


def waiting_texts(person):
    return Notification.objects.filter(recipient=person, channel=Channel.TEXT, state=State.PENDING)


@pytest.mark.django_db
@pytest.mark.parametrize("word", ["STOP", " stop ", "Unsubscribe", "stopall", "QUIT", "optout"])
def test_stop_stops_texts_at_once_and_the_email_still_comes(member, word):
    assert waiting_texts(member).exists()
    answer = reply(word)
    assert answer.status_code == 200 and answer["Content-Type"] == "text/xml"
    assert answer.content.decode() == NOTHING
    assert TextNumber.objects.get(person=member).stopped_at is not None
    assert not waiting_texts(member).exists()
    delivery.deliver_due(timezone.now() + timedelta(minutes=4))
    assert sms.LocmemBackend.sent == [] and [m.to[0] for m in mail.outbox] == [member.email]


@pytest.mark.django_db
def test_start_brings_texts_back_with_the_reminders_already_planned(member):
    reply("STOP")
    reply("Start")
    assert TextNumber.objects.get(person=member).stopped_at is None
    assert waiting_texts(member).exists()
    delivery.deliver_due(timezone.now() + timedelta(minutes=4))
    assert [to for to, _ in sms.LocmemBackend.sent] == [MOBILE]


@pytest.mark.django_db
def test_anything_else_changes_nothing_and_is_not_answered(member):
    for body in ["STOP please", "Thanks, see you there", "", "HELP"]:
        answer = reply(body)
        assert answer.status_code == 200 and "<Message>" not in answer.content.decode()
    assert TextNumber.objects.get(person=member).stopped_at is None


@pytest.mark.django_db
def test_a_signed_reply_posted_again_later_acts_only_once(member):
    stop = {"MessageSid": "SM" + "a" * 32}
    reply("STOP", **stop)
    reply("START")
    assert reply("STOP", **stop).status_code == 200  # the replay is answered, and ignored
    assert TextNumber.objects.get(person=member).stopped_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", ["\u017ftop", "\uff33\uff34\uff2f\uff30", "stop\u200b", "st op", "STOP!"]
)
def test_only_the_keywords_twilio_knows_stop_texts_not_their_look_alikes(member, body):
    reply(body)
    assert TextNumber.objects.get(person=member).stopped_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "hostile",
    [
        {"MessageSid": "SM\x00"},
        {"MessageSid": ""},
        {"MessageSid": "SM" + "1" * 100},
        {"Body": "STOP\x00"},
        {"From": "+\u0664\u0664\u0667\u0664\u0660\u0660\u0661\u0662\u0663\u0664\u0665\u0666"},
    ],
)
def test_hostile_parameters_in_a_signed_request_get_a_400_and_change_nothing(member, hostile):
    assert reply("STOP", **hostile).status_code == 400
    assert TextNumber.objects.get(person=member).stopped_at is None


@pytest.mark.django_db
def test_a_status_report_with_a_nul_in_its_id_gets_a_400(member):
    url = SITE + reverse("text_status")
    params = {"MessageSid": "SM\x00", "MessageStatus": "delivered", "AccountSid": "AC1"}
    signed = sms.LocmemBackend().sign(url, params)
    answer = Client().post(reverse("text_status"), params, headers={"X-Twilio-Signature": signed})
    assert answer.status_code == 400


@pytest.mark.django_db
def test_the_providers_own_keyword_handling_is_followed(member):
    reply("Arrêt", OptOutType="STOP")  # a keyword set up at Twilio (Advanced Opt-Out)
    assert TextNumber.objects.get(person=member).stopped_at is not None


@pytest.mark.django_db
def test_a_shared_phone_stops_for_everyone_on_it(member):
    partner = UserFactory(role="participant")
    texted(partner)
    reply("STOP")
    assert TextNumber.objects.filter(stopped_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_an_unsigned_or_forged_request_is_refused_before_it_is_read(member):
    assert reply("STOP", signature="").status_code == 403
    assert reply("STOP", signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    good = sms.LocmemBackend().sign(SITE + reverse("text_reply"), {"Body": "START"})
    assert reply("STOP", signature=good).status_code == 403  # signed for other words
    assert Client().get(reverse("text_reply")).status_code == 405
    assert TextNumber.objects.get(person=member).stopped_at is None
    assert reply("STOP", number="not a number").status_code == 400


@pytest.mark.django_db
def test_with_texts_switched_off_nothing_is_accepted(member, settings):
    settings.SMS = None
    assert reply("STOP").status_code == 403


@pytest.mark.django_db
def test_numbers_keyed_under_an_old_secret_key_are_still_found(member, settings):
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-secret-key-" * 4, [old_key]
    reply("STOP")
    found = TextNumber.objects.get(person=member)
    assert found.stopped_at is not None and found.number_digest == TextNumber.digest(MOBILE)


@pytest.mark.django_db
def test_a_number_gets_its_digest_when_it_is_added(participant):
    text_numbers.send_code(person=participant, number=MOBILE)
    assert TextNumber.objects.get().number_digest == TextNumber.digest(MOBILE)
    assert MOBILE not in TextNumber.objects.get().number_digest


@pytest.mark.django_db
def test_a_stop_the_provider_knew_of_first_stops_the_number_here(member, settings):
    with FakeTwilio() as fake:
        settings.SMS = env.sms_config(fake.url)
        fake.script.append(error(400, 21610, "Attempt to send to unsubscribed recipient"))
        delivery.deliver_due(timezone.now() + timedelta(minutes=4))
    assert TextNumber.objects.get(person=member).stopped_at is not None
    assert Notification.objects.get(channel=Channel.TEXT).last_error == "OptedOut"
    assert [m.to[0] for m in mail.outbox] == [member.email]


# End to end: the fake Twilio calls a live server --------------------------------------------


@pytest.fixture
def twilio_live(live_server, settings, facilitator, no_quiet_hours):
    """The fake Twilio, and where it calls us: `fake.webhook(name)`."""
    with FakeTwilio() as fake:
        fake.webhook = lambda name: live_server.url + reverse(name)
        settings.SITE_URL = live_server.url
        settings.SMS = env.sms_config(fake.url)
        yield fake


def test_twilio_reports_and_replies_reach_the_app_signed(twilio_live, facilitator, admin_user):
    fake = twilio_live
    group = TherapyGroupFactory(facilitators=[facilitator])
    person = EnrollmentFactory(group=group).participant
    texted(person)
    GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(hours=2, minutes=3))
    outbox.plan(timezone.now())
    delivery.deliver_due(timezone.now() + timedelta(minutes=4))
    [request] = fake.received
    callback = request["form"]["StatusCallback"]
    row = Notification.objects.get(channel=Channel.TEXT)
    assert callback == f"{fake.webhook('text_status')}?n={row.pk}" and fake.problems == []
    assert row.provider_id.startswith("SM")

    assert fake.report(callback, sid=row.provider_id, status="delivered")[0] == 204
    assert fake.report(callback, sid=row.provider_id, status="sent")[0] == 204  # late, older
    row.refresh_from_db()
    assert row.delivery_status == "delivered"
    admin = Client()
    admin.force_login(admin_user)
    health = admin.get(reverse("admin_delivery")).text
    assert "<td>1</td><td>1</td><td>1</td><td>0</td>" in health  # texts, segments, reached, not

    replies = fake.webhook("text_reply")
    status, kind, body = fake.call(replies, {"From": MOBILE, "Body": "STOP"}, signature="forged")
    assert status == 403
    status, kind, body = fake.reply(replies, number=MOBILE, body="STOP")
    assert (status, kind) == (200, "text/xml") and "<Message>" not in body
    assert TextNumber.objects.get(person=person).stopped_at is not None


def test_an_undelivered_report_with_an_opt_out_stops_the_number(twilio_live, participant):
    texted(participant)
    row = Notification.objects.create(
        kind=outbox.SESSION_REMINDER,
        channel=Channel.TEXT,
        recipient=participant,
        subject_id=1,
        occurrence=timezone.now(),
        due_at=timezone.now(),
        expires_at=timezone.now(),
        state=State.SENT,
        provider_id="SM" + "a" * 32,
    )
    url = twilio_live.webhook("text_status")
    assert twilio_live.report(url, sid=row.provider_id, status="undelivered", error_code="21610")
    row.refresh_from_db()
    assert row.delivery_status == "undelivered"
    assert TextNumber.objects.get(person=participant).stopped_at is not None
    assert twilio_live.report(url, sid="SM-unknown", status="delivered")[0] == 204


def test_in_development_a_reply_can_be_sent_from_the_command_line(
    live_server, settings, participant, capsys
):
    settings.SITE_URL = live_server.url
    texted(participant)
    call_command("reply_text", "07400 123456", "STOP")
    assert TextNumber.objects.get(person=participant).stopped_at is not None
    assert "Replied 'STOP' from +44 7400 123456." in capsys.readouterr().out
    call_command("reply_text", "07400 123456", "START")
    assert TextNumber.objects.get(person=participant).stopped_at is None


@pytest.fixture
def slow_twilio(live_server, settings, no_quiet_hours):
    """Twilio takes the first text but answers only after our client gave up (1 s), as when it
    answered a text after 12 s against a 10 s timeout."""
    with FakeTwilio(hold_after=1) as fake:
        fake.webhook = lambda name: live_server.url + reverse(name)
        settings.SITE_URL = live_server.url
        settings.SMS = env.sms_config(fake.url + "&timeout=1")
        yield fake


def a_reminder_text_that_may_have_gone(fake, person):
    texted(person)
    now = delivery.db_now()  # the clock the engine sends by
    group = TherapyGroupFactory()
    EnrollmentFactory(group=group, participant=person)
    session = GroupSessionFactory(group=group, starts_at=now + timedelta(hours=2))
    row = Notification.objects.create(
        kind=outbox.SESSION_REMINDER,
        channel=Channel.TEXT,
        recipient=person,
        subject_id=session.pk,
        occurrence=session.starts_at,
        offset_minutes=120,
        due_at=now,
        expires_at=session.starts_at,
    )
    assert delivery.deliver_due() == 0  # the answer never came back in time
    fake.release()
    row.refresh_from_db()
    assert (row.state, row.maybe_sent, row.last_error) == (State.SENDING, 1, "MaybeSent")
    assert fake.accepted == [MOBILE]
    return row


def test_a_text_taken_but_answered_too_late_waits_for_its_report_and_goes_once(
    slow_twilio, participant
):
    fake = slow_twilio
    row = a_reminder_text_that_may_have_gone(fake, participant)
    assert delivery.deliver_due() == 0 and fake.accepted == [MOBILE]  # kept, not sent again
    callback = fake.received[0]["form"]["StatusCallback"]
    assert callback == f"{fake.webhook('text_status')}?n={row.pk}"
    assert fake.report(callback, sid=fake.sids[0], status="sent")[0] == 204
    row.refresh_from_db()
    assert (row.state, row.provider_id, row.maybe_sent) == (State.SENT, fake.sids[0], 0)
    Notification.objects.filter(pk=row.pk).update(lease_until=None)
    delivery.expire_and_reclaim(delivery.db_now() + delivery.MAYBE_SENT_WAIT)
    assert delivery.deliver_due() == 0 and fake.accepted == [MOBILE]  # once, and known


def test_a_text_that_may_have_gone_with_no_report_goes_once_more_and_health_says_so(
    slow_twilio, participant, admin_user
):
    fake = slow_twilio
    row = a_reminder_text_that_may_have_gone(fake, participant)
    # MAYBE_SENT_WAIT passes with no report (our reply address was down, say).
    Notification.objects.filter(pk=row.pk).update(
        lease_until=delivery.db_now() - timedelta(seconds=1)
    )
    delivery.expire_and_reclaim(delivery.db_now())
    assert delivery.deliver_due() == 1
    assert fake.accepted == [MOBILE, MOBILE]  # at most twice
    row.refresh_from_db()
    assert (row.state, row.maybe_sent, row.attempts) == (State.SENT, 1, 2)
    admin = Client()
    admin.force_login(admin_user)
    health = admin.get(reverse("admin_delivery")).text
    assert "1 text may have reached the phone twice" in health


def test_a_text_whose_answer_times_out_twice_is_never_sent_a_third_time(slow_twilio, participant):
    fake = slow_twilio
    row = a_reminder_text_that_may_have_gone(fake, participant)
    fake.hold_after = 2  # the second answer is late too
    fake.holding.clear()
    fake._release.clear()
    Notification.objects.filter(pk=row.pk).update(
        lease_until=delivery.db_now() - timedelta(seconds=1)
    )
    delivery.expire_and_reclaim(delivery.db_now())
    assert delivery.deliver_due() == 0  # timed out again
    fake.release()
    row.refresh_from_db()
    assert (row.state, row.maybe_sent) == (State.SENT, 2)  # settled: at most twice
    Notification.objects.filter(pk=row.pk).update(lease_until=None)
    delivery.expire_and_reclaim(delivery.db_now() + delivery.MAYBE_SENT_WAIT)
    assert delivery.deliver_due() == 0 and fake.accepted == [MOBILE, MOBILE]

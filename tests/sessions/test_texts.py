"""Every participant topic by text, for those who chose it (members/text_numbers.py): a new
time, a cancellation, a questionnaire request, a goal prompt, and the facilitator's summary.
Each text is short and discreet, and its link is short, signed, and opens the email's page."""

import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.outbox import delivery, sms
from core.outbox.models import Notification
from measures import requests
from measures import services as measure_services
from measures.messages import text_request
from members.messages import read_text_link, text_link
from members.models import TextNumber
from sessions import outbox, services
from tests.members.factories import UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups.models import Goal

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_quiet_hours")]
Channel, State = Notification.Channel, Notification.State
MOBILE = "+447400123456"
# The longest zone name there is, and a realistic address: the worst case for one segment.
LONG_ZONE = "America/Argentina/ComodRivadavia"
SITE = "https://together.northfield-clinic.org.uk"


@pytest.fixture(autouse=True)
def no_texts_yet(settings):
    settings.SITE_URL = SITE
    sms.LocmemBackend.sent.clear()


@pytest.fixture
def group(facilitator):
    return TherapyGroupFactory(facilitators=[facilitator], display_name="Tuesday hope group")


def texted_member(group, zone="Europe/London", **choices):
    person = UserFactory(role="participant", timezone=zone, message_channels=choices)
    EnrollmentFactory(group=group, participant=person)
    TextNumber.objects.create(person=person, number=MOBILE, verified_at=timezone.now())
    return person


def send(at=None):
    delivery.deliver_due(at)  # by default now on the database's clock, as a worker sends
    return sms.LocmemBackend.sent


def one_discreet_segment(body, group):
    assert group.display_name not in body and group.name not in body
    assert sms.segments(body) == 1, (len(body), body)


def test_a_new_time_and_a_cancellation_go_by_text_in_one_segment(group):
    person = texted_member(group, zone=LONG_ZONE)
    session = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=2))
    local = timezone.localtime(session.starts_at, session.group_zone)
    services.change_session(
        session=session,
        day=local.date() + timedelta(days=1),
        at=local.time(),
        duration=session.duration,
        location=session.location,
        video_link=session.video_link,
        topic=session.topic,
    )
    [(to, moved)] = send()
    assert to == MOBILE and moved.startswith("New time: your group now meets ")
    assert LONG_ZONE in moved
    one_discreet_segment(moved, group)

    services.cancel_session(session=session, reason="The room flooded")
    [_, (_, cancelled)] = send()
    assert cancelled.startswith("Cancelled: your group won't meet ")
    assert "flooded" not in cancelled
    one_discreet_segment(cancelled, group)
    assert {m.to[0] for m in mail.outbox} == {person.email}  # both emails too (the default)
    assert len(mail.outbox) == 2


def test_a_text_about_a_session_never_arrives_once_it_has_begun(group):
    person = texted_member(group)
    session = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(hours=1))
    row = Notification(
        kind=outbox.TIME_CHANGED, channel=Channel.TEXT, recipient=person, subject_id=session.pk
    )
    row.occurrence = session.starts_at
    assert outbox.text_time_changed(row, timezone.now()) is not None
    assert outbox.text_time_changed(row, session.starts_at) is None
    assert outbox.text_reminder(row, session.starts_at + timedelta(minutes=1)) is None


def test_a_questionnaire_request_by_text_has_a_short_link_to_the_emails_page(group):
    texted_member(group, zone=LONG_ZONE, questionnaires="text")
    measure_services.set_measure_plan(group=group, instruments=["phq9"], schedule="every")
    GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=1))
    requests.plan_requests(timezone.now())
    [(_, body)] = send()
    assert body.startswith("A short check-in before ") and "'s group: " + SITE in body
    assert "PHQ" not in body and "depress" not in body.lower()
    one_discreet_segment(body, group)
    assert mail.outbox == []  # texts only, and a text reached them

    link = body.rsplit(" ", 1)[1]
    page = Client().get(link.removeprefix(SITE))
    row = Notification.objects.get(channel=Channel.TEXT)
    assert page.status_code == 302
    assert page.url == reverse("measure_link", args=[requests.link_token(row)])
    assert Client().get(page.url).status_code == 200  # the questionnaire, no sign-in


def test_a_text_link_runs_out_with_its_kind_and_refuses_what_we_did_not_make(group):
    person = texted_member(group, goal_prompts="text")
    Goal.objects.create(group=group, participant=person, what="Walk twice a week")
    session = GroupSessionFactory(
        group=group, starts_at=timezone.now() - timedelta(days=3), status="held"
    )
    row = Notification.objects.create(
        kind=outbox.GOAL_PROMPT,
        channel=Channel.TEXT,
        recipient=person,
        subject_id=session.pk,
        occurrence=session.starts_at,
        due_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=1),
    )
    [(_, body)] = send()
    assert body.startswith("How are your goals going?")
    path = body.rsplit(" ", 1)[1].removeprefix(SITE)
    token = path.split("/")[2]
    assert read_text_link(token) == row.pk

    opened = Client().get(path)
    assert opened.status_code == 302
    assert opened.url == reverse("goal_prompt_check_in", args=[outbox.goal_link_token(row)])
    assert "Walk twice a week" in Client().get(opened.url).text

    Notification.objects.filter(pk=row.pk).update(
        sent_at=timezone.now() - outbox.GOAL_LINK_AGE - timedelta(minutes=1)
    )
    assert Client().get(path).status_code == 410

    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in [forged, "zzzzzzzzzzzzzzzzzzzzzzzzzzzz-AAAAAAAAAAAA", "-", "1"]:
        assert Client().get(reverse("text_link", args=[bad])).status_code == 404, bad
    assert Client().get("/t/!!/").status_code == 404  # not even a token


def test_an_emails_row_has_no_text_link(group):
    person = texted_member(group)
    session = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=1))
    row = Notification.objects.create(
        kind=requests.MEASURE_REQUEST,
        recipient=person,
        subject_id=session.pk,
        occurrence=session.starts_at,
        due_at=timezone.now(),
        expires_at=session.starts_at,
        sent_at=timezone.now(),
    )
    path = text_link(row).removeprefix(SITE)
    assert Client().get(path).status_code == 404
    assert text_request(row, timezone.now()) is None  # nothing to answer: no plan


def test_the_facilitators_summary_goes_by_text_when_they_chose_it(group, facilitator):
    facilitator.message_channels = {"day_summary": "both"}
    facilitator.timezone = LONG_ZONE
    facilitator.save()
    TextNumber.objects.create(person=facilitator, number=MOBILE, verified_at=timezone.now())
    zone = zoneinfo.ZoneInfo(LONG_ZONE)
    tomorrow = timezone.localtime(timezone.now(), zone).date() + timedelta(days=1)
    for hour in (10, 18):
        GroupSessionFactory(group=group, starts_at=datetime.combine(tomorrow, time(hour), zone))
    due = datetime.combine(tomorrow - timedelta(days=1), outbox.SUMMARY_AT, zone)

    outbox.plan_day_summaries(due)
    rows = Notification.objects.filter(kind=outbox.DAY_SUMMARY)
    assert set(rows.values_list("channel", flat=True)) == {Channel.EMAIL, Channel.TEXT}
    row = rows.get(channel=Channel.TEXT)
    assert outbox.text_day_summary(row, row.occurrence) is None  # held past midnight: too late
    text = outbox.text_day_summary(row, due)
    assert text.body.startswith(f"Tomorrow you run 2 sessions, the first at 10:00 ({LONG_ZONE}). ")
    one_discreet_segment(text.body, group)

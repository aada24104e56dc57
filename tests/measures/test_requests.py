"""Questionnaires asked by email: planned by the tick when a session's questionnaires open, one
reminder two days later, each built from current data, each link signed and single-use."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.outbox.models import Notification
from measures import requests, services
from measures.instruments import GAD7, PHQ9
from measures.models import FollowUp, MeasureResponse
from measures.requests import MEASURE_REMINDER, MEASURE_REQUEST, plan_requests
from sessions import services as session_services
from tests.measures.factories import answer
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups.models import Enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator], timezone="Europe/London")
    services.set_measure_plan(group=group, instruments=["phq9", "gad7"], schedule="every")
    return group


def session_in(group, delta):
    return GroupSessionFactory(group=group, starts_at=timezone.now() + delta)


def rows(kind):
    return Notification.objects.filter(kind=kind)


def test_each_member_is_asked_once_and_reminded_two_days_later(group):
    members = [EnrollmentFactory(group=group).participant for _ in range(3)]
    left = EnrollmentFactory(group=group, status=Enrollment.Status.COMPLETED).participant
    session = session_in(group, timedelta(days=3, hours=12))
    now = timezone.now()
    plan_requests(now)
    plan_requests(now + timedelta(minutes=1))  # the next tick: nothing new
    asked = rows(MEASURE_REQUEST)
    assert sorted(asked.values_list("recipient", flat=True)) == sorted(m.pk for m in members)
    assert left.pk not in asked.values_list("recipient", flat=True)
    reminder = rows(MEASURE_REMINDER).first()
    assert rows(MEASURE_REMINDER).count() == 3
    assert reminder.due_at - asked.first().due_at == timedelta(days=2)
    assert asked.first().expires_at == session.starts_at + timedelta(hours=12)


def test_nothing_is_asked_before_the_four_days_or_without_questionnaires(facilitator, group):
    EnrollmentFactory(group=group)
    session_in(group, timedelta(days=5))
    plain = TherapyGroupFactory(facilitators=[facilitator])
    EnrollmentFactory(group=plain)
    session_in(plain, timedelta(days=1))
    assert plan_requests(timezone.now()) == 0
    assert not Notification.objects.exists()


def test_a_session_less_than_two_days_ahead_gets_the_request_without_a_reminder(group):
    EnrollmentFactory(group=group)
    session_in(group, timedelta(days=1))
    plan_requests(timezone.now())
    assert rows(MEASURE_REQUEST).count() == 1 and not rows(MEASURE_REMINDER).exists()


def request_email(sent):
    return next(m for m in sent if "short check-in" in m.subject)


def test_the_email_is_discreet_and_carries_a_single_use_link(group, send_outbox):
    person = EnrollmentFactory(group=group).participant
    session = session_in(group, timedelta(days=1))
    plan_requests(timezone.now())
    message = request_email(send_outbox())
    weekday = timezone.localtime(session.starts_at).strftime("%A")
    assert message.subject.endswith(f"A short check-in before {weekday}'s group")
    assert message.to == [person.email]
    for word in ("PHQ", "GAD", "depress", "anxi", "mood", group.name):
        assert word not in message.subject and word not in message.body
    assert re.search(r"/m/[\w:-]+/", message.body)


def test_someone_who_answered_gets_no_reminder(group, send_outbox):
    person = EnrollmentFactory(group=group).participant
    session = session_in(group, timedelta(days=3))
    plan_requests(timezone.now())
    rows(MEASURE_REMINDER).update(due_at=timezone.now())  # as if two days had passed
    for measure in (PHQ9, GAD7):
        answer(person, group, measure, total=0, session=session)
    assert [m for m in send_outbox() if "short check-in" in m.subject] == []
    assert set(rows(MEASURE_REMINDER).values_list("state", flat=True)) == {"cancelled"}
    plan_requests(timezone.now() + timedelta(minutes=1))  # later ticks do not ask again
    assert rows(MEASURE_REMINDER).count() == 1


def link_for(group, delta=timedelta(days=1)):
    person = EnrollmentFactory(group=group).participant
    session = session_in(group, delta)
    plan_requests(timezone.now())
    row = rows(MEASURE_REQUEST).get(recipient=person)
    return reverse("measure_link", args=[requests.link_token(row)]), person, session, row


def all_answers(item9=0):
    data = {f"phq9-{n}": "1" for n in range(1, 9)} | {"phq9-9": str(item9)}
    return data | {f"gad7-{n}": "2" for n in range(1, 8)}


def test_the_link_answers_without_signing_in_once(client, group):
    url, person, session, row = link_for(group)
    page = client.get(url)
    assert page.status_code == 200 and "16 short questions" in page.text
    done = client.post(url, all_answers())
    assert "Your answers are saved" in done.text
    saved = MeasureResponse.objects.filter(participant=person, session=session)
    assert set(saved.values_list("channel", flat=True)) == {"link"}
    row.refresh_from_db()
    assert row.link_used_at is not None
    again = client.post(url, all_answers())
    assert again.status_code == 410 and "This link has been used" in again.text
    assert saved.count() == 2


def test_an_incomplete_answer_through_the_link_keeps_the_link_usable(client, group):
    url, _, _, row = link_for(group)
    answers = all_answers()
    del answers["phq9-3"]
    assert client.post(url, answers).status_code == 400
    row.refresh_from_db()
    assert row.link_used_at is None and not MeasureResponse.objects.exists()
    assert "Your answers are saved" in client.post(url, all_answers()).text


def test_an_answer_about_self_harm_through_the_link_shows_help_and_opens_a_follow_up(client, group):
    url, person, *_ = link_for(group)
    done = client.post(url, all_answers(item9=2)).text
    assert "Your facilitator will be in touch with you soon" in done and 'href="tel:' in done
    assert FollowUp.objects.get().participant == person


def test_a_tampered_expired_or_foreign_link_does_nothing(client, group, monkeypatch):
    url, person, *_ = link_for(group)
    assert client.get(url[:-3] + "xx/").status_code == 400
    monkeypatch.setattr(requests, "LINK_AGE", timedelta(seconds=-1))
    assert client.get(url).status_code == 410
    monkeypatch.undo()
    Enrollment.objects.filter(participant=person).update(status=Enrollment.Status.WITHDRAWN)
    assert client.post(url, all_answers()).status_code == 400  # no longer in the group
    assert not MeasureResponse.objects.exists()


RISK_WORDS = ("better off dead", "hurting yourself", "You said", "will be in touch")


@pytest.mark.parametrize("where", ["home", "room"])
def test_a_link_opened_after_answering_elsewhere_shows_only_that_it_is_done(client, group, where):
    url, person, session, _ = link_for(group)
    signed_in = Client()
    signed_in.force_login(person)
    answered = signed_in.post(
        reverse("measure_check_in", args=[session.pk]), all_answers(item9=2) | {"via": where}
    )
    assert answered.status_code == 302 and FollowUp.objects.filter(participant=person).exists()
    for opened in (client.get(url), client.post(url, all_answers())):  # anyone holding it
        assert opened.status_code == 200 and "This check-in is done" in opened.text
        assert not any(words in opened.text for words in RISK_WORDS), opened.text
        assert "score" not in opened.text.lower()
    assert MeasureResponse.objects.filter(participant=person).count() == 2  # nothing added


def test_the_answer_through_the_link_is_never_restated_on_its_page(client, group):
    url, *_ = link_for(group)
    done = client.post(url, all_answers(item9=3)).text
    assert "better off dead" not in done and "You said" not in done
    assert client.get(url).status_code == 410  # used: the page is gone for whoever holds it


def test_a_check_in_for_a_session_the_person_cannot_make_is_withdrawn_until_they_can(
    client, group, send_outbox
):
    """The finding: a check-in stayed on the home page after "I can't make it"."""
    url, person, session, _ = link_for(group)
    client.force_login(person)
    assert "A short check-in for" in client.get(reverse("home")).text
    session_services.notify_absence(session=session, participant=person)
    home = client.get(reverse("home")).text
    assert "A short check-in for" not in home
    link = Client().get(url)
    assert link.status_code == 200 and "No check-in needed this time" in link.text
    assert "16 short questions" not in link.text
    room = client.get(reverse("measure_check_in", args=[session.pk]))
    assert "No check-in needed this time" in room.text
    assert Client().post(url, all_answers()).status_code == 200
    assert not MeasureResponse.objects.filter(participant=person).exists()
    assert not [m for m in send_outbox() if m.to == [person.email]]  # nor emailed
    session_services.withdraw_absence_notice(session=session, participant=person)
    assert "A short check-in for" in client.get(reverse("home")).text
    assert "16 short questions" in Client().get(url).text  # the link works again

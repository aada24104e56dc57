"""Booster check-ins after discharge: planned by the tick 1, 3 and 6 months after signing for
a member who agreed, at 10:00 in their zone, by email or text as they chose (a text waits out
quiet hours); answered once through a signed link; an item-9 answer opens a follow-up for the
group's facilitators; the answers show as "after" figures on the board and the outcomes."""

import re
import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.outbox import delivery, sms
from core.outbox.models import Notification
from measures.board import outcome_board
from measures.instruments import GAD7, PHQ9
from measures.models import FollowUp, MeasureResponse
from measures.reports import outcome_report
from members.models import Organisation, TextNumber
from pathways import boosters
from tests.conftest import signed_in_client
from tests.measures.factories import answer
from tests.pathways.factories import signed_summary
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups import services as group_services
from therapy_groups.models import Enrollment

pytestmark = pytest.mark.django_db
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
MOBILE = "+447400123456"


@pytest.fixture(autouse=True)
def no_texts_yet():
    sms.LocmemBackend.sent.clear()


@pytest.fixture
def discharged(facilitator, participant):
    """A member of New York who answered PHQ-9 15 and GAD-7 12 in the group, completed it, and
    agreed to boosters in a summary signed two days short of a month ago."""
    participant.timezone = "America/New_York"
    participant.save(update_fields=["timezone"])
    group = TherapyGroupFactory(facilitators=[facilitator], name="Tuesday CBT")
    enrollment = EnrollmentFactory(group=group, participant=participant)
    session = GroupSessionFactory(group=group, starts_at=timezone.now() - timedelta(days=40))
    answer(participant, group, PHQ9, total=15, session=session)
    answer(participant, group, GAD7, total=12, session=session)
    group_services.end_enrollment(enrollment=enrollment, status=Enrollment.Status.COMPLETED)
    signed_at = timezone.now() - timedelta(days=28)
    return signed_summary(enrollment, by=facilitator, signed_at=signed_at, boosters=True)


def first_due(summary):
    return boosters.due(summary, 1, "America/New_York")


def test_each_booster_is_planned_once_at_ten_in_the_members_zone(discharged):
    when = first_due(discharged)
    signed_day = discharged.signed_at.astimezone(NEW_YORK).date()
    assert when.astimezone(NEW_YORK).time() == time(10, 0)
    assert 28 <= (when.astimezone(NEW_YORK).date() - signed_day).days <= 31  # a calendar month
    assert boosters.plan_boosters(when - timedelta(hours=2)) == 0  # not yet
    assert boosters.plan_boosters(when - timedelta(minutes=5)) == 1
    assert boosters.plan_boosters(when) == 0  # planned once, however many beats
    row = Notification.objects.get(kind="booster_request")
    assert (row.channel, row.due_at, row.offset_minutes) == ("email", when, 1)
    three = boosters.due(discharged, 3, "America/New_York")
    assert boosters.plan_boosters(three - timedelta(minutes=1)) == 1


def test_no_boosters_without_agreement_or_for_a_closed_account(
    discharged, facilitator, other_participant
):
    group = TherapyGroupFactory(facilitators=[facilitator])
    enrollment = EnrollmentFactory(group=group, participant=other_participant)
    signed_summary(enrollment, by=facilitator, signed_at=discharged.signed_at)  # no agreement
    discharged.person.is_active = False
    discharged.person.save(update_fields=["is_active"])
    assert boosters.plan_boosters(first_due(discharged) - timedelta(minutes=1)) == 0


def test_the_email_is_discreet_and_its_link_answers_once(discharged, send_outbox, participant):
    Notification.objects.create(
        kind="booster_request",
        recipient=participant,
        subject_id=discharged.pk,
        occurrence=timezone.now(),
        offset_minutes=1,
        due_at=timezone.now() - timedelta(minutes=1),
        expires_at=timezone.now() + timedelta(days=14),
    )
    [message] = send_outbox()
    assert message.subject.startswith("A short check-in from")
    for word in ("PHQ", "GAD", "depress", "Tuesday CBT", "discharge"):
        assert word.lower() not in (message.subject + message.body).lower()
    link = re.search(r"https?://[^/]+(/b/[\w:-]+/)", message.body).group(1)
    page = Client().get(link)
    assert page.status_code == 200 and 'name="phq9-1"' in page.text
    answers = {f"phq9-{n}": "0" for n in range(1, 10)} | {f"gad7-{n}": "1" for n in range(1, 8)}
    answers["phq9-1"] = "2"
    done = Client().post(link, answers)
    assert done.status_code == 200 and "Your group's facilitators will see them" in done.text
    kept = MeasureResponse.objects.filter(after_months=1)
    assert {(r.instrument, r.total, r.group_id) for r in kept} == {
        ("phq9", 2, discharged.group_id),
        ("gad7", 7, discharged.group_id),
    }
    assert Client().post(link, answers).status_code == 410
    assert not FollowUp.objects.exists()

    # On the board: its own column, after the sessions; the group's change is untouched.
    board = outcome_board(discharged.group)
    assert board.after_months == [1]
    row = board.rows[0]
    assert [(m.code, s.total) for m, s in row.after[1]] == [("phq9", 2), ("gad7", 7)]
    assert [(m.code, c.latest) for m, c in row.changes] == [("phq9", 15), ("gad7", 12)]
    # For admins: 1 of 1 reliably better a month after than at their first score.
    total = outcome_report()[-1]
    assert total.after == {1: (1, 1)} and total.paired == 0


def test_an_item_9_answer_after_discharge_opens_a_follow_up_for_the_group(
    discharged, participant, facilitator
):
    answers = {f"phq9-{n}": "1" for n in range(1, 10)} | {f"gad7-{n}": "1" for n in range(1, 8)}
    chosen = {
        "phq9": ([int(answers[f"phq9-{n}"]) for n in range(1, 10)], None),
        "gad7": ([1] * 7, None),
    }
    boosters.record_answers(summary=discharged, months=3, chosen=chosen, language="en")
    follow_up = FollowUp.objects.get()
    assert (follow_up.group_id, follow_up.participant) == (discharged.group_id, participant)
    assert (
        signed_in_client(facilitator)
        .get(reverse("follow_up_detail", args=[follow_up.pk]))
        .status_code
        == 200
    )


def test_by_text_when_chosen_and_never_in_quiet_hours(discharged, participant):
    TextNumber.objects.create(person=participant, number=MOBILE, verified_at=timezone.now())
    participant.message_channels = {"questionnaires": "text"}
    participant.save(update_fields=["message_channels"])
    Organisation.objects.update(quiet_from=time(9), quiet_until=time(12))
    when = first_due(discharged)
    boosters.plan_boosters(when - timedelta(minutes=1))
    text = Notification.objects.get(kind="booster_request", channel="text")
    delivery.deliver_due(when + timedelta(minutes=1))
    text.refresh_from_db()
    assert sms.LocmemBackend.sent == [] and text.state == "pending"
    assert text.due_at.astimezone(NEW_YORK).time() == time(12, 0)
    delivery.deliver_due(datetime.combine(when.astimezone(NEW_YORK).date(), time(12, 1), NEW_YORK))
    [(to, body)] = sms.LocmemBackend.sent
    assert to == MOBILE and "A short check-in from" in body and "/t/" in body
    assert len(mail.outbox) == 0  # texts only, as chosen

"""The screening's questionnaires: booked, the person gets the PHQ-9 and GAD-7 by one discreet
email with a signed single-use link; answered, the handler sees the scores; an answer above 0
to item 9 opens a follow-up for the handler, before anyone has joined a group."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.outbox.models import Notification
from measures.escalation import escalate_overdue
from measures.models import FollowUp, MeasureResponse
from pathways import screening, services
from tests.conftest import signed_in_client
from tests.pathways.factories import referral

pytestmark = pytest.mark.django_db


def answered(phq9_item9: int = 0) -> dict:
    items = {f"phq9-{n}": "1" for n in range(1, 9)} | {"phq9-9": str(phq9_item9)}
    return items | {f"gad7-{n}": "2" for n in range(1, 8)}


@pytest.fixture
def booked(facilitator):
    made = referral(handler=facilitator, email="rae@example.org")
    return services.book_screening(
        referral=made, by=facilitator, at=timezone.now() + timedelta(days=3)
    )


def link_from(message) -> str:
    return re.search(r"https?://[^/]+(/s/[\w:-]+/)", message.body).group(1)


def test_booking_sends_one_discreet_email_with_a_link(booked, send_outbox):
    sent = send_outbox()
    assert len(sent) == 1
    message = sent[0]
    assert message.to == ["rae@example.org"]
    assert message.subject.startswith("A few questions before we talk")
    for word in ("PHQ", "GAD", "depress", "mood", "Rae's", "screening"):
        assert word.lower() not in (message.subject + message.body).lower()
    assert link_from(message)


def test_moving_the_screening_sends_a_new_link_and_the_old_one_stops(
    booked, facilitator, send_outbox
):
    old_link = link_from(send_outbox()[0])
    services.book_screening(referral=booked, by=facilitator, at=timezone.now() + timedelta(days=5))
    assert len(send_outbox()) == 2
    assert Client().get(old_link).status_code == 200
    assert "Nothing more to answer" in Client().get(old_link).text


def test_the_answers_come_in_through_the_link_once_and_the_handler_sees_them(
    booked, facilitator, send_outbox
):
    link = link_from(send_outbox()[0])
    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200 and 'name="phq9-9"' in page.text and 'name="gad7-7"' in page.text
    incomplete = visitor.post(link, {"phq9-1": "1"})
    assert incomplete.status_code == 400 and not MeasureResponse.objects.exists()
    done = visitor.post(link, answered())
    assert done.status_code == 200 and "We'll go through them with you" in done.text
    kept = {r.instrument: r.total for r in MeasureResponse.objects.all()}
    assert kept == {"phq9": 8, "gad7": 14}
    assert set(MeasureResponse.objects.values_list("group", flat=True)) == {None}
    assert Client().post(link, answered()).status_code == 410  # once
    assert MeasureResponse.objects.count() == 2
    page = signed_in_client(facilitator).get(reverse("referral_detail", args=[booked.pk])).text
    assert "8 out of 27" in page and "14 out of 21" in page
    assert not FollowUp.objects.exists()


def test_an_answer_above_0_to_item_9_opens_a_follow_up_for_the_handler(
    booked, facilitator, cofacilitator, other_facilitator, send_outbox
):
    link = link_from(send_outbox()[0])
    done = Client().post(link, answered(phq9_item9=1))
    assert "The clinician you are talking to will call you soon" in done.text
    follow_up = FollowUp.objects.get()
    assert (follow_up.group, follow_up.assigned_to, follow_up.participant) == (
        None,
        facilitator,
        booked.person,
    )
    alert = send_outbox()[-1]
    assert alert.to == [facilitator.email]
    assert alert.subject.startswith("Urgent: someone you are screening needs a call today")
    staff = signed_in_client(facilitator)
    assert "their referral (before a group)" in staff.get(reverse("home")).text
    detail = staff.get(reverse("follow_up_detail", args=[follow_up.pk]))
    assert detail.status_code == 200 and "None yet: an answer at their screening" in detail.text
    for outsider in (cofacilitator, other_facilitator):
        response = signed_in_client(outsider).get(reverse("follow_up_detail", args=[follow_up.pk]))
        assert response.status_code == 404
    # Nobody acknowledges it: escalation reaches the handler and the admins, as for a group.
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        now = cursor.fetchone()[0]
    assert escalate_overdue(now + timedelta(hours=25)) >= 1
    overdue = Notification.objects.filter(kind="follow_up_overdue")
    assert facilitator.pk in set(overdue.values_list("recipient", flat=True))


def test_a_link_for_a_referral_that_moved_on_or_a_forged_one_keeps_nothing(
    booked, facilitator, send_outbox
):
    link = link_from(send_outbox()[0])
    services.record_screening(referral=booked, by=facilitator, readiness_note="Seen by phone")
    response = Client().post(link, answered())
    assert response.status_code == 200 and "Nothing more to answer" in response.text
    assert Client().get("/s/not-a-token/").status_code == 400
    assert not MeasureResponse.objects.exists()
    assert screening.unanswered(booked)

"""A follow-up no one acknowledges within the organisation's window alerts the group's
facilitators and the admins again, once per window, never twice (measures/escalation.py)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from core.outbox.models import Notification
from measures import services
from measures.escalation import escalate_overdue
from measures.messages import FOLLOW_UP_OVERDUE
from measures.models import FollowUp
from members.models import Organisation
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory


@pytest.fixture
def opened(facilitator, cofacilitator, admin_user):
    group = TherapyGroupFactory(facilitators=[facilitator, cofacilitator], name="Tuesday mood")
    person = EnrollmentFactory(group=group).participant
    return services.open_follow_up(group=group, participant=person, reason="risk_answer")


def overdue_rows():
    return Notification.objects.filter(kind=FOLLOW_UP_OVERDUE)


@pytest.mark.django_db
def test_nothing_escalates_within_the_window(opened):
    assert escalate_overdue(opened.opened_at + timedelta(hours=4) - timedelta(minutes=1)) == 0
    assert not overdue_rows().exists()


@pytest.mark.django_db
def test_each_window_that_passes_alerts_facilitators_and_admins_once(
    opened, facilitator, cofacilitator, admin_user
):
    after_one = opened.opened_at + timedelta(hours=4, minutes=1)
    assert escalate_overdue(after_one) == 3
    assert escalate_overdue(after_one + timedelta(minutes=1)) == 0  # the next tick: nothing new
    recipients = set(overdue_rows().values_list("recipient", flat=True))
    assert recipients == {facilitator.pk, cofacilitator.pk, admin_user.pk}
    opened.refresh_from_db()
    assert opened.escalations == 1
    assert escalate_overdue(opened.opened_at + timedelta(hours=8, minutes=1)) == 3  # again
    assert overdue_rows().count() == 6
    steps = AuditEvent.objects.filter(action="escalate").values_list("detail", flat=True)
    assert sorted(d["escalations"] for d in steps) == [1, 2]


@pytest.mark.django_db
def test_an_acknowledged_follow_up_never_escalates(opened, facilitator):
    services.acknowledge_follow_up(follow_up=opened, by=facilitator)
    assert escalate_overdue(opened.opened_at + timedelta(days=2)) == 0
    assert not AuditEvent.objects.filter(action="escalate").exists()


@pytest.mark.django_db
def test_the_window_is_the_organisations_setting(opened):
    Organisation.objects.update(follow_up_window_hours=1)
    assert escalate_overdue(opened.opened_at + timedelta(minutes=61)) == 3


@pytest.mark.django_db
def test_the_emails_link_to_the_follow_up_or_the_overdue_list_and_name_no_one(
    opened, send_outbox, facilitator, admin_user
):
    FollowUp.objects.filter(pk=opened.pk).update(opened_at=timezone.now() - timedelta(hours=5))
    escalate_overdue(timezone.now())  # due now, so the worker sends them
    sent = {m.to[0]: m for m in send_outbox() if "waiting for someone" in m.subject}
    assert len(sent) == 3
    # A safety follow-up says how soon (never why) in the subject.
    assert {m.subject for m in sent.values()} == {
        "Urgent: a follow-up is still waiting for someone"
    }
    assert reverse("follow_up_detail", args=[opened.pk]) in sent[facilitator.email].body
    assert reverse("overdue_follow_ups") in sent[admin_user.email].body
    person = opened.participant
    for message in sent.values():
        assert person.email not in message.body and person.last_name not in message.body
        assert "Tuesday mood" not in message.body


@pytest.mark.django_db
def test_admins_see_the_group_and_the_age_of_overdue_follow_ups_and_nothing_else(opened, personas):
    FollowUp.objects.filter(pk=opened.pk).update(opened_at=opened.opened_at - timedelta(hours=5))
    home = personas["admin"].get(reverse("home")).text
    assert "1 safety follow-up waiting" in home
    page = personas["admin"].get(reverse("overdue_follow_ups")).text
    assert "Tuesday mood" in page and "5" in page and "hours" in page
    person = opened.participant
    assert person.last_name not in page and person.email not in page
    assert "self-harm" not in page
    for persona in ("facilitator", "participant"):
        assert personas[persona].get(reverse("overdue_follow_ups")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_escalate_exactly_once(opened):
    """Two ticks (two beats, or a retried tick) on their own connections at the same moment."""
    moment = opened.opened_at + timedelta(hours=4, minutes=1)
    start, results = threading.Barrier(2), []

    def beat():
        try:
            start.wait()
            results.append(escalate_overdue(moment))
        finally:
            connection.close()

    beats = [threading.Thread(target=beat) for _ in range(2)]
    for b in beats:
        b.start()
    for b in beats:
        b.join(timeout=30)
    assert sorted(results) == [0, 3]
    assert overdue_rows().count() == 3
    assert AuditEvent.objects.filter(action="escalate").count() == 1

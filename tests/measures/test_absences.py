"""Two absences in a row open a follow-up on the next tick, once per absence, and a new pair of
absences later opens another (measures/absences.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.outbox.models import Notification
from measures import services
from measures.absences import open_for_absences
from measures.messages import FOLLOW_UP_ALERT
from measures.models import FollowUp
from sessions.models import GroupSession
from tests.members.factories import UserFactory
from tests.sessions.factories import AttendanceFactory, GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

pytestmark = pytest.mark.django_db


def held(group, days_ago):
    return GroupSessionFactory(
        group=group,
        starts_at=timezone.now() - timedelta(days=days_ago),
        status=GroupSession.Status.HELD,
    )


@pytest.fixture
def group(facilitator):
    return TherapyGroupFactory(facilitators=[facilitator])


def attend(group, person, pattern):
    """pattern: (days ago, status) per session."""
    for days_ago, status in pattern:
        AttendanceFactory(session=held(group, days_ago), participant=person, status=status)


def test_two_absences_open_a_follow_up_once_and_alert_the_facilitators(group, facilitator):
    person = EnrollmentFactory(group=group, participant=UserFactory(first_name="Ash")).participant
    attend(group, person, [(21, "present"), (14, "absent"), (7, "absent")])
    assert open_for_absences(timezone.now()) == 1
    assert open_for_absences(timezone.now()) == 0  # the next tick
    follow_up = FollowUp.objects.get()
    assert (follow_up.reason, follow_up.participant) == ("absences", person)
    assert follow_up.last_absence.starts_at < timezone.now() - timedelta(days=6)
    assert Notification.objects.filter(kind=FOLLOW_UP_ALERT, recipient=facilitator).exists()


def test_one_absence_or_an_excused_one_opens_nothing(group):
    person = EnrollmentFactory(group=group).participant
    attend(group, person, [(14, "excused"), (7, "absent")])
    assert open_for_absences(timezone.now()) == 0


def test_after_closing_only_a_new_pair_of_absences_opens_another(group, facilitator):
    person = EnrollmentFactory(group=group).participant
    attend(group, person, [(14, "absent"), (7, "absent")])
    open_for_absences(timezone.now())
    services.close_follow_up(
        follow_up=FollowUp.objects.get(),
        by=facilitator,
        contact="phone",
        actions=["no_further"],
        outcome="Back next week.",
    )
    assert open_for_absences(timezone.now()) == 0  # the same absences: closed stays closed
    attend(group, person, [(1, "absent")])  # absent again: the last two are 7 and 1 days ago
    assert open_for_absences(timezone.now()) == 1
    assert FollowUp.objects.count() == 2


def test_the_follow_up_page_says_which_sessions_were_missed(group, client, facilitator):
    person = EnrollmentFactory(group=group).participant
    attend(group, person, [(14, "absent"), (7, "absent")])
    open_for_absences(timezone.now())
    client.force_login(facilitator)
    page = client.get(reverse("follow_up_detail", args=[FollowUp.objects.get().pk])).text
    assert "Missed the last two sessions" in page and "the later on" in page
    assert "missed the last two sessions" in client.get(reverse("home")).text

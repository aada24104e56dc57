"""Participant and admin pages run a fixed number of queries, at 1x and at 10x the data."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members.services import regenerate_calendar_token
from sessions.models import Attendance, GroupSession
from tests.members.factories import UserFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups.models import Goal, GoalCheckIn

pytestmark = pytest.mark.django_db

# A few of each are the same on every page (the session with its person and the
# organisation, the MFA check; a page reads without a transaction, core/transactions.py).
# Each budget is today's count and one more.
BUDGETS = {
    ("participant", "home"): 7,  # one of the 6: which of the last sessions set a worksheet
    ("participant", "goal_detail"): 4,
    ("admin", "admin_therapists"): 6,
    ("admin", "admin_groups"): 5,
    ("admin", "admin_reports"): 12,  # computing it and keeping it for ten minutes
    ("anonymous", "calendar_feed"): 4,
}


def build(participant, scale: int):
    """`scale` groups with the participant, each with 3 * scale members, sessions and goals."""
    now = timezone.now()
    for _ in range(scale):
        group = TherapyGroupFactory(facilitators=[UserFactory(role="facilitator")])
        members = [
            participant,
            *(EnrollmentFactory(group=group).participant for _ in range(3 * scale)),
        ]
        EnrollmentFactory(group=group, participant=participant)
        sessions = GroupSession.objects.bulk_create(
            GroupSession(
                group=group,
                starts_at=now + timedelta(days=d),
                duration=60,
                status="held" if d < 0 else "scheduled",
                take_home="Try it",
            )
            for d in range(-5, 6)
        )
        Attendance.objects.bulk_create(
            Attendance(session=s, participant=m, status="present")
            for s in sessions
            if s.status == "held"
            for m in members
        )
        for member in members:
            goal = Goal.objects.create(group=group, participant=member, what="A goal", shared=True)
            GoalCheckIn.objects.bulk_create(GoalCheckIn(goal=goal, progress=p) for p in range(5))


def measure(clients, participant, django_assert_max_num_queries):
    cache.clear()  # the report is cached: measure the request that computes it
    goal = Goal.objects.filter(participant=participant).first()
    args = {"goal_detail": [goal.pk], "calendar_feed": [participant.calendar_token]}
    counts = {}
    for (who, name), budget in BUDGETS.items():
        url = reverse(name, args=args.get(name))
        with django_assert_max_num_queries(budget) as captured:
            assert clients[who].get(url).status_code == 200
        counts[who, name] = len(captured)
    return counts


def test_participant_and_admin_pages_keep_their_query_budgets_at_1x_and_10x(
    participant, admin_user, django_assert_max_num_queries
):
    regenerate_calendar_token(user=participant)
    clients = {"participant": Client(), "admin": Client(), "anonymous": Client()}
    clients["participant"].force_login(participant)
    clients["admin"].force_login(admin_user)
    for client in clients.values():
        client.get(reverse("crisis_resources"))  # the first request after login records the session
    clients["participant"].get(reverse("home"))  # and the first page remembers the agreement
    build(participant, 1)
    small = measure(clients, participant, django_assert_max_num_queries)
    build(participant, 10)
    large = measure(clients, participant, django_assert_max_num_queries)
    assert large == small

"""Facilitator pages run a fixed number of queries, at 1x and at 10x the data."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import Attendance, GroupNote, GroupSession, IndividualNote
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

pytestmark = pytest.mark.django_db

# A few of each are the same on every page: the session with its person, the organisation
# and whether a follow-up waits, then the MFA check (a page reads without a transaction,
# core/transactions.py); the banner's own query only when a follow-up waits. Pages that show
# clinical records write one audit event each. Each budget is today's count and one more.
BUDGETS = {
    "home": 8,
    "group_detail": 12,
    "session_detail": 7,
    "attendance_grid": 8,
    "participant_record": 16,
}


def build(facilitator, scale: int):
    """`scale` groups, each with 4 * scale people, 6 past and 3 coming sessions, notes, absences."""
    now = timezone.now()
    groups = []
    for g in range(scale):
        group = TherapyGroupFactory(facilitators=[facilitator], capacity=100)
        people = [EnrollmentFactory(group=group).participant for _ in range(4 * scale)]
        past = GroupSession.objects.bulk_create(
            GroupSession(
                group=group,
                starts_at=now - timedelta(days=7 * (i + 1), hours=g),
                duration=90,
                status=GroupSession.Status.HELD,
            )
            for i in range(6)
        )
        GroupSession.objects.bulk_create(
            GroupSession(group=group, starts_at=now + timedelta(days=i + 1, hours=g), duration=90)
            for i in range(3)
        )
        Attendance.objects.bulk_create(
            Attendance(session=s, participant=p, status="absent" if n % 3 == 0 else "present")
            for s in past
            for n, p in enumerate(people)
        )
        GroupNote.objects.bulk_create(GroupNote(session=s, data="Note") for s in past[1:])
        IndividualNote.objects.bulk_create(
            IndividualNote(session=s, participant=p, progress="ok")
            for s in past
            for p in people[1:]
        )
        groups.append((group, past[0], people[1]))
    return groups


def urls(world):
    group, session, person = world[0]
    return {
        "home": reverse("home"),
        "group_detail": reverse("group_detail", args=[group.pk]),
        "session_detail": reverse("session_detail", args=[session.pk]),
        "attendance_grid": reverse("attendance_grid", args=[group.pk]),
        "participant_record": reverse("participant_record", args=[group.pk, person.pk]),
    }


def test_facilitator_pages_stay_within_their_query_budgets_at_1x_and_10x(
    client, facilitator, django_assert_max_num_queries
):
    client.force_login(facilitator)
    client.get(reverse("crisis_resources"))  # the first request after login records the session
    world = build(facilitator, 1)
    counts = {}
    for scale in ("1x", "10x"):
        if scale == "10x":
            build(facilitator, 10)  # ten more, larger groups for the same facilitator
        for page, url in urls(world).items():
            with django_assert_max_num_queries(BUDGETS[page]) as captured:
                assert client.get(url).status_code == 200
            counts[scale, page] = len(captured)
    for page in BUDGETS:
        assert counts["10x", page] == counts["1x", page], f"{page} grows with the data"

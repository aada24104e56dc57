"""The programme pages run a fixed number of queries, at 1x and at 10x the data: groups on
programmes, sessions planned from them, handouts released, worksheets filled in."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from programmes import services, worksheets
from programmes.models import SessionWorksheet
from sessions.models import Attendance, GroupSession
from tests.programmes.factories import programme, released_handout
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

pytestmark = pytest.mark.django_db

# The session with its person, the MFA check and the organisation are on every page; pages
# with clinical text write one audit event. Each budget is today's count and one more.
BUDGETS = {
    ("participant", "my_handouts"): 6,
    ("participant", "worksheet"): 6,
    ("facilitator", "session_handouts"): 6,
    ("facilitator", "programme_detail"): 6,
    ("facilitator", "programme_list"): 3,
}


def build(facilitator, participant, scale: int):
    """`scale` groups on `scale` programmes, each with 3 * scale members, 8 planned sessions
    (the first 4 held and attended), `scale` handouts a session and a filled worksheet each."""
    now = timezone.now()
    last = None
    for g in range(scale):
        version = programme(name=f"Programme {g} of {scale}", keys=[f"m{i}" for i in range(8)])
        group = TherapyGroupFactory(facilitators=[facilitator], capacity=100)
        services.follow_programme(group=group, version=version, by=facilitator)
        members = [
            participant,
            *(EnrollmentFactory(group=group).participant for _ in range(3 * scale)),
        ]
        EnrollmentFactory(group=group, participant=participant)
        sessions = GroupSession.objects.bulk_create(
            GroupSession(
                group=group,
                starts_at=now + timedelta(days=7 * (i - 4), hours=g),
                duration=90,
                status="held" if i < 4 else "scheduled",
            )
            for i in range(8)
        )
        services.plan_from_programme(sessions=sessions)
        Attendance.objects.bulk_create(
            Attendance(session=s, participant=m, status="present")
            for s in sessions[:4]
            for m in members
        )
        for session in sessions[:4]:
            SessionWorksheet.objects.create(session=session, kind="activity-schedule")
            for _ in range(scale):
                released_handout(session, facilitator)
            for member in members:
                worksheets.save_worksheet(
                    session=session,
                    participant=member,
                    kind=worksheets.KINDS["activity-schedule"],
                    rows=[{"what": "Walked", "feeling": 6}] * 5,
                )
        last = (version, sessions[3])
    return last


def measure(clients, last, django_assert_max_num_queries) -> dict:
    version, session = last
    args = {
        "worksheet": [session.pk],
        "session_handouts": [session.pk],
        "programme_detail": [version.template_id],
    }
    counts = {}
    for (who, name), budget in BUDGETS.items():
        with django_assert_max_num_queries(budget) as captured:
            response = clients[who].get(reverse(name, args=args.get(name)))
            assert response.status_code == 200, name
        counts[who, name] = len(captured)
    return counts


def test_programme_pages_keep_their_query_budgets_at_1x_and_10x(
    facilitator, participant, django_assert_max_num_queries
):
    clients = {"participant": Client(), "facilitator": Client()}
    clients["participant"].force_login(participant)
    clients["facilitator"].force_login(facilitator)
    for client in clients.values():
        client.get(reverse("crisis_resources"))  # the first request after login records the session
    clients["participant"].get(reverse("home"))  # and the first page remembers the agreement
    small = measure(clients, build(facilitator, participant, 1), django_assert_max_num_queries)
    large = measure(clients, build(facilitator, participant, 10), django_assert_max_num_queries)
    assert large == small

"""The discharge summary's pages run a fixed number of queries, at 1x and 10x a member's
history (sessions, answers, goals and check-ins): drafting reads each kind of record once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from measures.instruments import GAD7, PHQ9
from sessions.models import Attendance, GroupSession, TakeHomeDone
from tests.conftest import signed_in_client
from tests.measures.factories import answer
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups import services as group_services
from therapy_groups.models import Enrollment

pytestmark = pytest.mark.django_db

# The session with its person, MFA check, organisation and the follow-up banner are on every
# page; the draft writes one audit event, saving reads the records again. Each budget is
# today's count and one more.
BUDGETS = {"draft": 7, "save": 23}


def member_with_history(facilitator, participant, scale: int):
    group = TherapyGroupFactory(facilitators=[facilitator])
    enrollment = EnrollmentFactory(
        group=group, participant=participant, joined_on=timezone.localdate() - timedelta(days=400)
    )
    now = timezone.now()
    for n in range(4 * scale):
        session = GroupSessionFactory(
            group=group,
            starts_at=now - timedelta(days=7 * (n + 1)),
            status=GroupSession.Status.HELD,
            take_home="Practice",
        )
        Attendance.objects.create(session=session, participant=participant, status="present")
        TakeHomeDone.objects.create(session=session, participant=participant)
        answer(participant, group, PHQ9, total=12, session=session)
        answer(participant, group, GAD7, total=9, session=session)
    for n in range(scale):
        goal = group_services.create_goal(participant=participant, group=group, what=f"Goal {n}")
        for progress in range(3):
            group_services.check_in(goal=goal, progress=progress)
    group_services.end_enrollment(enrollment=enrollment, status=Enrollment.Status.COMPLETED)
    return group


def measure(client, group, person, django_assert_max_num_queries):
    page = reverse("discharge_summary", args=[group.pk, person.pk])
    client.post(page)  # start the draft
    counts = {}
    with django_assert_max_num_queries(BUDGETS["draft"]) as captured:
        assert client.get(page).status_code == 200
    counts["draft"] = len(captured)
    with django_assert_max_num_queries(BUDGETS["save"]) as captured:
        assert client.post(page, {"words": "Well done"}).status_code == 302
    counts["save"] = len(captured)
    return counts


def test_the_discharge_pages_keep_their_budgets_at_1x_and_10x(
    facilitator, participant, other_participant, django_assert_max_num_queries
):
    client = signed_in_client(facilitator)
    client.get(reverse("crisis_resources"))  # the first request after login records the session
    small = measure(
        client,
        member_with_history(facilitator, participant, 1),
        participant,
        django_assert_max_num_queries,
    )
    large = measure(
        client,
        member_with_history(facilitator, other_participant, 10),
        other_participant,
        django_assert_max_num_queries,
    )
    assert large == small

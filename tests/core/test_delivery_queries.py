"""What sending costs the database: the organisation's settings once a batch, the rest per
message, the same for 10 messages as for 40 (bench/README.md has the per-step figures)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.outbox import delivery
from core.outbox.models import Notification
from members.models import TextNumber
from sessions import outbox
from tests.members.factories import UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_quiet_hours")]


def due_reminders(count: int, **choices) -> None:
    group = TherapyGroupFactory(
        facilitators=[UserFactory(role="facilitator", is_active=False)], capacity=count + 1
    )
    for n in range(count):
        person = UserFactory(role="participant", message_channels=choices)
        EnrollmentFactory(group=group, participant=person)
        if choices:
            TextNumber.objects.create(
                person=person, number=f"+447400123{n:03d}", verified_at=timezone.now()
            )
    GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(hours=2, seconds=-30))
    outbox.plan(timezone.now())
    if choices:  # texts only: their emails would be closed unsent, and counted here
        Notification.objects.filter(channel=Notification.Channel.EMAIL).update(state="cancelled")


def queries_for_a_batch(size: int) -> tuple[int, int, int]:
    with CaptureQueriesContext(connection) as captured:
        sent = delivery.deliver_due(timezone.now() + timedelta(seconds=1), limit=size)
    reads = sum('"members_organisation"' in query["sql"] for query in captured)
    return sent, len(captured), reads


@pytest.mark.parametrize(
    ("choices", "budget"), [({}, 3), ({"reminders": "text"}, 4)], ids=["emails", "texts"]
)
def test_a_batch_reads_the_organisation_once_and_each_message_costs_the_same(choices, budget):
    due_reminders(50, **choices)
    sent, small, reads = queries_for_a_batch(10)
    assert (sent, reads) == (10, 1)
    sent, large, reads = queries_for_a_batch(40)
    assert (sent, reads) == (40, 1)
    per_message = (large - small) / 30
    # The claim re-checked with the person, the session with membership and "can't make it",
    # the row marked sent; a text also reads the number it goes to now.
    assert per_message <= budget, per_message

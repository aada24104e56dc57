"""Group writes behind named services, used by every caller: what each one also takes care of."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.outbox.models import Notification
from sessions import services as session_services
from sessions.models import GroupSession
from tests.members.factories import UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups import services
from therapy_groups.models import Enrollment

pytestmark = pytest.mark.django_db


def test_raising_the_capacity_offers_the_new_places_to_the_waitlist_in_order(client, facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator], capacity=1)
    EnrollmentFactory(group=group)
    first, second, third = (
        services.invite_to_group(
            group=group, email=UserFactory().email, invited_by=facilitator, cohort_started=False
        )
        for _ in range(3)
    )
    client.force_login(facilitator)
    page = client.get(reverse("group_edit", args=[group.pk]))
    data = {
        name: value
        for name, value in page.context["form"].initial.items()
        if value is not None and name != "co_facilitators"
    }
    data.update(capacity=3, start_date=group.start_date.isoformat(), end_date="")
    response = client.post(reverse("group_edit", args=[group.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    for enrollment in (first, second, third):
        enrollment.refresh_from_db()
    assert first.has_offer and second.has_offer and not third.has_offer


def test_finishing_a_group_cancels_its_coming_sessions_and_their_reminders(
    client, facilitator, send_outbox
):
    group = TherapyGroupFactory(facilitators=[facilitator], display_name="Tuesday group")
    person = EnrollmentFactory(group=group).participant
    past = GroupSessionFactory(group=group, starts_at=timezone.now() - timedelta(days=7))
    local = timezone.localtime(timezone.now() + timedelta(days=3))
    coming = session_services.schedule_session(
        group=group, day=local.date(), at=local.time(), duration=90
    )
    assert Notification.objects.filter(kind="session_reminder", state="pending").exists()
    client.force_login(facilitator)
    response = client.post(
        reverse("group_status", args=[group.pk]),
        {"status": "finished", "confirmed": "yes"},
        follow=True,
    )
    assert "1 coming session is cancelled" in response.text
    coming.refresh_from_db()
    past.refresh_from_db()
    assert coming.status == GroupSession.Status.CANCELLED
    assert past.status != GroupSession.Status.CANCELLED
    assert not Notification.objects.filter(kind="session_reminder", state="pending").exists()
    sent = send_outbox()
    assert [m.to for m in sent if "Cancelled" in m.subject] == [[person.email]]


def test_a_group_keeps_at_least_one_facilitator(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator])
    with pytest.raises(ValidationError):
        services.set_facilitators(group=group, facilitators=[])
    assert list(group.facilitators.all()) == [facilitator]


def test_a_status_that_does_not_exist_is_refused(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator])
    with pytest.raises(ValidationError):
        session_services.set_group_status(group=group, status="deleted")
    assert Enrollment.objects.count() == 0

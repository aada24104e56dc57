"""Members can always tell their groups apart: display names are unique (whatever the case)
within the organisation, and every schedule row names its group."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from core import db_roles
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups.models import TherapyGroup

pytestmark = pytest.mark.django_db
migration = importlib.import_module("therapy_groups.migrations.0009_unique_display_name")


def test_two_groups_cannot_share_a_members_name(facilitator):
    TherapyGroupFactory(facilitators=[facilitator], display_name="Tuesday group")
    with pytest.raises(IntegrityError), transaction.atomic():
        TherapyGroupFactory(facilitators=[facilitator], display_name="TUESDAY GROUP")
    TherapyGroupFactory(display_name="")  # no members' name: the real one is used inside
    TherapyGroupFactory(display_name="")


def test_the_group_form_says_so_plainly(client, facilitator):
    TherapyGroupFactory(facilitators=[facilitator], display_name="Tuesday group")
    client.force_login(facilitator)
    response = client.post(
        reverse("group_create"),
        {
            "name": "Another",
            "display_name": "tuesday group",
            "focus": "depression",
            "kind": "therapy",
            "enrollment_mode": "open",
            "capacity": 8,
            "timezone": "Europe/London",
            "default_duration": 90,
            "start_date": "2026-12-02",
        },
    )
    assert response.status_code == 400
    assert "Another group already uses this name for members" in response.text
    assert TherapyGroup.objects.count() == 1


def test_groups_sharing_a_name_before_are_told_apart_by_the_migration():
    with transaction.atomic():
        with db_roles.as_owner(), connection.cursor() as cursor:
            cursor.execute("DROP INDEX unique_display_name")  # as before the migration
        first = TherapyGroupFactory(display_name="Tuesday group")
        second = TherapyGroupFactory(display_name="tuesday group")
        taken = TherapyGroupFactory(display_name="tuesday group (2)")
        migration.tell_apart(apps, None)
        names = dict(TherapyGroup.objects.values_list("pk", "display_name"))
        assert names[first.pk] == "Tuesday group" and names[taken.pk] == "tuesday group (2)"
        assert names[second.pk] == "tuesday group (3)"
        transaction.set_rollback(True)  # the index comes back with the rollback


def test_a_member_of_two_groups_sees_which_group_each_session_is(client, participant):
    soon = timezone.now() + timedelta(days=2)
    for name, hours in (("Tuesday group", 0), ("Thursday group", 48), ("Tuesday group 2", 96)):
        group = TherapyGroupFactory(display_name=name)
        EnrollmentFactory(group=group, participant=participant)
        GroupSessionFactory(group=group, starts_at=soon + timedelta(hours=hours))
    client.force_login(participant)
    page = client.get(reverse("home")).text
    schedule = page.split('id="schedule"', 1)[1]
    assert "<strong>Thursday group</strong>," in schedule
    assert "<strong>Tuesday group 2</strong>," in schedule

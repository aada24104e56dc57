"""Findings from outside testing, each at the boundary where it came in: a clear 4xx or a
message, never a 500, never half-saved."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from sessions import services
from sessions.models import GroupSession
from therapy_groups.models import GoalCheckIn, TherapyGroup

pytestmark = pytest.mark.django_db


def test_a_nul_in_a_calendar_feed_address_is_not_found():
    assert Client().get("/calendar/%00.ics").status_code == 404
    assert Client().get("/invitations/%00/").status_code == 404
    assert Client().get("/check-in/%00/").status_code == 404


@pytest.mark.parametrize("status", ["bogus", "held\x00", "x" * 500, "cancelled", ""])
def test_a_sessions_status_takes_only_the_states_a_facilitator_sets(personas, world, status):
    response = personas["facilitator"].post(
        reverse("session_status", args=[world.upcoming.pk]), {"status": status}
    )
    assert response.status_code in (302, 400)
    world.upcoming.refresh_from_db()
    assert world.upcoming.status == GroupSession.Status.SCHEDULED


def test_the_service_and_the_database_refuse_an_unknown_status(world):
    with pytest.raises(ValidationError):
        services.set_session_status(session=world.upcoming, status="bogus")
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupSession.objects.filter(pk=world.upcoming.pk).update(status="bogus")
    with pytest.raises(IntegrityError), transaction.atomic():
        TherapyGroup.objects.filter(pk=world.group.pk).update(status="deleted")


SCHEDULE = {"at": "18:00", "duration": "90", "repeat": "once", "location": "", "video_link": ""}


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2200-01-01"])
def test_dates_at_the_ends_of_the_calendar_are_refused_with_a_message(personas, world, day):
    facilitator = personas["facilitator"]
    before = GroupSession.objects.count()
    response = facilitator.post(
        reverse("session_schedule", args=[world.group.pk]), {**SCHEDULE, "first_date": day}
    )
    assert response.status_code == 400 and "Choose a date between" in response.text
    response = facilitator.post(
        reverse("session_schedule", args=[world.group.pk]),
        {**SCHEDULE, "first_date": "2027-01-05", "repeat": "weekly", "until": day},
    )
    assert response.status_code == 400 and "Choose a date between" in response.text
    response = facilitator.post(
        reverse("session_change", args=[world.upcoming.pk]),
        {"day": day, "at": "18:00", "duration": "90"},
    )
    assert response.status_code == 400 and "Choose a date between" in response.text
    assert GroupSession.objects.count() == before


def test_a_series_longer_than_the_app_creates_says_so_and_creates_nothing(personas, world):
    before = GroupSession.objects.count()
    from datetime import date

    far = date.today().replace(year=date.today().year + 4).isoformat()
    response = personas["facilitator"].post(
        reverse("session_schedule", args=[world.group.pk]),
        {**SCHEDULE, "first_date": date.today().isoformat(), "repeat": "weekly", "until": far},
    )
    assert "more than 104 sessions" in response.text
    assert GroupSession.objects.count() == before


@pytest.mark.parametrize("typed", ["²", "٣", "\uff11", "3\x00"])
def test_a_check_in_link_refuses_digits_that_are_not_plain_numbers(world, check_in_link, typed):
    response = Client().post(check_in_link, {f"progress-{world.goal.pk}": typed})
    assert response.status_code == 400
    assert not GoalCheckIn.objects.exists()


def test_choosing_a_group_for_a_new_goal_with_odd_digits_falls_back_to_their_group(personas):
    response = personas["participant"].post(reverse("goal_new"), {"group": "²", "what": "Walk"})
    assert response.status_code in (200, 302)

"""Waiting times from referral to screening and to the first session attended, for admins:
medians, the share who started within 6 and 18 weeks, who still waits; no names; as CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from core.clock import db_now
from pathways import services
from pathways.models import Referral
from pathways.reports import waiting_times
from sessions.models import Attendance
from tests.conftest import signed_in_client
from tests.pathways.factories import referral
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

pytestmark = pytest.mark.django_db


def started(made, group, *, received_days_ago, screened_after, first_session_after, status):
    """A referral that arrived, was screened and whose person attended a first session, at
    these days (the database's clock)."""
    now = db_now()
    received = now - timedelta(days=received_days_ago)
    Referral.objects.filter(pk=made.pk).update(
        received_at=received,
        screened_at=received + timedelta(days=screened_after),
        enrollment=EnrollmentFactory(group=group, participant=made.person),
        status="joined",
    )
    # An earlier session they missed, then the first they came to.
    missed = GroupSessionFactory(group=group, starts_at=received + timedelta(days=2))
    Attendance.objects.create(session=missed, participant=made.person, status="absent")
    first = GroupSessionFactory(
        group=group, starts_at=received + timedelta(days=first_session_after), status="held"
    )
    Attendance.objects.create(session=first, participant=made.person, status=status)


@pytest.fixture
def referrals(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator], name="Tuesday group")
    quick = referral(handler=facilitator, email="quick@example.org", known_as="Quinn")
    started(
        quick,
        group,
        received_days_ago=100,
        screened_after=10,
        first_session_after=30,
        status="present",
    )
    slow = referral(handler=facilitator, email="slow@example.org", known_as="Sloane")
    started(
        slow,
        group,
        received_days_ago=200,
        screened_after=50,
        first_session_after=150,
        status="late",
    )
    waiting = referral(email="waiting@example.org", known_as="Wynn")
    Referral.objects.filter(pk=waiting.pk).update(received_at=db_now() - timedelta(days=60))
    closed = referral(handler=facilitator, email="closed@example.org", known_as="Cleo")
    services.close(referral=closed, by=facilitator, reason="declined")
    return group


def test_the_organisations_waits_and_the_shares_within_the_standards(referrals):
    times = waiting_times()
    o = times.organisation
    assert (o.referred, o.screened, o.started) == (4, 2, 2)
    assert o.median_to_screening == 30.0 and o.median_to_first_session == 90.0
    assert (o.within_6_weeks, o.within_18_weeks) == (0.5, 0.5)
    assert len(o.waiting) == 1 and o.waiting_over_6_weeks == 1
    [group] = times.groups
    assert (group.name, group.started, group.median_to_first_session) == ("Tuesday group", 2, 90.0)
    assert dict(times.by_status) == {
        "New": 1,
        "Screening booked": 0,
        "Screened": 0,
        "Offered a place": 0,
        "Joined": 2,
        "Closed": 1,
    }


def test_admins_see_them_without_names_and_as_csv(referrals, admin_user):
    admin = signed_in_client(admin_user)
    page = admin.get(reverse("admin_waiting_times"))
    assert page.status_code == 200
    assert "4 referrals so far" in page.text and "1 of them for over 6 weeks" in page.text
    for name in ("Quinn", "Sloane", "Wynn", "Cleo", "@example.org"):
        assert name not in page.text
    response = admin.get(reverse("admin_waiting_times_csv"))
    assert response["Content-Disposition"].endswith('"together-waiting-times.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Group", "Referred", "Screened", "Median days to screening"]
    assert rows[1] == ["All referrals", "4", "2", "30.0", "2", "90.0", "50%", "50%", "1", "1"]
    assert rows[2][0] == "Tuesday group"


def test_only_admins_open_them(referrals, personas):
    for persona in ("facilitator", "participant"):
        assert personas[persona].get(reverse("admin_waiting_times")).status_code == 403
        assert personas[persona].get(reverse("admin_waiting_times_csv")).status_code == 403

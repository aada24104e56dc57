"""The referral pages run a fixed number of queries, at 1x and at 10x the referrals."""

import pytest
from django.urls import reverse

from pathways import services
from tests.conftest import signed_in_client
from tests.pathways.factories import referral
from tests.therapy_groups.factories import TherapyGroupFactory

pytestmark = pytest.mark.django_db

# The session with its person, MFA check, organisation and the follow-up banner are on every
# page; the referral's page writes one audit event. Each budget is today's count and one more.
BUDGETS = {"referral_list": 4, "referral_list_done": 4, "referral_detail": 8}


def build(facilitator, scale: int, start: int):
    """Per scale: 3 waiting to be taken, 3 of the facilitator's own at each step, 2 closed."""
    group = TherapyGroupFactory(facilitators=[facilitator], capacity=100)
    for n in range(start, start + 3 * scale):
        referral(email=f"waiting{n}@example.org", known_as=f"W{n}")
        mine = referral(handler=facilitator, email=f"mine{n}@example.org", known_as=f"M{n}")
        services.note_contact_try(referral=mine, by=facilitator)
        services.record_screening(referral=mine, by=facilitator, readiness_note="Ready")
        if n % 2:
            services.offer_place(referral=mine, group=group, by=facilitator, cohort_started=False)
        if n % 3 == 0:
            done = referral(handler=facilitator, email=f"done{n}@example.org")
            services.close(referral=done, by=facilitator, reason="declined")
    return mine


def measure(client, newest, django_assert_max_num_queries):
    urls = {
        "referral_list": reverse("referral_list"),
        "referral_list_done": reverse("referral_list") + "?show=done",
        "referral_detail": reverse("referral_detail", args=[newest.pk]),
    }
    counts = {}
    for name, budget in BUDGETS.items():
        with django_assert_max_num_queries(budget) as captured:
            assert client.get(urls[name]).status_code == 200
        counts[name] = len(captured)
    return counts


def test_referral_pages_keep_their_query_budgets_at_1x_and_10x(
    facilitator, django_assert_max_num_queries
):
    client = signed_in_client(facilitator)
    client.get(reverse("crisis_resources"))  # the first request after login records the session
    small = measure(client, build(facilitator, 1, 0), django_assert_max_num_queries)
    large = measure(client, build(facilitator, 10, 100), django_assert_max_num_queries)
    assert large == small

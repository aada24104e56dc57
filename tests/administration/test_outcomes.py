"""Admins see outcomes per group and for the organisation: rates as NHS Talking Therapies count
them, never a name or a person's score."""

import csv
import io

import pytest
from django.urls import reverse

from measures import services
from measures.instruments import GAD7, PHQ9
from measures.models import Channel
from measures.reports import outcome_report
from tests.measures.factories import answers_totalling
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

pytestmark = pytest.mark.django_db


def scores(group, person, phq=(), gad=()):
    for measure, totals in ((PHQ9, phq), (GAD7, gad)):
        for total in totals:
            services.record_answers(
                participant=person,
                group=group,
                instrument=measure,
                answers=answers_totalling(measure, total),
                channel=Channel.HOME,
            )


@pytest.fixture
def outcomes(facilitator):
    first = TherapyGroupFactory(facilitators=[facilitator], name="Alpha group")
    people = [EnrollmentFactory(group=first).participant for _ in range(4)]
    scores(first, people[0], phq=(16, 9), gad=(10, 6))  # better, and recovered
    scores(first, people[1], phq=(8, 15))  # reliably worse
    scores(first, people[2], phq=(12,))  # one score: not paired
    scores(first, people[3], phq=(12, 11), gad=(9, 8))  # no reliable change, still at case level
    second = TherapyGroupFactory(facilitators=[facilitator], name="Beta group")
    scores(second, EnrollmentFactory(group=second).participant, phq=(14, 7))
    return people


def test_rates_per_group_and_for_the_organisation(outcomes):
    rows = {row.name: row for row in outcome_report()}
    alpha, beta, everyone = rows["Alpha group"], rows["Beta group"], rows["All groups"]
    assert (alpha.people, alpha.paired, alpha.completion) == (4, 3, 0.75)
    assert (alpha.improved, alpha.deteriorated) == (1, 1)
    assert (alpha.at_case_level, alpha.recovered, alpha.recovery) == (2, 1, 0.5)
    assert (beta.people, beta.improvement, beta.recovery) == (1, 1.0, None)
    assert (everyone.people, everyone.paired, everyone.improvement) == (5, 4, 0.5)
    assert everyone.deterioration == 0.25


def test_the_page_and_csv_name_no_one(outcomes, personas):
    page = personas["admin"].get(reverse("admin_outcomes")).text
    assert "Alpha group" in page and "75%" in page
    download = personas["admin"].get(reverse("admin_outcomes_csv")).content.decode()
    table = list(csv.reader(io.StringIO(download)))
    assert table[0][0] == "Group" and table[-1][:4] == ["All groups", "", "5", "80%"]
    for person in outcomes:
        for text in (page, download):
            assert person.email not in text and person.last_name not in text


def test_outcomes_are_for_admins(personas):
    for persona in ("facilitator", "participant"):
        assert personas[persona].get(reverse("admin_outcomes")).status_code == 403
        assert personas[persona].get(reverse("admin_outcomes_csv")).status_code == 403

"""Facilitators choose a group's questionnaires and when they are asked, see who has not
answered for a session, and show the room a short link and QR code."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from measures import queries, services
from measures.instruments import GAD7, PHQ9
from measures.models import Channel, MeasurePlan
from sessions import services as session_services
from sessions.models import GroupSession
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import TherapyGroupFactory

pytestmark = pytest.mark.django_db


def test_a_facilitator_chooses_the_questionnaires_and_when(personas, world):
    url = reverse("group_measures", args=[world.group.pk])
    assert personas["facilitator"].get(url).status_code == 200
    response = personas["facilitator"].post(
        url, {"instruments": ["gad7", "phq9"], "schedule": "every_other"}
    )
    assert response.status_code == 302
    plan = MeasurePlan.objects.get(group=world.group)
    assert (plan.instruments, plan.schedule) == (["phq9", "gad7"], "every_other")
    form = personas["facilitator"].get(url).context["form"]  # shown as saved
    assert form.initial == {"instruments": ["phq9", "gad7"], "schedule": "every_other"}
    personas["facilitator"].post(url, {"schedule": "every"})  # none chosen: stop asking
    assert not MeasurePlan.objects.exists()


def test_an_unknown_questionnaire_or_schedule_is_refused(personas, world):
    url = reverse("group_measures", args=[world.group.pk])
    for data in ({"instruments": ["bdi"], "schedule": "every"}, {"schedule": "hourly"}):
        response = personas["facilitator"].post(url, data)
        assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not MeasurePlan.objects.exists()


def test_only_the_groups_facilitators_choose(personas, world):
    url = reverse("group_measures", args=[world.group.pk])
    assert personas["other_facilitator"].get(url).status_code == 404
    data = {"instruments": ["phq9"], "schedule": "every"}
    assert personas["other_facilitator"].post(url, data).status_code == 404
    for other in ("participant", "admin"):
        assert personas[other].post(url, data).status_code == 403
    assert not MeasurePlan.objects.exists()


def sessions_of(group, count: int) -> list[GroupSession]:
    start = timezone.now() + timedelta(days=1)
    return [
        GroupSessionFactory(group=group, starts_at=start + timedelta(weeks=i)) for i in range(count)
    ]


def test_every_other_session_counts_from_the_first_and_skips_cancelled_ones(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator])
    services.set_measure_plan(group=group, instruments=["phq9"], schedule="every_other")
    first, second, third, fourth, fifth = sessions_of(group, 5)
    asked = [bool(queries.measures_for(s)) for s in (first, second, third, fourth, fifth)]
    assert asked == [True, False, True, False, True]
    session_services.cancel_session(session=second, reason="Room flooded")
    second.refresh_from_db()
    assert [bool(queries.measures_for(s)) for s in (third, fourth)] == [False, True]
    assert queries.measures_for(second) == []


def test_first_and_last_session_only(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator])
    services.set_measure_plan(group=group, instruments=["gad7", "phq9"], schedule="first_and_last")
    sessions = sessions_of(group, 4)
    assert [queries.measures_for(s) for s in sessions] == [[PHQ9, GAD7], [], [], [PHQ9, GAD7]]


def test_the_session_page_lists_who_has_not_answered_and_offers_check_in_now(
    personas, world, participant
):
    services.set_measure_plan(group=world.group, instruments=["phq9", "gad7"], schedule="every")
    today = GroupSessionFactory(group=world.group, starts_at=timezone.now())
    page_url = reverse("session_detail", args=[today.pk])
    page = personas["facilitator"].get(page_url).content.decode()
    name = participant.get_full_name() or participant.short_name
    assert f"{name}: PHQ-9, GAD-7" in page
    assert reverse("check_in_now", args=[today.pk]) in page
    services.record_answers(
        participant=participant,
        group=world.group,
        instrument=PHQ9,
        answers=[0] * 9,
        session=today,
        channel=Channel.ROOM,
    )
    page = personas["facilitator"].get(page_url).content.decode()
    assert f"{name}: GAD-7" in page and "PHQ-9" not in page.split("measures-title")[1][:400]


def test_a_session_asking_nothing_shows_no_questionnaire_section(personas, world):
    page = personas["facilitator"].get(reverse("session_detail", args=[world.upcoming.pk]))
    assert "measures-title" not in page.content.decode()


def test_check_in_now_shows_the_short_link_and_its_qr_code(personas, world, settings):
    services.set_measure_plan(group=world.group, instruments=["phq9"], schedule="every")
    url = reverse("check_in_now", args=[world.upcoming.pk])
    page = personas["facilitator"].get(url).content.decode()
    link = settings.SITE_URL + reverse("measure_check_in", args=[world.upcoming.pk])
    assert f'<strong class="short-link">{link}</strong>' in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 37 37" class="qr">' in page
    assert "Needs a call now" not in page and "<nav" not in page  # a presenter view
    assert f"<title>QR code for {link}</title>" in page
    assert personas["other_facilitator"].get(url).status_code == 404
    assert personas["participant"].get(url).status_code == 403


def test_check_in_now_without_questionnaires_says_how_to_choose_them(personas, world):
    page = personas["facilitator"].get(reverse("check_in_now", args=[world.upcoming.pk]))
    assert "This session asks no questionnaires" in page.content.decode()


@pytest.mark.parametrize(
    "focus, suggested",
    [("depression", ["phq9", "gad7"]), ("anxiety", ["gad7", "phq9"]), ("grief", [])],
)
def test_a_group_without_questionnaires_is_offered_its_focus_default(
    client, facilitator, focus, suggested
):
    group = TherapyGroupFactory(facilitators=[facilitator], focus=focus)
    client.force_login(facilitator)
    form = client.get(reverse("group_measures", args=[group.pk])).context["form"]
    assert form.initial == {"instruments": suggested, "schedule": "every"}
    assert not MeasurePlan.objects.exists()  # offered, not chosen

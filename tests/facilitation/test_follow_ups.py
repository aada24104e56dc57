"""An answer about self-harm above 0 reaches every facilitator of the group at once (a banner
on every page, a discreet email) until one acknowledges it; it is closed with what was done."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from measures import services
from measures.instruments import PHQ9
from measures.models import Channel, FollowUp
from members.models import Organisation, PersonRecord
from tests.members.factories import UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def follow_up(world, participant):
    """The participant answers PHQ-9 item 9 "Several days" in the room today."""
    # The world's own, made without an answer, is closed (follow-ups are never deleted).
    FollowUp.objects.filter(pk=world.follow_up.pk).update(
        acknowledged_at=timezone.now(), closed_at=timezone.now(), contact="phone", outcome="Fine."
    )
    answer_self_harm_item(world, participant)
    return FollowUp.objects.get(response__isnull=False)


def answer_self_harm_item(world, participant) -> None:
    """PHQ-9 item 9 "Several days", answered in the room today."""
    session = GroupSessionFactory(group=world.group, starts_at=timezone.now())
    services.record_answers(
        participant=participant,
        group=world.group,
        instrument=PHQ9,
        answers=[1, 1, 0, 0, 0, 0, 0, 0, 1],
        session=session,
        channel=Channel.ROOM,
    )


def name_of(person) -> str:
    return person.get_full_name() or person.short_name


def test_every_facilitator_of_the_group_sees_the_banner_on_every_page(
    personas, follow_up, participant, cofacilitator
):
    detail = reverse("follow_up_detail", args=[follow_up.pk])
    for page in ("group_list", "account_overview", "crisis_resources"):
        html = personas["facilitator"].get(reverse(page)).content.decode()
        assert 'id="follow-up-alerts"' in html and f'href="{detail}"' in html
        assert name_of(participant) in html.split('id="follow-up-alerts"')[1]
    cofacilitator_client = personas["facilitator"].__class__()
    cofacilitator_client.force_login(cofacilitator)
    assert f'href="{detail}"' in cofacilitator_client.get(reverse("group_list")).content.decode()
    other = personas["other_facilitator"].get(reverse("group_list")).content.decode()
    assert f'href="{detail}"' not in other and name_of(participant) not in other


def test_the_email_is_a_link_and_nothing_clinical(
    follow_up, send_outbox, facilitator, cofacilitator, participant
):
    sent = send_outbox()
    assert sorted(m.to[0] for m in sent) == sorted([facilitator.email, cofacilitator.email])
    link = reverse("follow_up_detail", args=[follow_up.pk])
    for message in sent:
        assert message.subject == "Urgent: someone in your group needs a call today"
        bodies = [message.body] + [body for body, _ in message.alternatives]
        for body in bodies:
            assert link in body
            for word in (name_of(participant), participant.email, "PHQ", "self-harm", "dead"):
                assert word not in body
    assert send_outbox() == sent  # once each


def test_acknowledging_clears_the_banner_for_everyone_and_stops_unsent_alerts(
    personas, follow_up, send_outbox, facilitator
):
    url = reverse("follow_up_acknowledge", args=[follow_up.pk])
    response = personas["facilitator"].post(url)
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.acknowledged_by == facilitator and follow_up.is_open
    assert "follow-up-alerts" not in personas["facilitator"].get(reverse("group_list")).text
    assert send_outbox() == []  # in hand before the worker came: no email needed
    detail = personas["facilitator"].get(reverse("follow_up_detail", args=[follow_up.pk])).text
    assert "I&#x27;m on it" not in detail and "Close the follow-up" in detail


def test_the_follow_up_page_shows_the_answer_and_is_audited(personas, follow_up, facilitator):
    html = personas["facilitator"].get(reverse("follow_up_detail", args=[follow_up.pk])).text
    assert "Total 3 (minimal)" in html
    assert "Thoughts that you would be better off dead" in html
    assert "<strong>Several days</strong> (1)" in html
    event = AuditEvent.objects.get(action="view", object_type="measures.followup")
    assert (event.actor, event.object_id) == (facilitator, follow_up.pk)


def test_closing_needs_how_contact_was_made_and_what_was_done(personas, follow_up):
    url = reverse("follow_up_detail", args=[follow_up.pk])
    response = personas["facilitator"].post(url, {"actions": ["referred"]})
    assert response.status_code == 400 and "This field is required" in response.text
    assert FollowUp.objects.get(pk=follow_up.pk).is_open
    for blank in ("", "   "):  # how, and what was done, but not what happened
        response = personas["facilitator"].post(
            url, {"contact": "phone", "actions": ["referred"], "outcome": blank}
        )
        assert response.status_code == 400 and FollowUp.objects.get(pk=follow_up.pk).is_open
    response = personas["facilitator"].post(
        url,
        {"contact": "phone", "actions": ["safety_plan", "referred"], "outcome": "GP tomorrow."},
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert not follow_up.is_open and follow_up.outcome == "GP tomorrow."
    html = personas["facilitator"].get(url).text
    assert "Safety plan reviewed" in html and "GP tomorrow." in html
    assert "Close the follow-up" not in html
    for page in ("home", "follow_up_list"):  # closed: off the dashboard and the open list
        assert f'href="{url}"' not in personas["facilitator"].get(reverse(page)).text


def test_the_dashboard_puts_open_follow_ups_first(personas, follow_up, participant):
    html = personas["facilitator"].get(reverse("home")).text
    assert html.index('id="follow-ups"') < html.index('id="upcoming"')
    assert name_of(participant) in html and "Not yet acknowledged" in html
    assert "follow-up-alerts" not in html  # listed once, not twice


def test_no_one_else_opens_or_acts_on_it(personas, follow_up):
    detail = reverse("follow_up_detail", args=[follow_up.pk])
    acknowledge = reverse("follow_up_acknowledge", args=[follow_up.pk])
    assert personas["other_facilitator"].get(detail).status_code == 404
    assert personas["other_facilitator"].post(acknowledge).status_code == 404
    for persona in ("participant", "admin", "other_participant"):
        assert personas[persona].get(detail).status_code == 404
        assert personas[persona].post(acknowledge).status_code == 404
    assert FollowUp.objects.get(pk=follow_up.pk).acknowledged_at is None


@pytest.mark.parametrize("page", ["follow_up_list", "home"])
def test_follow_up_lists_keep_their_query_count_at_ten_times_the_data(
    page, facilitator, client, django_assert_max_num_queries
):
    client.force_login(facilitator)
    client.get(reverse(page))  # the session's activity, once
    counts = []
    for groups in (1, 10):
        for _ in range(groups):
            group = TherapyGroupFactory(facilitators=[facilitator])
            for person in [EnrollmentFactory(group=group).participant for _ in range(3)]:
                services.open_follow_up(group=group, participant=person, reason="risk_answer")
        with django_assert_max_num_queries(16) as captured:
            assert client.get(reverse(page)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_banner_puts_safety_first_then_overdue_then_absences_one_line_each(
    world, facilitator, client, send_outbox
):
    """The finding: absences and a self-harm answer sorted by age, the self-harm alert last and
    one member's absence shown twice."""
    FollowUp.objects.filter(pk=world.follow_up.pk).update(
        acknowledged_at=timezone.now(), closed_at=timezone.now(), contact="phone", outcome="Fine."
    )
    away, late, at_risk = (
        EnrollmentFactory(group=world.group, participant__first_name=name).participant
        for name in ("Ada", "Bo", "Cy")
    )
    sessions = [GroupSessionFactory(group=world.group) for _ in range(3)]
    for session in sessions[:2]:  # two runs of absences, two follow-ups: one line
        services.open_follow_up(
            group=world.group, participant=away, reason="absences", last_absence=session
        )
    overdue = services.open_follow_up(
        group=world.group, participant=late, reason="absences", last_absence=sessions[2]
    )
    FollowUp.objects.filter(pk=overdue.pk).update(escalations=1)
    services.open_follow_up(group=world.group, participant=at_risk, reason="risk_answer")
    client.force_login(facilitator)
    html = client.get(reverse("group_list")).text
    banner = html.split('id="follow-up-alerts"')[1].split("</section>")[0]
    assert "Needs a call now: 3 people" in banner
    lines = banner.split("<li>")[1:]
    assert [line.split("</a>")[0].rsplit(">", 1)[1].split()[0] for line in lines] == [
        "Cy",
        "Bo",
        "Ada",
    ]
    assert "Overdue" in lines[1] and "And 1 more." in lines[2]
    assert f'href="{reverse("follow_up_list")}"' in banner  # the phone's one line leads there

    # The emails say how soon, never why: the safety alert is urgent, the absences are not.
    subjects = [m.subject for m in send_outbox() if m.to == [facilitator.email]]
    assert sorted(subjects) == [
        "Someone in your group may need a call",
        "Someone in your group may need a call",
        "Someone in your group may need a call",
        "Urgent: someone in your group needs a call today",
    ]


def test_with_no_number_to_call_the_page_offers_other_ways_to_reach_them(
    personas, follow_up, participant, world
):
    Organisation.objects.update(contact_phone="020 7946 0000", contact_hours="9 to 5")
    other_group = TherapyGroupFactory(facilitators=[UserFactory(role="facilitator")])
    EnrollmentFactory(group=other_group, participant=participant)
    other = other_group.facilitators.get()
    url = reverse("follow_up_detail", args=[follow_up.pk])
    html = personas["facilitator"].get(url).text
    assert "No number to call" in html
    assert f'href="mailto:{participant.email}"' in html
    assert f'href="mailto:{other.email}"' in html and other_group.name not in html
    assert 'href="tel:02079460000"' in html and "9 to 5" in html
    PersonRecord.objects.update_or_create(
        person=participant, defaults={"phone": "07700 900123", "may_call": True}
    )
    assert "No number to call" not in personas["facilitator"].get(url).text


def test_could_not_reach_is_an_outcome_with_a_next_step(personas, follow_up, facilitator):
    url = reverse("follow_up_detail", args=[follow_up.pk])
    tried = personas["facilitator"].post(reverse("follow_up_attempt", args=[follow_up.pk]))
    assert tried.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.is_open and follow_up.acknowledged_by == facilitator  # in hand, still open
    assert "Tried without reaching them" in personas["facilitator"].get(url).text
    closing = {"contact": "not_reached", "actions": ["referred"], "outcome": "No answer twice."}
    refused = personas["facilitator"].post(url, closing)
    assert refused.status_code == 400 and "Say what was done instead" in refused.text
    assert FollowUp.objects.get(pk=follow_up.pk).is_open
    assert personas["facilitator"].post(url, {**closing, "next_step": "gp"}).status_code == 302
    follow_up.refresh_from_db()
    assert not follow_up.is_open and follow_up.next_step == "gp"
    assert "Instead: Told their GP." in personas["facilitator"].get(url).text
    again = personas["facilitator"].post(reverse("follow_up_attempt", args=[follow_up.pk]))
    assert again.status_code == 302 and follow_up.attempts.count() == 1  # closed: no new try


def test_the_database_refuses_could_not_reach_without_a_next_step(follow_up):
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUp.objects.filter(pk=follow_up.pk).update(
            acknowledged_at=timezone.now(),
            closed_at=timezone.now(),
            contact="not_reached",
            outcome="No answer.",
        )


def test_no_one_else_records_a_try(personas, follow_up):
    url = reverse("follow_up_attempt", args=[follow_up.pk])
    for persona in ("other_facilitator", "participant", "admin", "other_participant"):
        assert personas[persona].post(url).status_code == 404
    assert personas["facilitator"].get(url).status_code == 405
    assert not follow_up.attempts.exists()


def follow_up_reads(captured) -> list[str]:
    """The statements that read follow-ups, apart from the session's own (which asks whether
    any waits, with the person)."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if "measures_followup" in q["sql"] and "session_data" not in q["sql"]
    ]


def test_with_nothing_waiting_the_banner_costs_no_query_and_shows_the_moment_one_opens(
    personas, world, participant, facilitator
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    FollowUp.objects.filter(pk=world.follow_up.pk).update(acknowledged_at=timezone.now())
    client = personas["facilitator"]
    with CaptureQueriesContext(connection) as captured:
        html = client.get(reverse("group_list")).text
    assert "follow-up-alerts" not in html and follow_up_reads(captured) == []

    answer_self_harm_item(world, participant)
    with CaptureQueriesContext(connection) as captured:
        html = client.get(reverse("group_list")).text
    assert 'id="follow-up-alerts"' in html and name_of(participant) in html
    assert len(follow_up_reads(captured)) == 1

    # A clinician handling a referral (no group yet) is asked about too.
    referred = UserFactory(role="participant")
    FollowUp.objects.create(assigned_to=facilitator, participant=referred, reason="risk_answer")
    assert name_of(referred) in client.get(reverse("group_list")).text

    # Someone who joins the group's facilitators sees what already waits, on their next page.
    newcomer = UserFactory(role="facilitator")
    newcomer_client = client.__class__()
    newcomer_client.force_login(newcomer)
    assert "follow-up-alerts" not in newcomer_client.get(reverse("group_list")).text
    world.group.facilitators.add(newcomer)
    assert name_of(participant) in newcomer_client.get(reverse("group_list")).text

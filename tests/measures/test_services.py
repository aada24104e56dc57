"""Answers are scored and kept encrypted; a risk answer opens a follow-up that is acknowledged,
then closed with what was done (measures/services.py)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from core.models import AuditEvent
from measures import services
from measures.instruments import GAD7, PHQ9
from measures.models import Channel, ContactMethod, FollowUp, FollowUpAction, MeasureResponse
from tests.members.factories import UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator])
    return EnrollmentFactory(group=group).participant, group


def answer(person, group, answers, instrument=PHQ9, **extra):
    return services.record_answers(
        participant=person,
        group=group,
        instrument=instrument,
        answers=answers,
        channel=extra.pop("channel", Channel.LINK),
        **extra,
    )


def stored(column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM measures_measureresponse WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_answers_are_kept_encrypted_with_their_total_band_and_channel(member):
    person, group = member
    response = answer(person, group, [2, 2, 1, 1, 1, 1, 1, 1, 0], difficulty=1)
    response.refresh_from_db()
    assert (response.total, response.band, response.channel) == (10, "moderate", "link")
    assert response.item_answers() == ([2, 2, 1, 1, 1, 1, 1, 1, 0], 1)
    assert stored("answers", response.pk).startswith("fernet:")
    event = AuditEvent.objects.get(object_type="measures.measureresponse")
    assert (event.action, event.group_id, event.participant_id) == (
        "create",
        group.pk,
        person.pk,
    )


def test_any_answer_above_0_to_item_9_opens_a_follow_up_whatever_the_total(member):
    person, group = member
    low = answer(person, group, [0] * 8 + [1])
    assert low.band == "minimal"
    follow_up = FollowUp.objects.get()
    assert (follow_up.group, follow_up.participant, follow_up.response) == (group, person, low)
    assert (follow_up.reason, follow_up.is_open) == ("risk_answer", True)


def test_item_9_answered_0_opens_nothing_even_at_a_severe_total(member):
    person, group = member
    assert answer(person, group, [3] * 8 + [0]).band == "severe"
    answer(person, group, [3] * 7, instrument=GAD7)
    assert not FollowUp.objects.exists()


def test_only_members_of_the_group_answer_for_it(member):
    person, group = member
    for outsider, in_group in ((UserFactory(), group), (person, TherapyGroupFactory())):
        with pytest.raises(ValidationError, match="members of the group"):
            answer(outsider, in_group, [1] * 9)
    assert not MeasureResponse.objects.exists()


def test_a_session_of_another_group_is_refused(member):
    person, group = member
    with pytest.raises(ValidationError, match="not one of this group"):
        answer(person, group, [1] * 9, session=GroupSessionFactory())
    assert not MeasureResponse.objects.exists()


def test_one_answer_per_measure_per_session(member):
    person, group = member
    session = GroupSessionFactory(group=group)
    answer(person, group, [1] * 8 + [0], session=session, channel=Channel.ROOM)
    answer(person, group, [1] * 7, instrument=GAD7, session=session, channel=Channel.ROOM)
    with pytest.raises(ValidationError, match="already answered"):
        answer(person, group, [0] * 8 + [2], session=session, channel=Channel.ROOM)
    assert MeasureResponse.objects.count() == 2
    assert not FollowUp.objects.exists()  # the refused answer opened nothing


def test_an_incomplete_questionnaire_saves_nothing(member):
    person, group = member
    with pytest.raises(ValidationError):
        answer(person, group, [1] * 8 + [None])
    assert not MeasureResponse.objects.exists()


@pytest.fixture
def follow_up(member):
    person, group = member
    answer(person, group, [1] * 9)
    return FollowUp.objects.get()


def test_the_first_acknowledgement_stands(follow_up, facilitator, cofacilitator):
    services.acknowledge_follow_up(follow_up=follow_up, by=facilitator)
    first = FollowUp.objects.get().acknowledged_at
    services.acknowledge_follow_up(follow_up=follow_up, by=cofacilitator)
    follow_up.refresh_from_db()
    assert (follow_up.acknowledged_by, follow_up.acknowledged_at) == (facilitator, first)


def test_closing_records_how_contact_was_made_and_what_was_done(follow_up, facilitator):
    services.close_follow_up(
        follow_up=follow_up,
        by=facilitator,
        contact=ContactMethod.PHONE,
        actions=[FollowUpAction.SAFETY_PLAN, FollowUpAction.REFERRED, FollowUpAction.SAFETY_PLAN],
        outcome="Spoke for 20 minutes; GP appointment tomorrow.",
    )
    follow_up.refresh_from_db()
    assert not follow_up.is_open
    assert follow_up.acknowledged_by == follow_up.closed_by == facilitator  # closing acknowledges
    assert follow_up.actions == ["safety_plan", "referred"]
    assert follow_up.outcome == "Spoke for 20 minutes; GP appointment tomorrow."
    with connection.cursor() as cursor:
        cursor.execute("SELECT outcome FROM measures_followup WHERE id = %s", [follow_up.pk])
        assert cursor.fetchone()[0].startswith("fernet:")
    with pytest.raises(ValidationError, match="already closed"):
        services.close_follow_up(
            follow_up=follow_up,
            by=facilitator,
            contact=ContactMethod.PHONE,
            actions=[FollowUpAction.NO_FURTHER],
            outcome="Again.",
        )


@pytest.mark.parametrize(
    "contact, actions, outcome",
    [
        ("", ["referred"], "Spoke."),
        ("carrier pigeon", ["referred"], "Spoke."),
        ("phone", [], "Spoke."),
        ("phone", ["referred"], ""),
        ("phone", ["referred"], "  \n "),
    ],
)
def test_a_follow_up_is_closed_only_with_an_outcome(
    follow_up, facilitator, contact, actions, outcome
):
    with pytest.raises(ValidationError):
        services.close_follow_up(
            follow_up=follow_up, by=facilitator, contact=contact, actions=actions, outcome=outcome
        )
    with pytest.raises(ValidationError):
        services.close_follow_up(
            follow_up=follow_up, by=facilitator, contact="phone", actions=["made up"], outcome="x"
        )
    assert FollowUp.objects.get().is_open


def test_the_database_refuses_a_follow_up_closed_without_how_contact_was_made(follow_up):
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUp.objects.filter(pk=follow_up.pk).update(
            closed_at=follow_up.opened_at, acknowledged_at=follow_up.opened_at
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # how, but not what happened
        FollowUp.objects.filter(pk=follow_up.pk).update(
            closed_at=follow_up.opened_at, acknowledged_at=follow_up.opened_at, contact="phone"
        )


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_keep_one_answer_and_refuse_the_other_plainly(facilitator):
    """A double tap, or the same page in two tabs, on separate connections at the same moment."""
    import threading

    group = TherapyGroupFactory(facilitators=[facilitator])
    person = EnrollmentFactory(group=group).participant
    session = GroupSessionFactory(group=group)
    start, outcomes = threading.Barrier(2), []

    def submit():
        try:
            start.wait()
            answer(person, group, [1] * 8 + [0], session=session, channel=Channel.ROOM)
            outcomes.append("kept")
        except ValidationError as refused:
            outcomes.append(refused.messages[0])
        finally:
            connection.close()

    tabs = [threading.Thread(target=submit) for _ in range(2)]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join(timeout=30)
    assert sorted(outcomes) == ["This questionnaire is already answered for that session.", "kept"]
    assert MeasureResponse.objects.count() == 1

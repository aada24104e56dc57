"""A risk concern marked in a session note opens a follow-up on the next tick, once per note,
and it then goes the way of any follow-up (measures/risk_notes.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.outbox.models import Notification
from measures.messages import FOLLOW_UP_ALERT
from measures.models import FollowUp
from measures.risk_notes import open_for_risk_notes
from sessions import services as session_services
from sessions.models import GroupSession, IndividualNote
from tests.sessions.factories import GroupSessionFactory

pytestmark = pytest.mark.django_db


def write_note(world, participant, facilitator, *, risk: bool):
    session = GroupSessionFactory(
        group=world.group,
        starts_at=timezone.now() - timedelta(hours=2),
        status=GroupSession.Status.HELD,
    )
    session_services.mark_attendance(
        session=session, participant=participant, status="present", marked_by=facilitator
    )
    return session_services.save_individual_note(
        session=session,
        participant=participant,
        author=facilitator,
        progress="Spoke about feeling hopeless.",
        participation="",
        risk_flag=risk,
    )


def test_a_note_marked_with_a_risk_concern_opens_a_follow_up_once(
    world, participant, facilitator, cofacilitator
):

    note = write_note(world, participant, facilitator, risk=True)
    assert open_for_risk_notes(timezone.now()) == 1
    assert open_for_risk_notes(timezone.now() + timedelta(minutes=1)) == 0  # the next tick
    follow_up = FollowUp.objects.get(note__isnull=False)
    assert (follow_up.reason, follow_up.note, follow_up.participant) == (
        "risk_note",
        note,
        participant,
    )
    alerted = Notification.objects.filter(kind=FOLLOW_UP_ALERT).values_list("recipient", flat=True)
    assert sorted(alerted) == sorted([facilitator.pk, cofacilitator.pk])


def test_a_note_without_a_risk_concern_opens_nothing(world, participant, facilitator):
    write_note(world, participant, facilitator, risk=False)
    assert open_for_risk_notes(timezone.now()) == 0
    assert not FollowUp.objects.filter(note__isnull=False).exists()


def test_notes_marked_long_before_the_first_look_are_left_alone(world, participant, facilitator):
    note = write_note(world, participant, facilitator, risk=True)
    IndividualNote.objects.filter(pk=note.pk).update(updated_at=timezone.now() - timedelta(hours=3))
    assert open_for_risk_notes(timezone.now()) == 0


def test_a_note_committed_just_after_a_tick_is_still_seen(world, participant, facilitator):
    open_for_risk_notes(timezone.now())  # a tick: the mark is now
    note = write_note(world, participant, facilitator, risk=True)
    saved_before_that_tick = timezone.now() - timedelta(minutes=2)
    IndividualNote.objects.filter(pk=note.pk).update(updated_at=saved_before_that_tick)
    assert open_for_risk_notes(timezone.now() + timedelta(minutes=1)) == 1


def test_the_follow_up_page_links_the_note(world, participant, facilitator, personas):

    note = write_note(world, participant, facilitator, risk=True)
    open_for_risk_notes(timezone.now())
    follow_up = FollowUp.objects.get(note__isnull=False)
    page = personas["facilitator"].get(reverse("follow_up_detail", args=[follow_up.pk])).text
    assert "Risk concern marked in a session note" in page
    assert reverse("individual_note", args=[note.session_id, participant.pk]) in page


def test_a_note_that_already_has_a_follow_up_gets_no_second(world, participant, facilitator):
    from measures.services import open_follow_up_once

    note = write_note(world, participant, facilitator, risk=True)
    fields = {"group": world.group, "participant": participant, "reason": "risk_note"}
    assert open_follow_up_once(note=note, **fields) is True
    assert open_follow_up_once(note=note, **fields) is False  # as a second beat would find it
    assert FollowUp.objects.filter(note=note).count() == 1
    assert Notification.objects.filter(kind=FOLLOW_UP_ALERT).count() == 2  # one per facilitator

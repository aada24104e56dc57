"""Notes are never lost and always correctable: text carried across formats, signing exactly
what was reviewed, and attendance that changes after signing only with a reason, on the record."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from sessions import services
from sessions.models import Addendum, Attendance, GroupNote, IndividualNote
from sessions.notes import as_one_text, carry_over, signing_review, switched
from tests.members.factories import UserFactory
from tests.sessions.factories import AttendanceFactory, GroupSessionFactory, sign
from tests.support.waiting import wait_until
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

pytestmark = pytest.mark.django_db


def test_switching_formats_keeps_every_word():
    dap = {"data": "Shared sleep diaries.", "assessment": "Engaged.", "plan": "Keep going."}
    assert carry_over(dap, old="dap", new="soap") == {
        "subjective": "Data:\nShared sleep diaries.",
        "objective": "",
        "assessment": "Engaged.",
        "plan": "Keep going.",
    }
    soap = {"subjective": "Tired.", "objective": "Yawning.", "plan": "Rest."}
    assert carry_over(soap, old="soap", new="dap") == {
        "data": "Subjective:\nTired.\n\nObjective:\nYawning.",
        "assessment": "",
        "plan": "Rest.",
    }
    assert carry_over(soap, old="soap", new="free") == {
        "free_text": "Subjective:\nTired.\n\nObjective:\nYawning.\n\nPlan:\nRest."
    }
    assert carry_over({"free_text": "All of it."}, old="free", new="birp") == {
        "behaviour": "All of it.",
        "intervention": "",
        "response": "",
        "plan": "",
    }
    # Text of a section the old format does not use (left over in the form) is not carried.
    assert carry_over({"data": "x", "free_text": "stale"}, old="dap", new="dap")["data"] == "x"


def test_a_switch_goes_only_to_a_format_there_is_and_keeps_every_word():
    posted = {"format": "dap", "data": "Shared diaries.", "assessment": "", "plan": "Rest."}
    assert switched(posted, to="soap") == (
        "soap",
        {
            "subjective": "Data:\nShared diaries.",
            "objective": "",
            "assessment": "",
            "plan": "Rest.",
        },
    )
    # An unknown format, or none asked for, leaves the note in its own.
    assert switched(posted, to="poetry")[0] == switched(posted, to=None)[0] == "dap"
    assert switched(posted, to=None)[1]["data"] == "Shared diaries."
    assert as_one_text(posted) == "Data:\nShared diaries.\n\nPlan:\nRest."
    assert posted["format"] == "dap"  # the posted data is not changed


@pytest.fixture
def facilitator():
    return UserFactory(role="facilitator")


@pytest.fixture
def held(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator])
    session = GroupSessionFactory(group=group, starts_at=timezone.now() - timedelta(hours=3))
    ana = EnrollmentFactory(group=group, participant=UserFactory(first_name="Ana")).participant
    ben = EnrollmentFactory(group=group, participant=UserFactory(first_name="Ben")).participant
    services.mark_attendance(
        session=session, participant=ana, status="present", marked_by=facilitator
    )
    services.save_group_note(session=session, author=facilitator, format="free", free_text="Ok")
    return session, ana, ben


def test_signing_locks_exactly_what_was_reviewed(facilitator, held):
    session, ana, ben = held
    review = signing_review(session)
    assert review.not_marked == [ben] and review.attended_without_note == [ana]
    services.save_individual_note(
        session=session,
        participant=ana,
        author=facilitator,
        progress="Spoke up",
        participation="",
        risk_flag=False,
    )
    with pytest.raises(ValidationError, match="changed since you reviewed"):
        services.sign_notes(session=session, signer=facilitator, reviewed=review.fingerprint)
    review = signing_review(session)
    services.mark_attendance(
        session=session, participant=ben, status="absent", marked_by=facilitator
    )
    with pytest.raises(ValidationError, match="changed since you reviewed"):
        services.sign_notes(session=session, signer=facilitator, reviewed=review.fingerprint)
    assert not GroupNote.objects.get(session=session).is_signed
    services.sign_notes(
        session=session, signer=facilitator, reviewed=signing_review(session).fingerprint
    )
    assert GroupNote.objects.get(session=session).is_signed
    assert IndividualNote.objects.get(session=session, participant=ana).is_signed


def test_notes_of_a_session_that_has_not_started_cannot_be_signed(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator])
    later = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(hours=3))
    services.save_group_note(session=later, author=facilitator, format="free", free_text="Plan")
    with pytest.raises(ValidationError, match="once the session has started"):
        sign(later, facilitator)


def test_after_signing_attendance_changes_only_with_a_reason_added_to_the_note(facilitator, held):
    session, ana, ben = held
    note = sign(session, facilitator)
    with pytest.raises(ValidationError, match="Say why attendance changes"):
        services.mark_attendance(
            session=session, participant=ana, status="absent", marked_by=facilitator, reason=" "
        )
    assert Attendance.objects.get(session=session, participant=ana).status == "present"
    with pytest.raises(ValidationError, match="one person at a time"):
        services.mark_everyone_present(session=session, marked_by=facilitator)
    assert not Attendance.objects.filter(session=session, participant=ben).exists()

    services.mark_attendance(
        session=session, participant=ana, status="late", marked_by=facilitator, reason="Bus"
    )
    services.mark_attendance(
        session=session, participant=ben, status="excused", marked_by=facilitator, reason="Rang"
    )
    # The same mark again changes nothing, so it needs no reason and adds nothing.
    services.mark_attendance(session=session, participant=ana, status="late", marked_by=facilitator)
    assert [(a.text, a.signed_by) for a in note.addenda.all()] == [
        (
            f"Attendance of {ana.get_full_name()} changed from Present to Late. Reason: Bus",
            facilitator,
        ),
        (
            f"Attendance of {ben.get_full_name()} changed from not recorded to Excused. "
            "Reason: Rang",
            facilitator,
        ),
    ]
    assert Attendance.objects.get(session=session, participant=ana).status == "late"


def test_after_signing_a_new_individual_note_is_an_addendum_instead(facilitator, held):
    session, ana, _ = held
    sign(session, facilitator)
    with pytest.raises(ValidationError, match="addendum to the group note"):
        services.save_individual_note(
            session=session,
            participant=ana,
            author=facilitator,
            progress="Late thought",
            participation="",
            risk_flag=False,
        )
    assert not IndividualNote.objects.filter(session=session).exists()
    assert not Addendum.objects.exists()


def test_a_member_can_take_back_their_apology_only_before_the_session(facilitator, held):
    session, _, ben = held
    AttendanceFactory(session=session, participant=ben, status="excused", marked_by=ben)
    with pytest.raises(ValidationError, match="has started"):
        services.withdraw_absence_notice(session=session, participant=ben)
    assert Attendance.objects.get(session=session, participant=ben).status == "excused"


def saves_at_once(save) -> dict:
    """save("Autosaved.") in a transaction left open until save("Pressed Save."), on its own
    connection, waits on a lock; then both finish. What the second save raised, if anything."""
    second = {}

    def save_second():
        try:
            second["pid"] = connection.cursor().connection.info.backend_pid
            save("Pressed Save.")
        except Exception as error:
            second["error"] = error
        finally:
            connection.close()

    worker = threading.Thread(target=save_second)
    with transaction.atomic():  # the autosave, not yet committed
        save("Autosaved.")
        worker.start()
        wait_until(lambda: "pid" in second, what="the second save to start")
        with connection.cursor() as cursor:

            def waiting() -> bool:
                cursor.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [second["pid"]]
                )
                return cursor.fetchone()[0] == "Lock"

            wait_until(waiting, what="the second save to wait for the first")
    worker.join(timeout=30)
    return second


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("which", ["individual", "group"])
def test_an_autosave_and_a_save_at_once_make_one_draft_not_an_error(facilitator, which):
    """Leaving the field fires the autosave as Save is pressed: two first saves of one note at
    once. The second waits for the first, then updates its draft (it used to fail on the
    unique note, a 500)."""
    group = TherapyGroupFactory(facilitators=[facilitator])
    member = EnrollmentFactory(group=group).participant
    session = GroupSessionFactory(group=group, starts_at=timezone.now() - timedelta(hours=1))
    services.mark_attendance(
        session=session, participant=member, status="present", marked_by=facilitator
    )
    if which == "individual":
        notes = IndividualNote.objects.filter(participant=member).values_list("progress", flat=True)

        def save(text):
            services.save_individual_note(
                session=session,
                participant=member,
                author=facilitator,
                progress=text,
                participation="",
                risk_flag=False,
            )
    else:
        notes = GroupNote.objects.filter(session=session).values_list("free_text", flat=True)

        def save(text):
            services.save_group_note(
                session=session, author=facilitator, format="free", free_text=text
            )

    second = saves_at_once(save)
    assert "error" not in second, second.get("error")
    assert list(notes) == ["Pressed Save."]

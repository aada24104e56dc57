"""Clinical text is encrypted at rest: a database dump holds none of it, keys rotate without
losing a word, and signed notes stay locked through a rotation."""

import shutil
import subprocess
from datetime import date, timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from core import encryption
from core.models import AuditEvent
from measures import services as measure_services
from measures.instruments import PHQ9
from measures.models import Channel, FollowUp, MeasureResponse
from members import mfa_secrets
from members import services as member_services
from members.models import ClosureRequest, PersonRecord
from pathways import services as pathway_services
from pathways.models import DischargeAddendum, DischargeSummary, Referral
from sessions import services as session_services
from sessions.models import Addendum, Attendance, GroupNote, GroupSession, IndividualNote
from tests.members.factories import current_totp
from tests.sessions.factories import GroupSessionFactory, sign
from tests.test_project import manage_py_in_production
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups import services as goal_services
from therapy_groups.models import Enrollment, Goal, GoalCheckIn, GoalComment

# One marker per encrypted field: each must be findable through the ORM and nowhere in a dump.
SECRETS = {
    "group note": "Marker-groupnote: the group spoke about grief",
    "individual note": "Marker-individual: mentioned thoughts of self-harm",
    "addendum": "Marker-addendum: correction about medication",
    "goal": "Marker-goal: stop drinking on weekdays",
    "goal why": "Marker-why: my children",
    "check-in": "Marker-checkin: relapsed on Friday",
    "comment": "Marker-comment: proud of you",
    "attendance": "Marker-attendance: in hospital this week",
    "closure reason": "Marker-closure: the group made my panic worse",
    "leaving reason": "Marker-leaving: admitted to the ward",
    "override reason": "Marker-override: referred after overdose",
    "cancel reason": "Marker-cancel: facilitator off sick",
    "measure answers": '{"items": [3, 3, 2, 2, 1, 1, 0, 0, 1], "difficulty": 2}',
    "follow-up outcome": "Marker-outcome: safety plan reviewed by phone",
}
# Every personal field of the clinic's record of a person (members.record), with its canary.
RECORD = {
    "legal_name": "Marker-legal: Alexandra Jones",
    "known_as": "Marker-known: Alex",
    "date_of_birth": "1911-11-11",
    "pronouns": "Marker-pronouns: she/her",
    "preferred_language": "Marker-language: Portuguese, with an interpreter",
    "phone": "07700 900918",
    "other_phone": "07700 900927",
    "emergency_name": "Marker-emergency: Sam",
    "emergency_relationship": "Marker-relationship: sister",
    "emergency_phone": "07700 900936",
    "referrer_name": "Marker-referrer: Dr Okafor",
    "referrer_service": "Marker-service: Riverside Surgery",
    "referrer_phone": "07700 900945",
    "referrer_email": "marker-referrer@example.org",
    "referrer_address": "Marker-address: 1 River Street",
    "identifier": "Marker-identifier: A123",
}
SECRETS |= {f"record {name}": value for name, value in RECORD.items()}
SECRETS |= {
    "referral reason": "Marker-referral: low since my father died",
    "readiness note": "Marker-readiness: ready, prefers evenings",
    "discharge facts": '{"Marker-facts": "attended 6 of 8"}',
    "discharge words": "Marker-discharge: engaged well, keep walking",
    "discharge addendum": "Marker-dischargeaddendum: seen again in May",
}


def seed(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator], name="Dump-visible group name")
    person = EnrollmentFactory(group=group).participant
    session = GroupSessionFactory(group=group, starts_at=timezone.now() - timedelta(hours=3))
    session_services.mark_attendance(
        session=session, participant=person, status="present", marked_by=facilitator
    )
    session_services.save_group_note(
        session=session, author=facilitator, format="free", free_text=SECRETS["group note"]
    )
    session_services.save_individual_note(
        session=session,
        participant=person,
        author=facilitator,
        progress=SECRETS["individual note"],
        participation="",
        risk_flag=True,
    )
    note = sign(session, facilitator)
    session_services.add_addendum(note=note, text=SECRETS["addendum"], signer=facilitator)
    later = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=2))
    session_services.notify_absence(session=later, participant=person, reason=SECRETS["attendance"])
    goal = goal_services.create_goal(
        participant=person, group=group, what=SECRETS["goal"], why=SECRETS["goal why"]
    )
    goal_services.check_in(goal=goal, progress=3, note=SECRETS["check-in"])
    goal_services.comment_on_goal(goal=goal, author=facilitator, text=SECRETS["comment"])
    measure_services.record_answers(
        participant=person,
        group=group,
        instrument=PHQ9,
        answers=[3, 3, 2, 2, 1, 1, 0, 0, 1],
        difficulty=2,
        channel=Channel.LINK,
    )
    measure_services.close_follow_up(
        follow_up=FollowUp.objects.get(),
        by=facilitator,
        contact="phone",
        actions=["safety_plan"],
        outcome=SECRETS["follow-up outcome"],
    )
    member_services.request_closure(user=person, reason=SECRETS["closure reason"])
    leaver = EnrollmentFactory(group=group)
    goal_services.end_enrollment(
        enrollment=leaver, status=Enrollment.Status.WITHDRAWN, reason=SECRETS["leaving reason"]
    )
    summary = DischargeSummary.objects.create(
        enrollment=leaver,
        person=leaver.participant,
        group=group,
        author=facilitator,
        facts=SECRETS["discharge facts"],
        words=SECRETS["discharge words"],
        signed_at=timezone.now(),
        signed_by=facilitator,
    )
    pathway_services.add_discharge_addendum(
        summary=summary, by=facilitator, text=SECRETS["discharge addendum"]
    )
    late = goal_services.invite_to_group(
        group=group,
        email="late.joiner@example.org",
        invited_by=facilitator,
        cohort_started=True,
        override_reason=SECRETS["override reason"],
    )
    assert late.override_reason
    referral = pathway_services.refer(
        email="referred@example.org",
        source="clinician",
        by=facilitator,
        details={},
        reason=SECRETS["referral reason"],
        consent=True,
    )
    pathway_services.record_screening(
        referral=referral, by=facilitator, readiness_note=SECRETS["readiness note"]
    )
    member_services.save_record(
        person=person,
        by=facilitator,
        identifier_kind="other",
        **{**RECORD, "date_of_birth": date.fromisoformat(RECORD["date_of_birth"])},
    )
    session_services.cancel_session(
        session=GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=5)),
        reason=SECRETS["cancel reason"],
    )
    return group


def stored_texts() -> dict[str, str]:
    return (
        {
            "group note": GroupNote.objects.get().free_text,
            "individual note": IndividualNote.objects.get().progress,
            "addendum": Addendum.objects.get().text,
            "goal": Goal.objects.get().what,
            "goal why": Goal.objects.get().why,
            "check-in": GoalCheckIn.objects.get().note,
            "comment": GoalComment.objects.get().text,
            "attendance": Attendance.objects.exclude(comment="").get().comment,
            "closure reason": ClosureRequest.objects.get().reason,
            "leaving reason": Enrollment.objects.exclude(leaving_reason="").get().leaving_reason,
            "override reason": Enrollment.objects.exclude(override_reason="").get().override_reason,
            "cancel reason": GroupSession.objects.exclude(cancel_reason="").get().cancel_reason,
            "measure answers": MeasureResponse.objects.get().answers,
            "follow-up outcome": FollowUp.objects.get().outcome,
        }
        | {f"record {name}": str(getattr(PersonRecord.objects.get(), name)) for name in RECORD}
        | {
            "referral reason": Referral.objects.get().reason,
            "readiness note": Referral.objects.get().readiness_note,
            "discharge facts": DischargeSummary.objects.get().facts,
            "discharge words": DischargeSummary.objects.get().words,
            "discharge addendum": DischargeAddendum.objects.get().text,
        }
    )


def raw(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> '' ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_a_pg_dump_of_a_seeded_database_holds_no_clinical_text(facilitator):
    assert shutil.which("pg_dump"), "this test needs pg_dump: apt-get install postgresql-client"
    seed(facilitator)
    assert stored_texts() == SECRETS
    database = connection.settings_dict
    dump = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "--host",
            database["HOST"] or "127.0.0.1",
            "--port",
            str(database["PORT"] or 5432),
            "--username",
            database["USER"] or "postgres",
            database["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Dump-visible group name" in dump  # the dump has the data...
    assert dump.count("fernet:gAAAAA") >= len(SECRETS)  # ...with the text as tokens
    for marker in SECRETS.values():
        assert marker.split(":")[0] not in dump
    assert facilitator.totp_secret not in dump  # second-step secrets too


@pytest.mark.django_db
def test_rotating_keys_re_encrypts_everything_without_losing_a_word(facilitator):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old]):
        seed(facilitator)
        before = raw("group_sessions_groupnote", "free_text") + raw("therapy_groups_goal", "what")
    # The facilitator's TOTP secret was stored under the test keys: they stay behind `old`.
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, old, *settings.FIELD_ENCRYPTION_KEYS]):
        call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with override_settings(FIELD_ENCRYPTION_KEYS=[new]):  # the old key is gone
        assert stored_texts() == SECRETS
        assert GroupNote.objects.get().is_signed and IndividualNote.objects.get().is_signed
        after = raw("group_sessions_groupnote", "free_text") + raw("therapy_groups_goal", "what")
    assert len(after) == len(before) == 2 and not set(after) & set(before)
    Fernet(new.encode()).decrypt(after[0].removeprefix("fernet:").encode())
    tokens = [
        value
        for model, columns in encryption.encrypted_columns().items()
        for column in columns
        for value in raw(model._meta.db_table, column)
    ]
    assert len(tokens) == len(SECRETS)
    for token in tokens:  # the old key alone no longer opens any of them
        with pytest.raises(InvalidToken):
            Fernet(old.encode()).decrypt(token.removeprefix("fernet:").encode())
    rotated = AuditEvent.objects.get(action=AuditEvent.Action.KEYS_ROTATED)
    counts = rotated.detail["values"]
    assert counts["group_sessions.groupnote"] == 1
    assert counts.pop("mfa.authenticator") == 2  # the facilitator's TOTP and recovery codes
    assert sum(counts.values()) == len(SECRETS)


@pytest.mark.django_db
def test_second_step_secrets_are_encrypted_at_rest_and_rotate_with_the_keys(facilitator):
    totp = Authenticator.objects.get(user=facilitator, type="totp")
    codes = Authenticator.objects.get(user=facilitator, type="recovery_codes")
    assert totp.data["secret"].startswith("fernet:gAAAAA")
    assert facilitator.totp_secret not in str(totp.data)
    assert codes.data["seed"].startswith("fernet:gAAAAA")
    new = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, *settings.FIELD_ENCRYPTION_KEYS]):
        call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with override_settings(FIELD_ENCRYPTION_KEYS=[new]):  # the old keys are gone
        totp.refresh_from_db()
        assert TOTP(totp).validate_code(current_totp(facilitator.totp_secret))


@pytest.mark.django_db
def test_the_migration_encrypts_secrets_left_in_plaintext(facilitator):
    """Rows written before this release hold the secret as allauth wrote it by default."""
    Authenticator.objects.filter(user=facilitator, type="totp").update(
        data={"secret": facilitator.totp_secret}
    )
    assert (
        mfa_secrets.rewrite(Authenticator, encryption.encrypt_if_plain) == 1
    )  # the recovery codes were already encrypted
    totp = Authenticator.objects.get(user=facilitator, type="totp")
    assert totp.data["secret"].startswith("fernet:")
    assert TOTP(totp).validate_code(current_totp(facilitator.totp_secret))


@pytest.mark.django_db
def test_signed_notes_stay_locked_even_while_ciphertext_is_rewritten(facilitator):
    seed(facilitator)
    note = GroupNote.objects.get()
    # Without the rotation setting, no change at all; with it, only the encrypted columns.
    for rewriting, statement in (
        (False, "UPDATE group_sessions_groupnote SET free_text = 'plain' WHERE id = %s"),
        (True, "UPDATE group_sessions_groupnote SET format = 'dap' WHERE id = %s"),
        (True, "UPDATE group_sessions_addendum SET signed_at = now() WHERE group_note_id = %s"),
    ):
        with (
            pytest.raises(IntegrityError, match="cannot change"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            if rewriting:
                cursor.execute("SET LOCAL together.rewriting_ciphertext = 'on'")
            cursor.execute(statement, [note.pk])
    assert GroupNote.objects.get().free_text == SECRETS["group note"]


@pytest.mark.django_db
def test_a_missing_key_fails_loudly_and_never_shows_the_token(facilitator):
    seed(facilitator)
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]),
        pytest.raises(ImproperlyConfigured, match="cannot be decrypted"),
    ):
        GroupNote.objects.get()


@pytest.mark.django_db
def test_encrypted_text_cannot_be_searched_by_mistake():
    with pytest.raises(FieldError, match="cannot be searched"):
        list(Goal.objects.filter(what="Walk"))
    with pytest.raises(FieldError):
        list(GroupNote.objects.filter(free_text__icontains="sleep"))
    assert list(Goal.objects.filter(why="")) == []  # empty text stays empty and findable


def test_production_refuses_to_start_without_encryption_keys():
    result = manage_py_in_production("check", FIELD_ENCRYPTION_KEYS="")
    assert result.returncode != 0
    assert "Set FIELD_ENCRYPTION_KEYS" in result.stderr


def test_a_malformed_key_fails_the_system_check():
    result = manage_py_in_production("check", FIELD_ENCRYPTION_KEYS="not-a-key")
    assert result.returncode != 0
    assert "together.E001" in result.stderr and "Fernet key" in result.stderr

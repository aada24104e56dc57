"""The app role can do what the app does and nothing more: the records protect themselves
against it, whatever it sets in its session. (Every other test also runs as the app role.)"""

import psycopg
import pytest
from django.conf import settings
from django.db import IntegrityError, ProgrammingError, connection, transaction

from core import db_roles
from core.models import AuditEvent
from sessions.models import GroupNote
from tests.members.test_encryption import SECRETS, seed

pytestmark = pytest.mark.django_db


def refused(statement: str, params=(), match: str = "permission denied", first: str = ""):
    """`statement` fails, after `first` (a SET, say) in the same transaction."""
    with (
        pytest.raises((IntegrityError, ProgrammingError), match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        if first:
            cursor.execute(first)
        cursor.execute(statement, params)


def test_the_tests_act_as_the_app_role_which_is_no_superuser_and_owns_nothing():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (settings.DATABASE_APP_ROLE, False)
        cursor.execute("SELECT count(*) FROM pg_tables WHERE tableowner = current_user")
        assert cursor.fetchone() == (0,)


@pytest.mark.parametrize("scope", ["SET LOCAL", "SET"])
def test_the_app_role_cannot_rewrite_a_signed_note_whatever_it_sets(facilitator, scope):
    seed(facilitator)
    note = GroupNote.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT free_text FROM group_sessions_groupnote WHERE id = %s", [note.pk])
        other_token = cursor.fetchone()[0].replace("A", "B", 1)
    refused(
        "UPDATE group_sessions_groupnote SET free_text = %s WHERE id = %s",
        [other_token, note.pk],
        match="cannot change",
        first=f"{scope} together.rewriting_ciphertext = 'on'",
    )
    assert GroupNote.objects.get().free_text == SECRETS["group note"]


def test_the_app_role_may_only_add_to_and_read_the_audit_trail():
    event = AuditEvent.objects.create(action="view", object_type="members.user", object_id=1)
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    for statement in (
        "UPDATE members_auditevent SET action = 'create' WHERE id = %s",
        "DELETE FROM members_auditevent WHERE id = %s",
    ):
        refused(statement, [event.pk], match="permission denied")
    refused("INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())")


@pytest.fixture
def app_connection():
    """A connection of its own as the app role, as a web worker would open it."""
    database = settings.DATABASES["default"]
    with psycopg.connect(
        dbname=database["NAME"],
        user=settings.DATABASE_APP_ROLE,
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        autocommit=True,
    ) as conn:
        yield conn


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE members_auditevent",
        "ALTER TABLE members_auditevent DISABLE TRIGGER ALL",
        "ALTER TABLE group_sessions_groupnote DISABLE TRIGGER group_note_signed_is_final",
        "SET session_replication_role = replica",
        "DROP TRIGGER audit_event_append_only ON members_auditevent",
        "CREATE TABLE together_intruder (id int)",
        "CREATE OR REPLACE FUNCTION together_rewriting_ciphertext(relid oid) RETURNS boolean "
        "AS 'SELECT true' LANGUAGE sql",
    ],
)
def test_the_app_role_cannot_switch_the_protections_off(app_connection, statement):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_connection.execute(statement)


def test_the_owner_role_runs_the_block_of_as_owner_and_the_app_role_comes_back():
    with db_roles.as_owner(), connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == settings.DATABASE_OWNER["USER"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == settings.DATABASE_APP_ROLE


def test_follow_ups_are_never_deleted_by_any_writer(world):
    refused(
        "DELETE FROM measures_followup WHERE id = %s", [world.follow_up.pk], match="never deleted"
    )
    from measures.models import FollowUp

    assert FollowUp.objects.filter(pk=world.follow_up.pk).exists()


def test_attendance_of_a_signed_session_changes_only_with_its_addendum(world, facilitator):
    from sessions import services
    from sessions.models import Addendum, Attendance

    attendance = Attendance.objects.get(session=world.past)  # world.past's notes are signed
    for statement in (
        "UPDATE group_sessions_attendance SET status = 'absent' WHERE id = %s",
        "DELETE FROM group_sessions_attendance WHERE id = %s",
    ):
        refused(statement, [attendance.pk], match="signed session")
    old = Addendum.objects.create(group_note=world.past.note, signed_by=facilitator, text="x")
    refused(  # an addendum, but one that records nothing about this change: twice is refused
        "UPDATE group_sessions_attendance SET status = 'absent', addendum_id = %s WHERE id = %s",
        [old.pk, attendance.pk],
        match="signed session",
        first=f"UPDATE group_sessions_attendance SET addendum_id = {old.pk} "
        f"WHERE id = {attendance.pk}",
    )
    services.mark_attendance(
        session=world.past,
        participant=attendance.participant,
        status="absent",
        marked_by=facilitator,
        reason="Marked present by mistake",
    )
    attendance.refresh_from_db()
    assert attendance.status == "absent" and "by mistake" in attendance.addendum.text


def test_removing_a_second_step_is_always_in_the_audit_trail(facilitator):
    """Whatever deletes it (allauth's page, a bulk delete, a raw DELETE by the app role), the
    database writes the removal to the trail in the same transaction."""
    from allauth.mfa.models import Authenticator

    found = Authenticator.objects.filter(user=facilitator)
    kinds = sorted(found.values_list("type", flat=True))
    assert kinds, "the facilitator persona has a second step"
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM mfa_authenticator WHERE user_id = %s", [facilitator.pk])
    removed = AuditEvent.objects.filter(
        object_type="mfa.authenticator", action="delete", participant_id=facilitator.pk
    )
    assert sorted(event.detail["type"] for event in removed) == kinds

"""The audit trail: writes and reads of clinical records, account events, append-only in
PostgreSQL, and who may see which part of it."""

import json
from datetime import timedelta

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from members import services as member_services
from members.models import Role
from sessions.models import Addendum, Attendance, GroupNote, IndividualNote
from tests.conftest import signed_in_client
from tests.members.factories import PASSWORD, UserFactory
from tests.sessions.factories import GroupSessionFactory, reviewed
from tests.therapy_groups.factories import TherapyGroupFactory
from therapy_groups.models import Goal, GoalCheckIn, GoalComment

pytestmark = pytest.mark.django_db

A = AuditEvent.Action
REFUSED = (IntegrityError, InternalError, ProgrammingError)


def events(model=None, action=None, **filters):
    found = AuditEvent.objects.filter(**filters)
    if model is not None:
        found = found.filter(object_type=model._meta.label_lower)
    if action is not None:
        found = found.filter(action=action)
    return found


@pytest.fixture
def fac(facilitator):
    return signed_in_client(facilitator)


def test_a_facilitators_week_leaves_a_complete_trail_with_who_where_and_which_request(
    fac, facilitator, world, participant
):
    session = world.past
    response = fac.post(
        reverse("attendance_mark", args=[session.pk, participant.pk]),
        {"status": "late", "reason": "Came in after the break"},  # its notes are signed
        REMOTE_ADDR="203.0.113.9",
    )
    change = events(Attendance, A.CHANGE).get()
    assert (change.actor, change.ip, change.group_id, change.participant) == (
        facilitator,
        "203.0.113.9",
        world.group.pk,
        participant,
    )
    assert change.request_id == response["X-Request-ID"] and len(change.request_id) == 32

    draft_session = GroupSessionFactory(
        group=world.group, starts_at=session.starts_at + timedelta(days=1)
    )
    fac.post(
        reverse("attendance_mark", args=[draft_session.pk, participant.pk]), {"status": "present"}
    )
    fac.post(reverse("group_note", args=[draft_session.pk]), {"format": "free", "free_text": "Ok"})
    fac.post(
        reverse("individual_note", args=[draft_session.pk, participant.pk]),
        {"progress": "Spoke twice", "participation": ""},
    )
    fac.post(reverse("notes_sign", args=[draft_session.pk]), reviewed(draft_session))
    note = GroupNote.objects.get(session=draft_session)
    individual = IndividualNote.objects.get(session=draft_session)
    fac.post(
        reverse("group_note_addendum", args=[draft_session.pk]), {"text": "Also: a fire drill"}
    )

    assert events(Attendance, A.CREATE, participant=participant, actor=facilitator).count() == 1
    assert events(GroupNote, A.CREATE, object_id=note.pk, actor=facilitator).exists()
    assert events(IndividualNote, A.CREATE, object_id=individual.pk).exists()
    assert events(GroupNote, A.SIGN, object_id=note.pk).exists()
    signed = events(IndividualNote, A.SIGN, object_id=individual.pk).get()  # a bulk update
    assert (signed.actor, signed.participant, signed.group_id) == (
        facilitator,
        participant,
        world.group.pk,
    )
    fire_drill = Addendum.objects.get(group_note=note)
    addendum = events(Addendum, A.ADDENDUM, object_id=fire_drill.pk).get()
    assert addendum.group_id == world.group.pk
    # The attendance changed after signing became an addendum to the signed note, on the trail.
    late = Addendum.objects.get(group_note__session=session)
    assert events(Addendum, A.ADDENDUM, object_id=late.pk, actor=facilitator).exists()


def test_opening_clinical_pages_and_exports_is_recorded(fac, facilitator, world, participant):
    group, session = world.group, world.past
    fac.get(reverse("session_detail", args=[session.pk]))
    fac.get(reverse("participant_record", args=[group.pk, participant.pk]))
    fac.get(reverse("attendance_grid", args=[group.pk]))
    fac.get(reverse("attendance_csv", args=[group.pk]))
    viewed = events(action=A.VIEW, actor=facilitator, group_id=group.pk)
    assert {(e.object_type, e.object_id) for e in viewed} == {
        ("group_sessions.groupsession", session.pk),
        ("members.user", participant.pk),
        ("therapy_groups.therapygroup", group.pk),
    }
    assert events(action=A.EXPORT, actor=facilitator, group_id=group.pk).count() == 1
    # A drafted note is a clinical page too; a signed one redirects and shows nothing.
    draft = GroupSessionFactory(group=group)
    GroupNote.objects.create(session=draft, data="Draft")
    fac.get(reverse("group_note", args=[draft.pk]))
    assert events(GroupNote, A.VIEW, actor=facilitator).count() == 1

    member = signed_in_client(participant)
    member.get(reverse("my_data_json"))
    export = events(action=A.EXPORT, actor=participant).get()
    assert export.participant == participant and export.detail == {"path": "/accounts/my-data.json"}


def test_goal_check_in_comment_and_enrollment_changes_are_recorded(world, facilitator, participant):
    member = signed_in_client(participant)
    member.post(reverse("goal_new"), {"what": "Sleep by eleven", "why": "Mornings"})
    goal = Goal.objects.filter(participant=participant).latest("pk")
    assert goal.what == "Sleep by eleven"
    member.post(reverse("goal_check_in", args=[goal.pk]), {"progress": 4, "note": "Hard week"})
    signed_in_client(facilitator).post(
        reverse("goal_comment", args=[goal.pk]), {"text": "Well done for trying"}
    )
    assert events(Goal, A.CREATE, object_id=goal.pk, actor=participant).exists()
    check_in = events(GoalCheckIn, A.CREATE).get()
    assert (check_in.actor, check_in.participant, check_in.group_id) == (
        participant,
        participant,
        world.group.pk,
    )
    assert events(GoalComment, A.CREATE, actor=facilitator, participant=participant).exists()

    enrollment = world.enrollment
    signed_in_client(facilitator).post(
        reverse("enrollment_end", args=[world.group.pk, enrollment.pk]),
        {"status": "completed", "left_on": "2026-11-20", "reason": ""},
    )
    ended = events(object_type="therapy_groups.enrollment", action=A.CHANGE).get()
    assert ended.object_id == enrollment.pk and "status" in ended.detail["fields"]


def test_the_trail_never_holds_clinical_text(fac, world, participant):
    fac.post(
        reverse("individual_note", args=[world.upcoming.pk, participant.pk]),
        {"progress": "Talked about her mother", "participation": ""},
    )
    fac.get(reverse("participant_record", args=[world.group.pk, participant.pk]))
    dumped = json.dumps(list(AuditEvent.objects.values()), default=str)
    for text in ("mother", "Walk twice", "sleep routines", participant.email):
        assert text not in dumped


def test_account_and_role_events_are_recorded(admin_user, facilitator, participant, client):
    admin = signed_in_client(admin_user)
    admin.post(
        reverse("admin_therapist_access", args=[facilitator.pk]),
        {"action": "deactivate", "confirmed": "yes"},
    )
    admin.post(reverse("admin_therapist_access", args=[facilitator.pk]), {"action": "reactivate"})
    assert events(action=A.DEACTIVATE, participant=facilitator, actor=admin_user).exists()
    assert events(action=A.REACTIVATE, participant=facilitator, actor=admin_user).exists()

    invitation, _ = member_services.create_invitation(
        email="new@example.org", role=Role.FACILITATOR, invited_by=admin_user
    )
    newcomer = UserFactory(role=Role.PARTICIPANT, email="new@example.org")
    member_services.accept_invitation(invitation=invitation, user=newcomer)
    assert events(action=A.ROLE, participant=newcomer).exists()
    assert events(object_type="members.invitation", action=A.CREATE, object_id=invitation.pk)

    group = TherapyGroupFactory(facilitators=[facilitator])
    group.facilitators.add(newcomer)
    assigned = events(action=A.FACILITATORS, group_id=group.pk).last()
    assert assigned.detail == {"change": "add", "people": [newcomer.pk]}

    client.post(reverse("account_login"), {"login": participant.email, "password": "wrong"})
    failed = events(action=A.LOGIN_FAILED).get()
    assert failed.actor is None and failed.object_id is None and failed.ip == "127.0.0.1"
    # Signing in saves last_login: that is a sign-in event, not an account change.
    client.post(reverse("account_login"), {"login": participant.email, "password": PASSWORD})
    assert not events(action=A.CHANGE, participant=participant).exists()


def test_postgresql_refuses_to_change_or_delete_an_event_even_for_the_owner(facilitator):
    """The app role may not UPDATE or DELETE at all (tests/core/test_database_roles.py); the trigger
    refuses the owner too."""
    event = AuditEvent.objects.create(action=A.VIEW, object_type="members.user", object_id=1)
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    for sql in (
        "UPDATE members_auditevent SET action = 'create' WHERE id = %s",
        "DELETE FROM members_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(REFUSED, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
        event.delete()
    event.refresh_from_db()
    assert event.action == A.VIEW


def test_facilitators_see_their_groups_trail_and_nobody_else_does(world, personas, participant):
    personas["facilitator"].get(
        reverse("participant_record", args=[world.group.pk, participant.pk])
    )
    url = reverse("group_audit", args=[world.group.pk])
    page = personas["facilitator"].get(url)
    assert page.status_code == 200
    assert "record." not in page.text  # views are hidden unless asked for
    page = personas["facilitator"].get(url + "?views=all")
    facilitator = world.group.facilitators.first().short_name
    assert f"{facilitator} opened {participant.short_name}&#x27;s record." in page.text
    assert personas["other_facilitator"].get(url).status_code == 404
    assert personas["participant"].get(url).status_code == 403
    assert personas["admin"].get(url).status_code == 403
    # Another group's events never show on this group's log.
    personas["other_facilitator"].get(reverse("session_detail", args=[world.other_session.pk]))
    stranger = world.other_session.group.facilitators.first().short_name
    assert f"{stranger} opened" not in personas["facilitator"].get(url + "?views=all").text


def test_admins_see_account_events_but_not_who_opened_which_record(world, personas, facilitator):
    personas["facilitator"].get(reverse("session_detail", args=[world.past.pk]))
    personas["admin"].post(
        reverse("admin_therapist_access", args=[world.group.facilitators.last().pk]),
        {"action": "deactivate", "confirmed": "yes"},
    )
    url = reverse("admin_activity")
    page = personas["admin"].get(url).text
    assert "Deactivated" in page
    assert "Viewed" not in page and "Group session" not in page
    for persona in ("facilitator", "participant", "other_facilitator"):
        assert personas[persona].get(url).status_code == 403


def test_trail_pages_keep_their_query_count_as_the_trail_grows(
    world, personas, django_assert_max_num_queries
):
    client = personas["facilitator"]
    url = reverse("group_audit", args=[world.group.pk])
    for _ in range(2):
        client.get(reverse("session_detail", args=[world.past.pk]))
        with django_assert_max_num_queries(15):
            assert client.get(url + "?views=all").status_code == 200
        for _ in range(60):  # more than a page
            client.get(reverse("attendance_grid", args=[world.group.pk]))
    assert "Page 1 of 3" in client.get(url + "?views=all").text  # 122 events, 50 a page
    assert "views=all" in client.get(url + "?views=all").text.split("Page 1 of 3")[1]


@pytest.mark.parametrize(("behind_proxy", "kept"), [(False, False), (True, True)])
def test_a_clients_request_id_is_trusted_only_from_our_proxy(
    client, participant, settings, behind_proxy, kept
):
    settings.BEHIND_PROXY = behind_proxy
    client.force_login(participant)
    response = client.get(reverse("my_data"), HTTP_X_REQUEST_ID="forged-by-client-0001")
    event = AuditEvent.objects.filter(action=A.VIEW, participant=participant).get()
    assert (event.request_id == "forged-by-client-0001") is kept
    assert event.request_id == response["X-Request-ID"]


def test_the_group_page_and_the_check_in_link_record_who_opened_them(
    personas, world, participant, facilitator, check_in_link
):
    personas["facilitator"].get(reverse("group_detail", args=[world.group.pk]))
    opened = AuditEvent.objects.filter(action=A.VIEW, object_type="therapy_groups.therapygroup")
    assert opened.get().actor == facilitator and opened.get().group_id == world.group.pk
    assert Client().get(check_in_link).status_code == 200
    event = AuditEvent.objects.get(action=A.VIEW, object_type="members.user")
    assert event.participant == participant
    assert event.detail["path"] == "/check-in/[redacted]/"  # the link's token is not kept

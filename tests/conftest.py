"""Personas every test can use. Staff personas have MFA enrolled, as the app requires."""

from types import SimpleNamespace

import pytest
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from django.db import connection
from django.test import Client

from core import db_roles
from members.models import Role
from tests.members.factories import UserFactory

TRANSACTIONAL = {"transactional_db", "live_server", "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def act_as_app_role(request):
    """Tests run as the least-privileged app role, as the web app and the workers do, so a
    missing grant fails here. (Tests that commit, with transaction=True, stay the owner: they
    empty the tables afterwards, which the app role may not.)"""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(TRANSACTIONAL & set(request.fixturenames)) or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    if transactional or (marker is None and "db" not in request.fixturenames):
        yield
        return
    request.getfixturevalue("db")
    with connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{db_roles.app_role()}"')
    yield


@pytest.fixture(autouse=True)
def force_login_passes_both_steps(monkeypatch):
    """`client.force_login(user)` stands for a full sign-in: for a user with an authenticator,
    the session records a passed second step, as allauth's login would. Tests of sessions
    that skipped the second step use `force_login_password_only`."""
    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if user.authenticator_set.filter(type="totp").exists():
            record_second_step(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)
    monkeypatch.setattr(Client, "force_login_password_only", original, raising=False)


def record_second_step(client: Client, user) -> None:
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "type": "totp", "at": 0}]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()


@pytest.fixture
def admin_user(db):
    return UserFactory(role=Role.ADMIN, email="admin@example.org", first_name="Ada")


@pytest.fixture
def facilitator(db):
    return UserFactory(role=Role.FACILITATOR, email="facilitator@example.org", first_name="Fay")


@pytest.fixture
def cofacilitator(db):
    return UserFactory(role=Role.FACILITATOR, email="cofacilitator@example.org", first_name="Cai")


@pytest.fixture
def other_facilitator(db):
    """Facilitates another group: sees nothing of the facilitator's groups."""
    return UserFactory(role=Role.FACILITATOR, email="other-facilitator@example.org")


@pytest.fixture
def participant(db):
    return UserFactory(role=Role.PARTICIPANT, email="participant@example.org", first_name="Pia")


@pytest.fixture
def other_participant(db):
    """A participant of another group."""
    return UserFactory(role=Role.PARTICIPANT, email="other-participant@example.org")


def signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def personas(admin_user, facilitator, participant, other_facilitator, other_participant):
    """One client per role, plus anonymous and the people of another group."""
    return {
        "anonymous": Client(),
        "participant": signed_in_client(participant),
        "facilitator": signed_in_client(facilitator),
        "admin": signed_in_client(admin_user),
        "other_facilitator": signed_in_client(other_facilitator),
        "other_participant": signed_in_client(other_participant),
    }


@pytest.fixture
def world(facilitator, cofacilitator, participant, other_facilitator, other_participant):
    """Two groups: the facilitator's (with the participant, a past and a future session) and
    another group, run by other_facilitator with other_participant."""
    from datetime import timedelta

    from django.utils import timezone

    from measures.models import FollowUp
    from members.models import ClosureRequest
    from sessions.models import GroupNote, GroupSession, IndividualNote
    from tests.sessions.factories import AttendanceFactory, GroupSessionFactory
    from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
    from therapy_groups.models import Goal

    group = TherapyGroupFactory(facilitators=[facilitator, cofacilitator])
    enrollment = EnrollmentFactory(group=group, participant=participant)
    now = timezone.now()
    past = GroupSessionFactory(
        group=group, starts_at=now - timedelta(days=7), status=GroupSession.Status.HELD
    )
    upcoming = GroupSessionFactory(group=group, starts_at=now + timedelta(days=7))
    AttendanceFactory(session=past, participant=participant)
    signed = {"signed_by": facilitator, "signed_at": now}
    GroupNote.objects.create(session=past, data="Worked on sleep routines.", **signed)
    IndividualNote.objects.create(
        session=past, participant=participant, progress="Engaged.", **signed
    )
    goal = Goal.objects.create(group=group, participant=participant, what="Walk twice a week")
    leaver = EnrollmentFactory(group=group).participant
    closure = ClosureRequest.objects.create(user=leaver, reason="Moving away")
    other_group = TherapyGroupFactory(facilitators=[other_facilitator], name="Other group")
    other_enrollment = EnrollmentFactory(group=other_group, participant=other_participant)
    other_session = GroupSessionFactory(
        group=other_group, starts_at=now - timedelta(days=6), status=GroupSession.Status.HELD
    )
    other_goal = Goal.objects.create(
        group=other_group, participant=other_participant, what="Someone else's goal"
    )
    other_closure = ClosureRequest.objects.create(
        user=EnrollmentFactory(group=other_group).participant, reason="Someone else's"
    )
    risk = FollowUp.Reason.RISK_ANSWER
    follow_up = FollowUp.objects.create(group=group, participant=participant, reason=risk)
    other_follow_up = FollowUp.objects.create(
        group=other_group, participant=other_participant, reason=risk
    )
    return SimpleNamespace(
        group=group,
        enrollment=enrollment,
        past=past,
        upcoming=upcoming,
        goal=goal,
        closure=closure,
        other_group=other_group,
        other_session=other_session,
        other_enrollment=other_enrollment,
        other_goal=other_goal,
        other_closure=other_closure,
        follow_up=follow_up,
        other_follow_up=other_follow_up,
    )


@pytest.fixture
def send_outbox(db):
    """Deliver every due outbox row now, as a worker would; returns django.core.mail.outbox."""
    from django.core import mail

    from core.outbox.delivery import deliver_due

    def send():
        while deliver_due():
            pass
        return mail.outbox

    return send


@pytest.fixture
def check_in_link(world, participant):
    """The goal check-in link the participant's prompt email carries (their goal is world.goal)."""
    from django.urls import reverse

    from core.outbox.models import Notification
    from sessions import outbox

    prompt = Notification.objects.create(
        kind=outbox.GOAL_PROMPT,
        recipient=participant,
        subject_id=world.past.pk,
        occurrence=world.past.starts_at,
        due_at=world.past.starts_at,
        expires_at=world.upcoming.starts_at,
    )
    return reverse("goal_prompt_check_in", args=[outbox.goal_link_token(prompt)])


@pytest.fixture
def no_quiet_hours():
    """The organisation keeps no quiet hours, so a text goes whenever the test sends it. For
    tests about texts but not about quiet hours, which by default (21:00-08:00) would hold
    their texts whenever CI runs at night. Real workers take the database's clock, which a test
    cannot pin, so this pins the rule instead. (tests/sessions/test_quiet_hours.py pins times.)"""
    from datetime import time

    from members.models import Organisation

    Organisation.objects.update_or_create(
        pk=1, defaults={"quiet_from": time(0), "quiet_until": time(0)}
    )

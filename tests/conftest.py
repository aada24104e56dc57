"""Personas every test can use. Staff personas have MFA enrolled, as the app requires."""

import pytest
from django.test import Client

from members.models import Role
from tests.members.factories import UserFactory


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
def personas(admin_user, facilitator, participant):
    """One client per role, plus anonymous."""
    return {
        "anonymous": Client(),
        "participant": signed_in_client(participant),
        "facilitator": signed_in_client(facilitator),
        "admin": signed_in_client(admin_user),
    }

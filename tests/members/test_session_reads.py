"""Every request reads its session and its person with plain queries (members/sessions.py,
members/auth_backends.py): the same answers as Django's own reads, for every case."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members.models import User
from members.sessions import SessionStore

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(participant):
    client = Client()
    client.force_login(participant)
    assert client.get(reverse("account_overview")).status_code == 200
    return client


def signed_out(client) -> bool:
    response = client.get(reverse("account_overview"))
    return response.status_code == 302 and reverse("account_login") in response["Location"]


def test_an_expired_session_is_signed_out_and_given_a_new_key(signed_in):
    key = signed_in.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    assert signed_out(signed_in)
    assert SessionStore(key).load() == {}


def test_an_unknown_session_key_is_signed_out(client):
    client.cookies["sessionid"] = "nosuchsessionkeyatall0123456789a"
    assert signed_out(client)


def test_a_person_deactivated_behind_the_apps_back_is_signed_out(signed_in, participant):
    User.objects.filter(pk=participant.pk).update(is_active=False)
    assert signed_out(signed_in)


def test_a_changed_password_signs_other_sessions_out(signed_in, participant):
    participant.set_password("a-brand-new-passphrase-2026")
    participant.save()
    assert signed_out(signed_in)


def test_the_person_read_is_the_whole_row(signed_in, participant):
    participant.reminder_hours = [24, 2]  # a JSON field: converted, not left as text
    participant.save()
    response = signed_in.get(reverse("account_overview"))
    assert response.wsgi_request.user.reminder_hours == [24, 2]
    assert response.wsgi_request.user.email == participant.email


def test_sessions_signed_in_before_the_backends_were_renamed_stay_signed_in(participant):
    """Migration 0018 renames the backend each live session names (a name no longer listed
    would sign everyone out at that deploy)."""
    store = SessionStore()
    store[SESSION_KEY] = str(participant.pk)
    store[HASH_SESSION_KEY] = participant.get_session_auth_hash()
    store[BACKEND_SESSION_KEY] = "allauth.account.auth_backends.AuthenticationBackend"
    store.create()
    client = Client()
    client.cookies["sessionid"] = store.session_key
    assert signed_out(client)

    migration = importlib.import_module("members.migrations.0018_sign_in_backends_renamed")
    migration.rename_in_live_sessions(apps, None)

    client.cookies["sessionid"] = store.session_key
    assert client.get(reverse("account_overview")).status_code == 200
    assert SessionStore(store.session_key).load()[BACKEND_SESSION_KEY] == (
        "members.auth_backends.AccountBackend"
    )

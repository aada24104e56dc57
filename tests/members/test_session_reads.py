"""Every request reads its session and its person in one plain query (members/sessions.py,
members/auth_backends.py): the same answers as Django's own reads, for every case."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session as DjangoSession
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import Organisation, Session, User
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


RENAME = importlib.import_module("members.migrations.0018_sign_in_backends_renamed")
MOVE = importlib.import_module("members.migrations.0026_browser_sessions_name_their_person")


def old_session(participant, backend: str) -> str:
    """A session as Django's own store kept it, before sessions named their person."""
    from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore

    store = DjangoSessionStore()
    store[SESSION_KEY] = str(participant.pk)
    store[HASH_SESSION_KEY] = participant.get_session_auth_hash()
    store[BACKEND_SESSION_KEY] = backend
    store.create()
    return store.session_key


def test_sessions_signed_in_before_the_backends_were_renamed_stay_signed_in(participant):
    """Migration 0018 renames the backend each live session names (a name no longer listed
    would sign everyone out at that deploy); 0026 then moves the session to the new table."""
    key = old_session(participant, "allauth.account.auth_backends.AuthenticationBackend")
    client = Client()
    client.cookies["sessionid"] = key
    assert signed_out(client)

    RENAME.rename_in_live_sessions(apps, None)
    MOVE.move_live_sessions(apps, None)

    client.cookies["sessionid"] = key
    assert client.get(reverse("account_overview")).status_code == 200
    assert SessionStore(key).load()[BACKEND_SESSION_KEY] == "members.auth_backends.AccountBackend"


def test_live_sessions_move_to_the_new_table_naming_their_person(participant):
    live = old_session(participant, "members.auth_backends.AccountBackend")
    expired = old_session(participant, "members.auth_backends.AccountBackend")
    DjangoSession.objects.filter(session_key=expired).update(
        expire_date=timezone.now() - timedelta(1)
    )

    migration = importlib.import_module(
        "members.migrations.0026_browser_sessions_name_their_person"
    )
    migration.move_live_sessions(apps, None)

    assert list(Session.objects.values_list("session_key", "user_id")) == [(live, participant.pk)]
    assert not DjangoSession.objects.exists()
    client = Client()
    client.cookies["sessionid"] = live
    assert client.get(reverse("account_overview")).status_code == 200


def test_a_session_names_its_person_and_a_signed_in_page_reads_both_in_one_query(
    signed_in, participant
):
    key = signed_in.session.session_key
    assert Session.objects.get(session_key=key).user_id == participant.pk
    with CaptureQueriesContext(connection) as queries:
        response = signed_in.get(reverse("account_overview"))
    assert response.wsgi_request.user == participant
    reads_of_people = [q["sql"] for q in queries if 'FROM "members_user"' in q["sql"]]
    assert reads_of_people == [], "the person came with the session's row"


def test_the_organisation_comes_with_the_session_and_a_change_shows_on_the_next_page(signed_in):
    Organisation.objects.update_or_create(pk=1, defaults={"name": "Hillside"})
    with CaptureQueriesContext(connection) as queries:
        html = signed_in.get(reverse("account_overview")).text
    assert "· Hillside</title>" in html
    own_reads = [q["sql"] for q in queries if 'FROM "members_organisation"' in q["sql"]]
    assert own_reads == [], "the organisation came with the session's row"
    Organisation.objects.filter(pk=1).update(name="Riverside Clinic")
    assert "· Riverside Clinic</title>" in signed_in.get(reverse("account_overview")).text


def test_the_person_is_the_one_the_session_data_names_whatever_the_column_says(
    signed_in, participant, facilitator
):
    """The column only saves a query: who is signed in is what Django's own data says."""
    Session.objects.filter(session_key=signed_in.session.session_key).update(user=facilitator)
    response = signed_in.get(reverse("account_overview"))
    assert response.status_code == 200
    assert response.wsgi_request.user == participant


def test_a_person_s_sessions_end_with_them(signed_in, participant):
    participant.delete()
    assert not Session.objects.exists()
    assert signed_out(signed_in)


def test_signing_out_ends_the_session_row(signed_in):
    key = signed_in.session.session_key
    signed_in.post(reverse("account_logout"))
    assert not Session.objects.filter(session_key=key).exists()


def test_an_existing_session_is_written_back_in_one_statement(signed_in, participant):
    store = SessionStore(signed_in.session.session_key)
    store["together.seen"] = 1.0
    with CaptureQueriesContext(connection) as queries:
        store.save()
    assert len(queries) == 1 and queries[0]["sql"].startswith("UPDATE")
    again = SessionStore(store.session_key)
    assert again["together.seen"] == 1.0
    assert Session.objects.get(session_key=store.session_key).user_id == participant.pk


def test_a_session_ended_meanwhile_is_not_brought_back(signed_in):
    """Signed out in another tab while a page was being made: the page's write must fail, as
    Django's does (it answers "session interrupted"), not sign the person back in."""
    store = SessionStore(signed_in.session.session_key)
    store["together.seen"] = 1.0
    Session.objects.filter(session_key=store.session_key).delete()
    with pytest.raises(UpdateError):
        store.save()
    assert not Session.objects.exists()


def test_the_nightly_clean_up_removes_expired_sessions_from_the_new_table(signed_in):
    from members.tasks import clear_expired_sessions

    live = signed_in.session.session_key
    store = SessionStore()
    store["x"] = 1
    store.create()
    past = timezone.now() - timedelta(1)
    Session.objects.filter(session_key=store.session_key).update(expire_date=past)

    clear_expired_sessions()

    assert list(Session.objects.values_list("session_key", flat=True)) == [live]


def test_the_person_is_read_at_once_and_a_request_without_a_session_reads_nothing(
    signed_in, participant
):
    response = signed_in.get(reverse("account_overview"))
    assert type(response.wsgi_request.user) is User  # not a lazy wrapper around one
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(reverse("crisis_resources"))
    assert response.wsgi_request.user.is_anonymous
    assert not [q for q in queries if "members_session" in q["sql"]]

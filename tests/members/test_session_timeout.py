"""Idle and absolute session timeouts, the keep-alive, and the warning's markup."""

import time

import pytest
from django.urls import reverse

from members.middleware import SessionTimeoutMiddleware
from tests.members.factories import PASSWORD

pytestmark = pytest.mark.django_db
SEEN, STARTED = SessionTimeoutMiddleware.SEEN, SessionTimeoutMiddleware.STARTED


def age_session(client, *, idle_minutes: float = 0, signed_in_hours: float = 0) -> None:
    client.get(reverse("crisis_resources"))  # the middleware notes the session's times
    session = client.session
    session[SEEN] = time.time() - idle_minutes * 60
    session[STARTED] = time.time() - signed_in_hours * 3600
    session.save()


@pytest.mark.parametrize(
    ("persona", "quiet", "signed_out"),
    [
        ("facilitator", 14, False),
        ("facilitator", 16, True),
        ("admin_user", 16, True),
        ("participant", 59, False),
        ("participant", 61, True),
    ],
)
def test_quiet_sessions_end_after_the_roles_idle_time(client, request, persona, quiet, signed_out):
    client.force_login(request.getfixturevalue(persona))
    age_session(client, idle_minutes=quiet)
    response = client.get(reverse("account_overview"))
    if signed_out:
        assert response.status_code == 302 and response["Location"].startswith(
            reverse("account_login")
        )
        assert "_auth_user_id" not in client.session
        page = client.get(response["Location"]).text
        assert "We signed you out after" in page and "to keep your information private" in page
    else:
        assert response.status_code == 200


def test_every_session_ends_twelve_hours_after_signing_in(client, participant):
    client.force_login(participant)
    age_session(client, idle_minutes=0, signed_in_hours=12.1)
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("account_login"))
    page = client.get(response["Location"]).text
    assert "We signed you out 12 hours after you signed in" in page  # not "without activity"
    assert "without activity" not in page


def test_keep_alive_counts_as_activity(client, facilitator):
    client.force_login(facilitator)
    age_session(client, idle_minutes=14)
    assert client.post(reverse("keep_alive")).status_code == 204
    assert time.time() - client.session[SEEN] < 5


def test_signed_in_pages_carry_the_warning_and_anonymous_ones_do_not(client, participant):
    assert 'id="timeout-warning"' not in client.get(reverse("home")).text
    client.force_login(participant)
    page = client.get(reverse("account_overview")).text
    assert 'id="timeout-warning"' in page and 'data-idle-seconds="3600"' in page


def test_where_youre_signed_in_is_updated_once_a_minute_not_on_every_page(client, participant):
    from allauth.usersessions.models import UserSession

    from members.middleware import SessionActivityMiddleware

    def tracked_seconds_ago(seconds: float) -> None:
        session = client.session
        session[SessionActivityMiddleware.TRACKED] = time.time() - seconds
        session.save()

    client.post(reverse("account_login"), {"login": participant.email, "password": PASSWORD})
    seen = UserSession.objects.get(user=participant).last_seen_at
    tracked_seconds_ago(30)
    client.get(reverse("home"))
    assert UserSession.objects.get(user=participant).last_seen_at == seen
    tracked_seconds_ago(61)
    client.get(reverse("home"))
    assert UserSession.objects.get(user=participant).last_seen_at > seen

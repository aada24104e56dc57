"""Cached page fragments (members.fragments): fresh after every write, per viewer, encrypted in
Redis, and never in the way of access checks, read audits, form tokens or a Redis outage."""

from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members import fragments
from members.models import AuditEvent
from sessions.models import Attendance

pytestmark = pytest.mark.django_db


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_a_second_view_is_served_from_the_cache_with_fewer_queries(world, personas):
    client = personas["facilitator"]
    url = reverse("group_detail", args=[world.group.pk])
    first, second = queries_for(client, url), queries_for(client, url)
    assert second < first - 3
    assert client.get(url).text.count(world.past.group.name) >= 1


def test_the_page_shows_a_write_at_once(world, personas, participant):
    client = personas["facilitator"]
    session_url = reverse("session_detail", args=[world.past.pk])
    assert 'aria-pressed="true">Present</button>' in client.get(session_url).text
    client.post(
        reverse("attendance_mark", args=[world.past.pk, participant.pk]), {"status": "absent"}
    )
    assert Attendance.objects.get(session=world.past, participant=participant).status == "absent"
    page = client.get(session_url).text
    assert 'aria-pressed="true">Absent</button>' in page
    assert 'aria-pressed="true">Present</button>' not in page


def test_goal_pages_show_a_check_in_and_a_facilitators_comment_at_once(world, personas):
    goal_url = reverse("goal_detail", args=[world.goal.pk])
    participant = personas["participant"]
    assert "Lovely progress" not in participant.get(goal_url).text
    participant.post(reverse("goal_check_in", args=[world.goal.pk]), {"progress": 7})
    assert ": 7 out of 10" in participant.get(goal_url).text
    personas["facilitator"].post(
        reverse("goal_comment", args=[world.goal.pk]), {"text": "Lovely progress"}
    )
    assert "Lovely progress" in participant.get(goal_url).text


def test_a_name_change_shows_on_the_pages_of_the_persons_groups(world, personas, participant):
    url = reverse("group_detail", args=[world.group.pk])
    assert "Renamed" not in personas["facilitator"].get(url).text
    participant.first_name = "Renamed"
    participant.save(update_fields=["first_name"])  # no audit event: the cache follows User
    assert "Renamed" in personas["facilitator"].get(url).text


def test_a_moved_session_shows_in_the_calendar_feed_at_once(world, participant):
    participant.calendar_token = "feed-token-for-the-cache-test"
    participant.save(update_fields=["calendar_token"])
    url = reverse("calendar_feed", args=[participant.calendar_token])
    client = Client()
    before = client.get(url).text
    world.upcoming.starts_at += timedelta(hours=1)
    world.upcoming.save()
    after = client.get(url).text
    assert before != after and "SEQUENCE" in after


def test_nothing_outlives_its_minute(world, personas, monkeypatch):
    client = personas["facilitator"]
    url = reverse("group_detail", args=[world.group.pk])
    client.get(url)
    cached = queries_for(client, url)
    later = timezone.now() + timedelta(seconds=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert queries_for(client, url) > cached + 3  # rendered afresh
    assert queries_for(client, url) == cached


def test_cached_pages_are_per_viewer_and_still_checked_and_audited(world, personas):
    url = reverse("session_detail", args=[world.past.pk])
    assert personas["facilitator"].get(url).status_code == 200
    assert personas["other_facilitator"].get(url).status_code == 404
    assert personas["participant"].get(url).status_code == 403
    assert personas["admin"].get(url).status_code == 403
    personas["facilitator"].get(url)
    views = AuditEvent.objects.filter(action="view", object_id=world.past.pk)
    assert views.count() == 2  # the cached view is recorded like the first


def test_the_cache_holds_only_ciphertext(world, personas):
    personas["facilitator"].get(reverse("session_detail", args=[world.past.pk]))
    personas["participant"].get(reverse("goal_detail", args=[world.goal.pk]))
    client = redis.Redis.from_url(settings.CACHES["fragments"]["LOCATION"])
    stored = [client.get(key) for key in client.keys("together:*fragment:*")]
    assert len(stored) == 2
    for value in stored:
        assert b"sleep routines" not in value and b"Walk twice" not in value
        assert b"gAAAA" in value  # a Fernet token
    page = personas["facilitator"].get(reverse("session_detail", args=[world.past.pk])).text
    assert "sleep routines" in page


def test_forms_on_a_cached_page_carry_this_requests_token(world, facilitator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(facilitator)
    url = reverse("session_detail", args=[world.past.pk])
    client.get(url)
    page = client.get(url).text  # from the cache
    assert fragments.CSRF_PLACEHOLDER not in page
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        reverse("attendance_mark", args=[world.past.pk, world.enrollment.participant_id]),
        {"status": "late", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_pages_and_writes_work_while_the_cache_is_down(world, personas, participant, settings):
    settings.CACHES = {
        **settings.CACHES,
        "fragments": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.1, "socket_timeout": 0.1},
        },
    }
    client = personas["facilitator"]
    assert client.get(reverse("session_detail", args=[world.past.pk])).status_code == 200
    client.post(
        reverse("attendance_mark", args=[world.past.pk, participant.pk]), {"status": "late"}
    )
    assert Attendance.objects.get(session=world.past, participant=participant).status == "late"
    assert "Late" in client.get(reverse("session_detail", args=[world.past.pk])).text


def test_tokens_are_replaced_again_once_the_write_commits(
    world, django_capture_on_commit_callbacks
):
    scope = fragments.group(world.group.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        fragments.changed(scope)
    during = caches["fragments"].get(scope)
    for callback in callbacks:
        callback()
    # A view that read the old rows during the write stored them under `during`: now unused.
    assert caches["fragments"].get(scope) not in (None, during)


def test_a_cached_view_reads_the_organisation_once_per_process_and_its_changes_at_once(
    world, personas, admin_client
):
    client = personas["facilitator"]
    url = reverse("group_detail", args=[world.group.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert not [q for q in captured if "members_organisation" in q["sql"]]
    admin_client.post(
        reverse("admin_settings"),
        {
            "name": "Harbour Clinic",
            "crisis_resources": "Call 111.",
            "allowed_reminder_hours": ["24"],
            "default_reminder_hours": ["24"],
            "goal_prompt_days": 3,
            "agreement_text": "Be kind.",
        },
    )
    assert '<a href="/" class="brand">Harbour Clinic</a>' in client.get(url).text


def test_requests_share_a_copy_of_site_wide_settings_never_the_object(rf):
    loads = []
    request = rf.get("/")
    request._together_site_token = "one"
    first = fragments.site_wide(request, lambda: loads.append(1) or {"name": "Together"})
    first["name"] = "changed by one request"
    assert fragments.site_wide(request, lambda: loads.append(1) or {}) == {"name": "Together"}
    request._together_site_token = "two"  # someone saved the settings
    assert fragments.site_wide(request, lambda: loads.append(1) or {"name": "New"}) == {
        "name": "New"
    }
    assert len(loads) == 2


def test_a_cached_view_is_one_round_trip_to_the_cache(world, personas, monkeypatch):
    client = personas["facilitator"]
    url = reverse("session_detail", args=[world.past.pk])
    client.get(url)
    cache = caches["fragments"]
    calls = []
    for method in ("get", "get_many", "set", "set_many"):
        original = getattr(cache, method)
        monkeypatch.setattr(
            cache, method, lambda *a, _m=method, _f=original, **k: calls.append(_m) or _f(*a, **k)
        )
    assert "sleep routines" in client.get(url).text
    assert calls == ["get_many"]

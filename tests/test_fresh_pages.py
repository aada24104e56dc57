"""Pages show every write at once, stay checked and audited on every view, and carry this
request's form token. (Kept from the retired page cache: they guard any cache added later.)"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from sessions.models import Attendance

pytestmark = pytest.mark.django_db


def test_the_page_shows_a_write_at_once(world, personas, participant):
    client = personas["facilitator"]
    session_url = reverse("session_detail", args=[world.past.pk])
    assert "<span>Present</span>" in client.get(session_url).text  # its notes are signed
    client.post(
        reverse("attendance_mark", args=[world.past.pk, participant.pk]),
        {"status": "absent", "reason": "Marked by mistake"},
    )
    assert Attendance.objects.get(session=world.past, participant=participant).status == "absent"
    page = client.get(session_url).text
    assert "<span>Absent</span>" in page and "<span>Present</span>" not in page
    assert "from Present to Absent. Reason: Marked by mistake" in page


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
    participant.save(update_fields=["first_name"])
    assert "Renamed" in personas["facilitator"].get(url).text


def test_a_moved_session_shows_in_the_calendar_feed_at_once(world, participant):
    participant.calendar_token = "feed-token-for-the-freshness-test"
    participant.save(update_fields=["calendar_token"])
    url = reverse("calendar_feed", args=[participant.calendar_token])
    client = Client()
    before = client.get(url).text
    world.upcoming.starts_at += timedelta(hours=1)
    world.upcoming.save()
    after = client.get(url).text
    assert before != after and "SEQUENCE" in after


def test_every_view_is_checked_and_audited(world, personas):
    url = reverse("session_detail", args=[world.past.pk])
    assert personas["facilitator"].get(url).status_code == 200
    assert personas["other_facilitator"].get(url).status_code == 404
    assert personas["participant"].get(url).status_code == 403
    assert personas["admin"].get(url).status_code == 403
    personas["facilitator"].get(url)
    views = AuditEvent.objects.filter(action="view", object_id=world.past.pk)
    assert views.count() == 2


def test_forms_carry_this_requests_token_and_nothing_user_written_is_replaced(world, facilitator):
    """The retired cache swapped a placeholder for the CSRF token, in user-written text too: a
    video link holding the placeholder carried the token off-site."""
    world.past.video_link = "https://video.example/__together_csrf_token__"
    world.past.save(update_fields=["video_link"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(facilitator)
    page = client.get(reverse("session_detail", args=[world.past.pk])).text
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    assert f"https://video.example/{token}" not in page
    response = client.post(
        reverse("attendance_mark", args=[world.past.pk, world.enrollment.participant_id]),
        {"status": "late", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_an_organisation_change_shows_in_the_header_at_once(world, personas, admin_client):
    client = personas["facilitator"]
    url = reverse("group_detail", args=[world.group.pk])
    client.get(url)
    admin_client.post(
        reverse("admin_settings"),
        {
            "name": "Harbour Clinic",
            "crisis_resources": "Call 111.",
            "allowed_reminder_hours": ["24"],
            "default_reminder_hours": ["24"],
            "goal_prompt_days": 3,
            "follow_up_window_hours": 4,
            "participants_see_scores": "on",
            "agreement_text": "Be kind.",
            "timezone": "Europe/London",
            "quiet_from": "21:00",
            "quiet_until": "08:00",
            "language": "en-gb",
        },
    )
    assert '<a href="/" class="brand">Harbour Clinic</a>' in client.get(url).text

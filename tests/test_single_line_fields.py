"""Names are one line of plain text; outside the app a group is never called by its real name;
plain-text email is plain."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.validators import clean_single_line_sql
from members.models import Organisation
from sessions import services
from tests.facilitation.test_pages import GROUP
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups.models import TherapyGroup

pytestmark = pytest.mark.django_db

BROKEN = [
    "Tuesday\ngroup",
    "Tuesday\r\nBcc: x@example.org",
    "Tab\there",
    "Line\u2028sep",
    "C1\x85next",
]


@pytest.mark.parametrize("value", BROKEN)
@pytest.mark.parametrize("field", ["name", "display_name", "location"])
def test_group_names_refuse_control_characters_with_a_clear_message(
    client, facilitator, field, value
):
    client.force_login(facilitator)
    response = client.post(reverse("group_create"), {**GROUP, field: value})
    assert response.status_code == 400
    assert "Use one line of plain text" in response.text
    assert not TherapyGroup.objects.exists()


def test_peoples_and_the_organisations_names_refuse_control_characters(
    client, participant, admin_user
):
    client.force_login(participant)
    response = client.post(
        reverse("preferences"), {"display_name": "Pia\nBcc: x", "timezone": "Europe/London"}
    )
    assert "Use one line of plain text" in response.text
    participant.refresh_from_db()
    assert "\n" not in participant.display_name
    admin = Client()
    admin.force_login(admin_user)
    page = admin.get(reverse("admin_settings"))
    data = {
        name: field.value() or ""
        for name, field in ((f.name, f) for f in page.context["form"])
        if field.value() is not None
    }
    data["name"] = "Clinic\r\nX-Header: 1"
    response = admin.post(reverse("admin_settings"), data)
    assert "Use one line of plain text" in response.text
    assert Organisation.current().name != data["name"]


def test_the_migration_turns_control_characters_in_old_rows_into_spaces(facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator])
    TherapyGroup.objects.filter(pk=group.pk).update(display_name="Tuesday\n\tgroup\u2028")
    with connection.cursor() as cursor:
        cursor.execute(clean_single_line_sql("therapy_groups_therapygroup", ["display_name"]))
    group.refresh_from_db()
    assert group.display_name == "Tuesday group"


@pytest.fixture
def undisclosed_group(facilitator, participant):
    group = TherapyGroupFactory(
        facilitators=[facilitator], name="Depression relapse group", display_name=""
    )
    EnrollmentFactory(group=group, participant=participant)
    return group


def test_without_a_discreet_name_emails_and_calendars_say_your_group(
    client, participant, undisclosed_group, send_outbox
):
    session = GroupSessionFactory(
        group=undisclosed_group, starts_at=timezone.now() + timedelta(days=3)
    )
    services.cancel_session(session=session, reason="Room flooded")
    sent = send_outbox()
    assert sent
    for message in sent:
        assert "Depression" not in message.subject + message.body
        assert "Depression" not in str(message.alternatives)
    client.force_login(participant)
    client.post(reverse("calendar_settings"))
    participant.refresh_from_db()
    feed = Client().get(reverse("calendar_feed", args=[participant.calendar_token]))
    assert b"SUMMARY:Your group" in feed.content and b"Depression" not in feed.content
    download = client.get(reverse("session_ics", args=[session.pk]))
    assert b"Depression" not in download.content


def test_plain_text_email_is_not_html_escaped(participant, facilitator, send_outbox):
    group = TherapyGroupFactory(facilitators=[facilitator], display_name='Tom & Jo\'s "Tuesday"')
    EnrollmentFactory(group=group, participant=participant)
    session = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=3))
    services.cancel_session(session=session, reason="Room <flooded>")
    message = send_outbox()[-1]
    assert 'Tom & Jo\'s "Tuesday"' in message.body
    assert "&quot;" not in message.body and "&amp;" not in message.body
    html = message.alternatives[0][0]
    assert "Tom &amp; Jo" in html  # the HTML part stays escaped

"""Admins manage therapists, groups and settings, and read reports: never notes or goal text."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.outbox.models import Notification
from members.models import ConfidentialityAgreement, Invitation, Organisation, Role
from sessions import reports
from sessions.models import Attendance, GroupNote, GroupSession
from tests.members.factories import PASSWORD, UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups import services as group_services
from therapy_groups.models import TherapyGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_therapist_list_shows_groups_caseload_mfa_and_last_login(admin_client, facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator], name="Monday mood group")
    for _ in range(3):
        EnrollmentFactory(group=group)
    UserFactory(role=Role.FACILITATOR, mfa=False, first_name="Nomfa")
    page = admin_client.get(reverse("admin_therapists")).text
    assert "Monday mood group" in page
    assert '<td data-label="Caseload">3</td>' in page
    assert "Not yet" in page and "Never" in page


def test_admin_invites_a_therapist_who_signs_up_as_a_facilitator(admin_client, send_outbox):
    admin_client.post(reverse("admin_therapists"), {"email": "new.therapist@example.org"})
    send_outbox()
    invitation = Invitation.objects.get(email="new.therapist@example.org")
    assert invitation.role == Role.FACILITATOR
    assert mail.outbox[-1].to == ["new.therapist@example.org"]
    assert "new.therapist@example.org" in admin_client.get(reverse("admin_therapists")).text


def test_deactivating_a_therapist_ends_their_sessions_and_flags_their_groups(
    admin_client, facilitator
):
    group = TherapyGroupFactory(facilitators=[facilitator], name="Orphaned group")
    browser = Client()
    browser.post(reverse("account_login"), {"login": facilitator.email, "password": PASSWORD})
    asked = admin_client.post(
        reverse("admin_therapist_access", args=[facilitator.pk]), {"action": "deactivate"}
    ).text
    assert "is signed out everywhere at once" in asked  # the review step changes nothing
    facilitator.refresh_from_db()
    assert facilitator.is_active is True
    admin_client.post(
        reverse("admin_therapist_access", args=[facilitator.pk]),
        {"action": "deactivate", "confirmed": "yes"},
    )
    facilitator.refresh_from_db()
    assert facilitator.is_active is False
    assert "_auth_user_id" not in browser.session
    page = admin_client.get(reverse("admin_groups")).text
    assert "Needs a facilitator" in page and "(deactivated)" in page
    admin_client.post(
        reverse("admin_therapist_access", args=[facilitator.pk]), {"action": "reactivate"}
    )
    facilitator.refresh_from_db()
    assert facilitator.is_active and group.pk


def test_admin_creates_a_group_and_assigns_facilitators(admin_client, facilitator, cofacilitator):
    admin_client.post(
        reverse("admin_group_create"),
        {
            "name": "Evening support",
            "focus": "depression",
            "kind": "support",
            "enrollment_mode": "open",
            "capacity": 10,
            "location": "Hall",
            "timezone": "Europe/London",
            "default_duration": 60,
            "start_date": "2026-12-01",
            "facilitators": [facilitator.pk],
        },
    )
    group = TherapyGroup.objects.get(name="Evening support")
    assert list(group.facilitators.all()) == [facilitator]
    admin_client.post(
        reverse("admin_group_facilitators", args=[group.pk]),
        {"facilitators": [facilitator.pk, cofacilitator.pk]},
    )
    assert set(group.facilitators.all()) == {facilitator, cofacilitator}
    response = admin_client.post(reverse("admin_group_facilitators", args=[group.pk]), {})
    assert response.status_code == 400 and "This field is required" in response.text


def test_settings_change_the_crisis_text_and_leave_the_agreement_alone(admin_client):
    response = admin_client.post(
        reverse("admin_settings"),
        {
            "name": "Harbour Clinic",
            "crisis_resources": "Call 111 or 999.",
            "support_contact": "desk@x.org",
            "allowed_reminder_hours": ["2", "24"],
            "default_reminder_hours": ["24"],
            "goal_prompt_days": 2,
            "follow_up_window_hours": 6,
            "participants_see_scores": "on",
            "agreement_text": "New agreement.",  # not a settings field: ignored
            "timezone": "America/Chicago",
            "quiet_from": "21:00",
            "quiet_until": "08:00",
            "language": "en-gb",
        },
        follow=True,
    )
    assert "Settings saved." in response.text
    organisation = Organisation.current()
    assert organisation.name == "Harbour Clinic" and organisation.default_reminder_hours == [24]
    assert organisation.timezone == "America/Chicago"
    # A group the admin creates now starts in the clinic's zone, common zones listed first.
    form = admin_client.get(reverse("admin_group_create")).text
    assert '<option value="America/Chicago" selected>' in form
    assert form.index('label="Common time zones"') < form.index('label="All time zones"')
    assert organisation.follow_up_window_hours == 6
    assert ConfidentialityAgreement.objects.count() == 1  # only its own page makes a version
    crisis = Client().get(reverse("crisis_resources")).text  # numbers become tap-to-call links
    assert 'Call <a href="tel:111">111</a> or <a href="tel:999">999</a>.' in crisis


def test_settings_refuse_default_reminders_outside_the_allowed_set(admin_client):
    response = admin_client.post(
        reverse("admin_settings"),
        {
            "name": "X",
            "crisis_resources": "Y",
            "allowed_reminder_hours": ["2"],
            "default_reminder_hours": ["24"],
            "goal_prompt_days": 3,
            "follow_up_window_hours": 4,
            "participants_see_scores": "on",
        },
    )
    assert response.status_code == 400 and "must be among the times" in response.text
    assert Organisation.current().name != "X"


def _attend(group, people_statuses, days_ago):
    session = GroupSessionFactory(
        group=group,
        starts_at=timezone.now() - timedelta(days=days_ago),
        status=GroupSession.Status.HELD,
    )
    for person, status in people_statuses:
        Attendance.objects.create(session=session, participant=person, status=status)
    return session


def test_reports_compute_rates_retention_and_export_csv(admin_client, facilitator):
    group = TherapyGroupFactory(facilitators=[facilitator], name="Report group")
    steady, patchy = (EnrollmentFactory(group=group).participant for _ in range(2))
    _attend(group, [(steady, "present"), (patchy, "absent")], 3)
    _attend(group, [(steady, "late"), (patchy, "present")], 2)
    _attend(group, [(steady, "present"), (patchy, "excused")], 1)
    report = reports.organisation_report(months=6)
    row = next(r for r in report.groups if r.group_name == "Report group")
    assert row.rate == 0.8  # 4 attended of 5 counted (the excused one left out)
    assert row.retention == 0.5 and row.active == 2
    assert report.active_participants == 2

    page = admin_client.get(reverse("admin_reports")).text
    assert "<svg" in page and "Report group" in page
    rows = list(
        csv.reader(io.StringIO(admin_client.get(reverse("admin_reports_csv")).content.decode()))
    )
    assert (
        rows[0][0] == "Group"
        and rows[1][0] == "Report group"
        and rows[1][-3:] == ["80%", "2", "50%"]
    )


def test_admin_pages_never_show_notes_or_goal_text(admin_client, facilitator, participant):
    group = TherapyGroupFactory(facilitators=[facilitator])
    EnrollmentFactory(group=group, participant=participant)
    session = _attend(group, [(participant, "present")], 1)
    GroupNote.objects.create(session=session, free_text="Secret clinical note", format="free")
    group_services.create_goal(participant=participant, group=group, what="Secret goal text")
    for name in ("admin_therapists", "admin_groups", "admin_reports", "admin_reports_csv", "home"):
        body = admin_client.get(reverse(name)).content.decode()
        assert "Secret clinical note" not in body and "Secret goal text" not in body
    assert admin_client.get(reverse("session_detail", args=[session.pk])).status_code == 403


def test_django_admin_offers_no_notes_or_goals_to_superusers(admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    index = client.get("/django-admin/").text
    for model in ("groupnote", "individualnote", "goal", "goalcheckin", "addendum"):
        assert f"/{model}/" not in index


def test_the_report_is_kept_for_ten_minutes_and_says_when_it_was_computed(
    admin_client, facilitator, django_assert_max_num_queries
):
    group = TherapyGroupFactory(facilitators=[facilitator], name="Cached group")
    _attend(group, [(EnrollmentFactory(group=group).participant, "present")], 1)
    first = admin_client.get(reverse("admin_reports")).text
    assert "Figures as of" in first and "They refresh every ten minutes" in first
    _attend(group, [(EnrollmentFactory(group=group).participant, "absent")], 1)
    with django_assert_max_num_queries(12):  # no aggregation this time
        again = admin_client.get(reverse("admin_reports")).text
    assert again.count("100%") == first.count("100%")  # the same figures, not yet the new absence
    computed = reports.cached_organisation_report().computed_at
    assert reports.organisation_report().computed_at > computed


def test_the_report_lists_groups_fifty_a_page(admin_client, facilitator):
    TherapyGroupFactory.create_batch(55, facilitators=[facilitator])
    page = admin_client.get(reverse("admin_reports")).text
    assert "Page 1 of 2" in page and page.count('<th scope="row">') == 50
    assert len(admin_client.get(reverse("admin_reports_csv")).text.splitlines()) == 56


def test_the_overview_shows_the_organisations_figures(admin_client, facilitator):
    tuesday = TherapyGroupFactory(facilitators=[facilitator])
    TherapyGroupFactory(facilitators=[facilitator], status="archived")
    for _ in range(3):
        EnrollmentFactory(group=tuesday)
    GroupSessionFactory(group=tuesday, starts_at=timezone.now() + timedelta(days=3))
    GroupSessionFactory(group=tuesday, starts_at=timezone.now() + timedelta(days=9))
    Notification.objects.create(
        kind="session_reminder",
        email="x@example.org",
        subject_id=1,
        occurrence=timezone.now(),
        due_at=timezone.now(),
        expires_at=timezone.now(),
        state=Notification.State.FAILED,
    )
    page = admin_client.get(reverse("home")).text
    for label, figure in [
        ("Active groups", 1),
        ("Participants in a group", 3),
        ("Sessions in the next 7 days", 1),
    ]:
        assert f"<dt>{label}</dt><dd>{figure}</dd>" in page
    assert 'href="/admin/delivery/">1</a>' in page

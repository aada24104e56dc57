"""Logs and Celery task arguments carry ids, never names, emails or clinical text."""

import inspect
import logging
import smtplib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions import outbox
from sessions.tasks import deliver_batch, tick
from tests.members.factories import PASSWORD, UserFactory, current_totp
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory

pytestmark = pytest.mark.django_db

SECRETS = [
    "Quentin",
    "Quarrie",
    "quentin.q@example.org",
    "Felicity",
    "Fenwick",
    "felicity.f@example.org",
    "Spoke about her father",
    "Worried about sleep",
]


def test_a_full_journey_logs_no_names_emails_or_note_text(client, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    facilitator = UserFactory(
        role="facilitator",
        first_name="Felicity",
        last_name="Fenwick",
        email="felicity.f@example.org",
    )
    group = TherapyGroupFactory(facilitators=[facilitator])
    person = EnrollmentFactory(
        group=group,
        participant=UserFactory(
            first_name="Quentin", last_name="Quarrie", email="quentin.q@example.org"
        ),
    ).participant
    session = GroupSessionFactory(group=group, starts_at=timezone.now() - timedelta(hours=1))
    caplog.clear()  # the journey starts here; the set-up's own test-library logs are not the app's

    client.post(reverse("account_login"), {"login": facilitator.email, "password": "wrong"})
    client.post(reverse("account_login"), {"login": facilitator.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": current_totp(facilitator.totp_secret)})
    client.post(reverse("attendance_mark", args=[session.pk, person.pk]), {"status": "present"})
    client.post(
        reverse("individual_note", args=[session.pk, person.pk]),
        {"progress": "Spoke about her father", "participation": "Quiet"},
    )
    client.post(
        reverse("group_note", args=[session.pk]),
        {"format": "free", "free_text": "Worried about sleep"},
    )
    client.post(reverse("notes_sign", args=[session.pk]))
    client.get("/no-such-page/")
    client.get(reverse("participant_record", args=[group.pk, 999999]))
    journey_log = caplog.text

    GroupSessionFactory(  # a reminder due now, whose sending fails
        group=group, starts_at=timezone.now() + timedelta(hours=2, seconds=-30)
    )
    outbox.plan(timezone.now())

    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({person.email: (550, b"no")})

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    outbox.deliver_due()
    text = journey_log + caplog.text
    assert "Not Found" in text and "failed (attempt 1)" in text  # the logs were captured
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} reached the logs"


def test_celery_tasks_take_no_arguments_that_could_name_a_person():
    for task in (tick, deliver_batch):
        assert list(inspect.signature(task.run).parameters) == []

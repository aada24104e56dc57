"""Logs and Celery task arguments carry ids, never names, emails or clinical text."""

import inspect
import io
import logging
import os
import smtplib
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.outbox import delivery
from core.outbox.tasks import deliver_batch, tick
from core.redaction import RedactingLogFilter
from sessions import outbox
from tests.members.factories import PASSWORD, UserFactory, current_totp
from tests.sessions.factories import GroupSessionFactory, reviewed
from tests.support.smtp_sink import free_port
from tests.support.waiting import wait_until
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
    client.post(reverse("notes_sign", args=[session.pk]), reviewed(session))
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
    delivery.deliver_due()
    text = journey_log + caplog.text
    assert "Not Found" in text and "failed (attempt 1)" in text  # the logs were captured
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} reached the logs"


def test_celery_tasks_take_no_arguments_that_could_name_a_person():
    for task in (tick, deliver_batch):
        assert list(inspect.signature(task.run).parameters) == []


def console_handler() -> logging.Handler:
    return next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RedactingLogFilter) for f in handler.filters)
    )


def test_tokens_in_urls_never_reach_djangos_log(client):
    stream = io.StringIO()
    previous = console_handler().setStream(stream)
    try:
        client.get("/invitations/14:SecretInvitationToken/")
        client.get("/calendar/SecretFeedToken.ics")
        client.get("/check-in/SecretCheckInToken/")
    finally:
        console_handler().setStream(previous)
    written = stream.getvalue()
    assert "Not Found: /invitations/[redacted]/" in written
    for secret in ("SecretInvitationToken", "SecretFeedToken", "SecretCheckInToken"):
        assert secret not in written


def test_tokens_in_urls_never_reach_gunicorns_access_log(tmp_path):
    """The production gunicorn settings, serving for real: the request line and the referrer
    are written with their tokens redacted."""
    port = free_port()
    database = settings.DATABASES["default"]
    where = f"{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",  # static files from the finders: no collectstatic for one test
        "DATABASE_URL": f"postgres://{settings.DATABASE_APP_ROLE}@{where}",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "ACCESS_LOG": "on",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-c",
                "config/gunicorn.py",
                "--no-control-socket",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: answers(port), what="gunicorn to start")
        for path, referrer in [
            ("/calendar/SecretFeedToken.ics?token=SecretQueryToken", "/check-in/SecretReferrer/"),
            ("/m/SecretMeasureToken/", "/t/SecretTextLink/"),
        ]:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}",
                headers={"Referer": f"http://127.0.0.1:{port}{referrer}"},
            )
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(request, timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=20)
    written = log.read_text()
    assert "GET /calendar/[redacted]" in written and "GET /m/[redacted]/" in written
    assert "/t/[redacted]/" in written
    for secret in (
        "SecretFeedToken",
        "SecretQueryToken",
        "SecretReferrer",
        "SecretMeasure",
        "SecretText",
    ):
        assert secret not in written


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


CANARY = "Canary-Secret:9x"


def routes_with_secrets():
    """Every URL pattern whose parameters are a secret (by converter or by name), and every
    public one with a parameter that is not a plain number: whoever holds such a link may open
    its page, so its parameter must be redacted too."""
    from members.access import PUBLIC
    from tests.test_access import ALL_PATTERNS, rule_for

    for name, pattern in ALL_PATTERNS:
        converters = getattr(pattern.pattern, "converters", {})
        groups = pattern.pattern.regex.groupindex
        secret = [
            group
            for group in groups
            if getattr(converters.get(group), "secret", False)
            or group in {"token", "key"}
            or (
                rule_for(name, pattern) == PUBLIC
                and type(converters.get(group)).__name__ != "IntConverter"
            )
        ]
        if secret:
            yield pytest.param(name, pattern, secret, id=name)


ROUTES_WITH_SECRETS = list(routes_with_secrets())


def test_the_walk_finds_every_kind_of_link_that_carries_a_secret():
    found = {name for name, *_ in (p.values for p in ROUTES_WITH_SECRETS)}
    expected = {"measure_link", "text_link", "goal_prompt_check_in", "calendar_feed"}
    expected |= {"invitation_accept", "account_confirm_email", "account_reset_password_from_key"}
    assert expected <= found


@pytest.mark.parametrize(("name", "pattern", "secret"), ROUTES_WITH_SECRETS)
def test_every_route_that_carries_a_secret_is_redacted_in_every_log(name, pattern, secret):
    from core.redaction import redact

    samples = {group: "7" for group in pattern.pattern.regex.groupindex}
    samples |= dict.fromkeys(secret, CANARY)
    if "uidb36" in samples:
        samples["uidb36"] = "1a"
    path = reverse(name, kwargs=samples)
    assert CANARY in path
    for written in (
        f'127.0.0.1 "GET {path}?next=1 HTTP/1.1" 404',
        f"Not Found: {path}",
        f"https://together.example.org{path}",
        f"Referer: http://127.0.0.1:8000{path}x",  # junk after it: still redacted
    ):
        assert "Canary" not in redact(written), written
    record = logging.LogRecord(
        "django.request", logging.WARNING, "", 0, "Not Found: %s", (path,), None
    )
    RedactingLogFilter().filter(record)
    assert "Canary" not in record.getMessage()

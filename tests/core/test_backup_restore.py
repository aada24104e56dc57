"""Backup and restore end to end, with the real scripts: pg_dump, a new database, pg_restore,
migrate, hold, verify the keys; pages, signed notes and the trail read back; nothing is sent
until an admin resumes, and what may already have gone out is never sent again."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.utils import timezone

from core.models import AuditEvent
from core.outbox.models import Notification
from sessions import outbox
from tests.members.test_encryption import SECRETS, seed
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db(transaction=True)
RESTORED = "test_together_restored"


@pytest.fixture
def restored_database():
    database = settings.DATABASES["default"]
    admin = dict(
        dbname="postgres",
        user=settings.DATABASE_OWNER["USER"],
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        autocommit=True,
    )
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{RESTORED}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{RESTORED}"')  # owned by the owner role, who creates it
    yield RESTORED
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{RESTORED}" WITH (FORCE)')


def environment(name: str, **overrides) -> dict:
    database = settings.DATABASES["default"]
    where = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{name}"
    return {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "DATABASE_URL": f"postgres://{settings.DATABASE_APP_ROLE}@{where}",
        "DATABASE_OWNER_URL": f"postgres://{settings.DATABASE_OWNER['USER']}@{where}",
        "EMAIL_URL": "locmem://",
        **overrides,
    }


def run(*command, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_backup_restores_into_a_new_database_held_until_an_admin_resumes(
    facilitator, tmp_path, restored_database
):
    group = seed(facilitator)
    person = EnrollmentFactory(group=group).participant
    now = timezone.now()
    # One reminder already due when the dump is taken (the old system may send it before the
    # restore), one due later.
    GroupSessionFactory(group=group, starts_at=now + timedelta(hours=2, minutes=-1))
    GroupSessionFactory(group=group, starts_at=now + timedelta(hours=2, minutes=9))
    outbox.plan(now)
    assert Notification.objects.filter(recipient=person, state="pending").count() == 2
    dump = tmp_path / "together.dump"
    backed_up = run(
        "scripts/backup.sh", str(dump), env=environment(settings.DATABASES["default"]["NAME"])
    )
    assert backed_up.returncode == 0, backed_up.stderr
    assert "does not hold the encryption keys" in backed_up.stdout

    env = environment(restored_database)
    restored = run("scripts/restore.sh", str(dump), env=env)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Delivery is on hold" in restored.stdout and "The keys open every" in restored.stdout

    read = run(sys.executable, "tests/support/read_restored.py", facilitator.email, env=env)
    assert read.returncode == 0, read.stderr
    found = json.loads(read.stdout.strip().splitlines()[-1])
    assert found["page"] == 200 and found["note_on_page"]
    assert found["note"] == SECRETS["group note"] and found["signed"]
    assert found["audit_events"] >= AuditEvent.objects.count()
    assert found["sent_while_held"] == 0 and found["pending"] >= 1

    # The admin resumes: what was due before the restore is skipped, never sent twice.
    resumed = run(
        sys.executable,
        "-c",
        "import django; django.setup(); from core.outbox import delivery; print(delivery.resume())",
        env=env,
    )
    assert resumed.returncode == 0, resumed.stderr
    with psycopg.connect(
        dbname=restored_database,
        user=settings.DATABASE_OWNER["USER"],
        host=settings.DATABASES["default"]["HOST"] or None,
        port=settings.DATABASES["default"]["PORT"] or None,
    ) as conn:
        held = conn.execute("SELECT count(*) FROM members_outboxmark WHERE name = 'held_since'")
        assert held.fetchone() == (0,)
        states = conn.execute(
            "SELECT state, last_error FROM members_notification "
            "WHERE recipient_id = %s ORDER BY due_at",
            [person.pk],
        ).fetchall()
    assert states == [("missed", "SkippedAfterRestore"), ("pending", "")]
    assert int(resumed.stdout) >= 1  # theirs, and the other members' due before the restore


def test_the_wrong_keys_are_refused_with_a_clear_message(facilitator, tmp_path, restored_database):
    seed(facilitator)
    dump = tmp_path / "together.dump"
    name = settings.DATABASES["default"]["NAME"]
    assert run("scripts/backup.sh", str(dump), env=environment(name)).returncode == 0
    wrong = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktMTI="
    restored = run(
        "scripts/restore.sh",
        str(dump),
        env=environment(restored_database, FIELD_ENCRYPTION_KEYS=wrong),
    )
    assert restored.returncode != 0
    assert "encrypted with other keys" in restored.stderr
    assert "set FIELD_ENCRYPTION_KEYS to the keys kept with this backup" in restored.stderr


POLLING_WORKER = """
import os, sys, time
import django
django.setup()
from core.outbox import delivery
sent, deadline = 0, time.monotonic() + 90
while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:
    try:
        sent += delivery.deliver_due()
    except Exception:  # the tables are not there yet: keep asking, as a worker would
        from django.db import connection
        connection.close()
    time.sleep(0.02)
print(sent)
"""


def test_a_worker_pointed_at_the_new_database_sends_nothing_while_it_is_restored(
    facilitator, tmp_path, restored_database
):
    """A worker already asking the new database for due rows, all through the restore: the
    rows and the hold arrive in one transaction, so it never sees a row it may send."""
    group = seed(facilitator)
    for _ in range(20):
        EnrollmentFactory(group=group)
    GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(hours=2, minutes=-1))
    outbox.plan(timezone.now())
    dump = tmp_path / "together.dump"
    database = settings.DATABASES["default"]["NAME"]
    assert run("scripts/backup.sh", str(dump), env=environment(database)).returncode == 0
    env = environment(restored_database)
    stop = tmp_path / "stop"
    worker = subprocess.Popen(
        [sys.executable, "-c", POLLING_WORKER, str(stop)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        restored = run("scripts/restore.sh", str(dump), env=env)
        assert restored.returncode == 0, restored.stdout + restored.stderr
    finally:
        stop.touch()
        out, _ = worker.communicate(timeout=60)
    assert int(out.strip()) == 0

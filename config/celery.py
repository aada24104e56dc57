"""The Celery app: settings from Django (CELERY_*), tasks from each app's tasks.py and the
outbox engine's (core/outbox/tasks.py)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("together")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["core.outbox"])

# Beat's schedule lives here, in code (django-celery-beat does not support Django 6.1).
app.conf.beat_schedule = {
    # Every minute: plan due reminders and prompts, hand due outbox rows to workers.
    "outbox-tick": {"task": "delivery.tick", "schedule": 60.0},
    # Every minute: a session whose register was taken before its start took place once it
    # has started (sessions.services.mark_started_sessions_held).
    "sessions-started": {"task": "sessions.mark_started_sessions_held", "schedule": 60.0},
    # Nightly: drop expired login sessions, so the session table stays small.
    "clear-expired-sessions": {
        "task": "members.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
}


@app.task(name="together.healthcheck")
def healthcheck() -> str:
    """Proves the round trip web → Redis → worker → result backend."""
    return "ok"

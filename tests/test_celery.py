"""A real Celery worker, on the real Redis, runs tasks sent through the broker."""

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app, healthcheck


def test_tasks_use_json_and_are_acknowledged_late():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit


def test_beat_schedule_names_only_registered_tasks():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks


@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_the_healthcheck_task():
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        assert healthcheck.delay().get(timeout=20) == "ok"

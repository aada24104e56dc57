"""A real Celery worker in its own process, as in production (tests and bench/reminders.py)."""

import subprocess
import sys

from django.conf import settings


def start_worker_process(env: dict, queue: str, *options: str) -> subprocess.Popen:
    """`celery -A config worker` on `queue`, without the cluster chatter a lone worker needs not."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--queues",
            queue,
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            *options,
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

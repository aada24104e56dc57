"""A real Celery worker in its own process, as in production (tests and bench/reminders.py)."""

import ctypes
import signal
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
        preexec_fn=die_with_parent,
    )


def die_with_parent() -> None:
    """A worker whose test run was killed must not live on, taking the next run's tasks from
    the same queue (PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)

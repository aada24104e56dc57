"""Benchmark: plan and deliver N due session reminders with real Celery workers and SMTP.

    .venv/bin/python bench/reminders.py [--count 10000] [--concurrency 4]
    .venv/bin/python bench/reminders.py --count 1000 --seconds-per-message 0.5   # a slow server

Uses a database of its own (together_bench_reminders, recreated each run; bench/load.py keeps
its dataset in together_bench), Redis database 15 with the queue "together-bench", and an SMTP
sink on loopback (optionally slow). Prints planning rows/s (also with 10x the sessions that are
not due), delivered messages/s, p50/p95 lateness after the due time, queries per message,
duplicates and peak memory per worker process. Run by hand; not part of the tests.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.env import production  # noqa: E402

DATABASE = "together_bench_reminders"  # not together_bench: that is bench/load.py's dataset
BENCH_ENV = production(
    DATABASE,
    REDIS_URL="redis://127.0.0.1:6379/15",
    CELERY_QUEUE="together-bench",
    CONN_MAX_AGE="60",
)
os.environ.update(BENCH_ENV)


def recreate_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")


def seed(count: int, idle_sessions: int):
    """count participants in groups of 10, each group meeting in 2 hours (reminder due now),
    plus idle_sessions sessions weeks away, which planning must not pay for."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from members.models import Role, User
    from sessions.models import GroupSession
    from therapy_groups.models import Enrollment, TherapyGroup

    now = timezone.now()
    password = make_password(None)
    users = User.objects.bulk_create(
        User(
            email=f"bench{i}@example.org",
            first_name=f"P{i}",
            role=Role.PARTICIPANT,
            password=password,
            reminder_hours=[2],
        )
        for i in range(count)
    )
    groups = TherapyGroup.objects.bulk_create(
        TherapyGroup(name=f"Bench group {g}", location="Room 1", capacity=10)
        for g in range(max(count // 10, 1))
    )
    Enrollment.objects.bulk_create(
        Enrollment(group=groups[i // 10], participant=u, status="active", joined_on=now.date())
        for i, u in enumerate(users)
    )
    GroupSession.objects.bulk_create(
        GroupSession(group=g, starts_at=now + timedelta(hours=2, seconds=-30), duration=90)
        for g in groups
    )
    GroupSession.objects.bulk_create(
        GroupSession(
            group=groups[i % len(groups)],
            duration=90,
            starts_at=now + timedelta(days=10 + i // len(groups), minutes=i % 600),
        )
        for i in range(idle_sessions)
    )


def peak_memory_kib(root_pid: int) -> dict[int, int]:
    """VmHWM (peak resident memory) of a process and each of its children, by pid."""
    pids, peaks = [root_pid], {}
    for pid in pids:
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                pids += [int(c) for c in (task / "children").read_text().split()]
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks[pid] = int(line.split()[1])
        except FileNotFoundError:
            continue
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes (prefork)")
    parser.add_argument(
        "--seconds-per-message", type=float, default=0.0, help="how slow the SMTP sink answers"
    )
    args = parser.parse_args()

    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from core.outbox import delivery
    from core.outbox.models import Notification
    from core.outbox.tasks import deliver_batch, tick
    from sessions import outbox
    from tests.support.celery_worker import start_worker_process
    from tests.support.smtp_sink import SmtpSink

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed(args.count, idle_sessions=0)
    print(f"seeded {args.count} participants in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    planned = outbox.plan(timezone.now())
    plan_seconds = time.perf_counter() - started
    print(
        f"planning: {planned} rows in {plan_seconds:.2f} s = {planned / plan_seconds:,.0f} rows/s"
    )

    # Planning cost follows what is due: add 10x idle sessions, plan again (nothing new is due).
    from sessions.models import GroupSession

    sessions_before = GroupSession.objects.count()
    seed_idle = sessions_before * 10
    from therapy_groups.models import TherapyGroup

    groups = list(TherapyGroup.objects.all())
    GroupSession.objects.bulk_create(
        GroupSession(
            group=groups[i % len(groups)],
            duration=90,
            starts_at=timezone.now() + timedelta(days=10 + i // len(groups), minutes=i % 600),
        )
        for i in range(seed_idle)
    )
    started = time.perf_counter()
    again = outbox.plan(timezone.now())
    print(
        f"planning again with 10x sessions ({GroupSession.objects.count()} in all): "
        f"{again} rows offered (all already planned) in {time.perf_counter() - started:.2f} s"
    )

    due = Notification.objects.filter(state="pending").count()
    with SmtpSink(seconds_per_message=args.seconds_per_message) as sink:
        env = {**os.environ, **BENCH_ENV, "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}"}
        worker = start_worker_process(
            env, BENCH_ENV["CELERY_QUEUE"], "--concurrency", str(args.concurrency)
        )
        try:
            started = time.perf_counter()
            for _ in range(-(-due // delivery.BATCH)):
                deliver_batch.delay()
            peaks: dict[int, int] = {}
            next_tick = started + 60
            while Notification.objects.filter(state__in=["pending", "sending"]).exists():
                if time.perf_counter() >= next_tick:  # beat: a tick every minute
                    tick.delay()
                    next_tick += 60
                for pid, kib in peak_memory_kib(worker.pid).items():
                    peaks[pid] = max(peaks.get(pid, 0), kib)
                if time.perf_counter() - started > 1200:
                    raise SystemExit("gave up after 20 minutes")
                time.sleep(0.2)
            seconds = time.perf_counter() - started
        finally:
            worker.terminate()
            worker.wait(30)
        counts = sink.counts()

    rows = Notification.objects.filter(state="sent")
    lateness = sorted(
        (r.sent_at - r.due_at).total_seconds() for r in rows.only("sent_at", "due_at")
    )
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    delivered = rows.count()
    print(
        f"delivery: {delivered} of {due} messages in {seconds:.1f} s = "
        f"{delivered / seconds:,.1f} messages/s ({args.concurrency} worker processes, batches of "
        f"{delivery.BATCH}, SMTP {args.seconds_per_message:g} s a message)"
    )
    print(f"left unsent: {Notification.objects.exclude(state='sent').count()}")
    print(
        f"lateness after due time: p50 {statistics.median(lateness):.1f} s, "
        f"p95 {lateness[int(len(lateness) * 0.95) - 1]:.1f} s"
    )
    print(f"duplicates: {duplicates}; distinct recipients: {len(counts)} of {due}")
    print(
        "peak memory per worker process: "
        + ", ".join(f"{kib / 1024:.0f}" for kib in sorted(peaks.values(), reverse=True))
        + f" MiB (largest {max(peaks.values()) / 1024:.0f}, all {sum(peaks.values()) / 1024:.0f})"
    )

    # Queries per message: one more batch, in this process, to the console-free locmem backend.
    Notification.objects.filter(state="sent")[:0]
    from django.conf import settings

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    Notification.objects.filter(pk__in=list(rows.values_list("pk", flat=True)[:200])).update(
        state="pending", due_at=timezone.now()
    )
    with CaptureQueriesContext(connection) as captured:
        sent = delivery.deliver_due()
    print(
        f"queries per message: {len(captured) / sent:.1f} ({len(captured)} for a batch of {sent})"
    )


if __name__ == "__main__":
    main()

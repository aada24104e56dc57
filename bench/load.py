"""Load benchmark: the key pages under concurrency, against the floor, on the bench dataset.

    .venv/bin/python bench/dataset.py            # once: the large dataset
    .venv/bin/python bench/load.py [--seconds 15] [--connections 20]

Starts gunicorn (sync workers, 2 * cores + 1) with production settings on 127.0.0.1, signs in
the busiest facilitator, a participant and the admin (session cookies made on the server side),
and drives each page with wrk over loopback. Prints per page requests/s, p50/p95/p99 latency,
errors, throughput as a share of the floor (an authenticated view doing one indexed query), and
the CPU milliseconds each request cost the app and the databases (PostgreSQL and Redis).
Then a 60-second soak at 50 connections, each taking every page in turn with its persona's
cookie, which must end with zero errors. Every view renders afresh, as in production.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.env import production, second_step_passed  # noqa: E402

PORT = 8765


def environment(database: str) -> dict:
    return {
        **os.environ,
        **production(
            database,
            DJANGO_SETTINGS_MODULE="bench.settings",
            ALLOWED_HOSTS="127.0.0.1",
            SITE_URL=f"http://127.0.0.1:{PORT}",
            CONN_MAX_AGE="600",
            BIND=f"127.0.0.1:{PORT}",
            ACCESS_LOG="off",
            GUNICORN_CMD_ARGS="--log-level warning",
        ),
    }


def ensure_dataset(database: str, env: dict) -> None:
    """Build the large dataset if this machine has none yet; bring its schema up to date."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    if not exists:
        print(f"No {database} database yet: building the large dataset (about a minute).")
        subprocess.run(
            [sys.executable, "bench/dataset.py", "--database", database], cwd=ROOT, check=True
        )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
    )


def queries_per_request(pages: list[tuple[str, str, str]]) -> dict[str, int]:
    """Each page, in this process, counting the queries of its second request (the first one
    after sign-in also records the session's activity)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, cookie, path in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        if cookie:
            client.cookies.load(cookie)
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        counts[name] = len(captured)
    return counts


def cookies_and_urls(env: dict) -> list[tuple[str, str, str]]:
    os.environ.update(env)
    import django

    django.setup()
    from allauth.mfa.models import Authenticator
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count
    from django.urls import reverse

    from members.models import Role, User
    from sessions.models import GroupSession
    from therapy_groups.models import Goal, TherapyGroup

    def cookie(user) -> str:
        store = SessionStore()
        store[SESSION_KEY], store[HASH_SESSION_KEY] = str(user.pk), user.get_session_auth_hash()
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        second_step_passed(store, user)
        store.create()
        return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"

    busiest = (
        User.objects.filter(role=Role.FACILITATOR)
        .annotate(n=Count("facilitated_groups"))
        .order_by("-n")
        .first()
    )
    admin = User.objects.get(role=Role.ADMIN)
    for user in (busiest, admin):  # staff pass the MFA check only with an authenticator
        Authenticator.objects.get_or_create(
            user=user, type="totp", defaults={"data": {"secret": "x"}}
        )
    group = TherapyGroup.objects.facilitated_by(busiest).first()
    session = group.sessions.filter(status=GroupSession.Status.HELD).order_by("-starts_at").first()
    member = group.enrollments.filter(status="active").first().participant
    member.calendar_token = member.calendar_token or "bench-feed-token"
    member.save(update_fields=["calendar_token"])
    goal = Goal.objects.filter(participant=member).first()
    f, p, a = cookie(busiest), cookie(member), cookie(admin)
    return [
        ("floor", f, "/bench/floor"),
        ("facilitator dashboard", f, reverse("home")),
        ("group page", f, reverse("group_detail", args=[group.pk])),
        ("session page", f, reverse("session_detail", args=[session.pk])),
        ("attendance grid", f, reverse("attendance_grid", args=[group.pk])),
        ("participant home", p, reverse("home")),
        ("goal page", p, reverse("goal_detail", args=[goal.pk])),
        ("iCal feed", "", reverse("calendar_feed", args=[member.calendar_token])),
        ("admin therapists", a, reverse("admin_therapists")),
        ("reports", a, reverse("admin_reports")),
    ]


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU time used so far by the app (gunicorn's processes) and the database (PostgreSQL's
    and Redis's), from /proc: per request, steadier than req/s on a shared machine."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"app": 0.0, "db": 0.0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:  # gone meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if int(pid) == server_pid or int(fields[1]) == server_pid:
            used["app"] += seconds
        elif name.startswith(("postgres", "redis-server")):
            used["db"] += seconds
    return used


def wrk(base: str, pages: list[tuple[str, str, str]], seconds: int, connections: int) -> dict:
    """One wrk run: each connection requests `pages` (name, cookie, path) in turn."""
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench/wrk.lua"),
        base,
        "--",
        *(f"{path}|{cookie}" for _, cookie, path in pages),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    values = dict(re.findall(r"(\w+)=([\d.]+)", output.split("RESULT", 1)[1]))
    result = {key: float(value) for key, value in values.items()}
    result["errors"] += int(non_2xx.group(1)) if non_2xx else 0
    result["rps"] = result["requests"] / result["seconds"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="together_bench")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--soak-seconds", type=int, default=60)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench/load.py needs wrk: apt-get install wrk")
    env = environment(args.database)
    ensure_dataset(args.database, env)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    pages = cookies_and_urls(env)
    queries = queries_per_request(pages)
    # The production gunicorn settings (config/gunicorn.py), without the access log.
    workers = 2 * (os.cpu_count() or 1) + 1
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "config/gunicorn.py"],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{PORT}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        print(
            f"gunicorn: {workers} sync workers; wrk: {args.connections} connections, "
            f"{args.seconds} s per page\n"
        )
        header = (
            "page",
            *("req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "queries", "/floor"),
            *("app cpu", "db cpu"),
        )
        print(f"{header[0]:<22}" + "".join(f"{h:>8}" for h in header[1:]))
        floor_rps = None
        for page in pages:
            name = page[0]
            wrk(base, [page], 2, args.connections)  # warm up
            before = cpu_seconds(server.pid)
            r = wrk(base, [page], args.seconds, args.connections)
            cpu = {
                k: (v - before[k]) * 1000 / r["requests"]
                for k, v in cpu_seconds(server.pid).items()
            }
            floor_rps = floor_rps or r["rps"]
            print(
                f"{name:<22}{r['rps']:>8.0f}{r['p50']:>8.1f}{r['p95']:>8.1f}{r['p99']:>8.1f}"
                f"{int(r['errors']):>8}{queries[name]:>8}{r['rps'] / floor_rps:>8.0%}"
                f"{cpu['app']:>8.2f}{cpu['db']:>8.2f}"
            )
        soak = wrk(base, pages[1:], args.soak_seconds, 50)
        print(
            f"\nsoak: {args.soak_seconds} s at 50 connections, every page in turn: "
            f"{soak['requests']:.0f} requests, {soak['rps']:.0f}/s, p95 {soak['p95']:.0f} ms, "
            f"{int(soak['errors'])} errors"
        )
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()

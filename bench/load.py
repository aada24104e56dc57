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

Then the realistic mix (`--mix-only` runs just this part): many viewers (every facilitator of
the dataset, 300 participants, the admins), each request a random page of a random viewer, at
the same connections; the app's own floor; and a bare floor (bench/bare.py: no apps, no
middleware, one indexed query) served by the same gunicorn settings. All three as ratios to the
bare floor, with the web workers' peak memory.
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


def cookie(user) -> str:
    """A signed-in session (both steps passed) for `user`, made on the server side."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from members.sessions import SessionStore

    store = SessionStore()
    store[SESSION_KEY], store[HASH_SESSION_KEY] = str(user.pk), user.get_session_auth_hash()
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    second_step_passed(store, user)
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def cookies_and_urls(env: dict) -> list[tuple[str, str, str]]:
    os.environ.update(env)
    import django

    django.setup()
    from allauth.mfa.models import Authenticator
    from django.db.models import Count
    from django.urls import reverse

    from members.models import Role, User
    from sessions.models import GroupSession
    from therapy_groups.models import Goal, TherapyGroup

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


def mix_file(env: dict) -> Path:
    """A file of "path|cookie" lines: the pages of many viewers, as bench/wrk.lua reads them."""
    import random

    from django.urls import reverse

    from members.models import Role, User
    from sessions.models import GroupSession
    from therapy_groups.models import Goal, TherapyGroup

    rng = random.Random(7)
    lines = []
    for user in User.objects.filter(role=Role.FACILITATOR, is_active=True):
        c = cookie(user)
        lines.append(f"{reverse('home')}|{c}")
        lines.append(f"{reverse('follow_up_list')}|{c}")
        for n, group in enumerate(TherapyGroup.objects.facilitated_by(user)[:3]):
            if n == 0:  # the board of the group they look at first
                lines.append(f"{reverse('group_outcomes', args=[group.pk])}|{c}")
            lines.append(f"{reverse('group_detail', args=[group.pk])}|{c}")
            lines.append(f"{reverse('attendance_grid', args=[group.pk])}|{c}")
            held = group.sessions.filter(status=GroupSession.Status.HELD).order_by("-starts_at")
            for session in held[:2]:
                lines.append(f"{reverse('session_detail', args=[session.pk])}|{c}")
    participants = list(User.objects.filter(role=Role.PARTICIPANT, is_active=True)[:4000])
    for user in rng.sample(participants, min(300, len(participants))):
        c = cookie(user)
        lines.append(f"{reverse('home')}|{c}")
        for goal in Goal.objects.filter(participant=user)[:2]:
            lines.append(f"{reverse('goal_detail', args=[goal.pk])}|{c}")
    for user in User.objects.filter(role=Role.ADMIN, is_active=True):
        c = cookie(user)
        for name in ("admin_therapists", "admin_groups", "admin_reports", "admin_delivery"):
            lines.append(f"{reverse(name)}|{c}")
    check_answers_200(rng.sample(lines, 30))
    path = ROOT / "bench" / ".mix.txt"
    path.write_text("\n".join(lines) + "\n")
    viewers = len({line.split("|", 1)[1] for line in lines})
    print(f"realistic mix: {len(lines)} page+viewer pairs, {viewers} viewers")
    return path


def check_answers_200(lines: list[str]) -> None:
    """wrk counts a redirect as a success: make sure the viewers' pages answer 200 (a sign-in
    redirect would measure the login page instead)."""
    from django.test import Client

    for line in lines:
        path, cookie = line.split("|", 1)
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies.load(cookie)
        status = client.get(path).status_code
        if status != 200:
            raise SystemExit(f"realistic mix: {path} answered {status}, not 200")


def worker_peak_mib(server_pid: int) -> float:
    """The largest peak resident memory (VmHWM) of the server's worker processes."""
    peaks = [0]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{server_pid}$", status, re.M):
            peaks.append(int(re.search(r"^VmHWM:\s+(\d+)", status, re.M).group(1)))
    return max(peaks) / 1024


def measured(base: str, pages: list, args, server_pid: int) -> dict:
    """One wrk run after a warm-up, with the CPU each request cost the app and the databases."""
    wrk(base, pages, 2, args.connections)
    before = cpu_seconds(server_pid)
    result = wrk(base, pages, args.seconds, args.connections)
    after = cpu_seconds(server_pid)
    for key in ("app", "db"):
        result[f"{key} cpu"] = (after[key] - before[key]) * 1000 / result["requests"]
    return result


def realistic_mix(base: str, floor: tuple[str, str, str], mix: Path, args, server_pid: int):
    """The realistic mix and the app's floor against the bare floor, all in this run."""
    results = {}
    results["app floor (/bench/floor, whole middleware)"] = measured(
        base, [floor], args, server_pid
    )
    results["realistic mix"] = measured(base, [("mix", "", f"@{mix}")], args, server_pid)
    app_memory = worker_peak_mib(server_pid)
    bare_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.bare",
        "BIND": f"127.0.0.1:{PORT + 1}",
        "ACCESS_LOG": "off",
        "GUNICORN_CMD_ARGS": "--log-level warning",
    }
    bare_base = f"http://127.0.0.1:{PORT + 1}"
    bare = start_gunicorn("bench.bare:application", bare_env, bare_base + "/bench/bare")
    try:
        page = [("bare", "", "/bench/bare")]
        results["bare Django floor, one query"] = measured(bare_base, page, args, bare.pid)
    finally:
        bare.terminate()
        bare.wait(30)
    bare_rps = results["bare Django floor, one query"]["rps"]
    print(
        "\n| run | req/s | p95 ms | errors | / bare floor | app cpu ms | db cpu ms |"
        "\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    for name in (
        "bare Django floor, one query",
        "app floor (/bench/floor, whole middleware)",
        "realistic mix",
    ):
        r = results[name]
        print(
            f"| {name} | {r['rps']:,.0f} | {r['p95']:.0f} | {int(r['errors'])} | "
            f"{r['rps'] / bare_rps:.2f} | {r['app cpu']:.2f} | {r['db cpu']:.2f} |"
        )
    print(f"\npeak memory of a web worker: {app_memory:.0f} MiB")


def start_gunicorn(application: str, env: dict, probe: str) -> subprocess.Popen:
    """gunicorn with the production settings (config/gunicorn.py), once `probe` answers."""
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", application, "-c", "config/gunicorn.py"],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(probe, timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    return server


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
        *(path if path.startswith("@") else f"{path}|{cookie}" for _, cookie, path in pages),
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
    parser.add_argument("--mix-only", action="store_true", help="only the mix and the floors")
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
    mix = mix_file(env)
    queries = {} if args.mix_only else queries_per_request(pages)
    # The production gunicorn settings (config/gunicorn.py), without the access log.
    workers = 2 * (os.cpu_count() or 1) + 1
    base = f"http://127.0.0.1:{PORT}"
    server = start_gunicorn("config.wsgi", env, base + "/healthz")
    try:
        print(
            f"gunicorn: {workers} sync workers; wrk: {args.connections} connections, "
            f"{args.seconds} s per page\n"
        )
        if args.mix_only:
            realistic_mix(base, pages[0], mix, args, server.pid)
            return
        header = (
            "page",
            *("req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "queries", "/floor"),
            *("app cpu", "db cpu"),
        )
        print(f"{header[0]:<22}" + "".join(f"{h:>8}" for h in header[1:]))
        floor_rps = None
        for page in pages:
            name = page[0]
            r = measured(base, [page], args, server.pid)
            floor_rps = floor_rps or r["rps"]
            print(
                f"{name:<22}{r['rps']:>8.0f}{r['p50']:>8.1f}{r['p95']:>8.1f}{r['p99']:>8.1f}"
                f"{int(r['errors']):>8}{queries[name]:>8}{r['rps'] / floor_rps:>8.0%}"
                f"{r['app cpu']:>8.2f}{r['db cpu']:>8.2f}"
            )
        soak = wrk(base, pages[1:], args.soak_seconds, 50)
        print(
            f"\nsoak: {args.soak_seconds} s at 50 connections, every page in turn: "
            f"{soak['requests']:.0f} requests, {soak['rps']:.0f}/s, p95 {soak['p95']:.0f} ms, "
            f"{int(soak['errors'])} errors"
        )
        realistic_mix(base, pages[0], mix, args, server.pid)
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()

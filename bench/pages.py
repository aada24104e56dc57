"""Time the key pages in-process against the bench dataset (run bench/dataset.py first).

    .venv/bin/python bench/pages.py [--database together_bench] [--repeat 20]
    .venv/bin/python bench/pages.py --mix [--rounds 2]

Signs in the busiest facilitator, a participant and the admin with Django's test client (no
network, no load: this is the single-request cost), and prints per page the median and p95
time and the queries per request, the floor's first.

With --mix: every page+viewer pair of the load benchmark's realistic mix (bench/load.py), each
opened once to warm up and then --rounds times, and per kind of page its share of the mix, the
app's CPU milliseconds a request (this process's CPU time: the database's is its own) and the
queries a request; then the mix's mean. These are the issue's "in-process app CPU" figures.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.env import production, second_step_passed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="together_bench")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--mix", action="store_true", help="every pair of the realistic mix")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    os.environ.update(
        production(
            args.database,
            ALLOWED_HOSTS="testserver,127.0.0.1",
            DJANGO_SETTINGS_MODULE="bench.settings",  # with the floor view
        )
    )
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from members.models import Role, User
    from sessions.models import GroupSession
    from therapy_groups.models import Goal, TherapyGroup

    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    if args.mix:
        return mix(args.rounds)
    busiest = (
        User.objects.filter(role=Role.FACILITATOR)
        .annotate(n=Count("facilitated_groups"))
        .order_by("-n")
        .first()
    )
    group = TherapyGroup.objects.facilitated_by(busiest).first()
    session = group.sessions.filter(status=GroupSession.Status.HELD).order_by("-starts_at").first()
    member = group.enrollments.filter(status="active").first().participant
    goal = Goal.objects.filter(participant=member).first()
    admin = User.objects.get(role=Role.ADMIN)
    member.calendar_token = member.calendar_token or "bench-token"
    member.save(update_fields=["calendar_token"])

    pages = [
        (busiest, "floor", "/bench/floor"),
        (busiest, "facilitator dashboard", reverse("home")),
        (busiest, "group page", reverse("group_detail", args=[group.pk])),
        (busiest, "session page", reverse("session_detail", args=[session.pk])),
        (busiest, "attendance grid", reverse("attendance_grid", args=[group.pk])),
        (busiest, "participant record", reverse("participant_record", args=[group.pk, member.pk])),
        (member, "participant home", reverse("home")),
        (member, "goal page", reverse("goal_detail", args=[goal.pk])),
        (None, "iCal feed", reverse("calendar_feed", args=[member.calendar_token])),
        (admin, "admin therapists", reverse("admin_therapists")),
        (admin, "admin groups", reverse("admin_groups")),
        (admin, "admin reports", reverse("admin_reports")),
    ]
    from allauth.mfa.models import Authenticator

    for user in (busiest, admin):  # staff need an authenticator to pass the MFA check
        Authenticator.objects.get_or_create(
            user=user, type="totp", defaults={"data": {"secret": "x"}}
        )
    print(f"{'page':<26}{'p50 ms':>8}{'p95 ms':>8}{'queries':>9}")
    for user, name, url in pages:
        client = Client()
        if user:
            client.force_login(user)
            session = client.session
            second_step_passed(session, user)
            session.save()
        client.get(url)  # warm up
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        times.sort()
        p95 = times[max(int(len(times) * 0.95) - 1, 0)]
        print(f"{name:<22}{statistics.median(times):>8.1f}{p95:>8.1f}{len(queries):>9}")


def mix(rounds: int) -> None:
    from collections import defaultdict

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import resolve

    from bench.load import mix_file

    def kind_of(path, response) -> str:
        name = resolve(path).url_name
        if name == "home":  # one address, two pages
            return f"home ({response.wsgi_request.user.role})"
        return name

    pairs = [line.split("|", 1) for line in mix_file({}).read_text().splitlines()]
    clients = {}
    for _path, cookie in pairs:
        if cookie not in clients:
            clients[cookie] = Client(HTTP_HOST="127.0.0.1")
            clients[cookie].cookies.load(cookie)
    cpu, queries, kinds = defaultdict(list), defaultdict(list), {}
    for path, cookie in pairs:  # warm up, counting queries (capturing them costs CPU)
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            response = clients[cookie].get(path)
        assert response.status_code == 200, (path, response.status_code)
        kinds[path, cookie] = kind_of(path, response)
        queries[kinds[path, cookie]].append(len(captured))
    for _ in range(rounds):
        for path, cookie in pairs:
            started = time.process_time()
            clients[cookie].get(path)
            cpu[kinds[path, cookie]].append((time.process_time() - started) * 1000)
    total = sum(len(times) for times in cpu.values())
    print(f"{'page':<26}{'share':>7}{'cpu ms':>8}{'p95 ms':>8}{'queries':>9}")
    for kind in sorted(cpu, key=lambda k: -len(cpu[k])):
        times = sorted(cpu[kind])
        p95 = times[max(int(len(times) * 0.95) - 1, 0)]
        print(
            f"{kind:<26}{len(times) / total:>7.0%}{statistics.mean(times):>8.2f}{p95:>8.2f}"
            f"{statistics.mean(queries[kind]):>9.1f}"
        )
    every = [t for times in cpu.values() for t in times]
    print(f"{'the mix, mean':<26}{'':>7}{statistics.mean(every):>8.2f}")


if __name__ == "__main__":
    main()

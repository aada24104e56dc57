"""Time the key pages in-process against the bench dataset (run bench/dataset.py first).

    .venv/bin/python bench/pages.py [--database together_bench] [--repeat 20]

Signs in the busiest facilitator, a participant and the admin with Django's test client (no
network, no load: this is the single-request cost), and prints per page the median and p95
time and the queries per request, the floor's first.
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
    args = parser.parse_args()
    os.environ.update(
        production(
            args.database,
            ALLOWED_HOSTS="testserver",
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
    print(f"{'page':<22}{'p50 ms':>8}{'p95 ms':>8}{'queries':>9}")
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


if __name__ == "__main__":
    main()

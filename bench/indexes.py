"""Each index we declare, the query it serves, and whether PostgreSQL's plan uses it.

    .venv/bin/python bench/indexes.py [--database together_bench]

Runs EXPLAIN ANALYZE on the bench dataset (bench/dataset.py) for the query behind each index
in a model's Meta.indexes and prints the index, whether the plan uses it, the plan's execution
time and the same query's time with index scans switched off (what the index saves). Tables
the dataset leaves small (outbox, audit trail) are filled with synthetic rows first, inside a
transaction that is rolled back.
"""

import argparse
import os
import re
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.env import production  # noqa: E402

USING = re.compile(r"Scan (?:Backward )?using (\S+)|Bitmap Index Scan on (\S+)")


def explain(cursor, sql: str, params) -> tuple[str, float]:
    cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql, params)
    plan = "\n".join(row[0] for row in cursor.fetchall())
    return plan, float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="together_bench")
    args = parser.parse_args()
    os.environ.update(production(args.database))
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from core import audit
    from core.models import AuditEvent
    from core.outbox.models import Notification
    from members.models import Invitation, User
    from sessions.models import AbsenceFollowUp, Attendance, GroupSession
    from therapy_groups.models import Enrollment, Goal, GoalCheckIn, TherapyGroup

    now = timezone.now()
    group = TherapyGroup.objects.order_by("pk")[200]
    person = Enrollment.objects.filter(group=group).order_by("pk").first().participant
    goal = Goal.objects.filter(participant=person).first()

    def fill_small_tables() -> None:
        """100,000 outbox rows (1% pending, 1% sending) and 200,000 audit events."""
        Notification.objects.bulk_create(
            Notification(
                kind="session_reminder",
                email=f"p{i}@example.org",
                subject_id=i,
                occurrence=now,
                due_at=now - timedelta(minutes=i % 5000),
                expires_at=now + timedelta(hours=1),
                state="pending" if i % 100 == 0 else "sending" if i % 100 == 1 else "sent",
                lease_until=now if i % 100 == 1 else None,
                created_at=now - timedelta(minutes=10 * i),  # two years of history
            )
            for i in range(100_000)
        )
        AuditEvent.objects.bulk_create(
            AuditEvent(
                action="view" if i % 50 else "login",
                object_type="group_sessions.groupsession" if i % 50 else "members.user",
                object_id=i,
                group_id=i % 400 + 1,
                occurred_at=now - timedelta(seconds=i),
            )
            for i in range(200_000)
        )
        people = list(User.objects.filter(role="participant").values_list("pk", flat=True)[:2000])
        AbsenceFollowUp.objects.bulk_create(
            AbsenceFollowUp(group=group, participant_id=pk, followed_up_on=now.date())
            for group in TherapyGroup.objects.all()[:20]
            for pk in people[:1000]
        )
        Invitation.objects.bulk_create(
            Invitation(email=f"Invited{i}@example.org", role="participant", expires_at=now)
            for i in range(20_000)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE members_notification; ANALYZE members_auditevent; "
                "ANALYZE group_sessions_absencefollowup; ANALYZE members_invitation;"
            )

    cases = [
        (
            "(group, starts_at) on sessions",
            "a group's sessions in time order (schedule, grid, next session)",
            GroupSession.objects.filter(group=group, starts_at__gte=now).order_by("starts_at"),
        ),
        (
            "(participant, session) on attendance",
            "one person's attendance (participant record, my data)",
            Attendance.objects.filter(participant=person),
        ),
        (
            "(group, participant, followed_up_on) on follow-ups",
            "follow-ups for the absence flags",
            AbsenceFollowUp.objects.filter(group=group, participant=person),
        ),
        (
            "(participant, status) on enrollments",
            "a participant's live groups (every participant page)",
            Enrollment.objects.filter(participant=person, status="active"),
        ),
        (
            "(participant, status) on goals",
            "a participant's open goals (home, goal prompts)",
            Goal.objects.filter(participant=person, status="active"),
        ),
        (
            "(group, shared) on goals",
            "goals shared with a group (participant home)",
            Goal.objects.filter(group=group, shared=True),
        ),
        (
            "(goal, created_at) on check-ins",
            "a goal's check-ins in order (chart)",
            GoalCheckIn.objects.filter(goal=goal).order_by("created_at"),
        ),
        (
            "invitation_email_ci (upper(email))",
            "an address's invitations, any case (our services: iexact)",
            Invitation.objects.filter(email__iexact="invited7@example.org"),
        ),
        (
            "user_email_unique_ci (upper(email))",
            "sign-in and password reset: an account by email (allauth: iexact)",
            User.objects.filter(email__iexact="person7@example.org"),
        ),
        (
            "notification_pending_due (partial)",
            "a worker's next batch of due rows (every tick)",
            Notification.objects.due(now).order_by("due_at")[:100],
        ),
        (
            "notification_sending_lease (partial)",
            "rows whose lease ran out (every tick)",
            Notification.objects.filter(state="sending", lease_until__lt=now),
        ),
        (
            "notification_recent_state",
            "the last 7 days by state (delivery health)",
            Notification.objects.filter(created_at__gte=now - timedelta(days=7)).values("state"),
        ),
        (
            "audit_group_recent",
            "a group's record log, newest first",
            audit.group_trail(group.pk)[:50],
        ),
        (
            "audit_account_recent (partial)",
            "account activity, newest first",
            audit.account_trail()[:50],
        ),
    ]
    print(f"{'index':<50}{'ms':>7}{'without':>9}  plan uses / query")
    with transaction.atomic():
        fill_small_tables()
        with connection.cursor() as cursor:
            for index, purpose, queryset in cases:
                sql, params = queryset.query.sql_with_params()
                plan, with_index = explain(cursor, sql, params)
                cursor.execute(
                    "SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off"
                )
                _, without = explain(cursor, sql, params)
                cursor.execute("SET LOCAL enable_indexscan = on; SET LOCAL enable_bitmapscan = on")
                used = sorted({a or b for a, b in USING.findall(plan)}) or ["no index"]
                print(f"{index:<50}{with_index:>7.2f}{without:>9.2f}  {', '.join(used)}")
                print(f"{'':<66}{purpose}")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()

"""Generate a clinic-sized organisation for benchmarks, repeatably, with bulk inserts.

    .venv/bin/python bench/dataset.py [--scale 1.0] [--seed 7] [--database together_bench]

Scale 1.0 ("large"): 50 facilitators, 400 groups, 4,000 participants, 40,000 sessions over two
years (one past, one ahead), attendance for every past session, signed group notes and short
individual notes for past sessions, 20,000 goals and 150,000 check-ins, PHQ-9 and GAD-7 answers
for the last twelve weeks and an open safety follow-up in every tenth group. The database is dropped
and recreated. Prints the row counts and the time it took.
"""

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.env import production  # noqa: E402

BASE = {
    "facilitators": 50,
    "groups": 400,
    "participants": 4000,
    "sessions": 40000,
    "goals": 20000,
    "check_ins": 150000,
}
BATCH = 5000


def prepare(database: str) -> None:
    import psycopg

    os.environ.update(production(database))
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(scale: float, seed: int) -> dict[str, int]:
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from members.models import AgreementAcceptance, ConfidentialityAgreement, Role, User
    from sessions.models import Attendance, GroupNote, GroupSession, IndividualNote
    from therapy_groups.models import Enrollment, Goal, GoalCheckIn, TherapyGroup

    rng = random.Random(seed)
    n = {key: max(int(value * scale), 1) for key, value in BASE.items()}
    now = timezone.now().replace(second=0, microsecond=0)
    password = make_password("together-bench")  # every bench account signs in with this
    zones = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]

    def bench_user(kind: str, i: int, role: str) -> User:
        return User(
            email=f"{kind}{i}@bench.example",
            first_name=f"{kind[:3].title()}{i}",
            last_name="Bench",
            role=role,
            password=password,
            timezone=rng.choice(zones),
        )

    staff = User.objects.bulk_create(
        [User(email="admin@bench.example", first_name="Admin", role=Role.ADMIN, password=password)]
        + [bench_user("facilitator", i, Role.FACILITATOR) for i in range(n["facilitators"])],
        batch_size=BATCH,
    )
    facilitators = staff[1:]
    people = User.objects.bulk_create(
        [bench_user("participant", i, Role.PARTICIPANT) for i in range(n["participants"])],
        batch_size=BATCH,
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in staff + people],
        batch_size=BATCH,
    )
    agreement = ConfidentialityAgreement.current()
    AgreementAcceptance.objects.bulk_create(
        [AgreementAcceptance(user=u, agreement=agreement) for u in people], batch_size=BATCH
    )

    start = (now - timedelta(days=365)).date()
    groups = TherapyGroup.objects.bulk_create(
        [
            TherapyGroup(
                name=f"Group {g}",
                display_name=f"Group {g}",
                capacity=12,
                location=f"Room {g % 20}",
                timezone=rng.choice(zones),
                start_date=start,
            )
            for g in range(n["groups"])
        ],
        batch_size=BATCH,
    )
    through = TherapyGroup.facilitators.through
    links = set()
    for g, group in enumerate(groups):
        links.add((group.pk, facilitators[g % len(facilitators)].pk))
        if rng.random() < 0.3:  # co-facilitated
            links.add((group.pk, rng.choice(facilitators).pk))
    through.objects.bulk_create(
        [through(therapygroup_id=g, user_id=u) for g, u in links], batch_size=BATCH
    )

    members_of = {}
    enrollments = []
    for i, person in enumerate(people):
        group = groups[i % len(groups)]
        members_of.setdefault(group.pk, []).append(person)
        enrollments.append(
            Enrollment(group=group, participant=person, status="active", joined_on=start)
        )
    Enrollment.objects.bulk_create(enrollments, batch_size=BATCH)

    per_group = n["sessions"] // len(groups)
    sessions = []
    for group in groups:
        first = now - timedelta(days=7 * (per_group // 2), hours=rng.randrange(24))
        for k in range(per_group):
            starts = first + timedelta(days=7 * k)
            sessions.append(
                GroupSession(
                    group=group,
                    starts_at=starts,
                    duration=90,
                    location=group.location,
                    status="held" if starts < now else "scheduled",
                    topic=f"Topic {k % 12}",
                    take_home="Practise once" if starts < now else "",
                )
            )
    sessions = GroupSession.objects.bulk_create(sessions, batch_size=BATCH)
    past = [s for s in sessions if s.status == "held"]

    statuses = ["present"] * 7 + ["late", "absent", "excused"]
    signer_of = dict(links)  # one facilitator per group signs its notes
    signed_before = now - timedelta(days=7)  # the last week's notes are still drafts
    attendance, individual, notes = [], [], []
    for session in past:
        signed = session.starts_at < signed_before
        signature = {
            "signed_by_id": signer_of[session.group_id] if signed else None,
            "signed_at": session.ends_at if signed else None,
        }
        notes.append(
            GroupNote(
                session=session,
                format="dap",
                data="Group worked on the topic.",
                assessment="Engaged.",
                plan="Continue.",
                **signature,
            )
        )
        for person in members_of.get(session.group_id, []):
            status = rng.choice(statuses)
            attendance.append(Attendance(session=session, participant=person, status=status))
            if status in ("present", "late") and rng.random() < 0.5:
                individual.append(
                    IndividualNote(
                        session=session,
                        participant=person,
                        progress="Steady.",
                        participation="Active.",
                        **signature,
                    )
                )
    Attendance.objects.bulk_create(attendance, batch_size=BATCH)
    GroupNote.objects.bulk_create(notes, batch_size=BATCH)
    IndividualNote.objects.bulk_create(individual, batch_size=BATCH)

    goals = Goal.objects.bulk_create(
        [
            Goal(
                group=groups[i % len(people) % len(groups)],
                participant=people[i % len(people)],
                what=f"Goal {i}",
                shared=rng.random() < 0.3,
                created_at=now - timedelta(days=rng.randrange(300)),
            )
            for i in range(n["goals"])
        ],
        batch_size=BATCH,
    )
    GoalCheckIn.objects.bulk_create(
        [
            GoalCheckIn(
                goal=goals[i % len(goals)],
                progress=rng.randrange(11),
                created_at=now - timedelta(days=rng.randrange(300)),
            )
            for i in range(n["check_ins"])
        ],
        batch_size=BATCH,
    )

    responses, follow_ups = questionnaires(rng, now, groups, past, attendance)

    return {
        "users": User.objects.count(),
        "groups": len(groups),
        "enrollments": len(enrollments),
        "sessions": len(sessions),
        "attendance": len(attendance),
        "group notes": len(notes),
        "individual notes": len(individual),
        "goals": len(goals),
        "check-ins": GoalCheckIn.objects.count(),
        "answers": responses,
        "open follow-ups": follow_ups,
    }


def questionnaires(rng, now, groups, past, attendance) -> tuple[int, int]:
    """Every group on PHQ-9 and GAD-7 before each session; the last twelve weeks answered by
    most of those who came; one open safety follow-up in every tenth group (a risk answer not
    yet acknowledged), as the outcome board, follow-up list and banner see them in a clinic."""
    import json

    from measures.instruments import INSTRUMENTS
    from measures.models import FollowUp, MeasurePlan, MeasureResponse

    MeasurePlan.objects.bulk_create(
        [MeasurePlan(group=g, instruments=["phq9", "gad7"], schedule="every") for g in groups],
        batch_size=BATCH,
    )
    recent = {s.pk: s for s in past if s.starts_at > now - timedelta(weeks=12)}
    level = {}  # a person's PHQ-9 drifts down over the weeks, with noise
    responses = []
    for mark in attendance:
        session = recent.get(mark.session_id)
        if session is None or mark.status not in ("present", "late") or rng.random() < 0.2:
            continue
        person = mark.participant_id
        level[person] = max(0, level.get(person, rng.randrange(8, 22)) - rng.randrange(-2, 3))
        for code in ("phq9", "gad7"):
            instrument = INSTRUMENTS[code]
            total = min(level[person], instrument.max_total)
            items = [total // len(instrument.items)] * len(instrument.items)
            responses.append(
                MeasureResponse(
                    participant_id=person,
                    group_id=session.group_id,
                    session=session,
                    instrument=code,
                    answers=json.dumps({"items": items, "difficulty": 1}),
                    total=total,
                    band=instrument.band(total).label,
                    channel="link",
                    completed_at=session.starts_at - timedelta(hours=2),
                )
            )
    responses = MeasureResponse.objects.bulk_create(responses, batch_size=BATCH)
    latest_phq = {}
    for response in responses:
        if response.instrument == "phq9":
            latest_phq[response.group_id] = response
    follow_ups = [
        FollowUp(
            group_id=g.pk,
            participant_id=latest_phq[g.pk].participant_id,
            reason="risk_answer",
            response=latest_phq[g.pk],
        )
        for g in groups[::10]
        if g.pk in latest_phq
    ]
    FollowUp.objects.bulk_create(follow_ups, batch_size=BATCH)
    return len(responses), len(follow_ups)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 is large; 0.1 small")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", default="together_bench")
    args = parser.parse_args()
    started = time.perf_counter()
    prepare(args.database)
    counts = generate(args.scale, args.seed)
    from django.db import connection

    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would give a live site
        cursor.execute("VACUUM ANALYZE")
    for name, count in counts.items():
        print(f"{name:>17}: {count:>9,}")
    print(
        f"built {args.database} at scale {args.scale} (seed {args.seed}) "
        f"in {time.perf_counter() - started:.0f} s; every account's password: together-bench"
    )


if __name__ == "__main__":
    main()

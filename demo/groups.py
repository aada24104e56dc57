"""Demo groups for seed_demo: a weekly CBT group, a biweekly support group, a closed cohort."""

import zoneinfo
from datetime import datetime, time, timedelta

from django.utils import timezone

from demo.outcomes import seed_outcomes
from demo.programmes import seed_example_programme
from members.models import (
    AgreementAcceptance,
    ClosureRequest,
    ConfidentialityAgreement,
    Organisation,
    User,
)
from members.services import request_closure
from programmes.services import follow_programme, plan_from_programme
from sessions import services
from sessions.models import Attendance, GroupNote, GroupSession, IndividualNote
from therapy_groups import services as group_services
from therapy_groups.models import Enrollment, Goal, GoalCheckIn, TherapyGroup

ZONE = "Europe/London"


def _participants(*numbers: int) -> list[User]:
    emails = [
        "participant@example.com" if n == 1 else f"participant{n}@example.com" for n in numbers
    ]
    return list(User.objects.filter(email__in=emails).order_by("pk"))


def _group(name: str, facilitators: list[User], **fields) -> tuple[TherapyGroup, bool]:
    group = TherapyGroup.objects.filter(name=name).first()
    if group is not None:
        return group, False
    fields = {"timezone": ZONE, **fields}
    return group_services.create_group(facilitators=facilitators, name=name, **fields), True


def _enrol(group: TherapyGroup, people: list[User], *, joined_on, status=Enrollment.Status.ACTIVE):
    for person in people:
        Enrollment.objects.get_or_create(
            group=group,
            participant=person,
            defaults={
                "status": status,
                "joined_on": joined_on if status == "active" else None,
                "waitlisted_at": timezone.now() if status == "waitlisted" else None,
            },
        )


def _series_from(weeks_ago: int, weekday: int) -> object:
    today = timezone.localdate()
    return today - timedelta(days=7 * weeks_ago + (today.weekday() - weekday) % 7)


def _document_past_sessions(group: TherapyGroup, signer: User) -> None:
    """Attendance and signed notes for every past session; one person missed the last two."""
    now = timezone.now()
    people = [e.participant for e in group.enrollments.filter(status="active").order_by("pk")]
    past = list(group.sessions.filter(starts_at__lt=now).order_by("starts_at"))
    for index, session in enumerate(past):
        session.status = GroupSession.Status.HELD
        session.topic = session.topic or DEMO_TOPICS[index % len(DEMO_TOPICS)]
        session.save(update_fields=["status", "topic"])
        for n, person in enumerate(people):
            missed_last_two = n == 1 and index >= len(past) - 2
            status = (
                "absent" if missed_last_two else ("late" if (n + index) % 7 == 0 else "present")
            )
            Attendance.objects.get_or_create(
                session=session,
                participant=person,
                defaults={"status": status, "marked_by": signer},
            )
            if status != "absent":
                IndividualNote.objects.get_or_create(
                    session=session,
                    participant=person,
                    defaults={
                        "progress": "Shared how the week went.",
                        "participation": "Engaged.",
                        "author": signer,
                        "signed_by": signer,
                        "signed_at": session.ends_at,
                    },
                )
        GroupNote.objects.get_or_create(
            session=session,
            defaults={
                "format": "dap",
                "data": f"Session on {session.topic.lower()}.",
                "assessment": "The group engaged well.",
                "plan": "Practise at home this week.",
                "author": signer,
                "signed_by": signer,
                "signed_at": session.ends_at,
            },
        )


DEMO_TOPICS = [
    "Getting started",
    "Activity and mood",
    "Noticing thoughts",
    "Thinking traps",
    "Balanced thoughts",
    "Problem solving",
    "Sleep",
    "Self-compassion",
    "Relationships",
    "Values",
    "Staying well",
    "Looking ahead",
]


DEMO_GOALS = [
    # (participant number, what, shared, progress history)
    (1, "Walk outside three times a week", True, [2, 3, 5, 4, 6, 7]),
    (1, "Call my sister on Sundays", False, [3, 5, 6]),
    (2, "Get up by 8 on weekdays", True, [1, 2, 4, 5]),
    (3, "Cook one proper meal a day", False, [4, 4, 6]),
    (9, "Read for ten minutes before bed", True, [5, 7]),
]


def _seed_goals(group: TherapyGroup, support: TherapyGroup) -> None:
    start = timezone.now() - timedelta(days=28)
    for number, what, shared, history in DEMO_GOALS:
        person = _participants(number)[0]
        home = support if number == 9 else group
        # Goal text is encrypted, so it cannot be looked up: compare in Python (a few rows).
        if any(g.what == what for g in Goal.objects.filter(participant=person, group=home)):
            continue
        goal = Goal.objects.create(
            participant=person, group=home, what=what, shared=shared, created_at=start
        )
        GoalCheckIn.objects.bulk_create(
            GoalCheckIn(goal=goal, progress=p, created_at=start + timedelta(days=4 * i + 1))
            for i, p in enumerate(history)
        )


def _session_today(group: TherapyGroup) -> None:
    """A session today where the group meets, begun at the top of this hour, so that the day's
    flows (attendance, check-in now, the questionnaires, signing) can be tried at once."""
    zone = zoneinfo.ZoneInfo(group.timezone)
    now = timezone.localtime(timezone.now(), zone)
    midnight = datetime.combine(now.date(), time(0), tzinfo=zone)
    if group.sessions.filter(starts_at__gte=midnight, starts_at__lt=midnight + timedelta(days=1)):
        return
    services.schedule_session(
        group=group, day=now.date(), at=time(now.hour), duration=60, topic="Today's session"
    )


def _seed_organisation() -> None:
    Organisation.objects.filter(pk=1, name="Together").update(
        name="Riverside Community Wellbeing",
        support_contact="wellbeing@example.com (Monday to Friday)",
    )
    # A country, so that scheduling's holiday warning (and "skip this date") can be seen.
    Organisation.objects.filter(pk=1, holiday_country="").update(holiday_country="GB")
    everyone_but_one = User.objects.filter(role="participant").exclude(
        email="participant@example.com"
    )
    agreement = ConfidentialityAgreement.current()
    for person in everyone_but_one:  # participant@example.com meets the agreement on first sign-in
        AgreementAcceptance.objects.get_or_create(user=person, agreement=agreement)
    # One member reads the app, and gets their messages, in Spanish.
    User.objects.filter(email="participant3@example.com").update(language="es")
    leaving = User.objects.get(email="participant12@example.com")
    if not ClosureRequest.objects.filter(user=leaving).exists():
        request_closure(user=leaving, reason="I'm moving to another city.")


def seed_groups() -> None:
    lead = User.objects.get(email="facilitator@example.com")
    co = User.objects.get(email="cofacilitator@example.com")
    start = _series_from(weeks_ago=5, weekday=1)  # the Tuesday five weeks back: half are past

    cbt, created = _group(
        "Tuesday evening CBT for depression",
        [lead, co],
        display_name="Tuesday evening group",
        capacity=10,
        location="Room 3, Riverside Health Centre",
        kind="therapy",
        start_date=start,
    )
    _enrol(cbt, _participants(*range(1, 9)), joined_on=start)
    if created:
        services.schedule_series(
            group=cbt,
            frequency="weekly",
            first_date=start,
            at=time(18),
            duration=90,
            count=12,
            created_by=lead,
        )
        _document_past_sessions(cbt, lead)
        seed_outcomes(cbt)

    support_start = _series_from(weeks_ago=4, weekday=3)
    support, created = _group(
        "Thursday peer support",
        [lead],
        display_name="Thursday group",
        kind="support",
        capacity=12,
        video_link="https://video.example.org/thursday",
        start_date=support_start,
    )
    _enrol(support, _participants(9, 10, 11, 1), joined_on=support_start)
    if created:
        services.schedule_series(
            group=support,
            frequency="biweekly",
            first_date=support_start,
            at=time(12, 30),
            duration=60,
            count=8,
            created_by=lead,
        )
        _document_past_sessions(support, lead)

    cohort_start = _series_from(weeks_ago=-1, weekday=0)  # starts next Monday
    cohort, created = _group(
        "Spring skills cohort",
        [co],
        display_name="Monday group",
        kind="skills",
        enrollment_mode="closed",
        capacity=3,
        location="Room 1, Riverside Health Centre",
        start_date=cohort_start,
    )
    _enrol(cohort, _participants(2, 3, 4), joined_on=timezone.localdate())
    _enrol(cohort, _participants(11, 12), joined_on=None, status=Enrollment.Status.WAITLISTED)
    if created:
        # The cohort follows the example programme: its eight sessions take their plans from it.
        follow_programme(group=cohort, version=seed_example_programme(), by=co)
        series = services.schedule_series(
            group=cohort,
            frequency="weekly",
            first_date=cohort_start,
            at=time(10),
            duration=120,
            count=8,
            created_by=co,
        )
        plan_from_programme(sessions=list(series.sessions.all()))
    for running in (cbt, support):  # the cohort starts next week
        _session_today(running)
    _seed_goals(cbt, support)
    _seed_organisation()

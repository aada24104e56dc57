"""Reads for the facilitator pages. Each runs a fixed number of queries, whatever the data size."""

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import holidays
from django.db import connection
from django.db.models import Count, F, OuterRef, Q, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from core.sql import Row, columns, instance, rows
from members.models import ClosureRequest, Role, User, full_name, short_name
from sessions.models import AbsenceFollowUp, Addendum, Attendance, GroupNote, GroupSession
from therapy_groups.models import Enrollment, TherapyGroup, person_label
from therapy_groups.queries import closures_for_facilitator


def attendance_rate(statuses) -> float | None:
    """Share of sessions attended, excused absences left out; None before any counted session."""
    counted = [s for s in statuses if s and s != Attendance.Status.EXCUSED]
    if not counted:
        return None
    return sum(s in Attendance.ATTENDED for s in counted) / len(counted)


def active_member_count():
    """Subquery: how many active members a session's group has."""
    return Coalesce(
        Subquery(
            Enrollment.objects.filter(group=OuterRef("group"), status=Enrollment.Status.ACTIVE)
            .order_by()
            .values("group")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )


@dataclass
class GridRow:
    participant: Row  # id, name (as staff see it), email
    cells: list  # Attendance status per session, or "" (not marked) or None (not in the group then)
    rate: float | None = None


@dataclass
class AttendanceGrid:
    sessions: list[GroupSession]
    rows: list[GridRow] = field(default_factory=list)

    @property
    def group_rate(self) -> float | None:
        return attendance_rate([cell for row in self.rows for cell in row.cells])


def held_sessions(group: TherapyGroup):
    """The group's sessions that took place, newest first."""
    return group.sessions.filter(status=GroupSession.Status.HELD).order_by("-starts_at")


def attendance_grid(
    group: TherapyGroup, *, limit: int | None = None, sessions: list | None = None
) -> AttendanceGrid:
    """Sessions that took place (the given ones, or the newest `limit`, shown oldest first) by
    everyone enrolled then."""
    if sessions is None:
        newest = held_sessions(group)
        sessions = list(newest[:limit] if limit else newest)
    sessions = sorted(sessions, key=lambda s: s.starts_at)
    grid = AttendanceGrid(sessions=sessions)
    if not sessions:
        return grid
    # Plain queries (core/sql.py): the group page and the grid are among the busiest pages.
    marks = {
        (m.session_id, m.participant_id): m.status
        for m in rows(
            "SELECT session_id, participant_id, status FROM group_sessions_attendance"
            " WHERE session_id = ANY(%s)",
            [[session.pk for session in sessions]],
        )
    }
    enrollments = rows(
        """
        SELECT e.participant_id AS id, e.joined_on, e.left_on,
               u.first_name, u.last_name, u.display_name, u.email
          FROM therapy_groups_enrollment e
          JOIN members_user u ON u.id = e.participant_id
         WHERE e.group_id = %s AND e.joined_on IS NOT NULL AND NOT (e.status = ANY(%s))
         ORDER BY u.first_name, u.last_name, e.joined_on
        """,
        [group.pk, [Enrollment.Status.INVITED, Enrollment.Status.WAITLISTED]],
    )
    days = [(session.pk, session.local_date) for session in sessions]
    for person in enrollments:
        joined, left = person.joined_on, person.left_on
        cells = [
            marks.get((pk, person.id), "")
            if joined <= day and (left is None or left > day)
            else None
            for pk, day in days
        ]
        if any(cell is not None for cell in cells):
            person.name = full_name(person.first_name, person.last_name, person.display_name)
            grid.rows.append(GridRow(person, cells, attendance_rate(cells)))
    return grid


@dataclass(frozen=True)
class AbsenceFlag:
    group: TherapyGroup
    participant: User
    last_absence: GroupSession


def absence_flags(groups) -> list[AbsenceFlag]:
    """Active members absent from both of their group's last two sessions that took place,
    with no follow-up dated since the later one (`AbsenceFollowUp`: the dates recorded before
    absences joined the follow-up loop, measures/absences.py, are still honoured)."""
    last_two = list(
        GroupSession.objects.filter(group__in=groups, status=GroupSession.Status.HELD)
        .annotate(
            recency=Window(RowNumber(), partition_by=[F("group")], order_by=F("starts_at").desc())
        )
        .filter(recency__lte=2)
        .select_related("group")
    )
    pair = defaultdict(set)  # group -> its last two sessions
    latest = {}
    for session in last_two:
        pair[session.group_id].add(session.pk)
        if session.recency == 1:
            latest[session.group_id] = session
    absent = defaultdict(set)  # (group, participant) -> sessions they were absent from
    for session_id, group_id, participant_id in Attendance.objects.filter(
        session__in=last_two,
        status=Attendance.Status.ABSENT,
        participant__enrollments__group=F("session__group"),
        participant__enrollments__status=Enrollment.Status.ACTIVE,
    ).values_list("session_id", "session__group_id", "participant_id"):
        absent[group_id, participant_id].add(session_id)
    candidates = [
        key
        for key, sessions in absent.items()
        if len(pair[key[0]]) == 2 and pair[key[0]] <= sessions
    ]
    if not candidates:
        return []
    followed = {
        (g, p): day
        for g, p, day in AbsenceFollowUp.objects.filter(
            group__in={g for g, _ in candidates},
            participant__in={p for _, p in candidates},
        )
        .values_list("group_id", "participant_id", "followed_up_on")
        .order_by("followed_up_on")
    }
    people = User.objects.in_bulk({p for _, p in candidates})
    flags = [
        AbsenceFlag(latest[g].group, people[p], latest[g])
        for g, p in candidates
        if (g, p) not in followed or followed[g, p] < latest[g].local_date
    ]
    return sorted(flags, key=lambda f: f.last_absence.starts_at)


@dataclass
class Dashboard:
    upcoming: list[Row]
    unsigned: list[Row]
    offers: list[Enrollment]
    closures: list[ClosureRequest]


def dashboard_groups(user: User) -> list[int]:
    """The ids of the live groups a facilitator's dashboard covers."""
    return list(TherapyGroup.objects.facilitated_by(user).live().values_list("pk", flat=True))


def facilitator_dashboard(user: User, *, now=None, groups: list[int] | None = None) -> Dashboard:
    now = now or timezone.now()
    # The ids once, as a list: five queries below then get a short IN list, not a subquery each.
    groups = dashboard_groups(user) if groups is None else groups
    week_end = timezone.localtime(now).replace(
        hour=0, minute=0, second=0, microsecond=0
    ) + timedelta(days=8)
    # Plain queries (core/sql.py): the dashboard is where every facilitator lands.
    upcoming = rows(
        """
        SELECT s.id, s.starts_at, s.status, s.location, s.video_link, g.name AS group_name,
               (SELECT count(*) FROM therapy_groups_enrollment e
                 WHERE e.group_id = s.group_id AND e.status = %(active)s) AS enrolled
          FROM group_sessions_groupsession s
          JOIN therapy_groups_therapygroup g ON g.id = s.group_id
         WHERE s.group_id = ANY(%(groups)s) AND s.starts_at >= %(since)s
           AND s.starts_at < %(until)s
         ORDER BY s.starts_at, s.id
        """,
        {
            "groups": groups,
            "since": now - timedelta(hours=2),
            "until": week_end,
            "active": Enrollment.Status.ACTIVE,
        },
    )
    for session in upcoming:
        session.is_cancelled = session.status == GroupSession.Status.CANCELLED
    unsigned = rows(  # held, and its group note missing or a draft
        """
        SELECT s.id, s.starts_at, g.name AS group_name
          FROM group_sessions_groupsession s
          JOIN therapy_groups_therapygroup g ON g.id = s.group_id
         WHERE s.group_id = ANY(%(groups)s) AND s.status = %(held)s AND s.starts_at < %(now)s
           AND NOT EXISTS (SELECT 1 FROM group_sessions_groupnote n
                            WHERE n.session_id = s.id AND n.signed_at IS NOT NULL)
         ORDER BY s.starts_at, s.id
         LIMIT 50
        """,
        {"groups": groups, "now": now, "held": GroupSession.Status.HELD},
    )
    offers = (
        Enrollment.objects.filter(
            group__in=groups, status=Enrollment.Status.WAITLISTED, offered_at__isnull=False
        )
        .select_related("group", "participant", "invitation")
        .order_by("offered_at")
    )
    closures = (
        closures_for_facilitator(user, groups)
        .filter(handled_at__isnull=True)
        .select_related("user")
        .order_by("requested_at")
    )
    return Dashboard(upcoming, unsigned, list(offers), list(closures))


def next_session_subquery(now=None):
    """Subquery on groups: when the group next meets (cancelled sessions left out)."""
    return Subquery(
        GroupSession.objects.filter(group=OuterRef("pk"), starts_at__gte=now or timezone.now())
        .not_cancelled()
        .order_by("starts_at")
        .values("starts_at")[:1]
    )


def facilitator_groups(user: User, *, now=None):
    """The user's groups with member counts and the next session time, in one query."""
    return (
        TherapyGroup.objects.facilitated_by(user)
        .live()
        .annotate(
            members=Count(
                "enrollments", filter=Q(enrollments__status=Enrollment.Status.ACTIVE), distinct=True
            ),
            waitlisted=Count(
                "enrollments",
                filter=Q(enrollments__status=Enrollment.Status.WAITLISTED),
                distinct=True,
            ),
            next_session_at=next_session_subquery(now),
        )
        .order_by("name")
    )


def roster_for(session: GroupSession):
    """Everyone enrolled on the session's date: its attendance list."""
    return (
        Enrollment.objects.filter(group_id=session.group_id)
        .on_roster_on(session.local_date)
        .select_related("participant")
        .order_by("participant__first_name", "participant__last_name", "participant_id")
    )


def attendees(session: GroupSession) -> list:
    """Who came (present, late, left early), in the register's order: whom the individual
    notes are about, one after the other."""
    came = set(
        Attendance.objects.filter(session=session, status__in=Attendance.ATTENDED).values_list(
            "participant_id", flat=True
        )
    )
    return [e.participant for e in roster_for(session) if e.participant_id in came]


def neighbours(people: list, person) -> tuple:
    """The people before and after `person` in `people` (None at either end, or if absent)."""
    ids = [p.pk for p in people]
    if person.pk not in ids:
        return None, None
    at = ids.index(person.pk)
    return (people[at - 1] if at > 0 else None, people[at + 1] if at + 1 < len(people) else None)


ENROLLMENT_LABELS = dict(Enrollment.Status.choices)
SESSION_LABELS = dict(GroupSession.Status.choices)


@dataclass
class GroupPage:
    facilitators: list[str]
    enrollments: list[Row]
    upcoming: list[Row]
    past: list[Row]


def group_page(group: TherapyGroup, *, now: datetime, sessions: int = 12) -> GroupPage:
    """The group page's lists in three plain queries (core/sql.py): its facilitators, everyone
    who has or had a place (waitlist included), and the next and the last `sessions`."""
    facilitators = [
        f"{f.first_name} {f.last_name}".strip() or f.email
        for f in rows(
            """
            SELECT u.first_name, u.last_name, u.email
              FROM therapy_groups_therapygroup_facilitators f
              JOIN members_user u ON u.id = f.user_id
             WHERE f.therapygroup_id = %s
             ORDER BY u.first_name, u.last_name, u.id
            """,
            [group.pk],
        )
    ]
    enrollments = rows(
        """
        SELECT e.id, e.status, e.offered_at, e.override_reason, e.joined_on, e.left_on,
               e.leaving_reason, e.participant_id, e.waitlisted_at,
               u.first_name, u.last_name, u.display_name, COALESCE(u.email, i.email) AS email
          FROM therapy_groups_enrollment e
          LEFT JOIN members_user u ON u.id = e.participant_id
          LEFT JOIN members_invitation i ON i.id = e.invitation_id
         WHERE e.group_id = %s
         ORDER BY e.status, e.waitlisted_at, u.first_name, e.id
        """,
        [group.pk],
        encrypted=["override_reason", "leaving_reason"],
    )
    for e in enrollments:
        joined = e.participant_id is not None and e.joined_on is not None
        name = full_name(e.first_name, e.last_name, e.display_name) if joined else ""
        e.person_label = person_label(name=name, email=e.email)
        e.status_label = ENROLLMENT_LABELS[e.status]
        e.has_offer = e.status == Enrollment.Status.WAITLISTED and e.offered_at is not None
        e.is_live = e.status in Enrollment.LIVE
    listed = rows(
        f"""
        (SELECT id, starts_at, status, topic, 'upcoming' AS part
           FROM group_sessions_groupsession
          WHERE group_id = %(group)s AND starts_at >= %(now)s
          ORDER BY starts_at LIMIT {int(sessions)})
        UNION ALL
        (SELECT id, starts_at, status, topic, 'past'
           FROM group_sessions_groupsession
          WHERE group_id = %(group)s AND starts_at < %(now)s
          ORDER BY starts_at DESC LIMIT {int(sessions)})
        """,  # noqa: S608 (a number)
        {"group": group.pk, "now": now},
    )
    for s in listed:
        s.is_cancelled = s.status == GroupSession.Status.CANCELLED
        s.status_label = SESSION_LABELS[s.status]
    return GroupPage(
        facilitators=facilitators,
        enrollments=enrollments,
        upcoming=[s for s in listed if s.part == "upcoming"],
        past=[s for s in listed if s.part == "past"],
    )


ATTENDANCE_LABELS = dict(Attendance.Status.choices)


def session_page(facilitator, session_id: int) -> GroupSession | None:
    """The session page's session, for one of its facilitators (None for anyone else): with
    its group, its group note and who signed it, the group's sessions just before and after
    (`previous_id`, `following_id`) and whether the note has addenda (`note_has_addenda`), in
    one plain query. The models are built from the row (core.sql.instance), as the ORM's
    select_related would, without its query building."""
    session_table, group_table = GroupSession._meta.db_table, TherapyGroup._meta.db_table
    note_table, person_table = GroupNote._meta.db_table, User._meta.db_table
    query = f"""
        SELECT {columns(GroupSession, "s")}, {columns(TherapyGroup, "g")},
               {columns(GroupNote, "n")}, {columns(User, "u")},
               (SELECT p.id FROM "{session_table}" p
                 WHERE p.group_id = s.group_id AND p.starts_at < s.starts_at
                 ORDER BY p.starts_at DESC LIMIT 1),
               (SELECT f.id FROM "{session_table}" f
                 WHERE f.group_id = s.group_id AND f.starts_at > s.starts_at
                 ORDER BY f.starts_at LIMIT 1),
               EXISTS (SELECT 1 FROM "{Addendum._meta.db_table}" a WHERE a.group_note_id = n.id)
          FROM "{session_table}" s
          JOIN "{group_table}" g ON g.id = s.group_id
          LEFT JOIN "{note_table}" n ON n.session_id = s.id
          LEFT JOIN "{person_table}" u ON u.id = n.signed_by_id
         WHERE s.id = %s
           AND EXISTS (SELECT 1 FROM "{TherapyGroup.facilitators.through._meta.db_table}" t
                        WHERE t.therapygroup_id = s.group_id AND t.user_id = %s)
    """  # noqa: S608 (names from _meta)
    if not facilitator.is_authenticated or facilitator.role != Role.FACILITATOR:
        return None
    with connection.cursor() as cursor:
        cursor.execute(query, [session_id, facilitator.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    values = iter(row)

    def take(model):
        return [next(values) for _ in model._meta.concrete_fields]

    session = instance(GroupSession, take(GroupSession))
    session.group = instance(TherapyGroup, take(TherapyGroup))
    note_values, signer_values = take(GroupNote), take(User)
    session.previous_id, session.following_id, session.note_has_addenda = values
    note = instance(GroupNote, note_values) if note_values[0] is not None else None
    if note is not None:
        note.session = session
        note.signed_by = instance(User, signer_values) if signer_values[0] is not None else None
    GroupSession.note.related.set_cached_value(session, note)  # None: known to have none
    return session


def attendance_list(session: GroupSession, *, participant_id: int | None = None) -> list[Row]:
    """The session page's attendance list in one plain query (core/sql.py): everyone on the
    roster (the rule of `Enrollment.on_roster_on`), with their mark and whether a short note
    exists, is signed and flags a risk. The notes' text is not read. `participant_id` narrows
    it to one row, redrawn after a mark."""
    found = rows(
        """
        SELECT u.id, u.first_name, u.last_name, u.display_name,
               a.status, a.comment, a.marked_by_id,
               n.id AS note_id, n.risk_flag, n.signed_at AS note_signed_at
          FROM therapy_groups_enrollment e
          JOIN members_user u ON u.id = e.participant_id
          LEFT JOIN group_sessions_attendance a
                 ON a.session_id = %(session)s AND a.participant_id = e.participant_id
          LEFT JOIN group_sessions_individualnote n
                 ON n.session_id = %(session)s AND n.participant_id = e.participant_id
         WHERE e.group_id = %(group)s AND e.status = ANY(%(statuses)s)
           AND e.joined_on <= %(day)s AND (e.left_on IS NULL OR e.left_on > %(day)s)
           AND (%(one)s::bigint IS NULL OR e.participant_id = %(one)s)
         ORDER BY u.first_name, u.last_name, u.id
        """,
        {
            "session": session.pk,
            "group": session.group_id,
            "statuses": list(Enrollment.ON_ROSTER),
            "day": session.local_date,
            "one": participant_id,
        },
        encrypted=["comment"],
    )
    for row in found:
        row.name = full_name(row.first_name, row.last_name, row.display_name)
        row.short_name = short_name(row.display_name, row.first_name)
        row.status_label = ATTENDANCE_LABELS.get(row.status, "")
        row.attended = row.status in Attendance.ATTENDED
        row.told_us = row.marked_by_id == row.id  # "I can't make it", from the person
    return found


@dataclass(frozen=True)
class PlannedDate:
    """A date about to be scheduled, with what the facilitator should know first."""

    starts_at: datetime
    holiday: str | None  # the public holiday it falls on, in the organisation's country
    past: bool
    day: date  # where the group meets


def planned_dates(starts: list[datetime], *, zone: str, country: str) -> list[PlannedDate]:
    """The review before scheduling: each start, flagged on a public holiday (the date where
    the group meets) or in the past."""
    local = [timezone.localtime(start, zoneinfo.ZoneInfo(zone)).date() for start in starts]
    names = (
        holidays.country_holidays(country, years={day.year for day in local})
        if country and local
        else {}
    )
    now = timezone.now()
    return [
        PlannedDate(start, names.get(day), start < now, day)
        for start, day in zip(starts, local, strict=True)
    ]


def cohort_started(group) -> bool:
    """The group has met (a session not cancelled has begun): a closed cohort takes no one new
    without a reason."""
    return group.sessions.not_cancelled().filter(starts_at__lte=timezone.now()).exists()

"""What a participant's home page reads: their groups and places, schedule, goals and fellow
members. Four plain queries (core/sql.py) whatever the number of groups, sessions and goals:
this is the page participants open most.

Participants see their own groups' schedule, their own goals with the facilitator's latest
comment, and fellow members' first names with the goals those members chose to share.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.sql import Row, rows
from members.models import short_name
from sessions.models import Attendance, GroupSession
from therapy_groups.models import Enrollment, Goal, member_name

UPCOMING, RECENT = 12, 4
SHOWN_SINCE = timedelta(hours=2)  # a session under way stays on the schedule
GOAL_LABELS = dict(Goal.Status.choices)
AWAITING = (Enrollment.Status.INVITED, Enrollment.Status.WAITLISTED)


@dataclass
class MemberGroup:
    id: int
    member_name: str
    members: list[str] = field(default_factory=list)  # fellow members' short names


@dataclass
class MemberHome:
    groups: list[MemberGroup]
    places: list[Row]  # invitations and waitlist offers awaiting an answer
    next_session: Row | None
    upcoming: list[Row]  # after the next session
    recent: list[Row]
    goals: list[Row]
    shared_goals: list[Row]


def member_home(user, *, now: datetime) -> MemberHome:
    groups, places = _groups_and_places(user)
    _add_members(groups)
    upcoming, recent = _schedule(user, [g.id for g in groups], now=now)
    next_session = next((s for s in upcoming if not s.is_cancelled and s.ends_at > now), None)
    goals, shared = _goals(user, [g.id for g in groups])
    return MemberHome(
        groups=groups,
        places=places,
        next_session=next_session,
        upcoming=[s for s in upcoming if s is not next_session],
        recent=recent,
        goals=goals,
        shared_goals=shared,
    )


def _groups_and_places(user) -> tuple[list[MemberGroup], list[Row]]:
    found = rows(
        """
        SELECT e.id, e.status, e.offered_at, g.id AS group_id, g.name, g.display_name
          FROM therapy_groups_enrollment e
          JOIN therapy_groups_therapygroup g ON g.id = e.group_id
         WHERE e.participant_id = %s AND e.status = ANY(%s)
         ORDER BY g.name, e.id
        """,
        [user.pk, [Enrollment.Status.ACTIVE, *AWAITING]],
    )
    groups, places = [], []
    for e in found:
        name = member_name(e.display_name, e.name)
        if e.status == Enrollment.Status.ACTIVE:
            groups.append(MemberGroup(id=e.group_id, member_name=name))
            continue
        e.group_name = name
        e.has_offer = e.status == Enrollment.Status.WAITLISTED and e.offered_at is not None
        if e.status == Enrollment.Status.INVITED or e.has_offer:
            places.append(e)
    return groups, places


def _add_members(groups: list[MemberGroup]) -> None:
    if not groups:
        return
    by_id = {g.id: g for g in groups}
    for m in rows(
        """
        SELECT e.group_id, u.display_name, u.first_name
          FROM therapy_groups_enrollment e
          JOIN members_user u ON u.id = e.participant_id
         WHERE e.group_id = ANY(%s) AND e.status = %s
         ORDER BY e.id
        """,
        [list(by_id), Enrollment.Status.ACTIVE],
    ):
        by_id[m.group_id].members.append(short_name(m.display_name, m.first_name))


_SESSION_COLUMNS = """
    s.id, s.starts_at, s.duration, s.status, s.members_message, s.topic, s.location,
    s.video_link, s.materials_shared, s.materials_link, s.take_home, g.name, g.display_name
"""


def _schedule(user, group_ids: list[int], *, now: datetime) -> tuple[list[Row], list[Row]]:
    """The next sessions (with "can't make it") and the last ones held (with "I did this")."""
    if not group_ids:
        return [], []
    found = rows(
        f"""
        (SELECT {_SESSION_COLUMNS}, 'upcoming' AS part,
                EXISTS (SELECT 1 FROM group_sessions_attendance a
                         WHERE a.session_id = s.id AND a.participant_id = %(user)s
                           AND a.marked_by_id = %(user)s AND a.status = %(excused)s
                ) AS cant_make_it,
                false AS take_home_done
           FROM group_sessions_groupsession s
           JOIN therapy_groups_therapygroup g ON g.id = s.group_id
          WHERE s.group_id = ANY(%(groups)s) AND s.starts_at >= %(since)s
          ORDER BY s.starts_at
          LIMIT {UPCOMING})
        UNION ALL
        (SELECT {_SESSION_COLUMNS}, 'recent',
                false,
                EXISTS (SELECT 1 FROM group_sessions_takehomedone t
                         WHERE t.session_id = s.id AND t.participant_id = %(user)s)
           FROM group_sessions_groupsession s
           JOIN therapy_groups_therapygroup g ON g.id = s.group_id
          WHERE s.group_id = ANY(%(groups)s) AND s.starts_at < %(now)s
            AND s.status <> %(cancelled)s
          ORDER BY s.starts_at DESC
          LIMIT {RECENT})
        """,  # noqa: S608 (only constants are formatted in)
        {
            "user": user.pk,
            "groups": group_ids,
            "since": now - SHOWN_SINCE,
            "now": now,
            "excused": Attendance.Status.EXCUSED,
            "cancelled": GroupSession.Status.CANCELLED,
        },
    )
    for s in found:
        s.member_name = member_name(s.display_name, s.name)
        s.is_cancelled = s.status == GroupSession.Status.CANCELLED
        s.ends_at = s.starts_at + timedelta(minutes=s.duration)
    return [s for s in found if s.part == "upcoming"], [s for s in found if s.part == "recent"]


def _goals(user, group_ids: list[int]) -> tuple[list[Row], list[Row]]:
    """The person's own goals (all but declined ones) with the latest progress and the
    facilitator's latest comment; fellow members' shared goals with their progress only."""
    found = rows(
        """
        SELECT g.id, g.what, g.status, g.participant_id, u.display_name, u.first_name,
               (SELECT c.progress FROM therapy_groups_goalcheckin c
                 WHERE c.goal_id = g.id ORDER BY c.created_at DESC LIMIT 1) AS latest,
               m.text AS comment, m.created_at AS comment_at
          FROM therapy_groups_goal g
          JOIN members_user u ON u.id = g.participant_id
          LEFT JOIN LATERAL (
                SELECT c.text, c.created_at FROM therapy_groups_goalcomment c
                 WHERE c.goal_id = g.id AND g.participant_id = %(user)s
                 ORDER BY c.created_at DESC LIMIT 1
               ) m ON true
         WHERE (g.participant_id = %(user)s AND g.status <> %(declined)s)
            OR (g.group_id = ANY(%(groups)s) AND g.shared AND g.status = ANY(%(shown)s)
                AND g.participant_id <> %(user)s)
         ORDER BY g.status, g.created_at DESC
        """,
        {
            "user": user.pk,
            "groups": group_ids,
            "declined": Goal.Status.DECLINED,
            "shown": [Goal.Status.ACTIVE, Goal.Status.ACHIEVED],
        },
        encrypted=["what", "comment"],
    )
    for g in found:
        g.status_label = GOAL_LABELS[g.status]
        g.short_name = short_name(g.display_name, g.first_name)
    own = [g for g in found if g.participant_id == user.pk]
    return own, [g for g in found if g.participant_id != user.pk]

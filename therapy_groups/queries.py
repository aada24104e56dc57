"""Reads for the goal page, the page participants open most after their home: two plain queries
(core/sql.py) instead of models built through the ORM."""

from core.sql import Row, rows
from members.models import ClosureRequest, User
from therapy_groups.models import Enrollment, Goal, TherapyGroup, member_name

GOAL_LABELS = dict(Goal.Status.choices)


def own_goal(participant, goal_id: int) -> Row | None:
    """One of the person's own goals (None for anyone else's), with its group's name and
    whether the facilitator has commented (most goals have no comments: ask only then)."""
    found = rows(
        """
        SELECT g.id, g.what, g.why, g.how_know, g.by_when, g.status, g.shared,
               t.name, t.display_name,
               EXISTS (SELECT 1 FROM therapy_groups_goalcomment c WHERE c.goal_id = g.id)
                   AS has_comments
          FROM therapy_groups_goal g
          JOIN therapy_groups_therapygroup t ON t.id = g.group_id
         WHERE g.id = %s AND g.participant_id = %s
        """,
        [goal_id, participant.pk],
        encrypted=["what", "why", "how_know"],
    )
    for goal in found:
        goal.group_name = member_name(goal.display_name, goal.name)
        goal.status_label = GOAL_LABELS[goal.status]
        goal.is_open = goal.status in Goal.OPEN
    return found[0] if found else None


def check_ins(goal_id: int) -> list[Row]:
    """A goal's check-ins, oldest first."""
    return rows(
        "SELECT id, progress, note, created_at FROM therapy_groups_goalcheckin"
        " WHERE goal_id = %s ORDER BY created_at, id",
        [goal_id],
        encrypted=["note"],
    )


def closures_for_facilitator(user, groups=None):
    """Account-closure requests a facilitator may see and handle: from current members of the
    groups they facilitate (invited, active or waiting), not from anyone who ever was one.
    Admins handle the rest."""
    groups = TherapyGroup.objects.facilitated_by(user) if groups is None else groups
    return ClosureRequest.objects.filter(
        user__enrollments__group__in=groups, user__enrollments__status__in=Enrollment.LIVE
    ).distinct()


def facilitators_elsewhere(participant_id: int, group_id: int) -> list:
    """Who runs the other groups this person is in now (not this group's facilitators): a way
    to reach someone with no number to call. Their names and emails only."""
    return list(
        User.objects.filter(
            is_active=True,
            facilitated_groups__enrollments__participant_id=participant_id,
            facilitated_groups__enrollments__status=Enrollment.Status.ACTIVE,
        )
        .exclude(facilitated_groups=group_id)
        .distinct()
        .order_by("first_name", "last_name")
    )

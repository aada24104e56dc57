"""The group page's links and session lines as plain values: every address from a pattern
reversed once per process (core.links), so the page does not reverse one for each person,
session and cell (it had seventy)."""

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.links import link
from members.templatetags.together import when
from sessions.models import GroupSession

GROUP_LINKS = (
    "session_schedule",
    "group_invite",
    "group_edit",
    "group_outcomes",
    "group_measures",
    "group_audit",
    "attendance_grid",
    "attendance_csv",
    "group_status",
)


def group_links(group_id: int, page, grid) -> dict[str, str]:
    """Adds each row's links to the page's lists and the grid; returns the group's own."""
    for e in page.enrollments:
        if e.participant_id and e.joined_on:
            e.record_url = link("participant_record", group_id, e.participant_id)
        e.confirm_url = link("seat_confirm", group_id, e.pk)
        e.end_url = link("enrollment_end", group_id, e.pk)
    for s in page.upcoming + page.past:
        s.line = format_html(
            '<a href="{}"{}>{}</a>{}{}',
            link("session_detail", s.id),
            mark_safe(' class="cancelled"') if s.is_cancelled else "",
            when(s.starts_at),
            f": {s.topic}" if s.topic else "",
            format_html(' <span class="badge">{}</span>', s.status_label)
            if s.status != GroupSession.Status.SCHEDULED
            else "",
        )
    grid_links(group_id, grid)
    return {name: link(name, group_id) for name in GROUP_LINKS}


def grid_links(group_id: int, grid) -> None:
    """The attendance grid's links: each session's page and each person's record."""
    for session in grid.sessions:
        session.url = link("session_detail", session.pk)
    for row in grid.rows:
        row.record_url = link("participant_record", group_id, row.participant.pk)

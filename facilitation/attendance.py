"""The session page's attendance list as plain values.

The list is most of the page: for every person a form of five buttons (or, once the notes are
signed, a list of five options) and a link to their note. Each row's addresses come from
core.links and its buttons from markup made once a request, so the template only prints them.
The htmx redraw of one row after a mark uses the same, so the two never differ.
"""

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.links import link
from sessions.models import Attendance


def attendance_rows(session_id: int, rows: list, *, attendance_open: bool) -> list:
    """`rows` (sessions.queries.attendance_list) with `mark_url`, `note_url`, `buttons` (the
    five marks, the current one pressed) and `options` (the same as a select's options)."""
    statuses = Attendance.Status.choices
    buttons, options = {}, {}
    for value, label in statuses:
        # Before the day only "excused" can be given (someone phoned to say they can't come).
        off = " disabled" if not attendance_open and value != Attendance.Status.EXCUSED else ""
        for current in (True, False):
            buttons[value, current] = format_html(
                '<button type="submit" name="status" value="{}" aria-pressed="{}"{}>{}</button>',
                value,
                "true" if current else "false",
                off,
                label,
            )
            options[value, current] = format_html(
                '<option value="{}"{}>{}</option>', value, " selected" if current else "", label
            )
    for row in rows:
        row.mark_url = link("attendance_mark", session_id, row.pk)
        row.note_url = link("individual_note", session_id, row.pk)
        row.buttons = mark_safe("".join(buttons[v, row.status == v] for v, _ in statuses))  # noqa: S308 (made by format_html)
        row.options = mark_safe("".join(options[v, row.status == v] for v, _ in statuses))  # noqa: S308
    return rows

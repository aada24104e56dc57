"""The attendance grid's cells: a short code per mark that screen readers hear in full, in the
reader's language."""

from functools import cache

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, pgettext

from sessions.models import Attendance

register = template.Library()

Status = Attendance.Status


@cache
def _cells(language: str) -> dict:
    """Each cell's markup, made once per language: a grid has hundreds of cells and only these
    few values. (The language is the key: the words are read in the active one.)"""
    codes = {
        Status.PRESENT: pgettext("attendance code for Present", "P"),
        Status.LATE: pgettext("attendance code for Late", "L"),
        Status.LEFT_EARLY: pgettext("attendance code for Left early", "LE"),
        Status.ABSENT: pgettext("attendance code for Absent", "A"),
        Status.EXCUSED: pgettext("attendance code for Excused", "E"),
    }
    return {
        None: format_html('<span title="{}">&ndash;</span>', gettext("Not in the group then")),
        "": format_html('<span class="visually-hidden">{}</span>', gettext("Not marked")),
        **{
            status: format_html('<abbr title="{}">{}</abbr>', Status(status).label, code)
            for status, code in codes.items()
        },
    }


@register.filter
def attendance_code(status):
    """A grid cell: a short code that screen readers hear in full."""
    return _cells(get_language())[status]


@register.filter
def attendance_cells(statuses):
    """A grid row's cells, one <td> each (one filter call per row, not one per cell)."""
    cells = _cells(get_language())
    return mark_safe("".join(f"<td>{cells[status]}</td>" for status in statuses))  # noqa: S308 (our markup)

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def when(value):
    """'Tuesday 3 March 2026, 18:00 (Europe/London)': the viewer's zone, always named."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{format_date(local, 'l j F Y, H:i')} ({timezone.get_current_timezone_name()})"


@register.simple_tag
def current_timezone() -> str:
    return timezone.get_current_timezone_name()


@register.filter
def percent(value) -> str:
    """0.8333 becomes '83%'; None (nothing to count yet) becomes a dash."""
    return mark_safe("&ndash;") if value is None else f"{value:.0%}"


ATTENDANCE_CODES = {
    "present": ("P", "Present"),
    "late": ("L", "Late"),
    "left_early": ("LE", "Left early"),
    "absent": ("A", "Absent"),
    "excused": ("E", "Excused"),
}


NOT_ENROLLED = mark_safe('<span title="Not in the group then">&ndash;</span>')
NOT_MARKED = mark_safe('<span class="visually-hidden">Not marked</span>')


@register.filter
def attendance_code(status):
    """A grid cell: a short code that screen readers hear in full."""
    if status is None:
        return NOT_ENROLLED
    if not status:
        return NOT_MARKED
    code, label = ATTENDANCE_CODES[status]
    return format_html('<abbr title="{}">{}</abbr>', label, code)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None

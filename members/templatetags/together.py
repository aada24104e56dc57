from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date

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

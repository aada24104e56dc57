import re
from functools import cache

from django import template
from django.core.signals import setting_changed
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.html import conditional_escape, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext, pgettext_lazy

from members.models import CrisisLine, dial_link

register = template.Library()


@register.filter
def when(value):
    """'Tuesday 3 March 2026, 18:00 (Europe/London)': the viewer's zone, always named."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    # Django's date format 'l j F Y, H:i' spelled out: busy pages show dozens of times, and
    # the general formatter costs three times as much. The order is the language's.
    pattern, weekdays, months = _moment_words(get_language())
    return pattern.format(
        weekday=weekdays[local.weekday()],
        day=local.day,
        month=months[local.month],
        year=local.year,
        time=f"{local:%H:%M}",
        zone=timezone.get_current_timezone_name(),
    )


@cache
def _moment_words(language: str) -> tuple[str, list[str], dict[int, str]]:
    """The pattern and the day and month names for `language` (the active one: the key only
    tells the languages apart), translated once per process rather than three times a time."""
    return (
        pgettext("a moment on a page", "{weekday} {day} {month} {year}, {time} ({zone})"),
        [str(WEEKDAYS[day]) for day in range(7)],
        {month: str(MONTHS[month]) for month in MONTHS},
    )


setting_changed.connect(lambda **kwargs: _moment_words.cache_clear(), weak=False)


# Dates in each language's order: each format is itself a translated message. day: 'Tuesday
# 3 March' ('martes 3 de marzo'); full_day adds the year; day_month_year: '3 March 2026';
# day_month: '3 March'.
DATE_SHAPES = {
    "day": pgettext_lazy("date format: weekday, day and month", "l j F"),
    "full_day": pgettext_lazy("date format: weekday, day, month and year", "l j F Y"),
    "day_month_year": pgettext_lazy("date format: day, month and year", "j F Y"),
    "day_month": pgettext_lazy("date format: day and month", "j F"),
}
for name, shape in DATE_SHAPES.items():
    register.filter(name, lambda value, shape=shape: date_filter(value, str(shape)))


@register.filter
def join_names(people) -> str:
    """'Ana Ash, Ben Birch and Cy Cole': people by name, as a sentence would list them."""
    names = [person.get_full_name() or person.short_name for person in people]
    return " and ".join(filter(None, [", ".join(names[:-1]), names[-1]])) if names else ""


@register.simple_tag
def current_timezone() -> str:
    return timezone.get_current_timezone_name()


@register.filter
def percent(value) -> str:
    """0.8333 becomes '83%'; None (nothing to count yet) becomes a dash."""
    return mark_safe("&ndash;") if value is None else f"{value:.0%}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


# A phone number as people write one in running text: 3 or more digits, single spaces or
# hyphens between (116 123, 0800-123-4567, +44 20 7946 0958), not part of a word or address.
PHONE_NUMBER = re.compile(r"(?<!\w)(?<!\d\.)\+?\d(?:[ -]?\d){2,14}(?!\w|\.\d)")


@register.filter(needs_autoescape=True)
def tap_to_call(text, autoescape=True):
    """Text in paragraphs with each phone number a tap-to-call link (crisis resources)."""
    escaped = conditional_escape(text) if autoescape else text

    def call(match: re.Match) -> str:
        return f'<a href="{dial_link("tel", match.group())}">{match.group()}</a>'

    return mark_safe(linebreaks(PHONE_NUMBER.sub(call, escaped)))  # noqa: S308


@register.inclusion_tag("includes/crisis_lines.html", takes_context=True)
def crisis_lines(context, heading_level: int = 2):
    """The organisation's crisis lines as cards with call and text buttons, then its own
    number: on the crisis page and wherever an answer shows someone may need help now."""
    return {
        "lines": CrisisLine.objects.all(),
        "organisation": context.get("organisation"),
        "h": f"h{heading_level}",
    }

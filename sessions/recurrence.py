"""Turning "Tuesdays 18:00 in Europe/London" into UTC instants, DST and all.

Occurrences are computed as local wall-clock times with an RFC 5545 RRULE (python-dateutil),
then placed in the group's zone:
- a local time that does not exist (the clock jumps forward over it) moves forward by the gap:
  02:30 on a spring-forward night becomes 03:30;
- an ambiguous local time (the clock goes back over it) takes its first occurrence.
"""

import zoneinfo
from datetime import UTC, date, datetime, time

from dateutil.rrule import MONTHLY, WEEKLY, rrule, rrulestr, weekday

WEEKDAYS = [weekday(n) for n in range(7)]


def build_rrule(
    *, frequency: str, first_date: date, count: int | None = None, until: date | None = None
) -> str:
    """The RRULE text for a series starting on `first_date` (count or until ends it)."""
    day = WEEKDAYS[first_date.weekday()]
    if frequency == "weekly":
        rule = rrule(
            WEEKLY, interval=1, byweekday=day, dtstart=datetime.combine(first_date, time())
        )
    elif frequency == "biweekly":
        rule = rrule(
            WEEKLY, interval=2, byweekday=day, dtstart=datetime.combine(first_date, time())
        )
    elif frequency == "monthly":
        nth = (first_date.day - 1) // 7 + 1
        # A fifth Tuesday does not exist every month: "the last Tuesday" does.
        rule = rrule(
            MONTHLY,
            byweekday=day(-1 if nth == 5 else nth),
            dtstart=datetime.combine(first_date, time()),
        )
    else:
        raise ValueError(f"Unknown frequency {frequency!r}")
    if (count is None) == (until is None):
        raise ValueError("A series ends after a number of sessions or on a date, not both.")
    rule = (
        rule.replace(count=count)
        if count
        else rule.replace(until=datetime.combine(until, time(23, 59, 59)))
    )
    return str(rule).split("\n")[-1].removeprefix("RRULE:")


def local_to_utc(day: date, at: time, zone: str) -> datetime:
    """The instant when clocks in `zone` show `day` `at` (rules in the module docstring)."""
    # fold=0 with zoneinfo gives the first of two ambiguous times, and for a time in a gap uses
    # the offset from before the jump, which lands the same distance after it.
    local = datetime.combine(day, at, tzinfo=zoneinfo.ZoneInfo(zone))
    return local.astimezone(UTC)


def occurrences(
    *, rrule_text: str, first_date: date, at: time, zone: str, limit: int = 520
) -> list[datetime]:
    """Every occurrence of the series, as UTC datetimes (at most `limit`: ten years weekly)."""
    rule = rrulestr(rrule_text, dtstart=datetime.combine(first_date, time()))
    days = []
    for moment in rule:
        days.append(moment.date())
        if len(days) >= limit:
            break
    return [local_to_utc(day, at, zone) for day in days]

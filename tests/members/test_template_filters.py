"""The page filters that name times and draw the attendance grid."""

import zoneinfo
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.dateformat import format as format_date

from members.templatetags.together import when
from sessions.templatetags.attendance import attendance_cells, attendance_code


def test_when_reads_as_django_formats_it_with_the_zone_named():
    start = datetime(2026, 1, 1, 0, 30, tzinfo=UTC)
    for zone in ("Europe/London", "America/New_York", "Australia/Sydney"):
        with timezone.override(zoneinfo.ZoneInfo(zone)):
            for hours in range(0, 24 * 400, 37):  # every weekday, month and hour, DST included
                instant = start + timedelta(hours=hours)
                local = timezone.localtime(instant)
                assert when(instant) == f"{format_date(local, 'l j F Y, H:i')} ({zone})"
    with timezone.override(zoneinfo.ZoneInfo("Europe/London")):
        assert when(datetime(2026, 3, 3, 18, 5, tzinfo=UTC)) == (
            "Tuesday 3 March 2026, 18:05 (Europe/London)"
        )
    assert when(None) == ""


def test_a_grid_row_is_the_cells_one_by_one():
    statuses = [None, "", "present", "late", "left_early", "absent", "excused"]
    assert attendance_cells(statuses) == "".join(f"<td>{attendance_code(s)}</td>" for s in statuses)
    assert str(attendance_code("left_early")) == '<abbr title="Left early">LE</abbr>'

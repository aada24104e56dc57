"""The server-drawn charts: a goal's progress has axes and dates; report bars keep their names."""

import zoneinfo
from datetime import UTC, datetime
from types import SimpleNamespace

from django.utils import timezone

from core.charts import bar_chart, progress_chart


def test_a_goal_chart_has_its_scale_and_dates_in_the_viewers_zone():
    check_ins = [
        SimpleNamespace(progress=3, created_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC)),
        SimpleNamespace(progress=7, created_at=datetime(2026, 4, 9, 12, 0, tzinfo=UTC)),
    ]
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):  # 1 March 23:30 UTC is 2 March
        svg = progress_chart(iter(check_ins), label="Walk daily")  # any iterable, once
    for tick in ("0", "5", "10"):
        assert f'text-anchor="end">{tick}</text>' in svg
    assert ">2 Mar</text>" in svg and ">9 Apr</text>" in svg
    assert "Walk daily: 2 check-ins from 2 Mar to 9 Apr, from 3 to 7 out of 10." in svg


def test_report_bars_keep_long_group_names_whole():
    name = "Thursday evening mindfulness-based cognitive therapy"
    svg = bar_chart([(name, 0.5)], label="Attendance")
    assert f">{name}</text>" in svg and ">50%</text>" in svg

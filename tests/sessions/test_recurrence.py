"""Series are expanded in the group's zone: 18:00 stays 18:00 across DST."""

import zoneinfo
from datetime import date, time

import pytest

from sessions.recurrence import build_rrule, local_to_utc, occurrences


def local_times(starts, zone):
    tz = zoneinfo.ZoneInfo(zone)
    return [s.astimezone(tz) for s in starts]


@pytest.mark.parametrize(
    ("zone", "first", "dst_change"),
    [
        ("America/New_York", date(2026, 3, 3), date(2026, 3, 8)),
        ("Europe/London", date(2026, 3, 17), date(2026, 3, 29)),
        ("Europe/London", date(2026, 10, 13), date(2026, 10, 25)),
        ("Australia/Lord_Howe", date(2026, 3, 24), date(2026, 4, 5)),  # a 30-minute shift
    ],
)
def test_weekly_series_keeps_its_local_time_across_a_dst_change(zone, first, dst_change):
    rule = build_rrule(frequency="weekly", first_date=first, count=6)
    starts = occurrences(rrule_text=rule, first_date=first, at=time(18, 0), zone=zone)
    local = local_times(starts, zone)
    assert [t.time() for t in local] == [time(18, 0)] * 6
    assert {t.weekday() for t in local} == {first.weekday()}
    offsets = {t.utcoffset() for t in local}
    assert len(offsets) == 2, "the series crosses the change, so UTC offsets differ"
    assert any(t.date() > dst_change for t in local) and local[0].date() < dst_change


def test_a_time_that_does_not_exist_moves_forward_by_the_gap():
    # 2026-03-08 02:30 does not exist in New York: clocks jump from 02:00 to 03:00.
    start = local_to_utc(date(2026, 3, 8), time(2, 30), "America/New_York")
    assert local_times([start], "America/New_York")[0].time() == time(3, 30)


def test_lord_howe_half_hour_gap_moves_forward_by_half_an_hour():
    # 2026-10-04 02:00 → 02:30 on Lord Howe Island.
    start = local_to_utc(date(2026, 10, 4), time(2, 15), "Australia/Lord_Howe")
    assert local_times([start], "Australia/Lord_Howe")[0].time() == time(2, 45)


def test_an_ambiguous_time_takes_its_first_occurrence():
    # 2026-11-01 01:30 happens twice in New York; the first is still daylight time (UTC-4).
    start = local_to_utc(date(2026, 11, 1), time(1, 30), "America/New_York")
    assert start.hour == 5 and start.minute == 30


def test_every_two_weeks_skips_a_week():
    first = date(2026, 1, 6)
    rule = build_rrule(frequency="biweekly", first_date=first, count=3)
    starts = occurrences(rrule_text=rule, first_date=first, at=time(10), zone="Europe/London")
    assert [s.date() for s in starts] == [date(2026, 1, 6), date(2026, 1, 20), date(2026, 2, 3)]


def test_monthly_keeps_the_nth_weekday_and_a_fifth_becomes_the_last():
    second_tuesday = date(2026, 1, 13)
    rule = build_rrule(frequency="monthly", first_date=second_tuesday, count=3)
    starts = occurrences(
        rrule_text=rule, first_date=second_tuesday, at=time(10), zone="Europe/London"
    )
    assert [s.date() for s in starts] == [date(2026, 1, 13), date(2026, 2, 10), date(2026, 3, 10)]

    fifth_thursday = date(2026, 1, 29)
    rule = build_rrule(frequency="monthly", first_date=fifth_thursday, count=3)
    starts = occurrences(
        rrule_text=rule, first_date=fifth_thursday, at=time(10), zone="Europe/London"
    )
    assert [s.date() for s in starts] == [date(2026, 1, 29), date(2026, 2, 26), date(2026, 3, 26)]


def test_series_can_end_on_a_date_and_that_date_counts():
    first = date(2026, 1, 6)
    rule = build_rrule(frequency="weekly", first_date=first, until=date(2026, 1, 27))
    assert "UNTIL" in rule and "COUNT" not in rule
    starts = occurrences(rrule_text=rule, first_date=first, at=time(18), zone="Europe/London")
    assert [s.date() for s in starts][-1] == date(2026, 1, 27) and len(starts) == 4


def test_series_needs_exactly_one_ending():
    with pytest.raises(ValueError):
        build_rrule(frequency="weekly", first_date=date(2026, 1, 6))
    with pytest.raises(ValueError):
        build_rrule(
            frequency="weekly", first_date=date(2026, 1, 6), count=3, until=date(2026, 2, 1)
        )

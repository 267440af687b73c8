"""A deadline is its anchor plus the limit: add_seconds on stored times agrees with datetime arithmetic."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from planengine.core.incident.clock import add_seconds, from_iso, to_iso

UTC = timezone.utc


def test_a_limit_inside_the_day_moves_the_clock_and_past_midnight_the_date():
    assert add_seconds("2090-03-05T01:01:00Z", 900) == "2090-03-05T01:16:00Z"
    assert add_seconds("2026-12-31T23:59:59Z", 1) == "2027-01-01T00:00:00Z"  # the year turns
    assert add_seconds("2028-02-28T23:30:00Z", 3600) == "2028-02-29T00:30:00Z"  # a leap day
    assert add_seconds("2026-03-05T10:00:00Z", 10 * 86400) == "2026-03-15T10:00:00Z"  # longer than a day
    assert add_seconds("2026-03-05T00:10:00Z", -900) == "2026-03-04T23:55:00Z"  # backwards


@given(
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2998, 12, 30)),
    st.one_of(
        st.integers(-2 * 86400, 3 * 86400),
        st.integers(0, 3660 * 86400),
        st.sampled_from([0, 59, 60, 86399, 86400, -86400, -86401]),
    ),
)
def test_add_seconds_equals_datetime_arithmetic(when, seconds):
    iso = to_iso(when.replace(tzinfo=UTC, microsecond=0))
    assert add_seconds(iso, seconds) == to_iso(from_iso(iso) + timedelta(seconds=seconds))


@given(
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2998, 12, 30)),
    st.sampled_from(
        ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"]
    ),
)
def test_the_local_time_of_day_equals_datetime_conversion_in_any_zone(when, zone):
    """is_day() reads the local time of day from the zone's offset memoised per UTC hour: the same
    as converting the datetime, across daylight-saving changes and half-hour offsets."""
    from zoneinfo import ZoneInfo

    from planengine.core.incident.clock import local_seconds

    tz = ZoneInfo(zone)
    iso = to_iso(when.replace(tzinfo=UTC, microsecond=0))
    local = from_iso(iso).astimezone(tz)
    assert local_seconds(iso, tz) == local.hour * 3600 + local.minute * 60 + local.second


def test_the_local_time_of_day_around_new_york_switches():
    from zoneinfo import ZoneInfo

    from planengine.core.incident.clock import local_seconds

    ny = ZoneInfo("America/New_York")
    # 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z); 2026-11-01 02:00 EDT -> 01:00 EST (06:00Z)
    assert local_seconds("2026-03-08T06:59:59Z", ny) == 1 * 3600 + 59 * 60 + 59
    assert local_seconds("2026-03-08T07:00:00Z", ny) == 3 * 3600
    assert local_seconds("2026-11-01T05:59:59Z", ny) == 1 * 3600 + 59 * 60 + 59
    assert local_seconds("2026-11-01T06:00:00Z", ny) == 1 * 3600

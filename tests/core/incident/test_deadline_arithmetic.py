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

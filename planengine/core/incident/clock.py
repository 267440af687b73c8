"""Clocks and timestamps.

The log stores UTC as ``YYYY-MM-DDTHH:MM:SSZ`` (whole seconds, fixed width) so
timestamps compare as strings in SQL and in Python alike.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc


def to_iso(dt: datetime) -> str:
    if dt.tzinfo is not UTC:
        dt = dt.astimezone(UTC)
    return dt.replace(tzinfo=None, microsecond=0).isoformat() + "Z"  # isoformat is ~3x faster than strftime


def from_iso(text: str) -> datetime:
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)


class TimeError(ValueError):
    pass


def parse_user_time(value, tz=None) -> datetime:
    """An ISO time typed by a person; a time without offset is in ``tz`` (the plan's)."""
    try:
        dt = value if isinstance(value, datetime) else from_iso(str(value).strip())
    except ValueError:
        raise TimeError(
            f"bad time {value!r}: write ISO 8601, e.g. 2026-03-05T21:04 or 2026-03-05T21:04+08:00"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz) if tz is not None else dt.astimezone()
    return dt.astimezone(UTC).replace(microsecond=0)


def seconds_between(a: str, b: str) -> int:
    return int((from_iso(b) - from_iso(a)).total_seconds())


class WallClock:
    """Live time."""

    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)


class SimClock:
    """Time that moves only when told: drills and tests."""

    def __init__(self, start: datetime):
        self._now = start.astimezone(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC).replace(microsecond=0)

    def advance(self, seconds: int) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now


_tz_cache: dict = {}


def zone(name):
    tz = _tz_cache.get(name)
    if tz is None:
        tz = _tz_cache[name] = ZoneInfo(name)
    return tz


def local(iso, tz):
    if iso is None:
        return None
    return from_iso(iso).astimezone(tz).isoformat()

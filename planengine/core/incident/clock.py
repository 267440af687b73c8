"""Clocks and timestamps.

The log stores UTC as ``YYYY-MM-DDTHH:MM:SSZ`` (whole seconds, fixed width) so
timestamps compare as strings in SQL and in Python alike.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from planengine.core.patterns import lazy

UTC = timezone.utc


def to_iso(dt: datetime) -> str:
    if dt.tzinfo is not UTC:
        dt = dt.astimezone(UTC)
    if dt.microsecond:
        dt = dt.replace(microsecond=0)
    return dt.isoformat()[:19] + "Z"  # isoformat is ~3x faster than strftime; [:19] drops "+00:00"


_TWO_DIGITS = tuple(f"{i:02d}" for i in range(100))  # "00".."99", looked up instead of formatted each time
_SECONDS: dict = {}  # "HH:MM:SS" -> seconds into the day (at most 86,400 entries)
_CLOCK_TEXT: dict = {}  # seconds into the day -> "HH:MM:SS"


def _seconds_of(hms: str) -> int:
    """Seconds into the day of ``HH:MM:SS`` (memoised: a day has 86,400 of them)."""
    t = _SECONDS.get(hms)
    if t is None:
        t = _SECONDS[hms] = int(hms[:2]) * 3600 + int(hms[3:5]) * 60 + int(hms[6:])
    return t


def add_seconds(iso: str, seconds: int) -> str:
    """to_iso(from_iso(iso) + timedelta(seconds=seconds)) for a time as the log stores it.

    Every step activation computes a deadline this way, and every drill inject
    its time. UTC keeps no daylight saving, so the clock digits are plain
    arithmetic (memoised by clock time) and only a change of date needs the
    calendar (a date, not two datetimes); other forms go through datetime.
    """
    if seconds.__class__ is int and len(iso) == 20 and iso[19] == "Z" and iso[10] == "T":
        t = _SECONDS.get(iso[11:19])
        t = (_seconds_of(iso[11:19]) if t is None else t) + seconds
        if 0 <= t < 86400:
            day = iso[:10]
        else:
            days, t = divmod(t, 86400)
            day = (date.fromisoformat(iso[:10]) + timedelta(days=days)).isoformat()
        text = _CLOCK_TEXT.get(t)
        if text is None:
            d2 = _TWO_DIGITS
            text = _CLOCK_TEXT[t] = f"{d2[t // 3600]}:{d2[t // 60 % 60]}:{d2[t % 60]}"
        return f"{day}T{text}Z"
    return to_iso(from_iso(iso) + timedelta(seconds=seconds))


_OFFSETS: dict = {}  # zone -> {"YYYY-MM-DDTHH" in UTC -> the zone's UTC offset in seconds all that hour}


def local_seconds(iso: str, tz, offsets=None) -> int:
    """Seconds into the local day in ``tz`` of ``iso`` (UTC as the log stores it), floored to
    whole seconds: what ``from_iso(iso).astimezone(tz)`` says, without building datetimes.

    The zone's offset is looked up once per UTC hour and memoised in ``offsets`` (a dict of
    the caller's for this zone: "YYYY-MM-DDTHH" -> seconds), only when it is the same at both
    ends of that hour (a change of offset inside it is computed exactly).
    """
    if len(iso) != 20 or iso[19] != "Z":
        local = from_iso(iso).astimezone(tz)
        return local.hour * 3600 + local.minute * 60 + local.second
    if offsets is None:
        offsets = _OFFSETS.setdefault(tz, {})
    off = offsets.get(iso[:13])
    if off is None:
        start = datetime.fromisoformat(iso[:13] + ":00:00+00:00")
        off = start.astimezone(tz).utcoffset()
        if (start + timedelta(seconds=3599)).astimezone(tz).utcoffset() != off:
            local = from_iso(iso).astimezone(tz)
            return local.hour * 3600 + local.minute * 60 + local.second
        off = off.days * 86400 + off.seconds
        if len(offsets) > 100_000:  # a quarter of a million hours: clear, never grow without bound
            offsets.clear()
        offsets[iso[:13]] = off
    t = _SECONDS.get(iso[11:19])
    return ((_seconds_of(iso[11:19]) if t is None else t) + off) % 86400


def from_iso(text: str) -> datetime:
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)


def stored_form(value):
    """``value`` itself when it is a valid time exactly as the log stores it (UTC, whole seconds,
    ``YYYY-MM-DDTHH:MM:SSZ``, a year parse_user_time accepts), else None.

    Every command passes here: the separators are checked by position (a pattern match cost
    more than the rest together); fromisoformat reads the 19 characters before the Z only in
    that form, digits (ASCII) where the form has them (tests/core/incident pins both)."""
    if (
        value.__class__ is not str
        or len(value) != 20
        or value[19] != "Z"
        or value[10] != "T"
        or value[4] != "-"
        or value[7] != "-"
        or value[13] != ":"
        or value[16] != ":"
        or not value.isascii()
    ):
        return None
    try:
        year = datetime.fromisoformat(value[:-1]).year
    except ValueError:
        return None
    return value if MIN_YEAR <= year <= MAX_YEAR else None


class TimeError(ValueError):
    pass


_CLOCK = lazy(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
_AGO = lazy(r"^-\s*(\S+)$")


def parse_user_time(value, tz=None, now=None) -> datetime:
    """A time typed by a person: ISO 8601, ``21:04`` (today in ``tz``) or ``-6m`` (before ``now``).

    A time without offset is in ``tz`` (the plan's). ``21:04`` typed just after
    midnight for a minute before it means yesterday: a clock time more than an
    hour ahead of ``now`` is taken as the day before (back-dating is the use).
    """
    text = value if isinstance(value, datetime) else str(value).strip()
    now = now or datetime.now(UTC)
    if isinstance(text, str) and (m := _AGO.match(text)):
        from planengine.core.plan.durations import DurationError, parse

        try:
            return (now - timedelta(seconds=parse(m.group(1)))).astimezone(UTC).replace(microsecond=0)
        except DurationError:
            raise TimeError(f"bad time {value!r}: write e.g. -6m, -1h30m, 21:04 or 2026-03-05T21:04") from None
    if isinstance(text, str) and (m := _CLOCK.match(text)):
        zone_ = tz or now.astimezone().tzinfo
        day = now.astimezone(zone_)
        when = day.replace(hour=int(m.group(1)), minute=int(m.group(2)), second=int(m.group(3) or 0), microsecond=0)
        if when - now > timedelta(hours=1):
            when -= timedelta(days=1)
        return when.astimezone(UTC)
    try:
        dt = text if isinstance(text, datetime) else from_iso(text)
    except ValueError:
        raise TimeError(
            f"bad time {value!r}: write ISO 8601, e.g. 2026-03-05T21:04 or 2026-03-05T21:04+08:00,"
            " or 21:04 (today) or -6m (six minutes ago)"
        ) from None
    if not MIN_YEAR <= dt.year <= MAX_YEAR:
        raise TimeError(f"time {_short(value)}: the year must be between {MIN_YEAR} and {MAX_YEAR}")
    if dt.tzinfo is None:
        if tz is not None:
            _check_local(dt, tz, value)
        dt = dt.replace(tzinfo=tz) if tz is not None else dt.astimezone()
    return dt.astimezone(UTC).replace(microsecond=0)


def is_naive(value) -> bool:
    """A typed ISO time without a UTC offset (read in a timezone chosen for it)."""
    try:
        return from_iso(str(value).strip()).tzinfo is None
    except ValueError:
        return False


def _check_local(dt: datetime, tz, value) -> None:
    """Refuse a local time that a daylight-saving change skips or repeats in ``tz``."""
    early, late = dt.replace(tzinfo=tz, fold=0), dt.replace(tzinfo=tz, fold=1)
    if early.utcoffset() == late.utcoffset():
        return
    name = getattr(tz, "key", str(tz))
    if early.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != dt:
        raise TimeError(f"time {_short(value)} does not exist in {name} (the clocks skip it): give the UTC offset")
    raise TimeError(
        f"time {_short(value)} happens twice in {name} (the clocks go back): add the offset,"
        f" e.g. {early.isoformat()} or {late.isoformat()}"
    )


# An incident log's times: none before computers kept one, none so far ahead that
# adding the longest duration (3660 days) could leave the calendar (year 9999).
MIN_YEAR, MAX_YEAR = 1970, 2999


def _short(value) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:36] + "...")


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
    """The timezone ``name`` (memoised). zoneinfo is imported with the first: reading a cached
    status text (`plan status INC --json`) needs none, and its import reads sysconfig."""
    tz = _tz_cache.get(name)
    if tz is None:
        from zoneinfo import ZoneInfo

        tz = _tz_cache[name] = ZoneInfo(name)
    return tz


_local_cache: dict = {}


def local(iso, tz):
    """A stored UTC time as local ISO 8601 in ``tz``; memoised (status lists repeat the same times)."""
    if iso is None:
        return None
    key = (iso, tz)
    out = _local_cache.get(key)
    if out is None:
        if len(_local_cache) > 100_000:
            _local_cache.clear()
        out = _local_cache[key] = from_iso(iso).astimezone(tz).isoformat()
    return out

"""The routine sections of the site configuration (planengine.yaml), checked with line:col.

```yaml
schedules:
  daily_summary: {plan: daily_summary, rrule: "FREQ=DAILY;BYHOUR=17;BYMINUTE=0"}
  weekly_risk:   {plan: weekly_risk_review, rrule: "FREQ=WEEKLY;BYDAY=FR;BYHOUR=15", workdays_only: true}
roster:
  duty:   {rotation: [王焰, 李明, 张强], shift: 24h, start: "2026-01-01T08:00+08:00"}
calendar:
  holidays: [2026-10-01..2026-10-07]
  workdays: [2026-09-27, 2026-10-10]
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from planengine.core.plan.source import Checker, SourceError, did_you_mean, short
from planengine.core.schedule.calendar import Calendar
from planengine.core.schedule.roster import Roster, Rotation
from planengine.core.schedule.schedules import DEFAULT_START, RuleError, Schedule, compile_rule

NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
SCHEDULE_KEYS = ("plan", "rrule", "workdays_only", "start", "facts", "title")
ROTATION_KEYS = ("rotation", "shift", "start")
CALENDAR_KEYS = ("holidays", "workdays")
MAX_RANGE_DAYS = 60  # a holiday range longer than this is a typo


@dataclass
class Routine:
    timezone: object
    schedules: dict = field(default_factory=dict)  # name -> Schedule
    rotations: dict = field(default_factory=dict)  # role -> Rotation
    calendar: Calendar = field(default_factory=Calendar)

    def roster(self, swaps=()) -> Roster:
        return Roster(dict(self.rotations), list(swaps))


def parse(src, tz: ZoneInfo) -> Routine:
    """Routine from a Located site configuration; SourceError lists every problem."""
    c = Checker(src)
    data = src.data if isinstance(src.data, dict) else {}
    out = Routine(timezone=tz)
    out.calendar = _calendar(c, data.get("calendar"))
    _schedules(c, data.get("schedules"), tz, out)
    _roster(c, data.get("roster"), tz, out)
    if c.problems:
        raise SourceError(c.problems)
    return out


def _mapping(c, value, path, what) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        c.err(path, f"{what} must be a mapping")
        return {}
    return value


def _unknown(c, spec, path, allowed):
    for key in spec:
        if key not in allowed:
            c.err(path + (key,), f"unknown key '{key}' in {'.'.join(map(str, path))}{did_you_mean(key, allowed)}", True)


def _local_time(c, value, path, tz):
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            c.err(path, f"bad time {short(value)}: write ISO 8601, e.g. 2026-01-01T08:00+08:00")
            return None
    from planengine.core.incident.clock import MAX_YEAR, MIN_YEAR

    if not MIN_YEAR <= dt.year <= MAX_YEAR:  # the range every time in the log keeps to
        c.err(path, f"bad time {short(value)}: the year must be between {MIN_YEAR} and {MAX_YEAR}")
        return None
    return dt.replace(tzinfo=tz) if dt.tzinfo is None else dt.astimezone(tz)


def _schedules(c, value, tz, out):
    for name, spec in _mapping(c, value, ("schedules",), "schedules").items():
        path = ("schedules", name)
        if not NAME.fullmatch(str(name)):
            c.err(path, f"schedule name {name!r} must match [a-z][a-z0-9_]* (at most 48 characters)", True)
            continue
        if not isinstance(spec, dict):
            c.err(path, f"schedules.{name}: expected a mapping with plan and rrule")
            continue
        _unknown(c, spec, path, SCHEDULE_KEYS)
        for key in ("plan", "rrule"):
            if not isinstance(spec.get(key), str) or not spec.get(key).strip():
                c.err(path if key not in spec else path + (key,), f"schedules.{name}: missing or empty '{key}'")
        if "workdays_only" in spec and not isinstance(spec["workdays_only"], bool):
            c.err(path + ("workdays_only",), f"schedules.{name}.workdays_only: expected true or false")
        facts = spec.get("facts") or {}
        if not isinstance(facts, dict):
            c.err(path + ("facts",), f"schedules.{name}.facts: expected a mapping of fact: value")
            facts = {}
        if "start" in spec:
            start = _local_time(c, spec["start"], path + ("start",), tz)
        else:
            start = datetime(*DEFAULT_START, tzinfo=tz)
        if start is None or not isinstance(spec.get("rrule"), str) or not isinstance(spec.get("plan"), str):
            continue
        try:
            compile_rule(spec["rrule"], start)
        except RuleError as e:
            c.err(path + ("rrule",), f"schedules.{name}.rrule: {e}")
            continue
        out.schedules[name] = Schedule(
            name=name,
            plan=spec["plan"].strip(),
            rrule=spec["rrule"],
            start=start,
            workdays_only=spec.get("workdays_only") is True,
            facts=dict(facts),
            title=str(spec.get("title") or ""),
        )


def _roster(c, value, tz, out):
    from planengine.core.plan import durations

    for role, spec in _mapping(c, value, ("roster",), "roster").items():
        path = ("roster", role)
        if not NAME.fullmatch(str(role)):
            c.err(path, f"roster role {role!r} must match [a-z][a-z0-9_]*", True)
            continue
        if not isinstance(spec, dict):
            c.err(path, f"roster.{role}: expected a mapping with rotation, shift and start")
            continue
        _unknown(c, spec, path, ROTATION_KEYS)
        names = spec.get("rotation")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
            c.err(path + ("rotation",) if "rotation" in spec else path, f"roster.{role}.rotation: a list of names")
            continue
        try:
            shift = durations.parse(spec.get("shift", "24h"))
        except durations.DurationError as e:
            c.err(path + ("shift",), f"roster.{role}.shift: {e}")
            continue
        if shift <= 0:
            c.err(path + ("shift",), f"roster.{role}.shift: must be longer than zero")
            continue
        if "start" not in spec:
            c.err(path, f"roster.{role}: missing 'start' (the first hand-over, e.g. 2026-01-01T08:00+08:00)")
            continue
        start = _local_time(c, spec["start"], path + ("start",), tz)
        if start is None:
            continue
        out.rotations[role] = Rotation(role, tuple(n.strip() for n in names), timedelta(seconds=shift), start)


def _dates(c, value, path) -> set:
    out: set = set()
    if value is None:
        return out
    if not isinstance(value, list):
        c.err(path, f"{'.'.join(path)}: a list of dates (2026-10-01) or ranges (2026-10-01..2026-10-07)")
        return out
    for i, item in enumerate(value):
        text = str(item).strip()
        first, sep, last = text.partition("..")
        try:
            lo = date.fromisoformat(first.strip())
            hi = date.fromisoformat(last.strip()) if sep else lo
        except ValueError:
            c.err(path + (i,), f"{'.'.join(path)}: bad date {text!r} (write 2026-10-01 or 2026-10-01..2026-10-07)")
            continue
        if hi < lo or (hi - lo).days > MAX_RANGE_DAYS:
            c.err(path + (i,), f"{'.'.join(path)}: bad range {text!r} (end before start or over {MAX_RANGE_DAYS} days)")
            continue
        out.update(lo + timedelta(days=d) for d in range((hi - lo).days + 1))
    return out


def _calendar(c, value, path=("calendar",)) -> Calendar:
    spec = _mapping(c, value, path, "calendar")
    _unknown(c, spec, path, CALENDAR_KEYS)
    holidays = _dates(c, spec.get("holidays"), path + ("holidays",))
    workdays = _dates(c, spec.get("workdays"), path + ("workdays",))
    both = sorted(holidays & workdays)
    if both:
        c.err(path + ("workdays",), f"calendar: {both[0]} is both a holiday and a working day")
    return Calendar(frozenset(holidays), frozenset(workdays))

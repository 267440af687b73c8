"""Recurring duties: RFC 5545 recurrence rules (python-dateutil), evaluated in the site timezone.

Each occurrence of a schedule opens one incident of kind ``routine`` with the id
``<schedule>-<local date and time>`` (``daily_summary-20261001T1700``). A
``workdays_only`` schedule moves an occurrence that falls on a day off to the
next working day of the calendar, at the same time of day; occurrences that
land on the same moment are one occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dateutil.rrule import rrulestr

from planengine.core.schedule.calendar import Calendar

# Occurrences are searched this far before a window so those moved forward into
# it by `workdays_only` are found: longer than any holiday plus its weekends.
MOVE_LOOKBACK = timedelta(days=31)
# The first moment a rule counts from when a schedule gives no `start:` (a Monday,
# 00:00 local): rules should state BYDAY/BYMONTHDAY/BYHOUR/BYMINUTE explicitly.
DEFAULT_START = (2020, 1, 6)


class RuleError(ValueError):
    pass


@dataclass(frozen=True)
class Schedule:
    name: str
    plan: str
    rrule: str
    start: datetime  # aware, in the site timezone
    workdays_only: bool = False
    facts: dict = field(default_factory=dict)
    title: str = ""

    def rule(self):
        return compile_rule(self.rrule, self.start)

    def occurrence_id(self, local: datetime) -> str:
        return f"{self.name}-{local:%Y%m%dT%H%M}"


def compile_rule(text: str, start: datetime):
    """The dateutil rule for an RRULE value (``FREQ=DAILY;BYHOUR=17``, an optional ``RRULE:`` prefix)."""
    value = text.strip()
    if value.upper().startswith("RRULE:"):
        value = value[6:]
    if not value or "\n" in value or value.upper().startswith("DTSTART"):
        raise RuleError("write one RRULE value, e.g. FREQ=DAILY;BYHOUR=17;BYMINUTE=0 (the start goes in `start:`)")
    try:
        rule = rrulestr(value, dtstart=start, cache=True)
        rule.after(start, inc=True)  # UNTIL with the wrong kind of time fails only when iterated
    except (ValueError, TypeError) as e:
        raise RuleError(f"bad RRULE {text!r}: {e}") from None
    return rule


def occurrences(schedule: Schedule, calendar: Calendar, since: datetime, until: datetime, inclusive=False) -> list:
    """Local times of the schedule's occurrences in (since, until] ([since, until] when ``inclusive``),
    after moving days off to working days when ``workdays_only``; sorted, each once."""
    tz = schedule.start.tzinfo
    since_l, until_l = since.astimezone(tz), until.astimezone(tz)
    rule = schedule.rule()
    lo = since_l - MOVE_LOOKBACK if schedule.workdays_only else since_l
    out = set()
    for raw in rule.between(lo, until_l, inc=True):
        t = calendar.move_to_workday(raw) if schedule.workdays_only else raw
        if (since_l <= t if inclusive else since_l < t) and t <= until_l:
            out.add(t)
    return sorted(out)


def upcoming(schedule: Schedule, calendar: Calendar, now: datetime, count: int = 3) -> list:
    """The next ``count`` occurrences after ``now`` (local times)."""
    tz = schedule.start.tzinfo
    rule = schedule.rule()
    now_l = now.astimezone(tz)
    out: list = []
    t = now_l - MOVE_LOOKBACK if schedule.workdays_only else now_l
    seen = set()
    for _ in range(count * 50 + 100):  # bounded: a rule may end (COUNT/UNTIL)
        raw = rule.after(t)
        if raw is None:
            break
        t = raw
        moved = calendar.move_to_workday(raw) if schedule.workdays_only else raw
        if moved > now_l and moved not in seen:
            seen.add(moved)
            out.append(moved)
            if len(out) >= count and raw > max(out):
                break
    return sorted(out)[:count]

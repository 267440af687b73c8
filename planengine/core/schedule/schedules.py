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

from planengine.core.plan.source import short
from planengine.core.schedule.calendar import Calendar

# Occurrences are searched this far before a window so those moved forward into
# it by `workdays_only` are found: longer than any holiday plus its weekends.
MOVE_LOOKBACK = timedelta(days=31)
# The first moment a rule counts from when a schedule gives no `start:` (a Monday,
# 00:00 local): rules should state BYDAY/BYMONTHDAY/BYHOUR/BYMINUTE explicitly.
DEFAULT_START = (2020, 1, 6)


FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
MAX_INTERVAL = 1000  # local practice: no routine duty recurs less often than every 1000 periods
MAX_PER_DAY = 24  # local practice: routine duties are at most hourly (a plan's timers do the rest)
FILTERS = ("BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS", "BYDAY")


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
    parts = dict(p.partition("=")[::2] for p in value.upper().split(";"))
    freq = parts.get("FREQ", "")
    # dateutil counts every rule from its start one period at a time: a rule more frequent than daily,
    # or a huge INTERVAL, would take minutes to reach today, so schedules keep to routine duties.
    if freq not in FREQS:
        raise RuleError(f"bad RRULE {short(text)}: FREQ must be one of {', '.join(FREQS)} (routine duties)")
    interval = parts.get("INTERVAL", "1")
    if not interval.isascii() or not interval.isdigit() or not 1 <= int(interval[:6]) <= MAX_INTERVAL:
        raise RuleError(f"bad RRULE {short(text)}: INTERVAL must be 1 to {MAX_INTERVAL}")
    times = len(parts.get("BYHOUR", "0").split(",")) * len(parts.get("BYMINUTE", "0").split(","))
    if "BYSECOND" in parts or times > MAX_PER_DAY:
        raise RuleError(f"bad RRULE {short(text)}: at most {MAX_PER_DAY} times a day (BYHOUR x BYMINUTE), no BYSECOND")
    try:
        rule = rrulestr(value, dtstart=start, cache=True)
        if freq != "YEARLY" and any(k in parts for k in FILTERS):
            # the same filters counted year by year (cheap): a rule that never occurs is refused
            # here instead of being searched day by day until the year 9999
            yearly = ";".join(f"{k}={v}" for k, v in parts.items() if k not in ("FREQ", "INTERVAL", "COUNT", "UNTIL"))
            if (
                rrulestr(f"FREQ=YEARLY;{yearly}", dtstart=start.replace(tzinfo=None)).after(
                    start.replace(tzinfo=None), inc=True
                )
                is None
            ):
                raise RuleError(f"bad RRULE {short(text)}: it never occurs")
        rule.after(start, inc=True)  # UNTIL with the wrong kind of time fails only when iterated
    except RuleError:
        raise
    except (ValueError, TypeError, OverflowError) as e:
        raise RuleError(f"bad RRULE {short(text)}: {e}") from None
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
    # one walk from the rule's start (rule.after() walks from it again for every occurrence: a
    # daily rule started in 2026 took 2.7 s of CPU to list its next three from 2090)
    following = rule.xafter(t)
    for _ in range(count * 50 + 100):  # bounded: a rule may end (COUNT/UNTIL)
        raw = next(following, None)
        if raw is None:
            break
        moved = calendar.move_to_workday(raw) if schedule.workdays_only else raw
        if moved > now_l and moved not in seen:
            seen.add(moved)
            out.append(moved)
            if len(out) >= count and raw > max(out):
                break
    return sorted(out)[:count]

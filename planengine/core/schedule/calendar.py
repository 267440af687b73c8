"""The working-day calendar: weekends, public holidays and swapped working days (调休).

China's State Council publishes each year's holiday arrangement (国务院办公厅
关于部分节假日安排的通知): holidays that fall on weekdays, and weekend days that
are worked instead (e.g. 2026-09-27, a Sunday, worked for the National Day
holiday). Those dates are site configuration (``calendar:``), never constants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

# how far ahead the next working day is searched: the longest Chinese holiday
# (Spring Festival / National Day) is 8-9 days; a year covers any sane calendar
MAX_SEARCH_DAYS = 366


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset = field(default_factory=frozenset)  # dates not worked although weekdays
    workdays: frozenset = field(default_factory=frozenset)  # weekend dates worked (调休)

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5  # Monday..Friday

    def next_workday(self, day: date) -> date:
        """``day`` itself when it is worked, else the next working day."""
        d = day
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_workday(d):
                return d
            d += timedelta(days=1)
        raise ValueError(f"no working day within {MAX_SEARCH_DAYS} days after {day}")

    def move_to_workday(self, local: datetime) -> datetime:
        """A local time moved, keeping its time of day, to the next working day."""
        day = self.next_workday(local.date())
        if day == local.date():
            return local
        naive = datetime.combine(day, local.time().replace(tzinfo=None))
        return naive.replace(tzinfo=local.tzinfo)

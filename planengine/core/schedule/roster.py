"""Duty rosters: who fills a role (值班员 ``duty``, 带班领导 ``leader``, ...) at a given moment.

A rotation hands the role from one person to the next every ``shift`` from
``start`` (24-hour duty: ``shift: 24h``; a leader on call by the week: ``7d``).
Swaps (``plan roster swap``) replace the rostered person for one slot; the
latest swap covering a moment wins. Pure: the engine folds the recorded swaps
into a Roster and asks who_is_on().
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True)
class Rotation:
    role: str
    names: tuple
    shift: timedelta
    start: datetime  # aware

    def index_at(self, at: datetime):
        """Which shift (0, 1, ...) is running at ``at``; None before the rotation starts."""
        if at < self.start:
            return None
        return int((at - self.start) // self.shift)

    def shift_bounds(self, n: int):
        begin = self.start + n * self.shift
        return begin, begin + self.shift

    def rostered(self, at: datetime):
        n = self.index_at(at)
        return None if n is None else self.names[n % len(self.names)]


@dataclass(frozen=True)
class Swap:
    role: str
    begin: datetime
    end: datetime
    name: str
    by: str = ""
    recorded_at: str = ""


@dataclass
class Roster:
    rotations: dict = field(default_factory=dict)  # role -> Rotation
    swaps: list = field(default_factory=list)  # in the order they were recorded

    def roles(self):
        return list(self.rotations)


def who_is_on(roster: Roster, role: str, at: datetime):
    """The person filling ``role`` at ``at`` (an aware datetime), or None when the role has
    no rotation (its plan's people apply) or the rotation has not started."""
    for swap in reversed(roster.swaps):
        if swap.role == role and swap.begin <= at < swap.end:
            return swap.name
    rotation = roster.rotations.get(role)
    return rotation.rostered(at) if rotation is not None else None


def swap_slot(rotation: Rotation, when) -> tuple:
    """The slot a swap covers. A date: that day's duty, from the rotation's hand-over time of
    day for one shift (at most 24 hours, so a weekly leader is swapped for one day). A
    datetime: the shift running then (at most 24 hours from its hand-over)."""
    tz = rotation.start.tzinfo
    day_len = timedelta(hours=24)
    length = min(rotation.shift, day_len)
    if isinstance(when, datetime):
        at = when.astimezone(tz)
        n = rotation.index_at(at)
        if n is None:
            return at, at + length
        begin, _end = rotation.shift_bounds(n)
        if rotation.shift > day_len:  # a long shift: the day of it that contains `at`
            begin += ((at - begin) // day_len) * day_len
        return begin, begin + length
    assert isinstance(when, date)
    handover = rotation.start.astimezone(tz).time().replace(tzinfo=None)
    begin = datetime.combine(when, handover if rotation.shift >= day_len else time(0, 0)).replace(tzinfo=tz)
    if rotation.shift < day_len:  # shorter shifts: the first shift starting on that day
        n = rotation.index_at(begin)
        if n is not None:
            b, _e = rotation.shift_bounds(n)
            begin = b if b >= begin else rotation.shift_bounds(n + 1)[0]
    return begin, begin + length


def on_duty(roster: Roster, roles, at: datetime, people=None, owner=None) -> list:
    """Whom a notification to ``roles`` reaches at ``at``: for each rostered role the person on
    duty then, and the case's owner (包案人), with addresses from the site's ``people:``.
    Roles without a rotation are left out: their plan's people apply."""
    people = people or {}
    out = []
    for role in roles:
        name = who_is_on(roster, role, at)
        if name is not None:
            out.append(_person(name, role, people))
    if owner:
        out.append(_person(owner, "owner", people))
    return out


def _person(name, role, people):
    entry = people.get(name) if isinstance(people, dict) else None
    entry = entry if isinstance(entry, dict) else {}
    return {"name": name, "role": role, "phone": entry.get("phone"), "email": entry.get("email")}

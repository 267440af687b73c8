"""Schedules open routine incidents: once per occurrence, moved off holidays, caught up after downtime."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from planengine.core.engine import Engine
from planengine.core.incident.clock import SimClock

SH = ZoneInfo("Asia/Shanghai")

ROUTINE_PLAN = """\
id: {id}
title: routine {id}
version: 1
timezone: Asia/Shanghai
roles:
  duty: {{title: 值班员}}
initial: work
phases:
  work:
    steps:
      - {{id: compile, title: 汇总, role: duty, within: 30m}}
    on:
      - {{when: all_done, to: done}}
  done: {{final: true}}
"""

# National Day 2026 as the test's site calendar: Oct 1-7 off (Oct 5 is a Monday
# inside it); Sunday Sep 27 and Saturday Oct 10 worked (调休).
HOLIDAYS = [date(2026, 10, 1) + timedelta(days=i) for i in range(7)]
WORKDAYS = [date(2026, 9, 27), date(2026, 10, 10)]

CONFIG = """\
timezone: Asia/Shanghai
schedules:
  daily:   {plan: summary, rrule: "FREQ=DAILY;BYHOUR=17;BYMINUTE=0", workdays_only: true}
  weekly:  {plan: risk, rrule: "FREQ=WEEKLY;BYDAY=FR;BYHOUR=15;BYMINUTE=0", workdays_only: true}
  monthly: {plan: meeting, rrule: "FREQ=MONTHLY;BYMONTHDAY=25;BYHOUR=9;BYMINUTE=0"}
  every:   {plan: summary, rrule: "FREQ=DAILY;BYHOUR=8;BYMINUTE=30"}
calendar:
  holidays: [2026-10-01..2026-10-07]
  workdays: [2026-09-27, 2026-10-10]
"""


@pytest.fixture
def site(env):
    for pid in ("summary", "risk", "meeting"):
        env.write(f"plans/{pid}.yaml", ROUTINE_PLAN.format(id=pid))
    env.write("planengine.yaml", CONFIG)
    return env


def engine(env, now=None):
    return Engine(db=env.db, plans="plans", config="planengine.yaml", clock=SimClock(now or datetime.now(SH)))


def is_workday(d: date) -> bool:
    return d in WORKDAYS or (d.weekday() < 5 and d not in HOLIDAYS)


def expected_ids(first: datetime, last: datetime) -> set:
    """The occurrences a site with this calendar expects, written out day by day."""
    out = set()
    d = first.date()
    while d <= last.date():
        wd = d
        while not is_workday(wd):
            wd += timedelta(days=1)
        for name, hh, mm, keep in (
            ("daily", 17, 0, True),
            ("weekly", 15, 0, d.weekday() == 4),
            ("monthly", 9, 0, d.day == 25),
            ("every", 8, 30, True),
        ):
            when_day = d if name in ("monthly", "every") else wd
            when = datetime(when_day.year, when_day.month, when_day.day, hh, mm, tzinfo=SH)
            raw = datetime(d.year, d.month, d.day, hh, mm, tzinfo=SH)
            if keep and first <= raw and first <= when <= last:
                out.add(f"{name}-{when:%Y%m%dT%H%M}")
        d += timedelta(days=1)
    return out


def test_a_month_across_national_day_opens_each_occurrence_once_with_four_tickers(site):
    first = datetime(2026, 9, 20, 0, 0, tzinfo=SH)
    hours = [first + timedelta(hours=h) for h in range(31 * 24)]
    barrier = threading.Barrier(4)
    errors = []

    def ticker():
        eng = engine(site)
        try:
            for now in hours:
                eng.tick(now)
                assert not eng.tick_errors, eng.tick_errors
                barrier.wait()
        except Exception as e:  # surfaced below
            errors.append(e)
            barrier.abort()

    threads = [threading.Thread(target=ticker) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    eng = engine(site)
    states = eng.incidents(open_only=False)
    ids = [s.id for s in states]
    assert len(ids) == len(set(ids))
    assert set(ids) == expected_ids(first, hours[-1])
    # the calendar, spelled out: the holiday Monday moved, the worked Sunday kept, the week after the holiday
    assert "daily-20261005T1700" not in ids and "daily-20260927T1700" in ids
    assert "daily-20261008T1700" in ids and "daily-20261010T1700" in ids
    assert "weekly-20261002T1500" not in ids and "weekly-20261008T1500" in ids
    assert "monthly-20260925T0900" in ids and "every-20261005T0830" in ids
    for s in states:
        assert s.kind == "routine" and s.missed == []
        assert s.opened_at == eng.at(datetime.strptime(s.id.split("-")[1], "%Y%m%dT%H%M").replace(tzinfo=SH), "UTC")
        assert s.routine["schedule"] == s.id.split("-")[0]
    assert {s.plan for s in states if s.id.startswith("weekly")} == {"risk"}


def test_four_processes_ticking_the_same_moment_open_one_incident(site):
    import subprocess
    import sys

    code = (
        "import sys; from planengine.cli import cli; "
        "sys.argv=['plan','tick','--now','2026-09-28T17:05','--db',sys.argv[1]]; cli()"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, site.db], cwd=site.root) for _ in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    ids = [s.id for s in engine(site).incidents(open_only=False)]
    # the first ticker saw the schedules at 17:05: nothing earlier was due to this site
    assert ids == []
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code.replace("2026-09-28T17:05", "2026-09-29T17:00"), site.db], cwd=site.root
        )
        for _ in range(4)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    ids = sorted(s.id for s in engine(site).incidents(open_only=False))
    assert ids == ["daily-20260929T1700", "every-20260929T0830"]


def test_after_downtime_the_latest_occurrence_opens_and_older_ones_are_recorded_missed(site):
    eng = engine(site)
    eng.tick(datetime(2026, 9, 28, 9, 0, tzinfo=SH))
    # a schedule is due from the moment a ticker first sees it: 08:30 today predates that
    assert eng.incidents(open_only=False) == []
    eng.tick(datetime(2026, 9, 28, 17, 0, tzinfo=SH))
    # down from 17:00 on 28 September until 18:00 on 3 October
    eng.tick(datetime(2026, 10, 3, 18, 0, tzinfo=SH))
    states = {s.id: s for s in eng.incidents(open_only=False)}
    # daily (workdays only): 29 and 30 Sep fell due (1-3 Oct move to the 8th); every: 29 Sep .. 3 Oct
    assert set(states) == {"daily-20260928T1700", "daily-20260930T1700", "every-20261003T0830"}
    every = states["every-20261003T0830"]
    assert every.opened_at == "2026-10-03T00:30:00Z"  # its own time, not the tick's
    (missed,) = every.missed
    assert missed["schedule"] == "every" and missed["count"] == 4
    assert missed["occurrences"] == [f"2026-{md}T00:30:00Z" for md in ("09-29", "09-30", "10-01", "10-02")]
    assert [e["kind"] for e in eng.events(every.id)][:2] == ["started", "schedule_missed"]
    assert [m["occurrences"] for m in states["daily-20260930T1700"].missed] == [["2026-09-29T09:00:00Z"]]
    assert states["daily-20260928T1700"].missed == []
    # the timers of the opened occurrence count from its own time, so they fire in the same tick
    assert every.steps["compile"].overdue_at is not None
    # ticking the same moment again changes nothing
    eng.tick(datetime(2026, 10, 3, 18, 0, tzinfo=SH))
    assert {s.id for s in eng.incidents(open_only=False)} == set(states)


def test_tick_prints_the_opened_occurrences_and_status_shows_the_missed_ones(site):
    site.ok("tick", "--now", "2026-09-28T12:00")
    out = site.ok("tick", "--now", "2026-09-30T09:00").output
    assert "opened every-20260930T0830 (schedule every) (1 earlier occurrence(s) missed)" in out
    assert "opened daily-20260929T1700 (schedule daily)" in out
    status = site.json("status", "every-20260930T0830")
    assert status["kind"] == "routine" and status["schedule"] == "every"
    assert status["missed"][0]["count"] == 1
    assert status["missed"][0]["occurrences"] == ["2026-09-29T08:30:00+08:00"]
    board = site.ok("status").output
    assert "schedule every: 1 earlier occurrence(s) missed" in board
    data = site.json("tick", "--now", "2026-09-30T17:00")
    assert [o["incident"] for o in data["opened"]] == ["daily-20260930T1700"]


def test_schedule_list_shows_the_next_occurrences_moved_to_working_days(site):
    rows = {r["schedule"]: r for r in site.json("schedule", "list", "--now", "2026-09-30T18:00", "--count", "2")}
    assert rows["daily"]["next_ids"] == ["daily-20261008T1700", "daily-20261009T1700"]
    assert rows["weekly"]["next"] == ["2026-10-08T15:00:00+08:00", "2026-10-09T15:00:00+08:00"]
    assert rows["monthly"]["next_ids"] == ["monthly-20261025T0900", "monthly-20261125T0900"]
    text = site.ok("schedule", "list", "--now", "2026-09-30T18:00").output
    assert "weekly: plan risk" in text and "2026-10-08 15:00  weekly-20261008T1500" in text


@pytest.mark.parametrize(
    "old, needle, message",
    [
        ("FREQ=DAILY;BYHOUR=17;BYMINUTE=0", "FREQ=SOMETIMES;BYHOUR=17", "bad RRULE"),
        ("FREQ=DAILY;BYHOUR=17;BYMINUTE=0", "FREQ=DAILY;BYHOUR=25", "bad RRULE"),
        ("2026-09-27", "2026-02-30", "bad date"),
        ("2026-10-01..2026-10-07", "2026-10-07..2026-10-01", "bad range"),
    ],
)
def test_bad_rules_and_calendar_entries_are_refused_with_their_line_and_column(site, old, needle, message):
    good = CONFIG.replace(old, needle, 1)
    assert good != CONFIG
    site.write("planengine.yaml", good)
    for args in (("schedule", "list"), ("tick", "--now", "2026-09-30T09:00")):
        result = site.run(*args)
        assert result.exit_code == 1
        line = site.line_of(good, needle)
        col = good.splitlines()[line - 1].index(needle) + 1
        first = result.output.splitlines()[0]
        assert first.startswith(f"planengine.yaml:{line}:") and message in first, first
        assert abs(int(first.split(":")[2]) - col) <= 2
    assert site.count("incidents") == 0


def test_a_schedule_naming_a_missing_plan_does_not_stop_the_others(site):
    site.write("planengine.yaml", CONFIG.replace("plan: risk", "plan: no_such_plan"))
    assert site.run("tick", "--now", "2026-09-28T12:00").exit_code == 1
    result = site.run("tick", "--now", "2026-09-28T17:00")
    assert result.exit_code == 1
    assert "schedule weekly" in result.output and "no_such_plan" in result.output
    assert site.json("status", "daily-20260928T1700")["plan"] == "summary"

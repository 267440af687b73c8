"""Time: a plan in America/New_York across both 2026 switches, and clocks that jump backwards.

2026 in America/New_York (tz database): on March 8 at 02:00 EST the clock jumps
to 03:00 EDT (07:00 UTC); on November 1 at 02:00 EDT it falls back to 01:00 EST
(06:00 UTC). Every expected value below is worked out by hand from those two
facts: EST is UTC-5, EDT is UTC-4. Durations (`within: 25m`, `24h`) are elapsed
time; `{day, night}` is chosen by the anchor's local clock; `{days, by}` is a
local clock time on a local date.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

NY = """\
id: ny
title: New York switches
version: 1
lang: en
timezone: America/New_York
daytime: "07:00-19:00"
roles:
  office: {title: Office}
  team: {title: Team}
initial: open
phases:
  open:
    steps:
      - {id: muster, role: team, within: {day: 15m, night: 25m}}
      - {id: report, role: office, within: 24h}
      - {id: written, role: office, within: {days: 1, by: "17:30"}}
      - {id: today, role: office, within: {days: 0, by: "24:00"}}
    on:
      - {event: finish, to: closed}
  closed: {final: true}
"""


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def due(env, incident: str) -> dict:
    """step -> (due_at as UTC datetime, limit_seconds), from the log's step_activated events."""
    return {
        e["data"]["step"]: (utc(e["data"]["due_at"]), e["data"]["limit_seconds"])
        for e in env.kinds(incident, kind="step_activated")
    }


def open_at(env, incident: str, at_utc: str) -> dict:
    plan = env.write("ny.yaml", NY)
    env.ok("start", plan, "--id", incident, "--at", at_utc)
    return due(env, incident)


# -- day or night by the anchor's local clock ------------------------------------------


@pytest.mark.parametrize(
    "anchor, local, is_day",
    [
        # the same UTC time of day on either side of the spring switch
        ("2026-03-07T11:05:00Z", "06:05 EST", False),
        ("2026-03-08T11:05:00Z", "07:05 EDT", True),
        ("2026-03-07T23:55:00Z", "18:55 EST", True),
        ("2026-03-08T23:55:00Z", "19:55 EDT", False),
        # and of the autumn switch
        ("2026-10-31T11:59:00Z", "07:59 EDT", True),
        ("2026-11-01T11:59:00Z", "06:59 EST", False),
        ("2026-10-31T23:30:00Z", "19:30 EDT", False),
        ("2026-11-01T23:30:00Z", "18:30 EST", True),
        # the repeated hour of November 1 (01:30 EDT, then 01:30 EST) is night both times
        ("2026-11-01T05:30:00Z", "01:30 EDT", False),
        ("2026-11-01T06:30:00Z", "01:30 EST", False),
    ],
)
def test_day_or_night_limit_follows_the_local_clock_across_the_switches(env, anchor, local, is_day):
    got = open_at(env, "NY-1", anchor)
    limit = 15 * 60 if is_day else 25 * 60
    assert got["muster"] == (utc(anchor) + timedelta(seconds=limit), limit), local


def test_a_night_limit_that_spans_the_missing_hour_is_elapsed_time(env):
    # 01:50 EST + 25 minutes of real time = 07:15 UTC = 03:15 EDT (02:15 never happens)
    got = open_at(env, "NY-1", "2026-03-08T06:50:00Z")
    assert got["muster"] == (utc("2026-03-08T07:15:00Z"), 1500)
    status = env.json("status", "NY-1")
    assert env.step(status, "muster")["due_at"].startswith("2026-03-08T03:15:00-04:00")


def test_a_24h_limit_is_24_real_hours_across_both_switches(env):
    # 12:00 EST on March 7 + 24 h = 17:00 UTC March 8 = 13:00 EDT (the local day was 23 hours)
    assert open_at(env, "A", "2026-03-07T17:00:00Z")["report"] == (utc("2026-03-08T17:00:00Z"), 86400)
    # 12:00 EDT on October 31 + 24 h = 16:00 UTC November 1 = 11:00 EST (the local day was 25 hours)
    assert open_at(env, "B", "2026-10-31T16:00:00Z")["report"] == (utc("2026-11-01T16:00:00Z"), 86400)


def test_calendar_day_limits_are_local_clock_times_across_the_switches(env):
    # opened 10:00 EST March 7: `{days: 1, by: 17:30}` = 17:30 EDT March 8 = 21:30 UTC, 30.5 h later
    got = open_at(env, "A", "2026-03-07T15:00:00Z")
    assert got["written"] == (utc("2026-03-08T21:30:00Z"), 30 * 3600 + 1800)
    # `{days: 0, by: 24:00}` = midnight ending March 7 = 05:00 UTC March 8, 14 h later
    assert got["today"] == (utc("2026-03-08T05:00:00Z"), 14 * 3600)
    # opened 10:00 EDT October 31: 17:30 EST November 1 = 22:30 UTC, 32.5 h later
    got = open_at(env, "B", "2026-10-31T14:00:00Z")
    assert got["written"] == (utc("2026-11-01T22:30:00Z"), 32 * 3600 + 1800)
    # opened 00:30 EDT November 1 (04:30 UTC): the day ends at 00:00 EST November 2 = 05:00 UTC,
    # 24.5 h later: the day of the switch has 25 hours
    got = open_at(env, "C", "2026-11-01T04:30:00Z")
    assert got["today"] == (utc("2026-11-02T05:00:00Z"), 24 * 3600 + 1800)
    # opened 00:30 EST March 8 (05:30 UTC): that day ends at 00:00 EDT March 9 = 04:00 UTC, 22.5 h later
    got = open_at(env, "D", "2026-03-08T05:30:00Z")
    assert got["today"] == (utc("2026-03-09T04:00:00Z"), 22 * 3600 + 1800)


def test_timers_fire_at_the_hand_computed_moment_across_the_switch(env):
    open_at(env, "NY-1", "2026-03-08T06:50:00Z")  # muster due 07:15 UTC
    assert env.json("tick", "--now", "2026-03-08T07:14:59Z")["fired"] == []
    assert env.json("tick", "--now", "2026-03-08T03:15:00-04:00")["fired"] != []
    [overdue] = env.kinds("NY-1", kind="step_overdue")
    assert overdue["data"]["step"] == "muster"


def test_a_local_time_in_the_repeated_hour_is_refused_as_ambiguous(env):
    plan = env.write("ny.yaml", NY)
    result = env.run("start", plan, "--id", "NY-1", "--at", "2026-11-01T01:30:00")
    assert result.exit_code == 1 and "happens twice" in result.stderr
    result = env.run("start", plan, "--id", "NY-1", "--at", "2026-03-08T02:30:00")
    assert result.exit_code == 1 and "does not exist" in result.stderr
    assert env.count("incidents") == 0


# -- clocks that jump backwards ----------------------------------------------------------


def test_a_clock_that_jumps_backwards_never_refires_timers(env):
    env.start(at="10:00")
    first = env.json("tick", "--now", env.t("10:40"))["fired"]
    assert first, "report_up (10 m) and convene were due"
    fired = [e["data"].get("key") for e in env.events() if e["kind"] in ("step_overdue", "reminder", "escalated")]
    # the clock goes back an hour, then forward again past the same deadlines
    for now in ("09:40", "10:00", "10:39", "10:40", "10:41"):
        assert env.json("tick", "--now", env.t(now))["fired"] == [], now
    again = [e["data"].get("key") for e in env.events() if e["kind"] in ("step_overdue", "reminder", "escalated")]
    assert again == fired
    overdue = [e["data"]["step"] for e in env.kinds(kind="step_overdue")]
    assert len(overdue) == len(set(overdue))


def test_an_earlier_tick_does_not_fire_what_is_due_later_and_a_later_one_fires_it_once(env):
    env.start(at="10:00")
    env.json("tick", "--now", env.t("10:05"))
    env.json("tick", "--now", env.t("09:00"))
    assert env.kinds(kind="step_overdue") == []
    env.json("tick", "--now", env.t("10:11"))
    env.json("tick", "--now", env.t("10:02"))
    env.json("tick", "--now", env.t("10:11"))
    assert [e["data"]["step"] for e in env.kinds(kind="step_overdue")] == ["report_up"]


def test_a_command_back_dated_before_a_fired_timer_is_refused(env):
    # the timer's event is in the log at 10:11: nothing may be recorded before it
    env.start(at="10:00")
    env.json("tick", "--now", env.t("10:11"))
    result = env.run("done", "INC-1", "report_up", "--at", env.t("10:09"))
    assert result.exit_code == 1 and "before the last event" in result.stderr
    s = env.json("done", "INC-1", "report_up", "--at", env.t("10:12"))
    assert env.step(s, "report_up")["status"] == "late"

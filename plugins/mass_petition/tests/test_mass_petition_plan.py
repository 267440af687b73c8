"""The bundled plans/mass_petition.yaml driven through the CLI with this plugin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DRILLS = Path(__file__).resolve().parents[3] / "drills"


@pytest.fixture
def plan(env):
    def run(*args, config=None):
        extra = ["--config", env.write("planengine.yaml", config)] if config is not None else []
        return env.run(*args, *extra, "--json")

    return run


def _active(status):
    return [s["id"] for s in status["steps"] if s["status"] in ("pending", "overdue")]


NIGHT = "2026-03-05T21:00:00+08:00"  # Asia/Shanghai, after the plan's 07:00-19:00 daytime
DAY = "2026-03-05T10:00:00+08:00"


def _start(plan, *sets, at=NIGHT, id="INC-1", config=None):
    args = ["start", "mass_petition", "--set", "crowd_size=60", "--set", "location=县政府东门", "--id", id]
    for s in sets:
        args += ["--set", s]
    result = plan(*args, "--at", at, config=config)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_start_opens_at_level_iii_with_first_steps(plan):
    status = _start(plan)
    assert status["level"] == "III"
    assert status["phase"] == "responding"
    assert _active(status) == [
        "report_up",
        "dispatch",
        "reception_arrive",
        "arrive",
        "township_arrive",
        "command_team",
        "written_summary",
    ]


def test_a_petition_within_the_county_has_no_30_minute_convene(plan):
    status = _start(plan)
    plan("done", "INC-1", "report_up", "--at", "2026-03-05T21:05:00+08:00")
    status = json.loads(plan("status", "INC-1").output)
    assert "convene" not in [s["id"] for s in status["steps"]]
    assert "escort_back" not in _active(status)


def test_a_petition_beyond_the_county_convenes_within_30_minutes_and_escorts_back(plan):
    _start(plan, "beyond_county=true")
    plan("done", "INC-1", "report_up", "--at", "2026-03-05T21:05:00+08:00")
    steps = {s["id"]: s for s in json.loads(plan("status", "INC-1").output)["steps"]}
    assert steps["convene"]["limit_seconds"] == 30 * 60 and steps["convene"]["required"] is True
    assert steps["convene"]["due_at"] == "2026-03-05T21:35:00+08:00"
    assert steps["escort_back"]["status"] == "pending"


def _arrival(plan, start, dispatched, full):
    _start(plan, at=start)
    plan("done", "INC-1", "dispatch", "--at", dispatched)
    result = plan("checkin", "INC-1", "team", "--count", "50", "--at", full)
    assert result.exit_code == 0, result.output
    return {s["id"]: s for s in json.loads(plan("status", "INC-1").output)["steps"]}["arrive"]


def test_in_town_arrival_25_minutes_after_dispatch_is_on_time_at_night(plan):
    arrive = _arrival(plan, NIGHT, "2026-03-05T21:04:00+08:00", "2026-03-05T21:29:00+08:00")
    assert arrive["limit_seconds"] == 30 * 60  # [centre] in town by night: 30 min from call-out
    assert arrive["due_at"] == "2026-03-05T21:34:00+08:00"
    assert arrive["status"] == "done" and not arrive["late_seconds"]


def test_in_town_arrival_25_minutes_after_dispatch_is_late_by_day(plan):
    arrive = _arrival(plan, DAY, "2026-03-05T10:04:00+08:00", "2026-03-05T10:29:00+08:00")
    assert arrive["limit_seconds"] == 20 * 60  # [centre] in town by day: 20 min, not the 15-minute muster
    assert arrive["due_at"] == "2026-03-05T10:24:00+08:00"
    assert arrive["late_seconds"] == 5 * 60


def test_a_team_leaving_the_county_town_musters_in_15_minutes_from_dispatch(plan):
    _start(plan, "beyond_town=true", at=DAY)
    plan("done", "INC-1", "dispatch", "--at", "2026-03-05T10:04:00+08:00")
    steps = {s["id"]: s for s in json.loads(plan("status", "INC-1").output)["steps"]}
    assert "arrive" not in steps
    assert steps["muster"]["limit_seconds"] == 15 * 60
    assert steps["muster"]["due_at"] == "2026-03-05T10:19:00+08:00"
    plan("checkin", "INC-1", "team", "--count", "50", "--at", "2026-03-05T10:15:00+08:00")
    assert "arrive_beyond" in _active(json.loads(plan("status", "INC-1").output))


@pytest.mark.parametrize(
    ("kind", "step"),
    [("治安", "command_police"), ("抢险救灾", "command_deputy"), ("一般", "command_team")],
)
def test_one_on_scene_commander_by_the_kind_of_event(plan, kind, step):
    status = _start(plan, f"event_class={kind}")
    commanders = [s for s in _active(status) if s.startswith("command_")]
    assert commanders == [step]


def test_raising_crowd_size_relevels_and_brings_in_the_county(plan):
    _start(plan)
    result = plan("set", "INC-1", "crowd_size=120", "--at", "2026-03-05T21:10:00+08:00")
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert status["level"] == "II"
    assert "county_takeover" in _active(status)


def test_a_skip_level_petition_is_reported_at_once_citing_article_25(plan):
    status = _start(plan, "skip_level=true")
    step = {s["id"]: s for s in status["steps"]}["report_higher"]
    assert "信访工作条例第二十五条" in step["title"]
    assert step["limit_seconds"] == 10 * 60
    tick = plan("tick", "--now", "2026-03-05T21:11:00+08:00")
    assert tick.exit_code == 0, tick.output
    assert "越级上访未立即报告上级党委政府及信访部门（信访工作条例第二十五条）" in tick.output
    assert "突发事件应对法" not in tick.output


@pytest.mark.parametrize(
    ("reps", "reason"),
    [(2, "at least 3 needed"), (6, "not more than 5 for a group of 60 (信访工作条例 Art. 20)")],
)
def test_representatives_step_wants_3_to_5(plan, reps, reason):
    _start(plan)
    for step in ("reception_arrive", "explain_guide"):
        assert plan("done", "INC-1", step).exit_code == 0
    plan("set", "INC-1", f"representatives={reps}")
    refused = plan("done", "INC-1", "elect_representatives")
    assert refused.exit_code == 1
    assert "mass_petition.representatives_ok" in refused.output and reason in refused.output
    plan("set", "INC-1", "representatives=3")
    assert plan("done", "INC-1", "elect_representatives").exit_code == 0


SENSITIVE = "mass_petition:\n  sensitive_periods:\n    - {from: 2026-03-03, to: 2026-03-15, name: 全国两会}\n"


def test_a_sensitive_period_means_24_hour_duty_and_daily_reports_not_a_higher_level(plan):
    status = _start(plan, config=SENSITIVE)
    assert status["level"] == "III"
    steps = {s["id"]: s for s in status["steps"]}
    assert {"duty_24h", "daily_report"} <= set(_active(status))
    assert steps["daily_report"]["due_at"] == "2026-03-06T21:00:00+08:00"
    assert steps["daily_report"]["round"] == 1
    plan("done", "INC-1", "daily_report", "--at", "2026-03-06T20:00:00+08:00")
    steps = {s["id"]: s for s in json.loads(plan("status", "INC-1").output)["steps"]}
    assert steps["daily_report"]["round"] == 2 and steps["daily_report"]["due_at"] == "2026-03-07T21:00:00+08:00"
    outside = _start(plan, at="2026-04-05T21:00:00+08:00", id="INC-2", config=SENSITIVE)
    assert not {"duty_24h", "daily_report"} & set(_active(outside))


def test_dual_feedback_and_written_feedback_naming_who_follows_up(plan):
    _start(plan)
    plan("event", "INC-1", "dispersed", "--at", "2026-03-05T22:30:00+08:00")
    status = json.loads(plan("status", "INC-1").output)
    assert status["phase"] == "aftermath"
    assert {"finish_feedback", "written_summary"} <= set(_active(status))
    written = {s["id"]: s for s in status["steps"]}["written_summary"]
    assert written["due_at"] == "2026-03-06T21:00:00+08:00", "24 h from the report, whatever the phase"
    refused = plan("done", "INC-1", "written_summary", "--at", "2026-03-06T09:00:00+08:00")
    assert refused.exit_code == 1 and "follow_up_person" in refused.output


def test_a_broken_calendar_is_one_clear_error_and_changes_nothing(plan):
    config = "mass_petition:\n  sensitive_periods: 2026-03-03\n"
    result = plan("start", "mass_petition", "--set", "crowd_size=60", "--id", "INC-3", config=config)
    assert result.exit_code == 1
    assert "mass_petition.announce_sensitive_period" in result.output
    assert "sensitive_periods must be a list" in result.output
    assert "Traceback" not in result.output
    assert plan("status", "INC-3").exit_code == 1, "nothing was stored"


def test_an_incident_keeps_the_calendar_it_started_with(plan):
    """Like its plan version, an incident keeps the site settings it opened under, so replay is exact."""
    config = "mass_petition:\n  sensitive_periods:\n    - {from: 2026-03-03, to: 2026-03-15, name: 两会}\n"
    at = "2026-03-02T21:00:00+08:00"  # the evening before the period
    started = plan("start", "mass_petition", "--set", "crowd_size=60", "--at", at, "--id", "INC-4", config=config)
    assert "daily_report" not in _active(json.loads(started.output))
    later = plan("set", "INC-4", "crowd_size=61", "--at", "2026-03-03T08:00:00+08:00", config="{}\n")
    assert "daily_report" in _active(json.loads(later.output)), (
        "the calendar is not re-read from today's planengine.yaml"
    )
    assert plan("replay", "INC-4", config="{}\n").exit_code == 0


def test_the_night_drill_times_the_arrival_from_dispatch_and_scores_it_late(env):
    # dispatched 21:03, the last of the 50 checked in at 21:35: 32 min against the night 30
    drill = DRILLS / "mass_petition_night.yaml"
    score = json.loads(env.run("drill", "run", drill, "--json").output)
    rows = {r["id"]: r for r in score["steps"]}
    arrive = rows["arrive"]
    assert (arrive["limit_seconds"], arrive["took_seconds"], arrive["late_seconds"]) == (1800, 1920, 120)
    assert arrive["rating"] == "S" and arrive["met"] is False
    assert "muster" not in rows and "convene" not in rows, "in town and within the county"
    assert "arrive" in [f["step"] for f in score["findings"]]
    assert score["score"] < 100

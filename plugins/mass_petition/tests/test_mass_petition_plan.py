"""The bundled plans/mass_petition.yaml driven through the CLI with this plugin."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def plan(env):
    def run(*args, config=None):
        extra = ["--config", env.write("planengine.yaml", config)] if config is not None else []
        return env.run(*args, *extra, "--json")

    return run


def _active(status):
    return [s["id"] for s in status["steps"] if s["status"] in ("pending", "overdue")]


def test_start_opens_at_level_iii_with_first_steps(plan):
    result = plan("start", "mass_petition", "--set", "crowd_size=60", "--set", "location=县政府东门", "--id", "INC-1")
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert status["level"] == "III"
    assert status["phase"] == "responding"
    assert _active(status) == ["report_up", "reception_arrive", "muster", "township_arrive"]


def test_raising_crowd_size_relevels_and_activates_higher_level_steps(plan):
    plan("start", "mass_petition", "--set", "crowd_size=60", "--set", "location=县政府东门", "--id", "INC-1")
    result = plan("set", "INC-1", "crowd_size=120")
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert status["level"] == "II"
    assert {"police_command", "county_takeover"} <= set(_active(status))


def test_representatives_step_enforces_article_20(plan):
    plan("start", "mass_petition", "--set", "crowd_size=60", "--set", "location=县政府东门", "--id", "INC-1")
    for step in ("reception_arrive", "explain_guide"):
        assert plan("done", "INC-1", step).exit_code == 0
    plan("set", "INC-1", "representatives=6")
    refused = plan("done", "INC-1", "elect_representatives")
    assert refused.exit_code == 1
    assert "mass_petition.representatives_ok" in refused.output
    plan("set", "INC-1", "representatives=5")
    assert plan("done", "INC-1", "elect_representatives").exit_code == 0


def test_sensitive_period_raises_the_level(plan):
    config = "mass_petition:\n  sensitive_periods:\n    - {from: 2026-03-03, to: 2026-03-15, name: 全国两会}\n"
    result = plan(
        "start",
        "mass_petition",
        "--set",
        "crowd_size=60",
        "--at",
        "2026-03-05T21:00:00+08:00",
        "--id",
        "INC-2",
        config=config,
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["level"] == "II"


def test_a_broken_calendar_is_one_clear_error_and_changes_nothing(plan):
    config = "mass_petition:\n  sensitive_periods: 2026-03-03\n"
    result = plan("start", "mass_petition", "--set", "crowd_size=60", "--id", "INC-3", config=config)
    assert result.exit_code == 1
    assert "mass_petition.response_level" in result.output
    assert "Traceback" not in result.output
    assert plan("status", "INC-3").exit_code == 1, "nothing was stored"


def test_an_incident_keeps_the_calendar_it_started_with(plan):
    """Like its plan version, an incident keeps the site settings it opened under, so replay is exact."""
    config = "mass_petition:\n  sensitive_periods:\n    - {from: 2026-03-03, to: 2026-03-15, name: 两会}\n"
    at = "2026-03-05T21:00:00+08:00"
    started = plan("start", "mass_petition", "--set", "crowd_size=60", "--at", at, "--id", "INC-4", config=config)
    assert json.loads(started.output)["level"] == "II"
    later = plan("set", "INC-4", "crowd_size=61", "--at", "2026-03-05T21:10:00+08:00", config="{}\n")
    assert json.loads(later.output)["level"] == "II", "the calendar is not re-read from today's planengine.yaml"
    assert plan("replay", "INC-4", config="{}\n").exit_code == 0

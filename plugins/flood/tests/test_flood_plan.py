"""The bundled plans/flood.yaml driven through the CLI with this plugin."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def plan(env):
    def run(*args):
        return env.run(*args, "--json")

    return run


def _active(status):
    return [s["id"] for s in status["steps"] if s["status"] in ("pending", "overdue")]


STATION = ["--set", "warning_level_m=12", "--set", "guarantee_level_m=14", "--set", "historic_high_m=15.2"]


def test_flood_levels_follow_the_warnings(plan):
    result = plan("start", "flood", *STATION, "--set", "water_level_m=11", "--id", "F-1")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["level"] == "IV"  # the plan's default
    assert json.loads(plan("set", "F-1", "water_level_m=12").output)["level"] == "III"
    assert json.loads(plan("set", "F-1", "rain_3h_mm=50").output)["level"] == "II"
    status = json.loads(plan("set", "F-1", "water_level_m=15.2").output)
    assert status["level"] == "I"
    assert "flash_flood_alert" in _active(status)


def test_evacuation_is_done_only_when_every_village_reported(plan):
    plan("start", "flood", *STATION, "--set", "water_level_m=14.1", "--id", "F-2")
    assert plan("done", "F-2", "report_up").exit_code == 0
    status = json.loads(plan("event", "F-2", "respond").output)
    assert status["phase"] == "response"
    assert "evacuate" in _active(status)
    plan("set", "F-2", "villages=张村,李村", "evacuated=张村")
    refused = plan("done", "F-2", "evacuate")
    assert refused.exit_code == 1
    assert "flood.evacuation_complete" in refused.output
    assert "villages not reported evacuated: 李村" in refused.output  # says what fails, not only "does not pass"
    plan("set", "F-2", "evacuated=张村,李村")
    assert plan("done", "F-2", "evacuate").exit_code == 0

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


def test_the_county_head_commands_and_the_deputy_takes_the_scene(plan):
    roles = json.loads(plan("show", "flood").output)["roles"]
    assert roles["commander"]["title"] == "县防汛抗旱指挥部指挥长（县长）"  # 防汛条例 Art. 7
    assert roles["deputy_head"]["title"].startswith("分管副县长")
    assert "民兵" in roles["team"]["title"] and "网格员" in roles["township"]["title"]
    plan("start", "flood", *STATION, "--set", "water_level_m=12.5", "--id", "F-3")
    plan("done", "F-3", "report_up")
    status = json.loads(plan("event", "F-3", "respond").output)
    take = {s["id"]: s for s in status["steps"]}["take_command"]
    assert take["role"] == "deputy_head" and take["status"] == "pending"

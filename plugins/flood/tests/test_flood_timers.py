"""A flood incident's timers when the site configuration breaks the plugin's action (issue 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from planengine import plugins
from planengine.cli import cli

PLANS = Path(__file__).resolve().parents[3] / "plans"
STATION = ["--set", "warning_level_m=12", "--set", "guarantee_level_m=14", "--set", "historic_high_m=15.2"]
DAY = "2090-06-18"


@pytest.fixture
def plan(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PLANENGINE_LOAD_PLUGINS", "flood")
    monkeypatch.setattr(plugins, "_cached", None)
    # villages must be a list of names: a number makes flood.remind_evacuation raise
    (tmp_path / "planengine.yaml").write_text("flood: {villages: 5}\n", encoding="utf-8")

    def run(*args):
        argv = [*args, "--db", str(tmp_path / "t.db"), "--plans", str(PLANS), "--config", "planengine.yaml"]
        return CliRunner().invoke(cli, argv)

    return run


def at(hhmm):
    return f"{DAY}T{hhmm}:00+08:00"


def test_a_failing_remind_evacuation_does_not_freeze_the_other_timers(plan):
    started = plan("start", "flood", *STATION, "--set", "water_level_m=13", "--id", "F-1", "--at", at("14:00"))
    assert started.exit_code == 0, started.output
    assert plan("done", "F-1", "report_up", "--at", at("14:02")).exit_code == 0
    assert json.loads(plan("event", "F-1", "respond", "--at", at("14:05"), "--json").stdout)["phase"] == "response"
    # due: muster 14:20, the 1h reminder 15:05, flood.remind_evacuation 16:05
    result = plan("tick", "--now", at("17:00"), "--json")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    fired = sorted(f["key"] for f in out["fired"])
    assert [k.split(":")[1] for k in fired if k.startswith("step:")] == ["muster"]
    assert [k.split(":")[2] for k in fired if k.startswith("after:")] == ["0", "1"]
    (error,) = out["errors"]
    assert error["incident"] == "F-1" and "flood.remind_evacuation" in error["error"] and "TypeError" in error["error"]

    log = json.loads(plan("log", "F-1", "--json").stdout)
    kinds = [e["kind"] for e in log]
    assert kinds.count("reminder") == 2 and "step_overdue" in kinds
    (failed,) = [e for e in log if e["kind"] == "action_failed"]
    assert failed["data"]["action"] == "flood.remind_evacuation"
    status = json.loads(plan("status", "F-1", "--json").stdout)
    assert [e["action"] for e in status["errors"]] == ["flood.remind_evacuation"]
    assert "ERROR" in plan("status", "F-1").output

    again = plan("tick", "--now", at("17:01"), "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["fired"] == []
    assert plan("verify", "F-1").exit_code == 0
    assert plan("replay", "F-1").exit_code == 0

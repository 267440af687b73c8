"""The bundled plans/forest_fire.yaml driven through the CLI with this plugin."""

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


def _to_fighting(plan, inc):
    assert plan("start", "forest_fire", "--set", "location=青山林场", "--id", inc).exit_code == 0
    for step in ("report_up", "dispatch", "convene"):
        assert plan("done", inc, step).exit_code == 0
    status = json.loads(plan("checkin", inc, "team", "--count", "20").output)
    assert status["phase"] == "fighting"
    return status


def test_crew_safety_withdraws_and_blocks_the_briefing(plan):
    _to_fighting(plan, "FF-1")
    status = json.loads(plan("set", "FF-1", "crew_on_line=true", "wind_force=5").output)
    assert "withdraw" in _active(status)
    assert plan("done", "FF-1", "arrive").exit_code == 0
    refused = plan("done", "FF-1", "safety_briefing")
    assert refused.exit_code == 1
    assert "forest_fire.crew_safety" in refused.output
    assert "wind force 5 (limit 5" in refused.output and "withdrawal_route" in refused.output
    plan("set", "FF-1", "withdrawal_route=沿防火道向东撤至3号安全区")
    assert plan("done", "FF-1", "safety_briefing").exit_code == 0


def test_grade_sets_the_level_and_national_report(plan):
    status = _to_fighting(plan, "FF-2")
    assert status["level"] == "IV"
    assert json.loads(plan("set", "FF-2", "burned_area_ha=1").output)["level"] == "III"
    status = json.loads(plan("set", "FF-2", "deaths=3").output)
    assert status["level"] == "II"  # 较大 by deaths, but Art. 32 makes it reportable: at least II
    assert {"report_national", "reinforce"} <= set(_active(status))
    assert json.loads(plan("set", "FF-2", "burned_area_ha=1000").output)["level"] == "I"
    assert json.loads(plan("set", "FF-2", "flame_out=true").output)["phase"] == "mop_up"


def test_the_headquarters_has_its_current_name_and_the_seed_roles(plan):
    roles = json.loads(plan("show", "forest_fire").output)["roles"]
    assert roles["commander"]["title"].startswith("县森林（草原）防灭火指挥部")
    assert roles["office"]["title"] == "县森林（草原）防灭火指挥部办公室"
    assert "林业站" in roles["township"]["title"] and "民兵" in roles["team"]["title"]
    assert not any("森林防火指挥部" in r["title"] for r in roles.values())


def test_the_wind_force_limit_is_a_site_setting(plan, env):
    env.write("planengine.yaml", "forest_fire:\n  wind_force_limit: 6\n")  # local practice, default 5
    _to_fighting(plan, "FF-3")
    status = json.loads(plan("set", "FF-3", "crew_on_line=true", "wind_force=5").output)
    assert "withdraw" not in _active(status), "force 5 is below this site's limit of 6"
    status = json.loads(plan("set", "FF-3", "wind_force=6").output)
    assert "withdraw" in _active(status)

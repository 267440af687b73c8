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


def test_mop_up_rework_then_accepted_reaches_the_aftermath_and_its_24h_feedback(env):
    """Answering `rework` sends the crews back to mop up; the next inspection asks afresh, and
    `accepted` then opens the aftermath with its written feedback due 24 h later."""
    at = "2090-04-02T{}:00+08:00".format
    run = env.json
    run("start", "forest_fire", "--set", "location=青山林场", "--id", "FF-9", "--at", at("13:20"))
    for step, hhmm in (("report_up", "13:22"), ("dispatch", "13:25"), ("convene", "13:35")):
        run("done", "FF-9", step, "--at", at(hhmm))
    assert run("checkin", "FF-9", "team", "--count", "20", "--at", at("13:38"))["phase"] == "fighting"
    assert run("set", "FF-9", "flame_out=true", "--at", at("16:00"))["phase"] == "mop_up"
    run("done", "FF-9", "clear_embers", "--at", at("17:00"))
    assert run("done", "FF-9", "guard", "--at", at("17:05"))["phase"] == "inspection"
    status = run("decide", "FF-9", "acceptance", "rework", "--by", "森防指总指挥", "--at", at("17:30"))
    assert status["phase"] == "mop_up"
    assert {"clear_embers", "guard"} <= set(_active(status)), "the crews clear and guard again"
    run("done", "FF-9", "clear_embers", "--at", at("18:30"))
    assert run("done", "FF-9", "guard", "--at", at("18:35"))["phase"] == "inspection"
    status = run("decide", "FF-9", "acceptance", "accepted", "--by", "森防指总指挥", "--at", at("19:00"))
    assert status["phase"] == "aftermath"
    feedback = next(s for s in status["steps"] if s["id"] == "written_feedback")
    assert feedback["status"] == "pending" and feedback["due_at"] == "2090-04-03T19:00:00+08:00"
    answers = [e["data"]["answer"] for e in env.events("FF-9") if e["kind"] == "decision"]
    assert answers == ["rework", "accepted"]

"""Drill runs and scores against figures computed by hand from DESIGN.md's default rule."""

from __future__ import annotations

from fractions import Fraction

import pytest

from planengine.core.drill.scoring import _round1

# Day 07:00-19:00 in Asia/Shanghai. A muster (15m day / 25m night), a needs
# chain, a step that only exists once crowd >= 100 (20m day / 30m night), an
# untimed step, and a second phase reached by an event (which skips whatever
# is still pending).
PLAN = """\
id: exercise
title: Exercise plan
version: 1
lang: en
timezone: Asia/Shanghai
daytime: "07:00-19:00"
facts:
  crowd: {type: integer, min: 0, default: 0}
  place: {type: string}
roles:
  office: {title: Office}
  leader: {title: Leader}
  team: {title: Team, muster: true, strength: 20, people: [{name: Wang}]}
  police: {title: Police}
initial: alarm
phases:
  alarm:
    steps:
      - {id: report, role: office, within: 10m}
      - {id: convene, role: leader, within: 30m, needs: [report]}
      - {id: muster, role: team, muster: true, within: {day: 15m, night: 25m}}
      - {id: police, role: police, if: {fact: crowd, gte: 100}, within: {day: 20m, night: 30m}}
      - {id: untimed, role: office}
    on:
      - {event: escalate, to: response}
      - {event: stand_down, to: closed}
  response:
    steps:
      - {id: secure, role: team, within: 1h}
    on:
      - {event: stand_down, to: closed}
  closed: {final: true}
"""

DRILL = """\
drill: exercise_day
plan: exercise.yaml
title: Day exercise
start: 2090-05-12T10:00:00+08:00
facts: {place: market}
injects:
  - {at: 0m, say: crowd gathering at the market, to: office, channel: phone, expect: report}
  - {at: 4m, done: report, by: Li}
  - {at: 9m, checkin: team, count: 12, by: Wang}
  - {at: 16m, checkin: team, count: 8, by: Wang}
  - {at: 20m, set: {crowd: 150}}
  - {at: 25m, say: leader has not convened yet, if_not_done: convene}
  - {at: 40m, done: convene, by: Chen}
  - {at: 45m, say: should not appear, if_not_done: convene}
  - {at: 50m, event: escalate}
  - {at: 1h20m, done: secure}
  - {at: 1h30m, event: stand_down}
"""


@pytest.fixture
def env(env):
    """The CLI harness with the exercise plan and the day drill."""
    env.write("exercise.yaml", PLAN)
    env.drill = env.write("day.yaml", DRILL)
    return env


def by_id(items, key="id"):
    return {x[key]: x for x in items}


def test_day_scores_late_skipped_and_conditional_steps(env):
    out = env.json("drill", "run", env.drill)
    steps = by_id(out["steps"])
    # report: 4m of 10m -> 100
    assert (steps["report"]["took_seconds"], steps["report"]["points"], steps["report"]["rating"]) == (240, 100, "P")
    # convene: activated at 4m, done at 40m: 36m of 30m, 6m late -> 100*(1-6/30) = 80; 36/30 = 1.2 -> S
    c = steps["convene"]
    assert (c["limit_seconds"], c["took_seconds"], c["late_seconds"], c["points"], c["rating"]) == (
        1800,
        2160,
        360,
        80,
        "S",
    )
    assert c["met"] is False and c["weight"] == 1
    # muster (day 15m): full strength at 16m -> 1m late -> 100*(1-60/900) = 93.3, weight 2, 16/15 -> S
    m = steps["muster"]
    assert (m["limit_seconds"], m["took_seconds"], m["weight"], m["rating"]) == (900, 960, 2, "S")
    assert m["points"] == 93.3
    # police: activated mid-drill by the fact change (20m), skipped by the phase change at 50m -> 0, U
    p = steps["police"]
    assert p["activated_at"] == "2090-05-12T10:20:00+08:00" and p["limit_seconds"] == 1200
    assert (p["status"], p["points"], p["rating"], p["took_seconds"]) == ("skipped", 0, "U", None)
    # secure: activated at 50m, done at 1h20m: 30m of 1h -> 100
    assert steps["secure"]["points"] == 100
    assert "untimed" not in steps
    # (100 + 80 + 2*93.333 + 0 + 100) / 6 = 77.78 -> 77.8, 良好
    assert out["score"] == 77.8
    assert out["grade"] == "良好"
    assert out["ratings"] == {"P": 2, "S": 2, "M": 0, "U": 1}
    assert out["musters"] == [
        {
            "role": "team",
            "step": "muster",
            "limit_seconds": 900,
            "took_seconds": 960,
            "met": False,
            "first_arrival_seconds": 540,
            "strength": 20,
            "count": 20,
            "first_arrival_at": "2090-05-12T10:09:00+08:00",
            "full_strength_at": "2090-05-12T10:16:00+08:00",
        }
    ]
    classes = {f["step"]: f["class"] for f in out["findings"]}
    assert classes == {"convene": "改进项", "muster": "改进项", "police": "不足项"}
    # the contingency inject fired once (25m), not at 45m
    assert len(out["injects"]["skipped"]) == 1 and out["injects"]["refused"] == []
    # the stored incident scores the same through `plan drill score`
    again = env.json("drill", "score", out["incident"])
    assert again["score"] == 77.8 and again["steps"] == out["steps"]
    status = env.json("status", out["incident"])
    assert status["kind"] == "drill" and status["phase"] == "closed"


def test_night_start_applies_night_limits(env):
    out = env.json("drill", "run", env.drill, "--start", "2090-03-05T21:00:00+08:00")
    steps = by_id(out["steps"])
    # muster: night 25m, full strength at 16m -> 100, P
    assert (steps["muster"]["limit_seconds"], steps["muster"]["points"], steps["muster"]["rating"]) == (1500, 100, "P")
    assert steps["police"]["limit_seconds"] == 1800
    assert out["musters"][0]["met"] is True
    # (100 + 80 + 200 + 0 + 100) / 6 = 80.0
    assert out["score"] == 80.0 and out["grade"] == "良好"
    assert out["incident"].startswith("DRL-20900305-")


def test_timers_fire_in_order_between_injects(env):
    out = env.json("drill", "run", env.drill)
    log = env.json("log", out["incident"])
    kinds = [(e["at"], e["kind"], e["data"].get("step")) for e in log]
    # the muster deadline (10:15) fires before the 10:16 check-in, at its due time, by the timer
    overdue = [e for e in log if e["kind"] == "step_overdue" and e["data"]["step"] == "muster"]
    assert overdue and overdue[0]["at"] == "2090-05-12T02:15:00Z" and overdue[0]["actor"] == "timer"
    i_over = kinds.index(("2090-05-12T02:15:00Z", "step_overdue", "muster"))
    i_checkin = next(i for i, k in enumerate(kinds) if k[1] == "checkin" and k[0] == "2090-05-12T02:16:00Z")
    assert i_over < i_checkin
    # report's deadline (10:10) was met, so it never fires
    assert not [e for e in log if e["kind"] == "step_overdue" and e["data"]["step"] == "report"]
    # the say inject keeps its MSEL columns
    say = next(e for e in log if e["kind"] == "note")
    assert say["data"] == {
        "text": "crowd gathering at the market",
        "by": None,
        "say": True,
        "to": ["office"],
        "channel": "phone",
        "expect": "report",
    }
    notes = [e["data"]["text"] for e in log if e["kind"] == "note"]
    assert "leader has not convened yet" in notes and "should not appear" not in notes


def test_never_done_and_later_than_one_and_a_half(env):
    d = env.write(
        "late.yaml",
        """\
        drill: late
        plan: exercise.yaml
        start: 2090-05-12T10:00:00+08:00
        injects:
          - {at: 16m, done: report}
          - {at: 20m, checkin: team, count: 5}
        """,
    )
    out = env.json("drill", "run", d)
    steps = by_id(out["steps"])
    # report: 16m of 10m -> 6m late -> 100*(1-6/10) = 40; 1.6x -> U
    assert (steps["report"]["points"], steps["report"]["rating"]) == (40, "U")
    # convene: activated at 16m, never done -> 0; muster: 5 of 20 -> never at strength -> 0
    assert steps["convene"]["points"] == 0 and steps["convene"]["status"] == "not done"
    assert steps["muster"]["points"] == 0 and steps["muster"]["rating"] == "U"
    # (40 + 0 + 2*0) / 4 = 10.0 -> 不合格
    assert out["score"] == 10.0 and out["grade"] == "不合格"
    m = out["musters"][0]
    assert (m["first_arrival_seconds"], m["took_seconds"], m["count"], m["met"]) == (1200, None, 5, False)
    # ENDEX is the last inject (20m): the convene deadline (46m) has not fired, and no timer is left behind
    assert env.json("tick", "--now", "2099-01-01T00:00:00Z")["fired"] == []


def test_scoring_block_in_plan(env):
    env.write(
        "exercise.yaml",
        PLAN.replace(
            "initial: alarm",
            "scoring:\n  muster_weight: 3\n  weights: {convene: 0}\n"
            "  grades: [{min: 95, grade: A}, {min: 50, grade: B}]\n  fail_grade: C\ninitial: alarm",
        ),
    )
    assert env.run("validate", "exercise.yaml").exit_code == 0
    out = env.json("drill", "run", env.drill)
    # (100 + 0*80 + 3*93.333 + 0 + 100) / (1 + 0 + 3 + 1 + 1) = 80.0
    assert out["score"] == 80.0 and out["grade"] == "B"
    assert {s["id"]: s["weight"] for s in out["steps"]}["muster"] == 3


def test_round_half_up():
    assert _round1(Fraction(8725, 100)) == 87.3
    assert _round1(Fraction(700, 9)) == 77.8
    assert _round1(Fraction(80)) == 80.0


def test_same_script_twice_same_log_and_score(env, tmp_path):
    a = env.json("drill", "run", env.drill, db=str(tmp_path / "a.db"))
    b = env.json("drill", "run", env.drill, db=str(tmp_path / "b.db"))
    assert a == b
    la = env.json("log", a["incident"], db=str(tmp_path / "a.db"))
    lb = env.json("log", b["incident"], db=str(tmp_path / "b.db"))
    assert la == lb and la[-1]["hash"] == lb[-1]["hash"]


def test_instant_bulk_write_equals_one_command_at_a_time(env, monkeypatch, tmp_path):
    """Instant runs write one bulk Engine.batch; the rows must be those Engine.command writes one at a time."""
    import sqlite3

    from planengine.core.engine import Engine

    a = env.json("drill", "run", env.drill, db=str(tmp_path / "bulk.db"))
    bulk_batch = Engine.batch
    monkeypatch.setattr(Engine, "batch", lambda self, state, bulk=True: bulk_batch(self, state, bulk=False))
    b = env.json("drill", "run", env.drill, db=str(tmp_path / "direct.db"))
    assert a == b

    def rows(db):
        conn = sqlite3.connect(db)
        try:
            return {
                t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in ("events", "timers", "outbox")
            } | {
                "incidents": conn.execute(
                    "SELECT id, phase, level, closed_at, last_seq, last_hash FROM incidents"
                ).fetchall()
            }
        finally:
            conn.close()

    assert rows(str(tmp_path / "bulk.db")) == rows(str(tmp_path / "direct.db"))
    assert env.json("verify", a["incident"], db=str(tmp_path / "bulk.db"))["ok"] is True
    assert env.json("replay", a["incident"], db=str(tmp_path / "bulk.db"))["ok"] is True


def test_refused_inject_is_reported_and_the_rest_runs(env):
    d = env.write(
        "refused.yaml",
        """\
        drill: refused
        plan: exercise.yaml
        start: 2090-05-12T10:00:00+08:00
        injects:
          - {at: 2m, done: convene}
          - {at: 4m, done: report}
          - {at: 5m, done: report}
          - {at: 6m, done: convene}
        """,
    )
    out = env.json("drill", "run", d)
    refused = out["injects"]["refused"]
    assert [r["at"] for r in refused] == ["2090-05-12T02:02:00Z", "2090-05-12T02:05:00Z"]
    assert "not active" in refused[0]["error"] and "already" in refused[1]["error"]
    steps = by_id(out["steps"])
    assert steps["convene"]["took_seconds"] == 120 and steps["report"]["took_seconds"] == 240
    assert env.json("replay", out["incident"])["ok"] is True
    assert env.run("drill", "run", d, "--strict").exit_code == 1


def test_rescore_with_a_new_scoring_rule(env):
    out = env.json("drill", "run", env.drill)
    env.write(
        "exercise_v2.yaml",
        PLAN.replace("version: 1", "version: 2").replace(
            "initial: alarm", "scoring: {muster_weight: 1}\ninitial: alarm"
        ),
    )
    again = env.json("drill", "score", out["incident"], "--rule", "exercise_v2.yaml")
    # (100 + 80 + 93.333 + 0 + 100) / 5 = 74.7
    assert again["score"] == 74.7 and again["grade"] == "合格"
    assert env.json("drill", "score", out["incident"])["score"] == 77.8

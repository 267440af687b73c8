"""Drill validation, replay, tamper detection, extraction, paced runs and the bundled drills."""

from __future__ import annotations

import glob
import json
import os
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from planengine import testing
from planengine.core.drill.run import paced_now, run_drill
from planengine.core.drill.script import load_drill
from planengine.core.engine import Engine

ROOT = Path(__file__).resolve().parents[3]
BUNDLED = ("flood", "forest_fire", "mass_petition")

PLAN = """\
id: exercise
title: Exercise plan
version: 1
lang: en
timezone: Asia/Shanghai
facts:
  crowd: {type: integer, min: 0, default: 0}
roles:
  office: {title: Office}
  leader: {title: Leader}
  team: {title: Team, muster: true, strength: 20}
initial: alarm
phases:
  alarm:
    steps:
      - {id: report, role: office, within: 10m}
      - {id: convene, role: leader, within: 30m, needs: [report]}
      - {id: muster, role: team, muster: true, within: {day: 15m, night: 25m}}
      - {id: verdict, role: leader, decision: [hold, release]}
    on:
      - {event: stand_down, to: closed}
  closed: {final: true}
"""


@pytest.fixture
def env(env):
    """The CLI harness with the exercise plan on ./plans."""
    env.write("plans/exercise.yaml", PLAN)
    return env


BAD = """\
drill: bad
plan: exercise
start: 2090-05-12T10:00:00+08:00
facts: {crowd: 5, crwd: 3}
injects:
  - {at: 4m, done: reprot}
  - {at: 5m, checkin: teem}
  - {at: 6m, set: {crowd: many}}
  - {at: 7m, event: escalate}
  - {at: soon, note: hello}
  - {at: 8m, decide: verdict, answer: maybe}
  - {at: 9m, done: report, count: 3}
  - {at: 10m, say: x, if_not_done: convenne}
"""


def test_validation_errors_with_positions_and_nothing_stored(env):
    path = env.write("bad.yaml", BAD)
    r = env.run("validate", path)
    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    expect = [
        (4, 19, "unknown fact 'crwd'"),
        (6, 20, "unknown step 'reprot'"),
        (7, 23, "unknown role 'teem'"),
        (8, 27, "fact 'crowd': 'many' is not an integer"),
        (9, 21, "unknown event 'escalate'"),
        (10, 10, "bad duration 'soon'"),
        (11, 39, "answer 'maybe' is not one of hold, release"),
        (12, 28, "`count:` goes with `checkin:`"),
        (13, 36, "unknown step 'convenne'"),
    ]
    for line, col, msg in expect:
        assert any(x.startswith(f"{path}:{line}:{col}: error: ") and msg in x for x in lines), (line, col, msg, lines)
    assert "did you mean 'report'" in r.stderr and "did you mean 'team'" in r.stderr
    # `plan drill run` refuses the same file before anything is stored
    r = env.run("drill", "run", path)
    assert r.exit_code == 1 and f"{path}:6:20: error: unknown step 'reprot'" in r.stderr
    if os.path.exists("t.db"):
        conn = sqlite3.connect(env.db)
        assert conn.execute("SELECT COUNT(*) FROM incidents").fetchone()[0] == 0


def test_unknown_plan_and_unknown_key(env):
    path = env.write(
        "np.yaml",
        """\
        drill: np
        plan: no_such_plan
        start: 2090-05-12T10:00:00+08:00
        injects:
          - {at: 0m, say: hi, chanel: phone}
        """,
    )
    r = env.run("validate", path)
    assert r.exit_code == 1
    assert f"{path}:5:23: error: unknown key 'chanel'" in r.stderr and "did you mean 'channel'" in r.stderr
    path = env.write("np.yaml", "drill: np\nplan: no_such_plan\nstart: 2090-05-12T10:00:00+08:00\ninjects: []\n")
    r = env.run("validate", path)
    assert r.exit_code == 1 and f"{path}:2:7: error: no plan 'no_such_plan'" in r.stderr


def test_schema_drill(env):
    schema = env.json("schema", "drill")
    inject = schema["properties"]["injects"]["items"]["properties"]
    assert {"at", "say", "done", "checkin", "if_not_done", "to", "channel", "expect", "objective"} <= set(inject)


def live_incident(env):
    """A live incident recorded through the ordinary CLI, back-dated with --at, timers by tick."""
    env.json("start", "exercise", "--id", "INC-1", "--at", "2090-05-12T21:00:00+08:00", "--set", "crowd=40")
    env.json("done", "INC-1", "report", "--by", "Li", "--at", "2090-05-12T21:06:00+08:00")
    env.json("checkin", "INC-1", "team", "--count", "15", "--at", "2090-05-12T21:10:00+08:00")
    env.json("tick", "--now", "2090-05-12T21:30:00+08:00")  # the muster deadline (21:25) fires
    env.json("checkin", "INC-1", "team", "--count", "5", "--at", "2090-05-12T21:31:00+08:00")
    env.json("note", "INC-1", "crowd calm", "--at", "2090-05-12T21:32:00+08:00")
    env.json("decide", "INC-1", "verdict", "hold", "--by", "Chen", "--at", "2090-05-12T21:40:00+08:00")
    env.json("done", "INC-1", "convene", "--by", "Chen", "--at", "2090-05-12T21:50:00+08:00")


def test_replay_live_incident_and_detect_tampering(env):
    live_incident(env)
    out = env.json("replay", "INC-1")
    assert out["ok"] and out["problems"] == [] and out["events"] == out["stored_events"]
    assert env.run("replay", "INC-1").exit_code == 0
    conn = sqlite3.connect(env.db)
    seq = conn.execute("SELECT seq FROM events WHERE incident='INC-1' AND kind='step_done' ORDER BY seq").fetchone()[0]
    conn.execute("UPDATE events SET data=replace(data, '\"Li\"', '\"Zhang\"') WHERE incident='INC-1' AND seq=?", (seq,))
    conn.commit()
    conn.close()
    r = env.run("replay", "INC-1")
    assert r.exit_code == 1
    assert f"event {seq} (step_done): data differs" in r.stderr and "Zhang" in r.stderr
    out = json.loads(env.run("replay", "INC-1", "--json").stdout)
    assert out["ok"] is False and any("hash chain" in p for p in out["problems"])


def test_replay_detects_a_deleted_event(env):
    live_incident(env)
    conn = sqlite3.connect(env.db)
    conn.execute(  # the last event that no command is recorded on: its command stays and replay makes it again
        "DELETE FROM events WHERE incident='INC-1'"
        " AND seq=(SELECT MAX(seq) FROM events WHERE incident='INC-1' AND command IS NULL)"
    )
    conn.commit()
    conn.close()
    r = env.run("replay", "INC-1")
    assert r.exit_code == 1 and "missing from the stored log" in r.stderr


def test_extract_live_incident_into_a_drill_that_scores_the_same(env):
    live_incident(env)
    live = env.json("drill", "score", "INC-1")
    # night: muster 25m; full strength at 31m -> 6m late -> 76; report 6m -> 100; convene 44m of 30m -> 53.3
    steps = {s["id"]: s for s in live["steps"]}
    assert (steps["muster"]["points"], steps["report"]["points"], steps["convene"]["points"]) == (76, 100, 53.3)
    assert live["score"] == round((100 + 53.333333 + 2 * 76) / 4 + 1e-9, 1) == 76.3
    r = env.run("drill", "extract", "INC-1", "-o", "again.yaml")
    assert r.exit_code == 0, r.output
    text = open("again.yaml", encoding="utf-8").read()
    assert "plan: exercise" in text and "{at: 6m, done: report, by: Li}" in text
    assert (
        "{at: 10m, checkin: team, count: 15}" in text and "{at: 40m, decide: verdict, answer: hold, by: Chen}" in text
    )
    assert env.run("validate", "again.yaml").exit_code == 0
    drill = env.json("drill", "run", "again.yaml", db="d.db")
    assert drill["score"] == live["score"] and drill["steps"] == live["steps"] and drill["musters"] == live["musters"]
    assert drill["kind"] == "drill" and drill["incident"].startswith("DRL-20900512-")
    # shifted to a morning, the day muster standard (15m) applies
    day = env.json("drill", "run", "again.yaml", "--start", "2090-05-13T09:00:00+08:00", db="d.db")
    assert {s["id"]: s for s in day["steps"]}["muster"]["limit_seconds"] == 900


def test_paced_run_lets_players_act_on_drill_time(env):
    drill_path = env.write(
        "paced.yaml",
        """\
        drill: paced
        plan: exercise
        start: 2090-05-12T10:00:00+08:00
        injects:
          - {at: 0m, say: go}
          - {at: 20m, done: convene, if_not_done: convene}
          - {at: 30m, checkin: team}
        """,
    )

    class Wall:
        def __init__(self):
            self.t = datetime(2090, 1, 1, tzinfo=timezone.utc)

        def now(self):
            return self.t

    wall = Wall()
    eng = Engine(db=str(env.root / "p.db"), clock=wall)
    d = load_drill(drill_path, eng)
    acted = []

    def player(state, sim_now):
        # a player marks `report` done when drill time reaches 10:05 (through the engine, no --at)
        if not acted and sim_now >= "2090-05-12T02:05:00Z":
            acted.append(eng.command(state.id, "done", {"step": "report", "by": "player"}, actor="player"))

    def sleep(seconds):
        wall.t += timedelta(seconds=seconds)

    run = run_drill(eng, d, speed=60, sleep=sleep, on_wait=player)
    st = run.state
    assert st.drill["pace"]["speed"] == 60
    # 5 minutes of drill time pass in 5 wall seconds at speed 60
    assert st.steps["report"].done_at == "2090-05-12T02:05:00Z" and st.steps["report"].by == "player"
    # convene (activated 10:05) was not done at 10:20, so the contingency inject did it
    assert st.steps["convene"].done_at == "2090-05-12T02:20:00Z"
    assert st.steps["muster"].overdue_at == "2090-05-12T02:15:00Z" and st.steps["muster"].done_at.endswith("02:30:00Z")
    assert paced_now(st.drill["pace"], wall.t) >= "2090-05-12T02:30:00Z"
    assert eng.store.verify(st.id) == []


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(ROOT, "drills", "*.yaml"))))
def test_bundled_drills_validate_and_run_cleanly(path, tmp_path, monkeypatch):
    # the bundled plugins are part of the development install (requirements-dev.txt): a missing one fails here
    testing.isolate(monkeypatch, tmp_path, load_plugins=",".join(BUNDLED))
    env = testing.Workspace(tmp_path, args=["--plans", ROOT / "plans"])
    env.ok("validate", path)
    out = env.json("drill", "run", path, "--strict")
    assert out["score"] is not None and out["injects"]["refused"] == []
    env.ok("replay", out["incident"])


def test_at_least_one_bundled_drill_is_by_night():
    hours = []
    for path in glob.glob(os.path.join(ROOT, "drills", "*.yaml")):
        for line in open(path, encoding="utf-8"):
            if line.startswith("start:"):
                hours.append(int(line.split("T")[1][:2]))
    assert any(h >= 19 or h < 7 for h in hours)


CYCLE_PLAN = """\
id: cycle
title: cycle
version: 1
timezone: Asia/Shanghai
roles:
  office: {title: office}
  team: {title: team, muster: true}
initial: a
phases:
  a:
    steps:
      - {id: step_a, role: office, within: 10m}
    on:
      - {event: go, to: b}
      - {event: stop, to: done}
  b:
    steps:
      - {id: step_b, role: team, within: {day: 15m, night: 25m}}
    on:
      - {event: back, to: a}
      - {event: stop, to: done}
  done: {final: true}
"""


def _rows(db):
    conn = sqlite3.connect(db)
    try:
        return {
            t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in ("events", "timers", "outbox")
        } | {"incidents": conn.execute("SELECT * FROM incidents ORDER BY id").fetchall()}
    finally:
        conn.close()


def _instant_and_one_at_a_time(monkeypatch, tmp_path, drill_path, plans=None):
    """Rows of the same drill run instantly (one bulk write) and one Engine.command at a time."""
    out = []
    for bulk in (True, False):
        db = str(tmp_path / f"{'bulk' if bulk else 'direct'}.db")
        eng = Engine(db=db, plans=plans)
        if not bulk:  # the second run: every inject and timer through Engine.command, each its own write
            one_by_one = lambda self, state, bulk=True, batch=Engine.batch: batch(self, state, bulk=False)  # noqa: E731
            monkeypatch.setattr(Engine, "batch", one_by_one)
        run = run_drill(eng, load_drill(drill_path, eng), incident_id="DRL-1")
        assert eng.verify("DRL-1") == [] and eng.replay("DRL-1")["ok"] is True
        eng.store.close()
        out.append((_rows(db), [(i.index, at) for i, at in run.applied], run.fired, len(run.refused)))
    return out


def test_an_instant_drill_writes_the_rows_of_its_injects_one_command_at_a_time(env, monkeypatch, tmp_path):
    """Day and night deadlines, phases left with steps pending, timers firing between injects and at the end."""
    env.write("cycle.yaml", CYCLE_PLAN)
    lines = ["drill: cycle", "plan: cycle.yaml", "start: 2090-03-05T17:40:00+08:00", "injects:"]
    lines += [f"  - {{at: {7 * i + 1}m, event: {'go' if i % 2 == 0 else 'back'}}}" for i in range(40)]
    lines.append("  - {at: 300m, event: stop}")
    path = env.write("cycle_drill.yaml", "\n".join(lines) + "\n")
    bulk, direct = _instant_and_one_at_a_time(monkeypatch, tmp_path, path)
    assert bulk == direct
    rows = bulk[0]
    assert rows["events"][-1][3] == "closed"
    commands = [r for r in rows["events"] if r[-1] is not None]  # each recorded on its first event
    assert len(commands) > 42 and bulk[2], "timers fired between injects"
    limits = {json.loads(e[5]).get("limit_seconds") for e in rows["events"] if e[3] == "step_activated"}
    assert {600, 900, 1500} <= limits, "day and night deadlines both taken"


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(ROOT, "drills", "*.yaml"))))
def test_bundled_drills_write_the_same_rows_instant_and_one_command_at_a_time(path, tmp_path, monkeypatch):
    testing.isolate(monkeypatch, tmp_path, load_plugins=",".join(BUNDLED))
    bulk, direct = _instant_and_one_at_a_time(monkeypatch, tmp_path, path, plans=str(ROOT / "plans"))
    assert bulk == direct and len(bulk[0]["events"]) > 20


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(ROOT, "drills", "*.yaml"))))
def test_the_data_texts_the_runner_writes_itself_are_the_canonical_json_of_the_data(path, tmp_path, monkeypatch):
    """The runner writes the data of its frequent events (event, step_skipped, phase_entered, a plain
    step_activated) as text; the store hashes and stores that text, and the fold reads the dict: they
    must say the same, or replay (which hashes canonical(data)) would disagree with the log."""
    from planengine.core.canonical import canonical
    from planengine.core.incident import runner

    testing.isolate(monkeypatch, tmp_path, load_plugins=",".join(BUNDLED))
    written = []
    emit = runner._Tx.emit

    def checked(self, kind, data, actor=None, text=None):
        if text is not None:
            assert text == canonical(data), kind
            written.append(kind)
        return emit(self, kind, data, actor, text)

    monkeypatch.setattr(runner._Tx, "emit", checked)
    eng = Engine(db=str(tmp_path / "t.db"), plans=str(ROOT / "plans"))
    run = run_drill(eng, load_drill(path, eng), incident_id="DRL-1")
    assert {"phase_entered", "step_activated"} <= set(written)
    assert eng.replay(run.incident)["ok"] is True

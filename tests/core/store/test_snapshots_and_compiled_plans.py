"""Snapshots and compiled plans are caches: results never differ from folding the log and parsing the source."""

from __future__ import annotations

import sqlite3

from planengine.core.engine import SNAPSHOT_EVERY, Engine
from planengine.core.incident.state import fold, to_snapshot


def _busy_incident(env, notes=3 * SNAPSHOT_EVERY):
    env.start("crowd_size=60")
    for i in range(notes):
        env.ok("note", "INC-1", f"进展 {i}", "--at", env.t("10:05"))
    env.ok("checkin", "INC-1", "team", "--count", "4", "--at", env.t("10:06"))
    env.ok("set", "INC-1", "casualties=4", "--at", env.t("10:07"))


def _snapshot_row(db):
    return sqlite3.connect(db).execute("SELECT seq, hash, state FROM snapshots WHERE incident='INC-1'").fetchone()


def test_a_long_incident_keeps_a_snapshot_near_its_head(env):
    _busy_incident(env)
    seq, _hash, _state = _snapshot_row(env.db)
    head = env.status()["seq"]
    assert head - seq < SNAPSHOT_EVERY + 10  # one command adds a handful of events past the threshold
    assert seq >= 2 * SNAPSHOT_EVERY


def test_status_from_a_snapshot_equals_the_full_fold(env):
    _busy_incident(env)
    eng = Engine(db=env.db, create=False)
    from_snapshot = eng.state("INC-1")
    full = fold(eng.store.event_rows("INC-1"), "INC-1")
    assert to_snapshot(from_snapshot) == to_snapshot(full)
    listed = {s.id: s for s in eng.incidents()}
    assert to_snapshot(listed["INC-1"]) == to_snapshot(full)


def test_a_live_incident_starts_with_a_snapshot_at_its_head_and_a_drill_without(env):
    env.start("crowd_size=60")
    seq, h, state = _snapshot_row(env.db)
    conn = sqlite3.connect(env.db)
    assert (seq, h) == conn.execute("SELECT last_seq, last_hash FROM incidents WHERE id='INC-1'").fetchone()
    eng = Engine(db=env.db, plans=str(env.root))
    eng.start(str(env.root / "petition.yaml"), {"crowd_size": 60}, at=env.t("10:00"), incident_id="D-1", kind="drill")
    assert conn.execute("SELECT count(*) FROM snapshots WHERE incident='D-1'").fetchone()[0] == 0
    conn.close()
    assert to_snapshot(eng.state("INC-1")) == to_snapshot(fold(eng.store.event_rows("INC-1"), "INC-1"))


def test_a_snapshot_that_does_not_match_the_log_is_ignored(env):
    _busy_incident(env)
    before = env.status()
    conn = sqlite3.connect(env.db)
    # a snapshot claiming another hash (an edited or stale row) must not be used
    conn.execute("UPDATE snapshots SET state=replace(state, '\"casualties\":4', '\"casualties\":99'), hash='x'")
    conn.commit()
    conn.close()
    assert env.status() == before
    assert [s for s in env.json("status") if s["id"] == "INC-1"][0]["facts"]["casualties"] == 4


def test_commands_after_a_snapshot_chain_on_the_log_head(env):
    _busy_incident(env)
    env.ok("note", "INC-1", "after the snapshot", "--at", env.t("10:08"))
    assert env.json("verify", "INC-1")["ok"] is True
    assert env.json("replay", "INC-1")["ok"] is True


def test_a_stored_plan_runs_from_its_compiled_form_and_equals_its_source(env):
    env.start("crowd_size=60")
    conn = sqlite3.connect(env.db)
    sha, compiled_json = conn.execute("SELECT sha256, compiled FROM plans").fetchone()
    assert compiled_json
    eng = Engine(db=env.db, create=False)
    from_compiled = eng.plan_for(sha)
    from planengine.core.plan.loader import load_plan

    path, source = conn.execute("SELECT path, source FROM plans").fetchone()
    assert from_compiled == load_plan(path, eng.registry, text=source, check_schema=False)


def test_a_compiled_plan_of_another_format_is_rebuilt_from_the_source(env):
    env.start("crowd_size=60")
    conn = sqlite3.connect(env.db)
    conn.execute("UPDATE plans SET compiled='{}', compiled_format='old'")
    conn.commit()
    env.ok("note", "INC-1", "x", "--at", env.t("10:05"))
    fmt = conn.execute("SELECT compiled_format FROM plans").fetchone()[0]
    from planengine.core.plan import compiled

    assert fmt == compiled.FORMAT


def test_the_list_of_open_incidents_ignores_a_snapshot_that_does_not_match_the_log(env):
    _busy_incident(env)
    one = env.json("status", "INC-1")
    conn = sqlite3.connect(env.db)
    conn.execute("UPDATE snapshots SET hash='x'")  # a stale row: every event must be folded again
    conn.commit()
    conn.close()
    listed = [s for s in env.json("status") if s["id"] == "INC-1"][0]
    assert {k: v for k, v in listed.items() if k != "steps"} == {k: v for k, v in one.items() if k != "steps"}
    assert [s["id"] for s in listed["steps"]] == [s["id"] for s in one["steps"]]
    assert listed["seq"] == one["seq"] > SNAPSHOT_EVERY


def test_a_step_loads_from_its_snapshot_values_slot_for_slot():
    from planengine.core.incident.state import StepState, _step_from, _step_values

    st = StepState("s1", "p")
    for n, slot in enumerate(StepState.__slots__):
        setattr(st, slot, f"value {n}")
    st.prev = StepState("s1", "p", title="the round before")
    loaded = _step_from(_step_values(st))
    assert [getattr(loaded, k) for k in StepState.__slots__ if k != "prev"] == [
        getattr(st, k) for k in StepState.__slots__ if k != "prev"
    ]
    assert loaded.prev.title == "the round before" and loaded.prev.prev is None


def test_a_snapshot_of_another_format_makes_the_list_fold_the_whole_log(env):
    _busy_incident(env)
    env.ok("done", "INC-1", "report_up", "--at", env.t("10:08"))
    before = env.status()
    conn = sqlite3.connect(env.db)  # as an older planengine left it
    conn.execute("UPDATE snapshots SET format='2:older'")
    conn.execute("DELETE FROM status_cache")
    conn.commit()
    conn.close()
    assert env.json("status") == [before], "not only the events after the older snapshot"
    assert env.status() == before

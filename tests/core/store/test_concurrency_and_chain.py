"""The store under concurrent CLI processes, and the tamper-evident hash chain."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

WORKERS = 4
NOTES_EACH = 10


def cli_env(env):
    environ = dict(os.environ)
    environ["PLANENGINE_LOAD_PLUGINS"] = ""
    for var in ("PLANENGINE_DB", "PLANENGINE_PLANS", "PLANENGINE_CONFIG"):
        environ.pop(var, None)
    return environ


def plan_process(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "planengine", *args, "--db", env.db],
        capture_output=True,
        text=True,
        env=cli_env(env),
        cwd=env.root,
        timeout=120,
    )


def test_notes_from_concurrent_processes_are_all_recorded_in_order(env):
    env.json("start", env.plan(), "--id", "INC-1")  # a live incident, on the wall clock

    def worker(w):
        codes = []
        for j in range(NOTES_EACH):
            codes.append(plan_process(env, "note", "INC-1", f"w{w}-{j:02d}").returncode)
        return codes

    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(worker, range(WORKERS)))
    assert results == [[0] * NOTES_EACH] * WORKERS

    texts = [e["data"]["text"] for e in env.kinds(kind="note")]
    assert len(texts) == WORKERS * NOTES_EACH
    for w in range(WORKERS):
        mine = [x for x in texts if x.startswith(f"w{w}-")]
        assert mine == [f"w{w}-{j:02d}" for j in range(NOTES_EACH)], "each process's notes in its order"
    events = env.events()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert env.ok("verify", "INC-1").exit_code == 0


def test_concurrent_ticks_fire_each_timer_once(env):
    env.start(at="10:00")
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    with ThreadPoolExecutor(WORKERS) as pool:
        procs = list(pool.map(lambda _: plan_process(env, "tick", "--now", env.t("13:00")), range(WORKERS)))
    assert [p.returncode for p in procs] == [0] * WORKERS, [p.stderr for p in procs]
    assert [e["data"]["step"] for e in env.kinds(kind="step_overdue")] == ["muster"]
    assert len(env.kinds(kind="reminder")) == 1
    env.ok("verify", "INC-1")


def test_verify_passes_on_an_untouched_log(env):
    env.start()
    env.json("done", "INC-1", "report_up", "--at", env.t("10:05"))
    out = env.json("verify", "INC-1")
    assert out["ok"] is True and out["problems"] == []
    assert "intact" in env.ok("verify", "INC-1").stdout


def _edit(env, sql, *params):
    conn = sqlite3.connect(env.db)
    with conn:
        changed = conn.execute(sql, params).rowcount
    conn.close()
    assert changed == 1


def test_verify_fails_after_an_event_row_is_edited(env):
    env.start("crowd_size=4")
    env.json("note", "INC-1", "calm", "--at", env.t("10:05"))
    _edit(
        env,
        "UPDATE events SET data = replace(data, '4', '400') WHERE incident='INC-1' AND kind='fact_set'",
    )
    result = env.run("verify", "INC-1")
    assert result.exit_code == 1
    assert "INC-1" in result.stderr
    out = env.run("verify", "INC-1", "--json")
    assert out.exit_code == 1


def test_verify_fails_after_an_event_time_is_back_dated(env):
    env.start()
    env.json("done", "INC-1", "report_up", "--at", env.t("10:15"))
    _edit(env, "UPDATE events SET at='2090-03-05T02:05:00Z' WHERE incident='INC-1' AND kind='step_done'")
    assert env.run("verify", "INC-1").exit_code == 1


def test_verify_fails_after_the_last_event_is_deleted(env):
    env.start()
    env.json("note", "INC-1", "to be hidden", "--at", env.t("10:05"))
    _edit(env, "DELETE FROM events WHERE incident='INC-1' AND kind='note'")
    assert env.run("verify", "INC-1").exit_code == 1


def test_verify_of_one_incident_is_not_affected_by_another(env):
    env.start(incident="A")
    env.start(incident="B")
    _edit(env, "UPDATE events SET actor='mallory' WHERE incident='B' AND seq=1")
    env.ok("verify", "A")
    assert env.run("verify", "B").exit_code == 1


def test_the_log_survives_a_new_process(env):
    """Nothing is lost between commands: a fresh process reads what the last one wrote."""
    env.start("crowd_size=8")
    env.json("done", "INC-1", "report_up", "--at", env.t("10:03"))
    proc = plan_process(env, "status", "INC-1", "--json")
    assert proc.returncode == 0, proc.stderr
    import json

    s = json.loads(proc.stdout)
    assert s["facts"]["crowd_size"] == 8
    assert env.step(s, "report_up")["status"] == "done"
    assert env.step(s, "convene")["status"] == "pending"


def test_database_is_in_wal_mode(env):
    env.start()
    conn = sqlite3.connect(env.db)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
    finally:
        conn.close()


def _record(ev, text=None):
    """An event dict as the runner records it (commands.events_of)."""
    return (ev["seq"], ev["at"], ev["kind"], ev["actor"], ev["data"], text)


def test_bulk_chain_hashes_equal_event_hash_one_event_at_a_time():
    """chain_rows (the instant drill's bulk hashing, memoised parts) gives event_hash's hashes."""
    from planengine.core.store.chain import chain_rows, event_hash

    events = [
        {"seq": 1, "at": "2090-03-05T01:00:00Z", "kind": "started", "actor": None, "data": {"b": [1, 2], "a": "甲"}},
        {"seq": 2, "at": "2090-03-05T01:00:00Z", "kind": "note", "actor": '王 "x"', "data": {"text": "a\nb"}},
        {"seq": 3, "at": "2090-03-05T01:01:00Z", "kind": "note", "actor": '王 "x"', "data": {"n": 1.5, "z": None}},
        {
            "seq": 4,
            "at": "2090-03-05T01:01:00Z",
            "kind": "note",
            "actor": "note",
            "data": {},
        },  # an actor named as a kind
        {"seq": 5, "at": "2090-03-05T01:01:00Z", "kind": "note", "actor": None, "data": {}},
    ]
    rows: list = []
    last = chain_rows("DRL-1", "prev", [_record(e) for e in events], rows)
    prev = "prev"
    for ev, row in zip(events, rows):
        h = event_hash(prev, dict(ev, incident="DRL-1"))
        assert row[5:] == (h, None)  # no command marks given
        prev = h
    assert last == prev and len(rows) == 5


@pytest.mark.parametrize("max_variables", [32766, 999])  # SQLite from 3.32 / before
def test_multi_row_inserts_write_every_event_once_in_order_with_its_chain(tmp_path, monkeypatch, max_variables):
    """insert_events (an instant drill's events, a command's) writes exactly the rows chain_rows
    gives, each with its incident and prev_hash, NULL where an event has no actor or command."""
    from planengine.core.store import sqlite as store
    from planengine.core.store.chain import canonical, chain_rows
    from planengine.core.store.sqlite import CHUNKS, Store, insert_events

    monkeypatch.setattr(store, "MAX_VARIABLES", max_variables)
    db = Store(str(tmp_path / "t.db"))
    conn = db.conn
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, max_variables)  # as an SQLite of that age refuses
    sizes = [1, 2, 3, 7, CHUNKS[0] - 1, CHUNKS[0], CHUNKS[0] * 2 + 11, 403]
    for b, size in enumerate(sizes):
        incident = f"I-{b}"
        events = [
            {
                "seq": i + 1,
                "at": f"2090-03-05T01:{i % 60:02d}:00Z",
                "kind": "note",
                "actor": None if i % 3 else f"王{i}",
                "data": {"text": f"r{b}.{i} '\"é"},
            }
            for i in range(size)
        ]
        rows: list = []
        commands = {1: '{"name":"x"}', size: '{"name":"y"}'}
        last = chain_rows(incident, "start", [_record(e) for e in events], rows, commands, null=0)
        conn.execute("BEGIN")
        insert_events(conn, incident, "start", rows)
        conn.execute("COMMIT")
        stored = conn.execute(
            "SELECT seq, at, kind, actor, data, prev_hash, hash, command FROM events WHERE incident=? ORDER BY seq",
            (incident,),
        ).fetchall()
        expected, prev = [], "start"
        for ev, row in zip(events, rows):
            expected.append(
                (
                    ev["seq"],
                    ev["at"],
                    "note",
                    ev["actor"],
                    canonical(ev["data"]),
                    prev,
                    row[5],
                    commands.get(ev["seq"]),
                )
            )
            prev = row[5]
        assert stored == expected and prev == last


def test_a_long_bulk_chain_gives_the_same_hashes_as_a_short_one():
    """Batches of chain.BULK events or more are hashed by OpenSSL, shorter ones as sha256_hex decides."""
    from planengine.core.store.chain import BULK, chain_rows

    events = [
        {"seq": i, "at": "2090-03-05T01:00:00Z", "kind": "note", "actor": None, "data": {"text": str(i)}}
        for i in range(1, BULK + 2)
    ]
    long_rows: list = []
    chain_rows("DRL-1", "", [_record(e) for e in events], long_rows)
    short_rows: list = []
    h = ""
    for ev in events:
        h = chain_rows("DRL-1", h, [_record(ev)], short_rows)
    assert long_rows == short_rows


@pytest.mark.parametrize(
    "actor, args",
    [
        (None, {}),
        ("王焰", {"text": 'a "quoted"\nnote', "by": "王焰"}),
        ("x\u2028y", {"n": [1, 2.5, None], "b": True}),
        (None, {"name": 'go "now"\t\u0001'}),  # one text argument: written without the encoder
        (None, {"step": 3}),
        (None, {"facts": {"b": 1, "a": "甲"}}),
    ],
)
def test_a_command_record_is_the_canonical_json_of_the_command(actor, args):
    from planengine.core.store.chain import canonical, command_text

    expected = canonical({"name": "note", "at": "2090-03-05T01:00:00Z", "actor": actor, "args": args, "last_seq": 7})
    assert command_text("note", "2090-03-05T01:00:00Z", actor, args, 7) == expected

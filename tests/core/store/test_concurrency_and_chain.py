"""The store under concurrent CLI processes, and the tamper-evident hash chain."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

WORKERS = 4
NOTES_EACH = 10


def cli_env(ws):
    env = dict(os.environ)
    env["PLANENGINE_LOAD_PLUGINS"] = ""
    for var in ("PLANENGINE_DB", "PLANENGINE_PLANS", "PLANENGINE_CONFIG"):
        env.pop(var, None)
    return env


def plan_process(ws, *args):
    return subprocess.run(
        [sys.executable, "-m", "planengine", *args, "--db", ws.db],
        capture_output=True,
        text=True,
        env=cli_env(ws),
        cwd=ws.root,
        timeout=120,
    )


def test_notes_from_concurrent_processes_are_all_recorded_in_order(ws):
    ws.json("start", ws.plan(), "--id", "INC-1")  # a live incident, on the wall clock

    def worker(w):
        codes = []
        for j in range(NOTES_EACH):
            codes.append(plan_process(ws, "note", "INC-1", f"w{w}-{j:02d}").returncode)
        return codes

    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(worker, range(WORKERS)))
    assert results == [[0] * NOTES_EACH] * WORKERS

    texts = [e["data"]["text"] for e in ws.kinds(kind="note")]
    assert len(texts) == WORKERS * NOTES_EACH
    for w in range(WORKERS):
        mine = [x for x in texts if x.startswith(f"w{w}-")]
        assert mine == [f"w{w}-{j:02d}" for j in range(NOTES_EACH)], "each process's notes in its order"
    events = ws.events()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert ws.ok("verify", "INC-1").exit_code == 0


def test_concurrent_ticks_fire_each_timer_once(ws):
    ws.start(at="10:00")
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    with ThreadPoolExecutor(WORKERS) as pool:
        procs = list(pool.map(lambda _: plan_process(ws, "tick", "--now", ws.t("13:00")), range(WORKERS)))
    assert [p.returncode for p in procs] == [0] * WORKERS, [p.stderr for p in procs]
    assert [e["data"]["step"] for e in ws.kinds(kind="step_overdue")] == ["muster"]
    assert len(ws.kinds(kind="reminder")) == 1
    ws.ok("verify", "INC-1")


def test_verify_passes_on_an_untouched_log(ws):
    ws.start()
    ws.json("done", "INC-1", "report_up", "--at", ws.t("10:05"))
    out = ws.json("verify", "INC-1")
    assert out["ok"] is True and out["problems"] == []
    assert "intact" in ws.ok("verify", "INC-1").stdout


def _edit(ws, sql, *params):
    conn = sqlite3.connect(ws.db)
    with conn:
        changed = conn.execute(sql, params).rowcount
    conn.close()
    assert changed == 1


def test_verify_fails_after_an_event_row_is_edited(ws):
    ws.start("crowd_size=4")
    ws.json("note", "INC-1", "calm", "--at", ws.t("10:05"))
    _edit(
        ws,
        "UPDATE events SET data = replace(data, '4', '400') WHERE incident='INC-1' AND kind='fact_set'",
    )
    result = ws.run("verify", "INC-1")
    assert result.exit_code == 1
    assert "INC-1" in result.stderr
    out = ws.run("verify", "INC-1", "--json")
    assert out.exit_code == 1


def test_verify_fails_after_an_event_time_is_back_dated(ws):
    ws.start()
    ws.json("done", "INC-1", "report_up", "--at", ws.t("10:15"))
    _edit(ws, "UPDATE events SET at='2090-03-05T02:05:00Z' WHERE incident='INC-1' AND kind='step_done'")
    assert ws.run("verify", "INC-1").exit_code == 1


def test_verify_fails_after_the_last_event_is_deleted(ws):
    ws.start()
    ws.json("note", "INC-1", "to be hidden", "--at", ws.t("10:05"))
    _edit(ws, "DELETE FROM events WHERE incident='INC-1' AND kind='note'")
    assert ws.run("verify", "INC-1").exit_code == 1


def test_verify_of_one_incident_is_not_affected_by_another(ws):
    ws.start(incident="A")
    ws.start(incident="B")
    _edit(ws, "UPDATE events SET actor='mallory' WHERE incident='B' AND seq=1")
    ws.ok("verify", "A")
    assert ws.run("verify", "B").exit_code == 1


def test_the_log_survives_a_new_process(ws):
    """Nothing is lost between commands: a fresh process reads what the last one wrote."""
    ws.start("crowd_size=8")
    ws.json("done", "INC-1", "report_up", "--at", ws.t("10:03"))
    proc = plan_process(ws, "status", "INC-1", "--json")
    assert proc.returncode == 0, proc.stderr
    import json

    s = json.loads(proc.stdout)
    assert s["facts"]["crowd_size"] == 8
    assert ws.step(s, "report_up")["status"] == "done"
    assert ws.step(s, "convene")["status"] == "pending"


def test_database_is_in_wal_mode(ws):
    ws.start()
    conn = sqlite3.connect(ws.db)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
    finally:
        conn.close()

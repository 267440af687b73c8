"""Core engine benchmarks, each against the raw library measured in the same run.

    python bench/bench_core.py            # full sizes (takes a few minutes)
    python bench/bench_core.py --quick    # smaller sizes, same ratios

Prints one line per figure; see bench/RESULTS.md for recorded runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

from planengine.core.engine import Engine
from planengine.core.incident.clock import SimClock, from_iso
from planengine.core.incident.state import fold
from planengine.core.store.sqlite import Store, canonical, event_hash

HERE = os.path.dirname(os.path.abspath(__file__))
PLAN = os.path.join(HERE, "..", "plans", "sudden_event.yaml")
T0 = "2026-03-05T02:00:00Z"


def engine_for(db):
    os.environ.setdefault("PLANENGINE_LOAD_PLUGINS", "")
    return Engine(db=db, clock=SimClock(from_iso(T0)))


def bench_append(tmp, n):
    """One command = one transaction, against a bare BEGIN IMMEDIATE/INSERT/COMMIT loop."""
    raw = sqlite3.connect(os.path.join(tmp, "raw.db"), isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=FULL")
    raw.execute("CREATE TABLE events (incident TEXT, seq INT, data TEXT, PRIMARY KEY (incident, seq))")
    t = time.perf_counter()
    for i in range(n):
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO events VALUES (?,?,?)", ("INC", i, '{"text":"note"}'))
        raw.execute("COMMIT")
    raw_rate = n / (time.perf_counter() - t)

    eng = engine_for(os.path.join(tmp, "append.db"))
    state = eng.start(PLAN, {"place": "东门"}, at=T0, incident_id="INC-APPEND")
    t = time.perf_counter()
    for i in range(n):
        state = eng.command("INC-APPEND", "note", {"text": f"note {i}"}, at=T0, state=state)
    rate = n / (time.perf_counter() - t)
    print(
        f"append: runner {rate:,.0f} commands/s, bare sqlite3 {raw_rate:,.0f} tx/s, "
        f"ratio {rate / raw_rate:.0%} (target >= 50%)"
    )
    return {"runner": rate, "raw": raw_rate, "ratio": rate / raw_rate}


def _synthetic_events(incident, n, t0=T0):
    """A started sudden_event incident followed by notes, with a real hash chain."""
    eng = engine_for(":memory:")
    state = eng.start(PLAN, {"place": "东门"}, at=t0, incident_id=incident)
    rows = [
        (e["incident"], e["seq"], e["at"], e["kind"], e["actor"], canonical(e["data"]), e["prev_hash"], e["hash"])
        for e in eng.store.events(incident)
    ]
    prev = rows[-1][-1]
    for seq in range(len(rows) + 1, n + 1):
        ev = {
            "incident": incident,
            "seq": seq,
            "at": t0,
            "kind": "note",
            "actor": "bench",
            "data": {"text": f"进展 {seq}", "by": "值班员"},
        }
        h = event_hash(prev, ev)
        rows.append((incident, seq, t0, "note", "bench", canonical(ev["data"]), prev, h))
        prev = h
    return eng, state, rows


def _insert_incident(conn, state, rows):
    conn.execute(
        "INSERT INTO incidents(id, plan, plan_version, plan_sha, kind, title, opened_at, phase, level, last_seq,"
        " last_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            rows[0][0],
            state.plan,
            state.plan_version,
            state.plan_sha,
            "live",
            state.title,
            state.opened_at,
            state.phase,
            state.level,
            rows[-1][1],
            rows[-1][-1],
        ),
    )
    conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?)", rows)


def bench_fold(tmp, n):
    db = os.path.join(tmp, "fold.db")
    eng, state, rows = _synthetic_events("INC-FOLD", n)
    store = Store(db)
    with store.transaction():
        store.conn.execute(
            "INSERT INTO plans(sha256, id, version, source) VALUES (?,?,?,?)",
            (state.plan_sha, state.plan, state.plan_version, ""),
        )
        _insert_incident(store.conn, state, rows)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        folded = fold(store.event_rows("INC-FOLD"), "INC-FOLD")
        best = min(best, time.perf_counter() - t)
    assert folded.seq == n
    rate = n / best
    print(
        f"fold: {n:,} events read from SQLite and folded in {best * 1000:.0f} ms = {rate:,.0f} events/s "
        f"(target >= 200,000)"
    )
    return {"events": n, "seconds": best, "rate": rate}


def _median_run(cmd, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def build_big_db(db, incidents, per_incident, timers_per_incident):
    if os.path.exists(db):
        os.remove(db)
    store = Store(db)
    _eng, state, template = _synthetic_events("INC-00000", per_incident)
    with store.transaction():
        conn = store.conn
        conn.execute(
            "INSERT INTO plans(sha256, id, version, source) VALUES (?,?,?,?)",
            (state.plan_sha, state.plan, state.plan_version, _eng.load_plan(PLAN).source),
        )
        for i in range(incidents):
            inc = f"INC-{i:05d}"
            prev = ""
            rows = []
            for _, seq, at, kind, actor, data, _p, _h in template:
                ev = {"incident": inc, "seq": seq, "at": at, "kind": kind, "actor": actor, "data": json.loads(data)}
                h = event_hash(prev, ev)
                rows.append((inc, seq, at, kind, actor, data, prev, h))
                prev = h
            _insert_incident(conn, state, rows)
            conn.executemany(
                "INSERT INTO timers(incident, key, due_at) VALUES (?,?,?)",
                [(inc, f"step:s{j}:{i}", "2099-01-01T00:00:00Z") for j in range(timers_per_incident)],
            )
    store.close()


def bench_cli(tmp, incidents, per_incident, runs):
    db = os.path.join(tmp, "big.db")
    t = time.perf_counter()
    build_big_db(db, incidents, per_incident, 10)
    print(f"(built {incidents:,} incidents x {per_incident} events in {time.perf_counter() - t:.0f} s)")
    plan_bin = os.path.join(os.path.dirname(sys.executable), "plan")
    base = _median_run([sys.executable, "-c", "import click, sqlite3"], runs)
    status = _median_run([plan_bin, "status", f"INC-{incidents // 2:05d}", "--db", db, "--json"], runs)
    version = _median_run([plan_bin, "--version"], runs)
    print(
        f"startup: python -c 'import click, sqlite3' {base * 1000:.0f} ms; "
        f"plan status INC --json {status * 1000:.0f} ms = {status / base:.2f}x (target <= 1.5x); "
        f"plan --version {version * 1000:.0f} ms = {version / base:.2f}x (target <= 1.3x)"
    )

    eng = engine_for(db)
    eng.tick(from_iso("2026-03-05T03:00:00Z"))  # warm: plan load happens only if something is due
    times = []
    for _ in range(20):
        t = time.perf_counter()
        fired = eng.tick(from_iso("2026-03-05T03:00:00Z"))
        times.append(time.perf_counter() - t)
    assert fired == []
    pending = eng.store.conn.execute("SELECT COUNT(*) FROM timers").fetchone()[0]
    tick_ms = statistics.median(times) * 1000
    print(
        f"tick: {incidents:,} open incidents, {pending:,} pending timers, none due: {tick_ms:.2f} ms in process "
        f"(target < 20 ms)"
    )
    return {"base_s": base, "status_s": status, "version_s": version, "tick_ms": tick_ms}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    q = args.quick
    with tempfile.TemporaryDirectory() as tmp:
        bench_append(tmp, 300 if q else 2000)
        bench_fold(tmp, 20_000 if q else 100_000)
        bench_cli(tmp, 1000 if q else 10_000, 100, 10 if q else 30)
    print(f"(python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, run {time.strftime('%Y-%m-%d')})")


if __name__ == "__main__":
    main()

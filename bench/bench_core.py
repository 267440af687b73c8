"""Core engine figures of issue 13, each against a baseline measured in the same run.

    python bench/run.py --only core [--quick]

- `plan done` on an incident with 100,000 events / the same on one with 10 events (<= 1.2)
- `plan done` / `python -c "import click, sqlite3"` (<= 1.5)
- `plan status INC --json` in a database of 10,000 incidents, 1,000,000 events / the same baseline (<= 1.3)
- `plan status --json` of all 10,000 open incidents (<= 1 s), their status texts at the heads of their
  logs as `plan watch` and `plan tick` keep them; and the same list where no tick or watch has run
  since the commands: the first list folds (a reference), the next reads the texts the first kept (<= 1 s)
- `plan validate plans/*.yaml` / the same baseline (<= 2)
- durable append through the engine / bare sqlite3 BEGIN IMMEDIATE-INSERT-COMMIT, synchronous FULL (>= 0.5)
  and NORMAL (>= 0.25), interleaved
- the longest time a tick firing 10,000 timers holds the write lock (<= 100 ms), seen by a second
  process that takes the lock in a loop
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time

from common import BASELINE_PROCESS, PLAN_BIN, ROOT, figure, interleaved, on_disk, process, progress

from planengine.core.engine import Engine
from planengine.core.incident.clock import SimClock, from_iso

T0 = "2026-03-05T02:00:00Z"  # in the past: `tick --now` must not run ahead of the wall clock
PLAN = """\
id: bench_plan
title: 基准预案
version: 1
timezone: Asia/Shanghai
facts:
  place: {type: string, title: 地点}
roles:
  office: {title: 办公室}
  team: {title: 应急分队, muster: true, strength: 20}
initial: responding
phases:
  responding:
    title: 处置
    steps:
      - {id: report_up, title: 报告, role: office, within: 10m}
      - {id: muster, title: 集结, role: team, muster: true, within: {day: 15m, night: 25m}}
      - {id: feedback, title: 反馈, role: office, within: 24h}
      - {id: s1, title: 步骤1, role: office, within: 1h}
      - {id: s2, title: 步骤2, role: office, within: 1h}
      - {id: s3, title: 步骤3, role: office, within: 1h}
      - {id: s4, title: 步骤4, role: office, within: 1h}
      - {id: s5, title: 步骤5, role: office, within: 1h}
      - {id: s6, title: 步骤6, role: office, within: 1h}
      - {id: s7, title: 步骤7, role: office, within: 1h}
    on:
      - {event: finish, to: closed}
  closed: {final: true}
"""


def _engine(db, tmp):
    return Engine(db=db, plans=tmp, clock=SimClock(from_iso(T0)))


def _write_plan(tmp):
    path = os.path.join(tmp, "bench_plan.yaml")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(PLAN)
    return path


def _incident(eng, incident_id, notes, batch=5000):
    """An incident with ``notes`` note events, written through the engine in bulk batches."""
    state = eng.start("bench_plan", {"place": "东门"}, at=T0, incident_id=incident_id)
    left = notes
    while left > 0:
        n = min(batch, left)
        with eng.instant():
            b = eng.batch(state)
            for i in range(n):
                state = b.command(state, "note", {"text": f"进展 {left - i}", "by": "值班员"}, T0, "值班员")
            state = b.flush(state)
        left -= n
    return state


def _clone_incidents(db, template_id, count, prefix):
    """Copy one incident's rows ``count`` times under new ids, re-hashing each chain, with its
    snapshot (bulk setup)."""
    from planengine.core.store.chain import canonical, event_hash

    conn = sqlite3.connect(db, isolation_level=None)
    rows = conn.execute(
        "SELECT seq, at, kind, actor, data, command FROM events WHERE incident=? ORDER BY seq", (template_id,)
    ).fetchall()
    inc_row = conn.execute("SELECT * FROM incidents WHERE id=?", (template_id,)).fetchone()
    cols = [c[1] for c in conn.execute("PRAGMA table_info(incidents)")]
    timers = conn.execute("SELECT key, due_at FROM timers WHERE incident=?", (template_id,)).fetchall()
    snap = conn.execute("SELECT seq, format, state FROM snapshots WHERE incident=?", (template_id,)).fetchone()
    snap_state = json.loads(snap[2]) if snap else None
    # the status text cached with the snapshot (keyed by the row's id, which the text leaves out)
    cached = conn.execute("SELECT seq, format, text, holes, meta FROM status_cache WHERE incident=?", (template_id,))
    cached = cached.fetchone()
    conn.execute("BEGIN")
    for i in range(count):
        inc = f"{prefix}{i:05d}"
        prev = ""
        out = []
        for seq, at, kind, actor, data, command in rows:
            ev = {"incident": inc, "seq": seq, "at": at, "kind": kind, "actor": actor, "data": json.loads(data)}
            h = event_hash(prev, ev)
            out.append((inc, seq, at, kind, actor, canonical(ev["data"]), prev, h, command))
            prev = h
        conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?)", out)
        if snap:  # as the engine leaves it: a snapshot within SNAPSHOT_EVERY events of the head
            snap_state["id"] = inc
            conn.execute(
                "INSERT INTO snapshots(incident, seq, hash, format, state) VALUES (?,?,?,?,?)",
                (inc, snap[0], out[snap[0] - 1][7], snap[1], json.dumps(snap_state, ensure_ascii=False)),
            )
        if cached:
            conn.execute(
                "INSERT INTO status_cache(incident, seq, hash, format, text, holes, meta) VALUES (?,?,?,?,?,?,?)",
                (inc, cached[0], out[cached[0] - 1][7], *cached[1:]),
            )
        values = dict(zip(cols, inc_row))
        values.update(id=inc, last_hash=prev)
        conn.execute(
            f"INSERT INTO incidents({','.join(values)}) VALUES ({','.join('?' * len(values))})",
            list(values.values()),
        )
        conn.executemany("INSERT INTO timers(incident, key, due_at) VALUES (?,?,?)", [(inc, k, d) for k, d in timers])
    conn.execute("COMMIT")
    conn.close()


def done_vs_history(tmp, quick):
    """`plan done` on a long and a short incident, each on a fresh copy of its database."""
    big_events = 20_000 if quick else 100_000
    pristine = {}
    for name, notes in (("big", big_events), ("small", 10)):
        db = os.path.join(tmp, f"done_{name}.db")
        eng = _engine(db, tmp)
        _incident(eng, "INC-1", notes)
        eng.store.close()
        pristine[name] = db
    on_disk()
    work = os.path.join(tmp, "done_work.db")

    def run_done(name):
        def go():
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(work + suffix):
                    os.remove(work + suffix)
            shutil.copyfile(pristine[name], work)
            on_disk(work)
            t = time.perf_counter()
            subprocess.run(
                [PLAN_BIN, "done", "INC-1", "report_up", "--by", "王焰", "--db", work, "--plans", tmp],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            return time.perf_counter() - t

        return go

    rounds = 7 if quick else 15
    big, small, base = [], [], []
    run_big, run_small, run_base = run_done("big"), run_done("small"), process(BASELINE_PROCESS)
    for _ in range(rounds):
        big.append(run_big())
        small.append(run_small())
        t = time.perf_counter()
        run_base()
        base.append(time.perf_counter() - t)
    med = sorted(big)[rounds // 2], sorted(small)[rounds // 2], sorted(base)[rounds // 2]
    yield figure(
        f"plan done, {big_events:,}-event incident / 10-event incident", med[0], "s", "<= 1.2", baseline=med[1]
    )
    yield figure('plan done / python -c "import click, sqlite3"', med[1], "s", "<= 1.5", baseline=med[2])


def status_big(tmp, quick):
    incidents = 1000 if quick else 10_000
    db = os.path.join(tmp, "big.db")
    eng = _engine(db, tmp)
    _incident(eng, "TEMPLATE", 97)  # 100 events with start
    eng.refresh_caches()  # as `plan watch` keeps an open incident: its status text at the head of its log
    eng.store.close()
    progress(f"bench core: building {incidents:,} incidents ...")
    _clone_incidents(db, "TEMPLATE", incidents, "INC-")
    on_disk()
    rounds = 7 if quick else 15
    one, base = interleaved(
        process([PLAN_BIN, "status", f"INC-{incidents // 2:05d}", "--json", "--db", db]),
        process(BASELINE_PROCESS),
        rounds,
    )
    events = incidents * 100
    yield figure(
        f"plan status INC --json, {incidents:,} incidents / {events:,} events / python -c 'import click, sqlite3'",
        one,
        "s",
        "<= 1.3",
        baseline=base,
    )
    if quick:  # the figure is about open incidents, not events: 10,000 of them, 20 events each
        db = os.path.join(tmp, "open.db")
        eng = _engine(db, tmp)
        _incident(eng, "TEMPLATE", 17)
        eng.refresh_caches()  # as `plan watch` (or `plan tick`) keeps it
        eng.store.close()
        progress("bench core: building 10,000 open incidents ...")
        _clone_incidents(db, "TEMPLATE", 10_000 - 1, "OPEN-")
        on_disk()
    n_open = sqlite3.connect(db).execute("SELECT COUNT(*) FROM incidents WHERE closed_at IS NULL").fetchone()[0]
    all_open, _ = interleaved(process([PLAN_BIN, "status", "--json", "--db", db]), lambda: None, 3 if quick else 5)
    yield figure(
        f"plan status --json, all {n_open:,} open incidents (status texts as plan watch keeps them)",
        all_open,
        "s",
        "<= 1",
    )
    # The same list where no `plan tick` or `plan watch` has run since the commands: the first
    # list folds every incident from its snapshot, renders it and keeps its text (a fresh copy of
    # the database each round); the next list reads the texts the first one kept.
    bare = os.path.join(tmp, "open_no_texts.db")
    shutil.copyfile(db, bare)
    conn = sqlite3.connect(bare)
    conn.execute("DELETE FROM status_cache")
    conn.commit()
    conn.close()
    first, after = [], []
    for _ in range(3 if quick else 5):
        fresh = os.path.join(tmp, "open_first_list.db")
        shutil.copyfile(bare, fresh)
        on_disk(fresh)
        for out in (first, after):
            t = time.perf_counter()
            process([PLAN_BIN, "status", "--json", "--db", fresh])()
            out.append(time.perf_counter() - t)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(fresh + suffix):
                os.remove(fresh + suffix)
    yield figure(
        f"plan status --json, all {n_open:,} open incidents, no tick or watch since the commands:"
        " the first list (folds, with a forked child where there are 2 CPUs, and keeps the texts)",
        statistics.median(first),
        "s",
        None,  # a reference: not yet within 1 s (bench/RESULTS.md, "The first list where no tick runs")
    )
    yield figure(
        f"plan status --json, all {n_open:,} open incidents, no tick or watch: the next list (the texts the"
        " first one kept)",
        statistics.median(after),
        "s",
        "<= 1",
    )


def validate(tmp, quick):
    files = sorted(glob.glob(os.path.join(ROOT, "plans", "*.yaml")))
    t, base = interleaved(
        process(
            [PLAN_BIN, "validate", *files], env={"PLANENGINE_LOAD_PLUGINS": "flood,forest_fire,mass_petition"}, cwd=tmp
        ),
        process(BASELINE_PROCESS),
        5 if quick else 11,
    )
    yield figure(f"plan validate plans/*.yaml ({len(files)} files) / same baseline", t, "s", "<= 2", baseline=base)


def append(tmp, quick):
    n = 300 if quick else 1500
    for sync, target in (("FULL", ">= 0.5"), ("NORMAL", ">= 0.25")):
        raw = sqlite3.connect(os.path.join(tmp, f"raw_{sync}.db"), isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute(f"PRAGMA synchronous={sync}")
        raw.execute("CREATE TABLE events (incident TEXT, seq INT, data TEXT, PRIMARY KEY (incident, seq))")
        eng = _engine(os.path.join(tmp, f"append_{sync}.db"), tmp)
        state = eng.start("bench_plan", {"place": "东门"}, at=T0, incident_id="INC-APPEND")
        eng.store.conn.execute(f"PRAGMA synchronous={sync}")
        box = {"state": state, "i": 0}

        def bare(raw=raw, box=box):
            for _ in range(50):
                box["i"] += 1
                raw.execute("BEGIN IMMEDIATE")
                raw.execute("INSERT INTO events VALUES (?,?,?)", ("INC", box["i"], '{"text":"note"}'))
                raw.execute("COMMIT")

        def engine(eng=eng, box=box):
            for _ in range(50):
                box["state"] = eng.command("INC-APPEND", "note", {"text": "note"}, at=T0, state=box["state"])

        if sync == "NORMAL":
            # keep the engine at NORMAL too: Store sets FULL per connection once
            eng.store.conn.execute("PRAGMA synchronous=NORMAL")
        t_eng, t_raw = interleaved(engine, bare, n // 50)
        rate, raw_rate = 50 / t_eng, 50 / t_raw
        yield figure(
            f"durable append via the engine / bare sqlite3 BEGIN IMMEDIATE-INSERT-COMMIT, synchronous={sync}",
            rate,
            "commands/s",
            target,
            baseline=raw_rate,
        )
        raw.close()
        eng.store.close()


LOCK_PROBE = r"""
import os, sys, time
from planengine.core.store import Store
store = Store(sys.argv[1])
stop = sys.argv[2]
worst = 0.0
while not os.path.exists(stop):
    t = time.perf_counter()
    with store.transaction():  # what every planengine command does to write
        worst = max(worst, time.perf_counter() - t)  # the wait for the lock, not our own commit
    time.sleep(0.01)
print(worst)
"""


def tick_lock(tmp, quick):
    """Longest wait of another command for the write lock while one tick fires 10,000 timers
    (1,000 incidents x 10 steps)."""
    timers = 2000 if quick else 10_000
    incidents = timers // 10
    db = os.path.join(tmp, "tick.db")
    eng = _engine(db, tmp)
    _incident(eng, "TEMPLATE", 0)
    eng.store.close()
    _clone_incidents(db, "TEMPLATE", incidents, "T-")
    keys = sqlite3.connect(db).execute("SELECT COUNT(*) FROM timers").fetchone()[0]
    assert keys, "the bench plan starts timers"
    stop = os.path.join(tmp, "stop")
    probe = subprocess.Popen([sys.executable, "-c", LOCK_PROBE, db, stop], stdout=subprocess.PIPE, text=True)
    time.sleep(0.2)
    t = time.perf_counter()
    subprocess.run(
        [PLAN_BIN, "tick", "--now", "2026-03-06T12:00:00+08:00", "--db", db, "--plans", tmp, "--json"],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - t
    open(stop, "w").close()
    worst = float(probe.communicate()[0].strip() or "nan")
    fired = sqlite3.connect(db).execute("SELECT COUNT(*) FROM events WHERE kind='step_overdue'").fetchone()[0]
    yield figure(
        f"longest write-lock wait of another command during a tick firing {fired:,} timers ({elapsed:.1f} s)",
        worst * 1000,
        "ms",
        "<= 100",
    )


def figures(quick, tmp):
    _write_plan(tmp)
    for part in (append, done_vs_history, validate, status_big, tick_lock):
        progress(f"bench core: {part.__name__} ...")
        yield from part(tmp, quick)

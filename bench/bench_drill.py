"""Drill benchmarks, each against a raw-library or absolute target, measured in the same run.

    python bench/bench_drill.py            # full sizes: 100,000 injects / 1,000 incidents; 10,000-step score
    python bench/bench_drill.py --quick    # smaller sizes, same ratios

1. Instant replay: a drill script of 100 `event` injects, each one phase
   transition (leaving a phase skips its pending timed step, entering the next
   activates one and starts its timer), run into 1,000 drill incidents of one
   SQLite file (each drill one committed transaction, so the result is
   persisted), against bare `transitions` triggering the same number of
   transitions on one model. Target: >= 30% of the bare rate.
2. Scoring a 10,000-step drill (100 phases x 100 timed steps, most done,
   some late, some skipped): `score()` on the folded state, and fold + score
   from the database. Target: < 1 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta

os.environ.setdefault("PLANENGINE_LOAD_PLUGINS", "")

from planengine.core.drill.run import run_drill  # noqa: E402
from planengine.core.drill.scoring import score  # noqa: E402
from planengine.core.drill.script import load_drill  # noqa: E402
from planengine.core.engine import Engine  # noqa: E402

CYCLE_PLAN = """\
id: bench_cycle
title: bench cycle
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


def cycle_drill(n_injects):
    lines = ["drill: bench_cycle", "plan: bench_cycle.yaml", "start: 2090-03-05T09:00:00+08:00", "injects:"]
    for i in range(n_injects):
        lines.append(f"  - {{at: {i + 1}m, event: {'go' if i % 2 == 0 else 'back'}}}")
    return "\n".join(lines) + "\n"


def bench_bare_transitions(n):
    from transitions import Machine

    class Model:
        pass

    m = Model()
    Machine(
        model=m,
        states=["a", "b", "done"],
        transitions=[
            {"trigger": "go", "source": "a", "dest": "b"},
            {"trigger": "back", "source": "b", "dest": "a"},
        ],
        initial="a",
        auto_transitions=False,
    )
    go, back = m.go, m.back
    t = time.perf_counter()
    for _ in range(n // 2):
        go()
        back()
    return n / (time.perf_counter() - t)


def bench_runner_only(eng, drill, total):
    """The same injects through Runner.run in memory: no hashing, no SQLite (where the time goes)."""
    from planengine.core.incident import clock
    from planengine.core.incident.runner import Command

    runner = eng.runner(drill.plan)
    t0 = clock.from_iso(drill.start)
    cmds = [(i.command, i.args, clock.to_iso(t0 + timedelta(seconds=i.at))) for i in drill.injects]
    done = 0
    t = time.perf_counter()
    while done < total:
        state = runner.new_state("X")
        runner.run(state, Command("start", drill.start, None, {"facts": {}, "kind": "drill"}))
        for name, args, at in cmds:
            runner.run(state, Command(name, at, None, dict(args)))
        done += len(cmds)
    return done / (time.perf_counter() - t)


def cycle_engine(tmp, per_incident, db_name):
    """An engine on ``tmp/db_name`` and the cycle drill of ``per_incident`` injects (files in ``tmp``)."""
    with open(os.path.join(tmp, "bench_cycle.yaml"), "w", encoding="utf-8") as fh:
        fh.write(CYCLE_PLAN)
    path = os.path.join(tmp, "cycle_drill.yaml")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(cycle_drill(per_incident))
    eng = Engine(db=os.path.join(tmp, db_name))
    return eng, load_drill(path, eng)


def bench_replay(tmp, incidents, per_incident):
    eng, drill = cycle_engine(tmp, per_incident, "replay.db")
    db = eng.store.path
    total = incidents * per_incident
    bare = bench_bare_transitions(total)
    runner_only = bench_runner_only(eng, drill, total)
    t = time.perf_counter()
    for i in range(incidents):
        run_drill(eng, drill, incident_id=f"DRL-{i:05d}")
    elapsed = time.perf_counter() - t
    rate = total / elapsed
    events = eng.store.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    eng.store.close()
    # persisted: a fresh connection sees every incident
    check = Engine(db=db, create=False)
    n = check.store.conn.execute("SELECT COUNT(*) FROM incidents WHERE kind='drill'").fetchone()[0]
    assert n == incidents, n
    return {
        "injects": total,
        "incidents": incidents,
        "events": events,
        "seconds": elapsed,
        "rate": rate,
        "bare": bare,
        "ratio": rate / bare,
        "runner_only": runner_only,
    }


def big_plan(phases, steps):
    lines = ["id: bench_big", "title: bench big", "version: 1", "timezone: Asia/Shanghai"]
    lines += ["roles:", "  office: {title: office}", "  team: {title: team, muster: true, strength: 10}"]
    lines += ["initial: p0", "phases:"]
    for p in range(phases):
        lines.append(f"  p{p}:")
        lines.append("    steps:")
        for s in range(steps):
            if s == 0:
                lines.append(f"      - {{id: m{p}, role: team, muster: true, within: {{day: 15m, night: 25m}}}}")
            else:
                lines.append(f"      - {{id: s{p}_{s}, role: office, within: {10 + s % 20}m}}")
        lines.append("    on:")
        lines.append(f"      - {{event: next, to: {'p' + str(p + 1) if p + 1 < phases else 'end'}}}")
    lines.append("  end: {final: true}")
    return "\n".join(lines) + "\n"


def big_drill(phases, steps):
    lines = ["drill: bench_big", "plan: bench_big.yaml", "start: 2090-03-05T09:00:00+08:00", "injects:"]
    t = 0
    for p in range(phases):
        lines.append(f"  - {{at: {t + 5}m, checkin: team, count: 10}}")
        for s in range(1, steps):
            if s % 10 == 9:
                continue  # never done: skipped when the phase is left
            # most on time, every 7th late by a few minutes
            at = t + (s % 20) + (12 if s % 7 == 0 else 1)
            lines.append(f"  - {{at: {at}m, done: s{p}_{s}}}")
        t += 60
        lines.append(f"  - {{at: {t}m, event: next}}")
    return "\n".join(lines) + "\n"


def bench_score(tmp, phases, steps):
    with open(os.path.join(tmp, "bench_big.yaml"), "w", encoding="utf-8") as fh:
        fh.write(big_plan(phases, steps))
    path = os.path.join(tmp, "big_drill.yaml")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(big_drill(phases, steps))
    eng = Engine(db=os.path.join(tmp, "score.db"))
    drill = load_drill(path, eng)
    t = time.perf_counter()
    run = run_drill(eng, drill)
    run_s = time.perf_counter() - t
    plan = drill.plan
    state = run.state
    t = time.perf_counter()
    out = score(state, plan)
    score_s = time.perf_counter() - t
    t = time.perf_counter()
    state2 = eng.state(run.incident)
    out2 = score(state2, plan)
    fold_score_s = time.perf_counter() - t
    assert out2["score"] == out["score"]
    return {
        "steps": len(out["steps"]),
        "injects": len(drill.injects),
        "run_seconds": run_s,
        "score_seconds": score_s,
        "fold_score_seconds": fold_score_s,
        "score": out["score"],
    }


HANDWRITTEN = """
The baseline: a hand-written script that writes the same rows as the instant drill (incidents,
events with their hash chain and commands, and the snapshot of the final state the engine keeps
with each drill), from the rows of one run taken as a template: no plan, no state machine,
only JSON, sha256 and executemany, one transaction per drill.
"""


class Handwritten:
    """A hand-written script writing the rows an instant drill writes: the template drill's events
    (re-hashed for each incident id), commands, incident row and snapshot, one transaction a drill."""

    def __init__(self, db, template_db, template_id):
        import json
        import sqlite3

        src = sqlite3.connect(template_db)
        self.events = src.execute(  # each command is recorded on its first event
            "SELECT seq, at, kind, actor, data, command FROM events WHERE incident=? ORDER BY seq", (template_id,)
        ).fetchall()
        inc_cols = [c[1] for c in src.execute("PRAGMA table_info(incidents)")]
        self.inc_row = dict(zip(inc_cols, src.execute("SELECT * FROM incidents WHERE id=?", (template_id,)).fetchone()))
        plan_row = src.execute("SELECT * FROM plans").fetchone()
        self.snap = src.execute("SELECT format, state FROM snapshots WHERE incident=?", (template_id,)).fetchone()
        self.snap_state = json.loads(self.snap[1]) if self.snap else None  # the state, key order kept
        if self.snap_state is not None:  # it keeps the head before the drill's bulk write: the hash of this event
            (self.snap_seq,) = src.execute(
                "SELECT seq FROM events WHERE incident=? AND hash=?", (template_id, self.snap_state["last_hash"])
            ).fetchone()
        schema = [r[0] for r in src.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")]
        src.close()
        self.conn = conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        for sql in schema:
            conn.execute(sql)
        conn.execute(f"INSERT INTO plans VALUES ({','.join('?' * len(plan_row))})", plan_row)

    def run(self, numbers):
        """Write the drills numbered ``numbers``; returns the seconds it took."""
        import hashlib
        import json

        conn, events, snap_state = self.conn, self.events, self.snap_state
        dumps = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
        sha = hashlib.sha256
        t = time.perf_counter()
        for i in numbers:
            inc = f"DRL-{i:05d}"
            inc_json = dumps(inc)
            prev = ""
            rows = []
            for seq, at, kind, actor, data, command in events:
                body = (
                    f'{{"actor":{dumps(actor)},"at":{dumps(at)},"data":{data},'
                    f'"incident":{inc_json},"kind":{dumps(kind)},"seq":{seq}}}'
                )
                h = sha((prev + body).encode("utf-8")).hexdigest()
                rows.append((inc, seq, at, kind, actor, data, prev, h, command))
                prev = h
            conn.execute("BEGIN IMMEDIATE")
            values = dict(self.inc_row, id=inc, last_hash=prev)
            conn.execute(
                f"INSERT INTO incidents({','.join(values)}) VALUES ({','.join('?' * len(values))})",
                list(values.values()),
            )
            conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?)", rows)
            if snap_state is not None:
                snap_state["id"], snap_state["last_hash"] = inc, rows[self.snap_seq - 1][7]
                text = json.dumps(snap_state, ensure_ascii=False, separators=(",", ":"))
                conn.execute(
                    "INSERT INTO snapshots(incident, seq, hash, format, state) VALUES (?,?,?,?,?)",
                    (inc, events[-1][0], prev, self.snap[0], text),
                )
            conn.execute("COMMIT")
        return time.perf_counter() - t


def instant_against_handwritten(tmp, incidents, per_incident, rounds=10):
    """The engine's instant drills and the hand-written script, interleaved: round r runs the
    engine's share of drills, then the script's share of the same drills (A B A B ...)."""
    eng, drill = cycle_engine(tmp, per_incident, "instant.db")
    db = eng.store.path
    run_drill(eng, drill, incident_id="DRL-99999")  # the template the script copies (and a warm engine)
    hand = Handwritten(os.path.join(tmp, "hand.db"), db, "DRL-99999")
    engine_s = hand_s = 0.0
    share = incidents // rounds
    for r in range(rounds):
        numbers = range(r * share, (r + 1) * share)
        t = time.perf_counter()
        for i in numbers:
            run_drill(eng, drill, incident_id=f"DRL-{i:05d}")
        engine_s += time.perf_counter() - t
        hand_s += hand.run(numbers)
    hand.conn.close()
    eng.store.close()
    total = share * rounds * per_incident
    return total / engine_s, total / hand_s, total


def figures(quick, tmp):
    from common import figure, progress

    # --quick: 30,000 injects (about a second on each side), enough that one burst of other work on
    # the machine does not decide the ratio (10,000 swung it by 0.1 between runs)
    incidents, per, phases, steps = (300, 100, 10, 100) if quick else (1000, 100, 100, 100)
    progress("bench drill: instant drills ...")
    rate, hand_rate, injects = instant_against_handwritten(tmp, incidents, per)
    yield figure(
        f"instant drill, {injects:,} injects in {incidents:,} incidents / a hand-written script writing"
        " the same rows (interleaved, 10 rounds)",
        rate,
        "injects/s",
        ">= 0.8",
        baseline=hand_rate,
    )
    progress("bench drill: scoring ...")
    s = bench_score(tmp, phases, steps)
    yield figure(f"score a {s['steps']:,}-step drill: fold from SQLite + score", s["fold_score_seconds"], "s", "< 1")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10,000 injects / 100 incidents; 1,000-step score")
    args = ap.parse_args(argv)
    incidents, per, phases, steps = (100, 100, 10, 100) if args.quick else (1000, 100, 100, 100)
    print(f"python {sys.version.split()[0]}, {'quick' if args.quick else 'full'} sizes")
    with tempfile.TemporaryDirectory() as tmp:
        r = bench_replay(tmp, incidents, per)
        print(
            f"instant replay: {r['injects']:,} injects into {r['incidents']:,} drill incidents"
            f" ({r['events']:,} events) in {r['seconds']:.2f} s = {r['rate']:,.0f} injects/s"
        )
        print(f"bare transitions: {r['bare']:,.0f} triggers/s")
        print(
            f"runner alone (same injects, in memory, no hash chain, no SQLite): {r['runner_only']:,.0f} injects/s"
            f" = {r['runner_only'] / r['bare']:.1%} of bare transitions"
        )
        ok = "ok" if r["ratio"] >= 0.30 else "MISSED"
        print(f"ratio replay / bare transitions: {r['ratio']:.1%} (target >= 30%: {ok})")
        s = bench_score(tmp, phases, steps)
        ok = "ok" if s["score_seconds"] < 1 and s["fold_score_seconds"] < 1 else "MISSED"
        print(
            f"scoring a {s['steps']:,}-step drill ({s['injects']:,} injects, run in {s['run_seconds']:.2f} s):"
            f" score() {s['score_seconds'] * 1000:.0f} ms, fold + score {s['fold_score_seconds'] * 1000:.0f} ms"
            f" (target < 1 s: {ok}); score {s['score']}"
        )


if __name__ == "__main__":
    main()

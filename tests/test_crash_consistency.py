"""Crash consistency: streams of `plan` processes, `plan watch` delivering to a local webhook, and
SIGKILL at random points (seeded); afterwards nothing is lost, nothing is corrupt, nothing doubled.

Each round runs a few command streams side by side (start, done, checkin, set, note, event, tick,
and `status --json`, which keeps the status texts it folds; each a separate `plan` process, one
incident per stream) while `plan watch` ticks and delivers to a webhook receiver on 127.0.0.1; one
process of the round, chosen by the seeded generator, is killed with SIGKILL a random time after
it starts. After the last round the survivors finish (a watcher stopped by SIGTERM, the claims of
killed senders left to expire, one `plan watch --once`) and:

- `PRAGMA integrity_check` is ok and `plan verify` passes for every incident;
- every command that exited 0 is in the log (its note, fact, step, check-in, event; a tick left no
  timer due at its --now unfired); every other exit is a refusal (exit 1, one line, never a
  database error) or our SIGKILL;
- no timer fired twice (one firing event per incident and timer key);
- the log records each (key, channel) delivered exactly once, everything queued was delivered, and
  the receiver got each key, twice at most for one key per sender (watch, tick) killed: the
  message in hand when it died (a receiver drops it by key).

PLANENGINE_CRASH_ROUNDS (default 3) sets the rounds, PLANENGINE_CRASH_SEED the seed; the long run
is `PLANENGINE_CRASH_ROUNDS=200 pytest tests/test_crash_consistency.py -s` (docs/testing.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROUNDS = int(os.environ.get("PLANENGINE_CRASH_ROUNDS", "3"))
SEED = int(os.environ.get("PLANENGINE_CRASH_SEED", "13"))
STREAMS = 3  # incidents written side by side in a round
SECRET = "crash-hook-secret-51e2"
BASE = datetime(2090, 3, 5, 2, 0, tzinfo=timezone.utc)  # far ahead of the wall clock: only --at and tick --now
ROUND = timedelta(minutes=30)  # simulated time per round: the test plan's deadlines (10-45 minutes) fall due
WAIT = 300  # seconds a process may take on a loaded machine (a bound, never a pause)
SENDERS = ("watch", "tick")  # the processes that deliver notifications
TIMER_EVENTS = ("step_overdue", "reminder", "escalated", "timer_failed")  # a timer's firing


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Receiver:
    """A webhook endpoint on a free port: checks the signature, records every key that arrives."""

    def __init__(self):
        self.keys: list = []
        self.rejected = 0
        self.lock = threading.Lock()
        rec = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                want = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
                ok = self.headers.get("X-Planengine-Signature") == want
                with rec.lock:
                    if ok:
                        body = json.loads(raw)
                        rec.keys.append((body["key"], body["channel"]))
                    else:
                        rec.rejected += 1
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class Harness:
    def __init__(self, env, receiver, rng):
        self.workspace, self.rng = env, rng
        self.db = env.db
        self.plan = env.plan()
        self.config = env.write(
            "planengine.yaml",
            json.dumps(
                {
                    "lang": "en",
                    "notifiers": {"hook": {"type": "webhook", "url": receiver.url, "secret_env": "CRASH_HOOK_SECRET"}},
                    "routes": {role: ["hook"] for role in ("office", "leader", "team")},
                }
            ),
        )
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PLANENGINE_")}
        self.env.update(PLANENGINE_LOAD_PLUGINS="", PLANENGINE_LANG="en", CRASH_HOOK_SECRET=SECRET)
        self.records: list = []  # (argv, returncode, stderr, killed)
        self.kills = Counter()  # what was killed: "watch", "tick", "start", ...
        self.lock = threading.Lock()
        self.watcher = None
        self.serial = 0  # unique values for notes, facts and check-ins
        self.incidents = [f"S{j}-0" for j in range(STREAMS)]
        self.generation = [0] * STREAMS

    # -- processes --------------------------------------------------------

    def popen(self, argv, **kw):
        return subprocess.Popen(
            [sys.executable, "-m", "planengine", *argv, "--db", self.db, "--config", self.config],
            cwd=self.workspace.root,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            **kw,
        )

    def kill_later(self, proc, delay):
        """SIGKILL ``proc`` ``delay`` seconds from now if it is still running (whether it was
        killed is read from its exit status, -SIGKILL, never from here)."""

        def kill():
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)

        timer = threading.Timer(delay, kill)
        timer.daemon = True
        timer.start()
        return timer

    def run(self, argv, kill_after=None):
        """Run `plan ARGV` to its end (or to our SIGKILL ``kill_after`` seconds after it starts)."""
        proc = self.popen(argv)
        timer = self.kill_later(proc, kill_after) if kill_after is not None else None
        _, err = proc.communicate(timeout=WAIT)
        if timer is not None:
            timer.cancel()
            timer.join()
        killed = timer is not None and proc.returncode == -signal.SIGKILL
        with self.lock:
            self.records.append((argv, proc.returncode, err, killed))
            if killed:
                self.kills[argv[0]] += 1
        return proc.returncode

    def start_watcher(self):
        """A watcher, once there is a database to watch (`plan watch` never creates one)."""
        if self.watcher is not None and self.watcher.poll() is None:
            return True
        if not self.has_schema():
            self.watcher = None
            return False
        self.watcher = self.popen(["watch", "--interval", "0.2"])
        return True

    def has_schema(self):
        if not os.path.exists(self.db):
            return False
        conn = sqlite3.connect(self.db)
        try:
            conn.execute("SELECT count(*) FROM incidents").fetchone()
            return True
        except sqlite3.OperationalError:  # no schema yet (its creator was killed)
            return False
        finally:
            conn.close()

    # -- a round ------------------------------------------------------------

    def exists(self, incident):
        if not os.path.exists(self.db):
            return False
        conn = sqlite3.connect(self.db)
        try:
            return conn.execute("SELECT 1 FROM incidents WHERE id=?", (incident,)).fetchone() is not None
        except sqlite3.OperationalError:  # no schema yet (its creator was killed)
            return False
        finally:
            conn.close()

    def stream(self, j, r):
        """The commands of stream ``j`` in round ``r``, at increasing times inside the round."""
        inc = self.incidents[j]
        base = BASE + r * ROUND
        at = [iso(base + timedelta(seconds=20 * (i + 1))) for i in range(8)]
        cmds = []
        if not self.exists(inc):
            cmds.append(["start", self.plan, "--id", inc, "--at", at[0], "--set", "crowd_size=6"])
        for _ in range(self.rng.randint(3, 5)):
            self.serial += 1
            n = self.serial
            choice = self.rng.choice(["note", "set", "done", "done", "checkin", "event", "tick", "status"])
            t = at[len(cmds)]
            if choice == "note":
                cmds.append(["note", inc, f"note-{n}", "--at", t])
            elif choice == "set":
                cmds.append(["set", inc, f"crowd_size={n}", "--at", t])
            elif choice == "done":
                step = self.rng.choice(["report_up", "convene", "brief", "representatives", "secure"])
                cmds.append(["done", inc, step, "--at", t])
            elif choice == "checkin":
                cmds.append(["checkin", inc, "team", "--count", str(n), "--at", t])
            elif choice == "event":
                cmds.append(["event", inc, self.rng.choice(["activate", "activate", "dispersed"]), "--at", t])
            elif choice == "status":  # a read command that keeps the status texts it folds (a cache write)
                cmds.append(["status", "--json"])
            else:  # a tick at the round's start: the timers it fires are due before this round's commands
                cmds.append(["tick", "--now", iso(base)])
        return cmds

    def round(self, r):
        watching = self.start_watcher()
        plans = [self.stream(j, r) for j in range(STREAMS)]
        # the victim: the watcher, or one command of one stream; killed 0-1.5 s after it starts
        delay = self.rng.uniform(0, 1.5)
        victim = watcher_kill = None
        if self.rng.random() < 0.3 and watching:
            watcher_kill = self.kill_later(self.watcher, delay)
        else:
            j = self.rng.randrange(STREAMS)
            victim = (j, self.rng.randrange(len(plans[j])))

        def work(j):
            for i, argv in enumerate(plans[j]):
                self.run(argv, kill_after=delay if victim == (j, i) else None)

        threads = [threading.Thread(target=work, args=(j,)) for j in range(STREAMS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if watcher_kill is not None:
            watcher_kill.join()
            _, err = self.watcher.communicate(timeout=WAIT)
            assert self.watcher.returncode == -signal.SIGKILL, ("the watcher died by itself", err)
            self.kills["watch"] += 1
        elif watching:
            assert self.watcher.poll() is None, ("the watcher died by itself", self.watcher.returncode)
        for j in range(STREAMS):  # a closed incident's stream goes on with a new one
            if self.closed(self.incidents[j]):
                self.generation[j] += 1
                self.incidents[j] = f"S{j}-{self.generation[j]}"

    def closed(self, incident):
        if not os.path.exists(self.db):
            return False
        conn = sqlite3.connect(self.db)
        try:
            row = conn.execute("SELECT closed_at FROM incidents WHERE id=?", (incident,)).fetchone()
            return bool(row and row[0])
        except sqlite3.OperationalError:
            return False
        finally:
            conn.close()

    def finish(self):
        """The survivors finish: the watcher stops on SIGTERM; the killed senders' claims expire."""
        if self.watcher is not None and self.watcher.poll() is None:
            self.watcher.send_signal(signal.SIGTERM)
            _, err = self.watcher.communicate(timeout=WAIT)
            assert self.watcher.returncode == 0, err
        if not os.path.exists(self.db):
            return
        conn = sqlite3.connect(self.db)
        with conn:  # a killed sender's lease runs out on the wall clock; here it is made to have run out
            conn.execute("UPDATE deliveries SET claimed_wall = claimed_wall - 3600 WHERE status='sending'")
        conn.close()
        proc = self.popen(["watch", "--once"])
        _, err = proc.communicate(timeout=WAIT)
        assert proc.returncode == 0, err


EVENT_COMMANDS = (
    "SELECT json_extract(command, '$.args') FROM events WHERE incident=? AND json_extract(command, '$.name') = 'event'"
)


def rows(db, sql, *params):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def check(h: Harness, receiver: Receiver):
    """Everything the docstring promises; returns the figures."""
    env, db = h.workspace, h.db
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    incidents = [r[0] for r in rows(db, "SELECT id FROM incidents ORDER BY id")]
    for inc in incidents:
        out = env.json("verify", inc)
        assert out["ok"] is True, (inc, out["problems"])

    events = {}
    for inc, kind, data in rows(db, "SELECT incident, kind, data FROM events ORDER BY incident, seq"):
        events.setdefault(inc, []).append((kind, json.loads(data)))

    def has(inc, kind, pred=lambda d: True):
        return any(k == kind and pred(d) for k, d in events.get(inc, []))

    outcomes = Counter()
    refusals = Counter()
    latest_tick = None
    for argv, code, err, killed in h.records:
        if killed:
            assert code == -signal.SIGKILL, (argv, code, err)
            outcomes["killed"] += 1
            continue
        if code != 0:  # a refusal (a step not yet possible, an incident a killed start never made)
            lines = err.strip().splitlines()
            assert code == 1 and len(lines) == 1, (argv, code, err)
            assert not any(w in lines[0] for w in ("locked", "busy", "disk", "malformed", "database error")), argv
            assert "internal error" not in lines[0] and "Traceback" not in err, (argv, err)
            outcomes["refused"] += 1
            refusals[" ".join(argv[:1] + argv[2:3])] += 1
            continue
        outcomes["ok"] += 1
        name, args = argv[0], argv[1:]
        if name == "start":
            assert args[2] in incidents and has(args[2], "started"), argv
        elif name == "note":
            assert has(args[0], "note", lambda d, a=args: d.get("text") == a[1]), argv
        elif name == "set":
            value = int(args[1].split("=")[1])
            assert has(args[0], "fact_set", lambda d, v=value: d.get("facts", {}).get("crowd_size") == v), argv
        elif name == "done":
            assert has(args[0], "step_done", lambda d, a=args: d.get("step") == a[1]), argv
        elif name == "checkin":
            assert has(args[0], "checkin", lambda d, a=args: d.get("count") == int(a[3])), argv
        elif name == "event":
            names = [json.loads(a).get("name") for (a,) in rows(db, EVENT_COMMANDS, args[0])]
            assert args[1] in names, (argv, names)
        elif name == "tick":
            latest_tick = max(latest_tick or "", args[1])
    if latest_tick is not None:  # nothing due at the last successful tick's --now is left unfired
        assert rows(db, "SELECT incident, key, due_at FROM timers WHERE due_at <= ?", latest_tick) == []

    fired = Counter(
        (inc, d["key"]) for inc, evs in events.items() for kind, d in evs if kind in TIMER_EVENTS and "key" in d
    )
    assert [k for k, n in fired.items() if n > 1] == [], "a timer fired twice"

    recorded = Counter(
        (d["key"], d["channel"]) for evs in events.values() for kind, d in evs if kind == "notify_delivered"
    )
    assert [k for k, n in recorded.items() if n > 1] == [], "a delivery recorded twice"
    statuses = Counter(r[0] for r in rows(db, "SELECT status FROM deliveries"))
    assert set(statuses) <= {"delivered"}, statuses
    queued = {(k, ch) for k, ch in rows(db, "SELECT key, channel FROM deliveries")}
    assert set(recorded) == queued, "every queued delivery is recorded as delivered"
    arrived = Counter(receiver.keys)
    assert set(arrived) == queued, "the receiver got every message, and only those"
    assert receiver.rejected == 0
    duplicates = sum(n - 1 for n in arrived.values())
    sender_kills = sum(h.kills[s] for s in SENDERS)
    assert duplicates <= sender_kills, (duplicates, dict(h.kills))
    return {
        "rounds": ROUNDS,
        "seed": SEED,
        "kills": sum(h.kills.values()),
        "kills_by_command": dict(h.kills),
        "commands": dict(outcomes),
        "incidents": len(incidents),
        "events": sum(len(v) for v in events.values()),
        "timers_fired": len(fired),
        "deliveries": len(queued),
        "duplicates_at_receiver": duplicates,
        "refused": dict(refusals),
    }


def test_sigkilled_processes_lose_nothing_corrupt_nothing_and_double_nothing(env):
    rng = random.Random(SEED)
    with Receiver() as receiver:
        h = Harness(env, receiver, rng)
        try:
            for r in range(ROUNDS):
                h.round(r)
            h.finish()
        finally:  # a failing round leaves no watcher behind
            if h.watcher is not None and h.watcher.poll() is None:
                h.watcher.kill()
                h.watcher.wait()
        figures = check(h, receiver)
    print("crash harness:", json.dumps(figures, sort_keys=True))
    assert figures["commands"].get("ok", 0) > 0

"""`plan watch` as the service it is: real processes, a real receiver. Exactly once per (key,
channel) with two watchers side by side and across a SIGKILLed one; SIGTERM ends it with status 0."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

from planengine.core.engine import Engine

WAIT = 60  # seconds a process gets to do what the test waits for (a bound, not a pause)


def queue_incidents(env, n):
    plan = env.plan()
    eng = Engine(db=env.db)
    for i in range(n):
        eng.start(plan, incident_id=f"INC-{i:03d}", at=env.t("10:00"))
        eng.command(f"INC-{i:03d}", "event", {"name": "activate"}, at=env.t("10:05"))
    return [f"INC-{i:03d}:" for i in range(n)]


def spawn(env, *args):
    """`plan ARGS` in its own process; its board goes to a file (``proc.board``) that shows it is up."""
    environ = dict(os.environ, PLANENGINE_LOAD_PLUGINS="")
    board = env.root / f"board-{time.monotonic_ns()}.txt"
    with open(board, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "planengine", *args, "--db", env.db],
            cwd=env.root,
            env=environ,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
    proc.board = board
    return proc


def up(proc):
    """The watcher has drawn its first board (its signal handlers are in place before that)."""
    return proc.board.stat().st_size > 0


def until(predicate, what):
    deadline = time.monotonic() + WAIT
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def delivered_events(env):
    conn = sqlite3.connect(env.db)
    try:
        rows = conn.execute(
            "SELECT json_extract(data, '$.key'), json_extract(data, '$.channel') FROM events"
            " WHERE kind='notify_delivered'"
        ).fetchall()
    finally:
        conn.close()
    return rows


def test_two_watchers_side_by_side_send_each_message_once(env, site, receiver):
    site({"leader": ["hook"], "team": ["hook"]})
    queue_incidents(env, 40)
    procs = [spawn(env, "watch", "--interval", "0.1") for _ in range(2)]
    try:
        until(lambda: len(receiver.received["/hook"]) >= 40, "40 messages")
        until(lambda: len(delivered_events(env)) >= 40, "40 outcomes recorded")
        until(lambda: all(up(p) for p in procs), "both watchers up")
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        codes = [p.wait(WAIT) for p in procs]
    keys = receiver.keys("/hook")
    assert len(keys) == 40 and len(set(keys)) == 40, "each (key, channel) exactly once"
    assert codes == [0, 0]
    events = delivered_events(env)
    assert len(events) == 40 and len(set(events)) == 40


def test_a_watcher_killed_mid_send_leaves_only_the_message_in_hand_to_its_successor(env, site, receiver):
    import threading

    site({"leader": ["hook"], "team": ["hook"]})
    queue_incidents(env, 30)
    receiver.script["/hook"] = []
    gate = receiver.gate["/hook"] = threading.Event()
    first = spawn(env, "watch", "--interval", "0.1")
    until(lambda: len(receiver.received["/hook"]) == 1, "the first message to arrive")
    first.send_signal(signal.SIGKILL)  # dies with that message in hand and a batch claimed
    first.wait(WAIT)
    in_hand = receiver.keys("/hook")[0]
    del receiver.gate["/hook"]
    gate.set()
    conn = sqlite3.connect(env.db)
    with conn:
        claimed = conn.execute("SELECT COUNT(*) FROM deliveries WHERE status='sending'").fetchone()[0]
        assert claimed >= 1
        conn.execute("UPDATE deliveries SET claimed_wall = claimed_wall - 3600")  # its lease ran out (wall clock)
    conn.close()
    second = spawn(env, "watch", "--once")
    assert second.wait(WAIT) == 0, second.stderr.read()
    keys = receiver.keys("/hook")
    assert set(keys) == {k for k in keys} and len(set(keys)) == 30, "every message arrives"
    assert all(keys.count(k) == 1 for k in set(keys) if k != in_hand), "none but the one in hand twice"
    events = delivered_events(env)
    assert len(events) == 30 and len(set(events)) == 30, "one outcome per (key, channel) in the log"


def test_sigterm_ends_watch_with_status_0_after_the_message_in_hand(env, site, receiver):
    import threading

    site({"leader": ["hook"], "team": ["hook"]})
    queue_incidents(env, 5)
    gate = receiver.gate["/hook"] = threading.Event()
    proc = spawn(env, "watch", "--interval", "0.1")
    until(lambda: len(receiver.received["/hook"]) == 1, "the first message to arrive")
    proc.send_signal(signal.SIGTERM)
    said = []
    reader = threading.Thread(target=lambda: said.append(proc.stderr.readline()), daemon=True)
    reader.start()
    reader.join(WAIT)
    assert said and "SIGTERM: stopping after the message in hand" in said[0]
    gate.set()
    assert proc.wait(WAIT) == 0
    events = delivered_events(env)
    assert len(events) == 1, "the message in hand was finished and recorded; nothing else was started"
    conn = sqlite3.connect(env.db)
    try:
        statuses = sorted(r[0] for r in conn.execute("SELECT status FROM deliveries"))
    finally:
        conn.close()
    assert statuses == ["delivered"] + ["queued"] * 4, "the unsent claims were given back"


def test_watch_refuses_to_start_where_there_is_no_database(env):
    result = env.run("watch", "--once", db=False)
    assert result.exit_code == 1 and "no database at planengine.db" in result.stderr
    assert not (env.root / "planengine.db").exists()

"""Eight `plan start` processes racing on a database that does not exist yet all succeed.

Creating the file, its schema and switching it to WAL are writes like any other: each
creator takes the write lock (BEGIN IMMEDIATE, busy timeout), re-reads the schema version
inside it and waits its turn for the journal mode. Before that, 6 starts in 1,120 failed
with "database is locked" (issue 13 part 3): the file was switched to WAL outside the lock.

The processes are started first and released together through a pipe once Python and
planengine are imported, so they reach the database within the same few milliseconds (with
plain process starts they rarely overlap at all on a loaded machine). No timing is asserted.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

RACERS = 8
# Rounds in one test run, each on a fresh database. The failure was rare (a window of microseconds),
# so the deterministic test below is the one that pins it; PLANENGINE_RACE_ROUNDS asks for more rounds.
ROUNDS = int(os.environ.get("PLANENGINE_RACE_ROUNDS", "3"))

# A process that imports the CLI, waits on the pipe ``fd``, then runs `plan ARGS`.
RACER = """\
import os, sys
from planengine.cli import cli
fd = int(sys.argv[1])
os.read(fd, 1)
os.close(fd)
cli(sys.argv[2:], prog_name="plan")
"""


def racer_env(root):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANENGINE_")}
    env.update(PLANENGINE_LOAD_PLUGINS="", PLANENGINE_LANG="en")
    return env


def race(root, db, plan, n=RACERS):
    """Start ``n`` `plan start` processes on ``db``, release them together; their results."""
    r, w = os.pipe()
    procs = []
    try:
        for i in range(n):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", RACER, str(r), "start", plan, "--id", f"INC-{i}", "--db", db, "--json"],
                    cwd=root,
                    env=racer_env(root),
                    pass_fds=(r,),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        os.close(r)
        r = None
        os.write(w, b"x" * n)  # every racer reads one byte: all are released at once
    finally:
        if r is not None:
            os.close(r)
        os.close(w)
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        results.append((p.returncode, out, err))
    return results


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_eight_starts_racing_on_a_new_database_all_succeed(env, round_):
    plan = env.plan()
    name = f"race-{round_}.db"
    db = str(env.root / name)
    results = race(env.root, db, plan)
    failed = [(code, err.strip()) for code, _, err in results if code != 0]
    assert failed == [], failed
    ids = sorted(json.loads(out)["id"] for _, out, _ in results)
    assert ids == sorted(f"INC-{i}" for i in range(RACERS))
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == RACERS
    finally:
        conn.close()
    for i in range(RACERS):
        env.ok("verify", f"INC-{i}", db=name)


def test_a_creator_that_finds_the_new_file_locked_waits_its_turn(env, monkeypatch):
    """The race above, made certain: another creator holds the write lock of the new, empty file
    (as while it writes the schema or switches the file to WAL). `plan start` must wait for it,
    not fail: before the fix it switched the journal mode outside the lock, and SQLite answers a
    read lock that wants to become a write lock with "database is locked" at once, without the
    busy timeout (the deadlock rule)."""
    from planengine.core.store import sqlite as store_sqlite

    db = str(env.root / "new.db")
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # the other creator's write lock, on an empty file
    ready = threading.Event()  # set when `plan start` waits for the lock, or when it has finished

    class Clock:
        monotonic = staticmethod(time.monotonic)

        @staticmethod
        def sleep(seconds):
            ready.set()
            time.sleep(seconds)

    monkeypatch.setattr(store_sqlite, "time", Clock)
    plan = env.plan()
    result = {}

    def start():
        try:
            result["run"] = env.run("start", plan, "--id", "INC-1", "--json", db="new.db")
        finally:
            ready.set()

    worker = threading.Thread(target=start)
    worker.start()
    try:
        ready.wait()
    finally:
        other.execute("COMMIT")
        other.close()
        worker.join()
    run = result["run"]
    assert run.exit_code == 0, run.stderr
    assert json.loads(run.stdout)["id"] == "INC-1"
    env.ok("verify", "INC-1", db="new.db")


def test_a_schema_committed_while_a_new_file_is_identified_is_not_taken_for_another_programs(tmp_path, monkeypatch):
    """A creator commits the schema just after this command read the file's mark and version,
    before it read its tables (the window four `plan tick` at once on a new file once hit). The
    command must see one state of the file, not a mix (no mark, yet tables: "not a planengine
    database")."""
    from planengine.core.store import sqlite as store_sqlite

    db = str(tmp_path / "new.db")
    first = sqlite3.connect(db)
    first.execute("PRAGMA journal_mode=WAL")  # an empty file a creator has switched to WAL
    first.close()

    class Interrupted(sqlite3.Connection):
        """A connection that lets another creator commit right after its first read of the version."""

        done = False

        def execute(self, sql, *args):
            cur = super().execute(sql, *args)
            if sql == "PRAGMA user_version" and not Interrupted.done:
                Interrupted.done = True
                cur = cur.fetchall()  # read before the other commits, as the window had it
                store_sqlite.Store(db).close()  # the other creator: schema, mark and all
                return _Rows(cur)
            return cur

    class _Rows:
        def __init__(self, rows):
            self.rows = rows

        def fetchone(self):
            return self.rows[0]

    def connect(target, uri):
        conn = sqlite3.connect(target, uri=uri, isolation_level=None, factory=Interrupted)
        conn.execute(f"PRAGMA busy_timeout={store_sqlite.BUSY_TIMEOUT_MS}")
        return conn

    monkeypatch.setattr(store_sqlite.Store, "_connect", staticmethod(connect))
    store = store_sqlite.Store(db)  # before the fix: StoreError "not a planengine database"
    try:
        assert Interrupted.done
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.version == store_sqlite.SCHEMA_VERSION
    finally:
        store.close()

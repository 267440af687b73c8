"""The per-command write path: what each command writes to the incident row, and how a writing
connection waits for the write lock."""

from __future__ import annotations

import sqlite3

from planengine.core.store import sqlite as store_sqlite


def _row(env, incident="INC-1"):
    conn = sqlite3.connect(env.db)
    try:
        return conn.execute("SELECT closed_at, last_seq, phase FROM incidents WHERE id=?", (incident,)).fetchone()
    finally:
        conn.close()


def test_the_incident_row_follows_closing_a_note_after_it_and_reopening(env):
    # a command that does not close leaves closed_at out of its update (its index is not rewritten);
    # the row must still follow every change of it
    env.start(at="10:00")
    env.ok("event", "INC-1", "activate", "--at", env.t("10:05"))
    assert _row(env)[0] is None
    closed = env.json("event", "INC-1", "dispersed", "--at", env.t("10:10"))
    assert closed["closed_at"] is not None
    assert env.dt(_row(env)[0]) == env.dt(closed["closed_at"])
    env.ok("note", "INC-1", "after the close", "--at", env.t("10:20"))
    closed_at, seq, phase = _row(env)
    assert env.dt(closed_at) == env.dt(closed["closed_at"]) and seq == env.events()[-1]["seq"] and phase == "closed"
    reopened = env.json("reopen", "INC-1", "--by", "Li", "--reason", "closed by mistake", "--at", env.t("10:30"))
    assert reopened["closed_at"] is None
    closed_at, seq, phase = _row(env)
    assert closed_at is None and phase == "responding" and seq == env.events()[-1]["seq"]
    env.ok("verify", "INC-1")


def test_a_writing_connection_sets_its_busy_timeout_once_and_reads_keep_the_long_one(tmp_path):
    path = str(tmp_path / "x.db")
    store = store_sqlite.Store(path)
    try:
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == store_sqlite.WRITE_BUSY_MS
        with store.transaction():
            pass
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == store_sqlite.WRITE_BUSY_MS
    finally:
        store.close()
    reader = store_sqlite.Store(path, mode="read")
    try:
        assert reader.conn.execute("PRAGMA busy_timeout").fetchone()[0] == store_sqlite.BUSY_TIMEOUT_MS
    finally:
        reader.close()

"""The per-command write path: what each command writes to the incident row, and how a writing
connection waits for the write lock."""

from __future__ import annotations

import sqlite3

import pytest

from planengine.core.store import sqlite as store_sqlite
from planengine.core.store.migrations import SCHEMA_VERSION


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


def test_the_incident_row_holds_the_level_and_the_close_of_every_command_null_or_not(env):
    # the head update says NULL in its SQL where the level or the close is None (a None bound as a
    # value costs more than the rest of the statement): the row must follow both either way
    def row():
        conn = sqlite3.connect(env.db)
        try:
            return conn.execute("SELECT level, closed_at, last_seq FROM incidents WHERE id='INC-1'").fetchone()
        finally:
            conn.close()

    env.start("location=gate", at="10:00")
    assert row()[:2] == ("IV", None)
    env.ok("set", "INC-1", "casualties=3", "--at", env.t("10:01"))
    env.ok("note", "INC-1", "three hurt", "--at", env.t("10:02"))
    assert row() == ("III", None, env.events()[-1]["seq"])
    env.ok("event", "INC-1", "activate", "--at", env.t("10:03"))
    closed = env.json("event", "INC-1", "dispersed", "--at", env.t("10:03"))
    env.ok("note", "INC-1", "after the close", "--at", env.t("10:04"))
    level, closed_at, seq = row()
    assert level == "III" and env.dt(closed_at) == env.dt(closed["closed_at"]) and seq == env.events()[-1]["seq"]
    env.ok("reopen", "INC-1", "--by", "Li", "--reason", "not over", "--at", env.t("10:05"))
    env.ok("note", "INC-1", "open again", "--at", env.t("10:06"))
    assert row() == ("III", None, env.events()[-1]["seq"])
    plain = env.write(
        "plain.yaml",
        "id: plain\ntitle: Plain\nversion: 1\ninitial: a\nphases:\n  a: {title: A}\n  b: {title: B, final: true}\n",
    )
    env.start(at="10:00", plan=plain, incident="INC-2")
    env.ok("note", "INC-2", "no level here", "--at", env.t("10:01"))
    conn = sqlite3.connect(env.db)
    try:
        assert conn.execute("SELECT level, closed_at, last_seq FROM incidents WHERE id='INC-2'").fetchone() == (
            None,
            None,
            env.events("INC-2")[-1]["seq"],
        )
    finally:
        conn.close()
    env.ok("verify", "INC-1")
    env.ok("verify", "INC-2")


def test_a_plain_note_is_written_as_the_canonical_json_of_its_data(env, monkeypatch):
    """A note of text and author only is written from its two strings, not through the JSON
    encoder: the text must be canonical(data), which replay and verify hash."""
    from planengine.core.canonical import canonical
    from planengine.core.incident import runner

    written = []
    emit = runner._Tx.emit

    def checked(self, kind, data, actor=None, text=None):
        if kind == "note":
            written.append(text)
            assert text is None or text == canonical(data)
        return emit(self, kind, data, actor, text)

    monkeypatch.setattr(runner._Tx, "emit", checked)
    env.start(at="10:00")
    texts = ["plain", '引号 "x" \\ back', "tab\tnew\nline \x01 \x7f", "é ☃ 𝄞", ""]
    for i, text in enumerate(texts):
        env.ok("note", "INC-1", text, "--at", env.t(f"10:0{i + 1}"), *(("--by", '王 "焰"') if i % 2 else ()))
    assert len(written) == len(texts) and None not in written
    notes = [e for e in env.events() if e["kind"] == "note"]
    assert [e["data"]["text"] for e in notes] == texts
    assert [e["data"]["by"] for e in notes] == [None, '王 "焰"', None, '王 "焰"', None]
    env.ok("verify", "INC-1")
    assert env.json("replay", "INC-1")["ok"] is True


def test_a_command_on_a_state_folded_before_another_landed_is_run_again_on_the_log_s_head(env):
    """A cached state is written without reading the head first; when another command landed
    meanwhile, nothing of the stale run is kept and the command runs again on a fresh fold."""
    from planengine.core.engine import Engine
    from planengine.core.incident.commands import Refused

    env.start(at="10:00")
    eng = Engine(db=env.db)
    try:
        cached = eng.state("INC-1")
        env.ok("done", "INC-1", "report_up", "--by", "Wang", "--at", env.t("10:03"))  # another officer
        state = eng.command("INC-1", "note", {"text": "from the console"}, at=env.t("10:04"), state=cached)
        assert state.steps["report_up"].status == "done", "the second run folded what the other recorded"
        assert [e["data"].get("text") for e in env.events() if e["kind"] == "note"] == ["from the console"]
        # refused on the stale state (muster is not active there), done on the log's head
        stale = eng.state("INC-1")
        env.ok("event", "INC-1", "activate", "--at", env.t("10:05"))
        state = eng.command("INC-1", "ack", {"step": "muster", "by": "Chen"}, at=env.t("10:06"), state=stale)
        assert state.phase == "responding" and [a["by"] for a in state.steps["muster"].acks] == ["Chen"]
        # a refusal on the log's own head stands
        head = eng.state("INC-1")
        with pytest.raises(Refused):
            eng.command("INC-1", "done", {"step": "no_such_step"}, at=env.t("10:07"), state=head)
    finally:
        eng.store.close()
    assert env.json("verify", "INC-1")["ok"] is True
    assert env.json("replay", "INC-1")["ok"] is True


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


def _schema_6(path, schema_7):
    """Turn ``path`` back into a schema-6 database: events and commands as rowid tables, as
    every database written before schema 7."""
    schema_7(path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for table, pk in (("events", '"incident", "seq"'), ("commands", '"incident", "n"')):
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name=?", (table,)).fetchone()[0]
        assert sql.endswith("WITHOUT ROWID")
        conn.execute(f"CREATE TABLE old_{table} AS SELECT * FROM {table}")
        conn.execute(f"DROP TABLE {table}")
        conn.execute(sql.replace(f'"{table}_v7"', table).removesuffix(" WITHOUT ROWID"))
        conn.execute(f"INSERT INTO {table} SELECT * FROM old_{table}")
        conn.execute(f"DROP TABLE old_{table}")
        assert conn.execute(f"SELECT count(*) FROM pragma_index_list('{table}')").fetchone()[0] == 1, pk
    conn.execute("PRAGMA user_version=6")
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _without_rowid(path, table):
    conn = sqlite3.connect(path)
    try:
        return (
            conn.execute("SELECT sql FROM sqlite_master WHERE name=?", (table,)).fetchone()[0].endswith("WITHOUT ROWID")
        )
    finally:
        conn.close()


def test_a_schema_6_database_is_read_as_it_is_and_migrated_by_the_next_write_with_its_chain(env, schema_7):
    env.start(at="10:00")
    env.ok("done", "INC-1", "report_up", "--at", env.t("10:03"))
    env.start(at="10:01", incident="INC-2")
    env.ok("note", "INC-2", "second", "--at", env.t("10:04"))
    expected = env.status()
    events = env.events()
    _schema_6(env.db, schema_7)
    assert not _without_rowid(env.db, "events")
    assert env.status() == expected and env.events() == events  # read-only: read as it is
    env.ok("verify", "INC-1")
    assert not _without_rowid(env.db, "events"), "reading does not migrate"
    env.ok("note", "INC-1", "after the upgrade", "--at", env.t("10:05"))
    assert _without_rowid(env.db, "events")
    env.ok("verify", "INC-1")
    env.ok("verify", "INC-2")
    after = env.events()
    assert after[: len(events)] == events and after[-1]["data"]["text"] == "after the upgrade"
    conn = sqlite3.connect(env.db)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        marked = "SELECT seq FROM events WHERE incident='INC-1' AND command IS NOT NULL ORDER BY seq"
        assert len(conn.execute(marked).fetchall()) == 3  # start, done, note: each on its first event
    finally:
        conn.close()


def test_a_schema_7_database_keeps_its_commands_on_their_first_events_after_the_next_write(env, schema_7):
    from planengine.core.engine import Engine

    env.start(at="10:00")
    env.ok("done", "INC-1", "report_up", "--at", env.t("10:03"))
    env.ok("note", "INC-1", '第二条 "引号"', "--by", "王焰", "--at", env.t("10:04"))
    env.start(at="10:01", incident="INC-2")
    commands = {i: Engine(db=env.db).commands(i) for i in ("INC-1", "INC-2")}
    assert [c["name"] for c in commands["INC-1"]] == ["start", "done", "note"]
    schema_7(env.db)
    assert {i: Engine(db=env.db, read_only=True).commands(i) for i in commands} == commands  # read as it is
    env.ok("verify", "INC-1")
    env.ok("note", "INC-2", "after the upgrade", "--at", env.t("10:05"))
    conn = sqlite3.connect(env.db)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "commands" not in tables
    finally:
        conn.close()
    after = {i: Engine(db=env.db).commands(i) for i in commands}
    assert after["INC-1"] == commands["INC-1"]
    assert after["INC-2"][:-1] == commands["INC-2"] and after["INC-2"][-1]["args"]["text"] == "after the upgrade"
    for i in commands:
        assert env.json("replay", i)["ok"] is True
        env.ok("verify", i)


def test_recent_events_are_the_latest_of_open_incidents_by_time(env):
    from planengine.core.engine import Engine

    env.start(at="10:00")
    env.start(at="10:01", incident="INC-2")
    env.ok("note", "INC-1", "one-a", "--at", env.t("10:02"))
    env.ok("note", "INC-2", "two-a", "--at", env.t("10:03"))
    env.ok("note", "INC-1", "one-b", "--at", env.t("10:04"))
    eng = Engine(db=env.db, read_only=True)
    try:
        recent = eng.recent_events(3)
        assert [(e["incident"], e["data"].get("text")) for e in recent] == [
            ("INC-1", "one-b"),
            ("INC-2", "two-a"),
            ("INC-1", "one-a"),
        ]
        everything = eng.recent_events(100)
        assert len(everything) == len(env.events("INC-1")) + len(env.events("INC-2"))
        assert [e["at"] for e in everything] == sorted((e["at"] for e in everything), reverse=True)
    finally:
        eng.store.close()
    env.ok("event", "INC-2", "activate", "--at", env.t("10:05"))
    env.ok("event", "INC-2", "dispersed", "--at", env.t("10:06"))  # closed: gone from the open list
    eng = Engine(db=env.db, read_only=True)
    try:
        assert {e["incident"] for e in eng.recent_events(50)} == {"INC-1"}
        assert {e["incident"] for e in eng.recent_events(50, open_only=False)} == {"INC-1", "INC-2"}
    finally:
        eng.store.close()

"""Fixtures of the store tests: databases as older planengine versions wrote them, made from a current one."""

from __future__ import annotations

import json
import sqlite3

import pytest

from planengine.core.store.chain import canonical

SCHEMA_7_COMMANDS = (
    'CREATE TABLE "commands" ("incident" TEXT, "n" INTEGER, "at" TEXT, "name" TEXT, "actor" TEXT, "args" TEXT,'
    ' "first_seq" INTEGER, "last_seq" INTEGER, PRIMARY KEY ("incident", "n")) WITHOUT ROWID'
)


def _schema_7(path):
    """Turn ``path`` back into a schema-7 database: the commands in a table of their own, not on
    their first events, as every database written before schema 8."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute(SCHEMA_7_COMMANDS)
    marked = conn.execute(
        "SELECT incident, seq, command FROM events WHERE command IS NOT NULL ORDER BY incident, seq"
    ).fetchall()
    numbers: dict = {}
    for incident, seq, text in marked:
        c = json.loads(text)
        n = numbers[incident] = numbers.get(incident, 0) + 1
        conn.execute(
            "INSERT INTO commands VALUES (?,?,?,?,?,?,?,?)",
            (incident, n, c["at"], c["name"], c["actor"], canonical(c["args"]), seq, c["last_seq"]),
        )
    conn.execute("ALTER TABLE events DROP COLUMN command")
    conn.execute("PRAGMA user_version=7")
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


@pytest.fixture
def schema_7():
    """Turns a database file back into schema 7 (see _schema_7)."""
    return _schema_7


@pytest.fixture
def sql(env):
    """Run ``(statement, *params)`` tuples on the workspace's database in one transaction: a hand
    edit of the file, as a forger or a broken disk leaves it."""

    def run(*statements):
        conn = sqlite3.connect(env.db)
        with conn:
            for statement, *params in statements:
                conn.execute(statement, params)
        conn.close()

    return run

"""The database schema, one migration per version (sqlite-utils builds the tables)."""

from __future__ import annotations

import json

SCHEMA_VERSION = 8


def _migrate_1(db):
    db["plans"].create(
        {"sha256": str, "id": str, "version": int, "title": str, "path": str, "source": str, "stored_at": str},
        pk="sha256",
    )
    db["incidents"].create(
        {
            "id": str,
            "plan": str,
            "plan_version": int,
            "plan_sha": str,
            "kind": str,
            "title": str,
            "opened_at": str,
            "closed_at": str,
            "phase": str,
            "level": str,
            "last_seq": int,
            "last_hash": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("plan_sha", "plans", "sha256")],
    )
    db["incidents"].create_index(["closed_at"])
    db["events"].create(
        {"incident": str, "seq": int, "at": str, "kind": str, "actor": str, "data": str, "prev_hash": str, "hash": str},
        pk=("incident", "seq"),
        not_null={"at", "kind", "data", "prev_hash", "hash"},
    )
    db["commands"].create(
        {
            "incident": str,
            "n": int,
            "at": str,
            "name": str,
            "actor": str,
            "args": str,
            "first_seq": int,
            "last_seq": int,
        },
        pk=("incident", "n"),
    )
    # a timer's key is unique within its incident ("step:convene:7")
    db["timers"].create({"incident": str, "key": str, "due_at": str}, pk=("incident", "key"))
    db["timers"].create_index(["due_at"])
    db["outbox"].create(
        {
            "key": str,
            "incident": str,
            "roles": str,
            "message": str,
            "queued_at": str,
            "status": str,
            "attempts": int,
            "last_error": str,
        },
        pk="key",
    )
    db["outbox"].create_index(["status"])


def _migrate_2(db):
    # who claimed a notification for sending, and when (a dead sender's claim goes stale)
    db["outbox"].add_column("claimed_at", str)
    db.execute("UPDATE outbox SET claimed_at='' WHERE status='sending'")  # older claims are stale
    # drills no longer use the timers table or the outbox (their runner drives them)
    for table in ("outbox", "timers"):
        db.execute(f"DELETE FROM {table} WHERE incident IN (SELECT id FROM incidents WHERE kind='drill')")


def _migrate_3(db):
    # caches that spare a command work proportional to history; the log stays the record:
    # a plan compiled to JSON (no YAML parse per command), and a snapshot of each incident's
    # folded state keyed by the seq and hash it covers (a command folds only newer events)
    db["plans"].add_column("compiled", str)
    db["plans"].add_column("compiled_format", str)
    db["snapshots"].create(
        {"incident": str, "seq": int, "hash": str, "format": str, "state": str},
        pk="incident",
    )


def _migrate_4(db):
    """Delivery per channel: one `deliveries` row per (notification key, channel).

    The outbox keeps one row per queued notification (``status`` queued until
    it is routed to its channels, then routed); a delivery row carries the
    channel's own attempts, last error, next attempt time (the command clock,
    so `tick --now` drives retries) and a claim measured on the wall clock
    (``claimed_wall``, epoch seconds), so a sender's lease never depends on
    the time a command pretends it is.
    """
    db.execute("ALTER TABLE outbox ADD COLUMN meta TEXT")  # step, phase, deadline the message is about
    # a v2 claim has no per-channel record: route it again (its channels may see it twice)
    db.execute("UPDATE outbox SET status='queued' WHERE status='sending'")
    db.execute(
        """CREATE TABLE deliveries (
            key TEXT NOT NULL, channel TEXT NOT NULL, incident TEXT NOT NULL, roles TEXT NOT NULL,
            status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
            next_at TEXT NOT NULL, queued_at TEXT NOT NULL, done_at TEXT,
            claimed_by TEXT, claimed_wall REAL, tried_wall REAL, recorded INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (key, channel))"""
    )
    db.execute("CREATE INDEX deliveries_due ON deliveries(channel, status, next_at)")
    db.execute("CREATE INDEX deliveries_rate ON deliveries(channel, tried_wall)")
    db.execute("CREATE INDEX deliveries_incident ON deliveries(incident)")
    db.execute(
        "CREATE INDEX deliveries_unrecorded ON deliveries(incident)"
        " WHERE recorded = 0 AND status IN ('delivered', 'failed')"
    )


def _migrate_5(db):
    # accounts of `plan serve`: scrypt password hashes and the SHA-256 of each API token, never the secrets
    db["users"].create(
        {"name": str, "role": str, "password_hash": str, "token_hash": str, "created_at": str}, pk="name"
    )
    db["users"].create_index(["token_hash"])


def _migrate_6(db):
    """A cache for the list of open incidents (`plan status --json`): each incident's status
    object as JSON text, rendered with its snapshot and keyed by the same seq and hash, with
    holes for what the clock and the outbox decide when it is read (planengine.core.incident.status).
    ``format`` names the code that rendered it; a row that is not at the head of the log,
    or of another format, is ignored. An older database gets an empty table: its incidents
    are folded as before until their next snapshot."""
    db.execute(
        "CREATE TABLE status_cache (incident TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL,"
        " format TEXT NOT NULL, text TEXT NOT NULL, holes TEXT NOT NULL, meta TEXT)"
    )


def _migrate_7(db):
    """The log and the command table keyed by their primary key alone (`WITHOUT ROWID`).

    A rowid table keeps its rows in one b-tree and its (incident, seq) key in a second, so every
    command wrote two pages for its events and two for its command row; now one each. Nothing
    read the rowid but the board's recent events, which now go by time: ``updated_at`` becomes
    the time of the incident's latest event (not of the last one written: a timer fired late
    records its due time), so the incidents with the latest events are found without the log.
    """
    tables = {
        "events": (
            '"incident" TEXT, "seq" INTEGER, "at" TEXT NOT NULL, "kind" TEXT NOT NULL, "actor" TEXT,'
            ' "data" TEXT NOT NULL, "prev_hash" TEXT NOT NULL, "hash" TEXT NOT NULL, PRIMARY KEY ("incident", "seq")',
            "incident, seq, at, kind, actor, data, prev_hash, hash",
        ),
        "commands": (
            '"incident" TEXT, "n" INTEGER, "at" TEXT, "name" TEXT, "actor" TEXT, "args" TEXT,'
            ' "first_seq" INTEGER, "last_seq" INTEGER, PRIMARY KEY ("incident", "n")',
            "incident, n, at, name, actor, args, first_seq, last_seq",
        ),
    }
    for table, (columns, names) in tables.items():
        db.execute(f'CREATE TABLE "{table}_v7" ({columns}) WITHOUT ROWID')
        # in key order: the rows arrive as the new b-tree stores them
        db.execute(f'INSERT INTO "{table}_v7" ({names}) SELECT {names} FROM "{table}" ORDER BY 1, 2')
        db.execute(f'DROP TABLE "{table}"')
        db.execute(f'ALTER TABLE "{table}_v7" RENAME TO "{table}"')
    db.execute("UPDATE incidents SET updated_at = (SELECT MAX(at) FROM events WHERE events.incident = incidents.id)")


def _migrate_8(db):
    """Each command recorded on the first event it produced (a `command` column), not in a table
    of its own.

    A command wrote a row to `events` and one to `commands`: two b-trees, two pages to the
    write-ahead log per command, and each page is two writes. The command's text is the
    canonical JSON of its name, time, actor, arguments and the seq of its last event.
    """
    from planengine.core.store.chain import canonical

    conn = db.conn
    conn.execute("ALTER TABLE events ADD COLUMN command TEXT")
    rows = conn.execute("SELECT incident, first_seq, at, name, actor, args, last_seq FROM commands")
    conn.executemany(
        "UPDATE events SET command=? WHERE incident=? AND seq=?",
        (
            (
                canonical({"name": name, "at": at, "actor": actor, "args": json.loads(args), "last_seq": last}),
                inc,
                first,
            )
            for inc, first, at, name, actor, args, last in rows
        ),
    )
    conn.execute("DROP TABLE commands")


MIGRATIONS = {
    1: _migrate_1,
    2: _migrate_2,
    3: _migrate_3,
    4: _migrate_4,
    5: _migrate_5,
    6: _migrate_6,
    7: _migrate_7,
    8: _migrate_8,
}

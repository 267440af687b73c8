"""The SQLite store: incidents, hash-chained events, commands, timers, outbox, plans.

One file in WAL mode. Every command is one transaction taken with BEGIN
IMMEDIATE and a busy timeout, so concurrent CLI processes serialize. The
schema is created and migrated with sqlite-utils; the hot paths use the
connection directly (importing sqlite-utils costs more than `plan status` may).
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager

from planengine.core.store.chain import canonical, event_hash, hashed_body, link
from planengine.core.store.migrations import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 30_000


class StoreError(Exception):
    pass


class Store:
    def __init__(self, path: str, create: bool = True):
        self.path = path
        if not create and path != ":memory:" and not os.path.exists(path):
            raise StoreError(f"no database at {path} (start an incident first, or pass --db)")
        try:
            self.conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            self.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{path}: not a planengine database ({e})") from None
        if version != SCHEMA_VERSION:
            if version > SCHEMA_VERSION:
                raise StoreError(f"{path}: schema version {version} is newer than this planengine ({SCHEMA_VERSION})")
            self._migrate(version)
        self.conn.execute("PRAGMA synchronous=FULL")

    def _migrate(self, version):
        import sqlite_utils

        self.conn.execute("PRAGMA journal_mode=WAL")
        with self.transaction():
            current = self.conn.execute("PRAGMA user_version").fetchone()[0]
            db = sqlite_utils.Database(self.conn)
            for v in range(current + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[v](db)
            self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self):
        self.conn.close()

    @contextmanager
    def transaction(self):
        """BEGIN IMMEDIATE ... COMMIT; rolled back on any exception."""
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def regenerable(self):
        """Commit without fsync (WAL + synchronous=NORMAL) for work a script can redo.

        Instant drill runs use it: a power cut can lose only the run in progress,
        which re-running the drill script regenerates byte for byte. Live
        commands keep synchronous=FULL.
        """
        self.conn.execute("PRAGMA synchronous=NORMAL")
        try:
            yield
        finally:
            self.conn.execute("PRAGMA synchronous=FULL")

    # -- plans ------------------------------------------------------------

    def save_plan(self, plan, now_iso, compiled=None, compiled_format=None):
        self.conn.execute(
            "INSERT OR IGNORE INTO plans(sha256, id, version, title, path, source, stored_at, compiled,"
            " compiled_format) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                plan.sha256,
                plan.id,
                plan.version,
                plan.title,
                plan.path,
                plan.source,
                now_iso,
                compiled,
                compiled_format,
            ),
        )

    def plan_source(self, sha):
        """(path, source, compiled JSON or None, its format or None) of a stored plan."""
        row = self.conn.execute(
            "SELECT path, source, compiled, compiled_format FROM plans WHERE sha256=?", (sha,)
        ).fetchone()
        if row is None:
            raise StoreError(f"plan {sha[:12]} is not in the database")
        return row

    def save_compiled(self, sha, compiled, compiled_format):
        """Cache a plan's compiled form (a plan stored by an older version, or another format)."""
        with self.transaction():
            self.conn.execute(
                "UPDATE plans SET compiled=?, compiled_format=? WHERE sha256=?", (compiled, compiled_format, sha)
            )

    # -- incidents --------------------------------------------------------

    def incident_row(self, incident_id):
        cur = self.conn.execute("SELECT * FROM incidents WHERE id=?", (incident_id,))
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cur.description], row))

    def require_incident(self, incident_id):
        row = self.incident_row(incident_id)
        if row is None:
            raise StoreError(f"no incident '{incident_id}' in {self.path}")
        return row

    def incident_ids(self, open_only=True, drills=False):
        """Incident ids, oldest first: open ones only, and live ones only unless ``drills``."""
        where = [w for w, on in (("closed_at IS NULL", open_only), ("kind != 'drill'", not drills)) if on]
        sql = (
            "SELECT id FROM incidents" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY opened_at, id"
        )
        return [r[0] for r in self.conn.execute(sql)]

    def next_incident_id(self, prefix: str) -> str:
        row = self.conn.execute(
            "SELECT id FROM incidents WHERE id >= ? AND id < ? ORDER BY id DESC LIMIT 1", (prefix, prefix + "~")
        ).fetchone()
        n = int(row[0][len(prefix) :]) + 1 if row and row[0][len(prefix) :].isdigit() else 1
        return f"{prefix}{n:04d}"

    def event_rows(self, incident_id, after=0):
        """A cursor of (seq, at, kind, actor, data JSON text, hash) after seq ``after``, in order, for fold."""
        return self.conn.execute(
            "SELECT seq, at, kind, actor, data, hash FROM events WHERE incident=? AND seq>? ORDER BY seq",
            (incident_id, after),
        )

    def snapshot(self, incident_id):
        """(seq, hash, format, state JSON) of the incident's snapshot, if its seq and hash are those
        of an event of the log; else None."""
        return self.conn.execute(
            "SELECT s.seq, s.hash, s.format, s.state FROM snapshots s JOIN events e"
            " ON e.incident=s.incident AND e.seq=s.seq AND e.hash=s.hash WHERE s.incident=?",
            (incident_id,),
        ).fetchone()

    def snapshots_and_events(self, ids):
        """For many incidents at once (boards, `plan status`): {id: (snapshot row or None, [newer event rows])}."""
        out = {i: [None, []] for i in ids}
        if not ids:
            return out
        conn = self.conn
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS _wanted(id TEXT PRIMARY KEY)")
        conn.execute("DELETE FROM _wanted")
        conn.executemany("INSERT OR IGNORE INTO _wanted VALUES (?)", [(i,) for i in ids])
        for incident, seq, h, fmt, st in conn.execute(
            "SELECT s.incident, s.seq, s.hash, s.format, s.state FROM _wanted w JOIN snapshots s ON s.incident=w.id"
            " JOIN events e ON e.incident=s.incident AND e.seq=s.seq AND e.hash=s.hash"
        ):
            out[incident][0] = (seq, h, fmt, st)
        for incident, seq, at, kind, actor, data, h in conn.execute(
            "SELECT e.incident, e.seq, e.at, e.kind, e.actor, e.data, e.hash FROM _wanted w"
            " JOIN events e ON e.incident=w.id"
            " WHERE e.seq > COALESCE((SELECT s.seq FROM snapshots s WHERE s.incident=w.id), 0)"
            " ORDER BY e.incident, e.seq"
        ):
            out[incident][1].append((seq, at, kind, actor, data, h))
        conn.execute("DELETE FROM _wanted")
        return out

    def events(self, incident_id):
        cur = self.conn.execute(
            "SELECT incident, seq, at, kind, actor, data, prev_hash, hash FROM events WHERE incident=? ORDER BY seq",
            (incident_id,),
        )
        cols = [c[0] for c in cur.description]
        out = []
        for row in cur:
            ev = dict(zip(cols, row))
            ev["data"] = json.loads(ev["data"])
            out.append(ev)
        return out

    def commands(self, incident_id):
        cur = self.conn.execute(
            "SELECT n, at, name, actor, args, first_seq, last_seq FROM commands WHERE incident=? ORDER BY n",
            (incident_id,),
        )
        return [
            {"n": n, "at": at, "name": name, "actor": actor, "args": json.loads(args), "first_seq": f, "last_seq": la}
            for n, at, name, actor, args, f, la in cur
        ]

    def head(self, incident_id):
        """(last seq, number of commands) of an incident, or None: one indexed read per command."""
        return self.conn.execute(
            "SELECT last_seq, (SELECT COALESCE(MAX(n), 0) FROM commands WHERE incident=?1) FROM incidents WHERE id=?1",
            (incident_id,),
        ).fetchone()

    def append_many(
        self, state, batch, prev_seq, prev_hash, timers_before, schedule=True, new=False, snapshot=None, head=None
    ):
        """Persist commands' events and their projections (incident row, timers, outbox).

        ``new`` inserts the incident row first; ``schedule`` False keeps the
        incident's timers and notifications out of the timers table and the
        outbox (the engine decides: drills).

        ``head`` is head() read in this transaction by the caller (it saves reading it again).
        ``snapshot`` (the state's JSON, with ``format``) replaces the incident's snapshot, keyed by
        the new head.

        ``batch`` is [(cmd, events)] in order, already applied to ``state``;
        ``timers_before`` is the pending timers before the first of them. Call
        inside transaction(). Returns the new head hash.
        """
        conn = self.conn
        incident = state.id
        if new:
            if self.incident_row(incident) is not None:
                raise StoreError(f"incident '{incident}' already exists")
            conn.execute(
                "INSERT INTO incidents(id, plan, plan_version, plan_sha, kind, title, opened_at, last_seq, last_hash)"
                " VALUES (?,?,?,?,?,?,?,0,'')",
                (state.id, state.plan, state.plan_version, state.plan_sha, state.kind, state.title, state.opened_at),
            )
        row = head or self.head(incident)
        if row is None or row[0] != prev_seq:
            raise StoreError(f"incident '{incident}' changed underneath this command; retry")
        batch = [(cmd, events) for cmd, events in batch if events]
        if not batch:
            return prev_hash
        dumps = canonical
        h = prev_hash
        rows, commands, queued, done = [], [], [], []
        n = row[1]
        inc_json = dumps(incident)
        memo: dict = {}  # JSON of the few distinct actors, times and kinds

        def js(value):
            out = memo.get(value)
            if out is None:
                out = memo[value] = dumps(value)
            return out

        for cmd, events in batch:
            for ev in events:
                data = dumps(ev["data"])
                nh = link(h, hashed_body(inc_json, ev["seq"], js(ev["at"]), js(ev["kind"]), js(ev["actor"]), data))
                ev["prev_hash"], ev["hash"] = h, nh
                rows.append((incident, ev["seq"], ev["at"], ev["kind"], ev["actor"], data, h, nh))
                h = nh
                kind = ev["kind"]
                if kind == "notify_queued":
                    d = ev["data"]
                    queued.append((d["key"], incident, dumps(d["roles"]), d["message"], ev["at"]))
                elif kind in ("notify_delivered", "notify_failed"):
                    done.append((ev["data"]["key"],))
            n += 1
            commands.append(
                (incident, n, cmd.at, cmd.name, cmd.actor, dumps(cmd.args), events[0]["seq"], events[-1]["seq"])
            )
        conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?)", rows)
        conn.executemany("INSERT INTO commands VALUES (?,?,?,?,?,?,?,?)", commands)
        if schedule:
            self._sync_timers(incident, timers_before, state.timers)
        else:
            queued = ()
        if queued:
            conn.executemany(
                "INSERT OR IGNORE INTO outbox(key, incident, roles, message, queued_at, status, attempts)"
                " VALUES (?,?,?,?,?,'queued',0)",
                queued,
            )
        if done:
            conn.executemany("UPDATE outbox SET status='done' WHERE key=?", done)
        conn.execute(
            "UPDATE incidents SET phase=?, level=?, closed_at=?, last_seq=?, last_hash=?, updated_at=? WHERE id=?",
            (state.phase, state.level, state.closed_at, state.seq, h, rows[-1][2], incident),
        )
        if snapshot is not None:
            text, fmt = snapshot
            conn.execute(
                "INSERT INTO snapshots(incident, seq, hash, format, state) VALUES (?,?,?,?,?)"
                " ON CONFLICT(incident) DO UPDATE SET seq=excluded.seq, hash=excluded.hash,"
                " format=excluded.format, state=excluded.state",
                (incident, state.seq, h, fmt, text),
            )
        return h

    # -- timers and outbox ------------------------------------------------

    def _sync_timers(self, incident, before, after):
        """The timers table mirrors the pending timers of each incident's state."""
        gone = [(incident, k) for k in before if k not in after]
        added = [(incident, k, d) for k, d in after.items() if k not in before]
        if gone:
            self.conn.executemany("DELETE FROM timers WHERE incident=? AND key=?", gone)
        if added:
            self.conn.executemany("INSERT OR REPLACE INTO timers(incident, key, due_at) VALUES (?,?,?)", added)

    def due_timers(self, now_iso, limit=10_000):
        """(key, incident, due_at) of timers due at or before now, oldest first."""
        return self.conn.execute(
            "SELECT key, incident, due_at FROM timers WHERE due_at <= ? ORDER BY due_at, incident, key LIMIT ?",
            (now_iso, limit),
        ).fetchall()

    def queued_notifications(self, stale_before, limit=1000):
        """Notifications to send: queued ones, and claims older than ``stale_before`` (a sender died)."""
        return self.conn.execute(
            "SELECT key, incident, roles, message, queued_at, attempts FROM outbox WHERE status='queued'"
            " OR (status='sending' AND claimed_at < ?) ORDER BY queued_at, key LIMIT ?",
            (stale_before, limit),
        ).fetchall()

    def claim_notification(self, key, now_iso, stale_before) -> bool:
        """Take a notification for sending; False when another sender holds it."""
        with self.transaction():
            return (
                self.conn.execute(
                    "UPDATE outbox SET status='sending', claimed_at=? WHERE key=?"
                    " AND (status='queued' OR (status='sending' AND claimed_at < ?))",
                    (now_iso, key, stale_before),
                ).rowcount
                == 1
            )

    def set_notification_status(self, key, status, error=None):
        self.conn.execute("UPDATE outbox SET status=?, last_error=? WHERE key=?", (status, error, key))

    def note_attempt(self, key, error):
        self.conn.execute("UPDATE outbox SET attempts=attempts+1, last_error=? WHERE key=?", (error, key))

    # -- audit ------------------------------------------------------------

    def verify(self, incident_id):
        """Problems in the hash chain: [] when intact."""
        problems = []
        prev = ""
        expected_seq = 1
        last = None
        for incident, seq, at, kind, actor, data, prev_hash, h in self.conn.execute(
            "SELECT incident, seq, at, kind, actor, data, prev_hash, hash FROM events WHERE incident=? ORDER BY seq",
            (incident_id,),
        ):
            if seq != expected_seq:
                problems.append(f"event {expected_seq} is missing (next is {seq})")
            try:
                payload = json.loads(data)
            except ValueError:
                problems.append(f"event {seq}: data is not JSON")
                payload = data
            if prev_hash != prev:
                problems.append(f"event {seq}: prev_hash does not match event {seq - 1}")
            ev = {"incident": incident, "seq": seq, "at": at, "kind": kind, "actor": actor, "data": payload}
            if event_hash(prev_hash, ev) != h:
                problems.append(f"event {seq} ({kind}): content does not match its hash")
            prev, expected_seq, last = h, seq + 1, seq
        row = self.conn.execute("SELECT last_seq, last_hash FROM incidents WHERE id=?", (incident_id,)).fetchone()
        if row and (row[0] != (last or 0) or row[1] != prev):
            problems.append(f"incident head is event {row[0]} but the log ends at {last}")
        return problems

    def drop_timer(self, incident, key):
        self.conn.execute("DELETE FROM timers WHERE incident=? AND key=?", (incident, key))

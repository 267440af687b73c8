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
import time
from contextlib import contextmanager
from operator import itemgetter

from planengine.core.store.chain import canonical, chain_rows, command_text, event_hash
from planengine.core.store.errors import StaleHead, StoreError, check_path  # noqa: F401 - also named here
from planengine.core.store.migrations import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 30_000
# A writer waits for another by polling every POLL_S: SQLite's own busy handler sleeps up to 100 ms
# between tries, so a writer that commits and begins again at once (a tick firing a backlog in short
# transactions) would starve it. A connection that writes therefore has SQLite wait only
# WRITE_BUSY_MS, set once when it is opened (not around every BEGIN: two statements a command). Its
# first reads, which may meet a file another creator is switching to WAL or a WAL being recovered,
# run before that under the long timeout; once it reads the file as WAL, a reader never waits for a
# lock (the -shm index stays valid while the connection holds it), so only BEGIN IMMEDIATE can meet
# a busy file, and it polls. A read-only connection keeps the long timeout.
POLL_S = 0.001
WRITE_BUSY_MS = 2
# PRAGMA application_id of a planengine database ("plan" in ASCII), set when it is created:
# a SQLite file without it (and without our tables) belongs to someone else and is never touched.
APPLICATION_ID = 0x706C616E
# the tables every schema version has (databases written before the application id was set)
CORE_TABLES = frozenset({"plans", "incidents", "events"})
MODES = ("create", "write", "read")


def read_roles(text) -> list:
    """The roles of an outbox or delivery row (a JSON list of role names); [] for an edited row
    that is not one (the notification goes to no role; `plan verify` checks the log, not this)."""
    try:
        roles = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return []
    return roles if type(roles) is list and all(type(r) is str for r in roles) else []


_first = itemgetter(0)


def database_error(path, e) -> str:
    """One line for an SQLite error on ``path``, each cause with its own message."""
    text = str(e)
    low = text.lower()
    if "disk is full" in low:
        return f"{path}: the disk is full; nothing was recorded (free some space and run the command again)"
    if "disk i/o error" in low:
        return _write_failure(path)
    if "not a database" in low:
        return f"{path}: not a planengine database (not an SQLite file); choose another file with --db"
    if "readonly" in low or "read-only" in low:
        return f"{path}: the database is read-only here; read commands (status, log, verify) still work"
    if "locked" in low or "busy" in low:
        return f"{path}: another process kept the database busy for {BUSY_TIMEOUT_MS // 1000}s; run the command again"
    if "unable to open" in low:
        return f"{path}: cannot open the database file (does its directory exist, may you read it?)"
    return f"{path}: database error: {text}"


def _write_failure(path) -> str:
    """An I/O error on write: SQLite reports a full disk only for ENOSPC; a file-size limit
    (EFBIG, `ulimit -f`) or a quota comes back as "disk I/O error", so name what we can see."""
    import resource

    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit != resource.RLIM_INFINITY:
        return (
            f"{path}: the database cannot grow past the file-size limit ({limit} bytes, ulimit -f);"
            " nothing was recorded (raise the limit or free space, and run the command again)"
        )
    try:
        st = os.statvfs(os.path.dirname(os.path.abspath(path)))
        if st.f_bavail * st.f_frsize < 1 << 20:  # under 1 MiB left: the disk (or a quota) is full
            return f"{path}: the disk is full; nothing was recorded (free some space and run the command again)"
    except OSError:
        pass
    return f"{path}: the disk could not be written (I/O error); nothing was recorded (check the disk, then retry)"


def _uri(path, **params) -> str:
    """An SQLite URI for ``path`` (the characters URIs reserve are escaped)."""
    name = path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    prefix = "file://" if name.startswith("/") else "file:"  # "file:///abs/path", "file:rel/path"
    return prefix + name + "?" + "&".join(f"{k}={v}" for k, v in params.items())


_at = itemgetter(1)  # a chain_rows() row's time

CHUNKS = (128, 64, 32, 16, 8, 4, 2, 1)  # rows per multi-row INSERT: powers of two, a few statement shapes
# values one statement may bind: SQLite's default SQLITE_MAX_VARIABLE_NUMBER (999 before 3.32)
MAX_VARIABLES = 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999
_EVENT_SQL: dict = {}  # rows -> the INSERT of that many events


def _event_insert(size: int) -> str:
    """INSERT of ``size`` events binding ?1 (the incident), ?2 (the first row's prev_hash) and
    seven values a row: seq, at, kind, actor, data, hash, command.

    A row's incident and prev_hash are not bound again: every row names ?1, and each row's
    prev_hash is the previous row's hash parameter. Python's sqlite3 passes every None it
    binds through its adapter protocol (attribute lookups, about 3,000 instructions each); an
    event's actor and command are mostly NULL, so rows carry 0 there (chain_rows(null=0)) and
    SQL writes NULL (no actor or command is the number 0: both are text).
    """
    sql = _EVENT_SQL.get(size)
    if sql is None:
        values = []
        for i in range(size):
            b = 3 + 7 * i  # this row's first parameter
            prev = "?2" if i == 0 else f"?{b - 2}"
            values.append(f"(?1,?{b},?{b + 1},?{b + 2},nullif(?{b + 3},0),?{b + 4},{prev},?{b + 5},nullif(?{b + 6},0))")
        sql = _EVENT_SQL[size] = "INSERT INTO events VALUES " + ",".join(values)
    return sql


def insert_events(conn, incident: str, prev_hash: str, rows: list) -> None:
    """Insert chain_rows()' ``rows`` (seq, at, kind, actor, data, hash, command; 0 for NULL) of
    ``incident``, chained after ``prev_hash``.

    Many rows (an instant drill's) go in multi-row ``VALUES (...),(...)`` statements of
    CHUNKS rows: SQLite inserts them in one step each, about a third cheaper a row than
    executemany's step per row; the connection's statement cache keeps the few shapes
    compiled.
    """
    i, n = 0, len(rows)
    if n == 1:  # a command's one event
        conn.execute(_event_insert(1), (incident, prev_hash, *rows[0]))
        return
    from itertools import chain

    flat = chain.from_iterable
    for size in CHUNKS:
        if n - i < size or 2 + 7 * size > MAX_VARIABLES:
            continue
        sql = _event_insert(size)
        while n - i >= size:
            params = [incident, prev_hash]
            params += flat(rows[i : i + size])
            conn.execute(sql, params)
            i += size
            prev_hash = rows[i - 1][5]


# A command's head update that leaves closed_at as it was, by whether level and closed_at are NULL
# ((True, True): both): ?1 and ?2 bind them, and where one is None the SQL says NULL and 0 is bound
# unread. Python's sqlite3 passes every None it binds through its adapter protocol, about 3,000
# instructions each, and most commands have no level or no close.
_HEAD_UPDATE = {
    (no_level, open_): (
        f"UPDATE incidents SET phase=?3, level={'NULL' if no_level else '?1'}, last_seq=?4, last_hash=?5,"
        f" updated_at=max(COALESCE(updated_at, ''), ?6) WHERE id=?7 AND last_seq=?8"
        f" AND closed_at IS {'NULL' if open_ else '?2'}"
    )
    for no_level in (False, True)
    for open_ in (False, True)
}


class _Transaction:
    """Store.transaction(): BEGIN IMMEDIATE on entry, COMMIT on a clean exit, ROLLBACK on any
    exception; inside another transaction, nothing of its own. A class, not a generator: every
    command enters one. BEGIN and COMMIT go through the store's own cursor (Store.writer)."""

    __slots__ = ("store", "conn", "outer")

    def __init__(self, store):
        self.store, self.conn = store, store.conn

    def __enter__(self):
        conn = self.conn
        self.outer = conn.in_transaction
        if self.outer:
            return conn
        try:
            try:
                self.store.writer.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:  # another writer holds the lock: wait our turn, polling
                self.store._patiently(lambda: conn.execute("BEGIN IMMEDIATE"))
        except sqlite3.DatabaseError as e:  # locked too long, a damaged file: one clear line
            self._rollback()
            raise StoreError(database_error(self.store.path, e)) from None
        return conn

    def __exit__(self, kind, error, tb):
        if self.outer:
            return False
        conn = self.conn
        try:
            if kind is None:
                self.store.writer.execute("COMMIT")
                return False
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        except sqlite3.DatabaseError as e:  # a full disk, a read-only file: one clear line
            error = e
            self._rollback()
        if isinstance(error, sqlite3.DatabaseError):  # the body's or ours
            raise StoreError(database_error(self.store.path, error)) from None
        return False

    def _rollback(self):
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass


class Store:
    """A planengine database. ``mode``: "create" (write; a missing file is created), "write"
    (the database must exist) or "read" (opened read-only: a read-only file still reads)."""

    def __init__(self, path: str, mode: str = "create"):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.path = path
        self.read_only = mode == "read"
        self.gave_up = False  # save_texts stopped at a write lock another process held
        check_path(path)
        if mode != "create" and not os.path.exists(path):
            raise StoreError("no database at {db} (start an incident first, or pass --db)", db=path)
        try:
            self.conn = self._open_read_only() if self.read_only else self._connect(path, uri=False)
            # The cursor a command's writes run on (BEGIN, the head update, the event insert,
            # COMMIT): conn.execute() makes and drops a cursor object every statement.
            self.writer = self.conn.cursor()
            app_id, version, tables = self._identify()
            empty = app_id == 0 and version == 0 and not tables
            unmarked = app_id == 0 and 0 < version <= SCHEMA_VERSION and CORE_TABLES <= tables  # before the mark
            if app_id != APPLICATION_ID and not empty and not unmarked:
                raise StoreError(self._foreign(app_id, tables))
            if version > SCHEMA_VERSION:
                raise StoreError(f"{path}: schema version {version} is newer than this planengine ({SCHEMA_VERSION})")
            self.version = version  # a read-only file of an older schema is read as it is
            if version == 0 and mode != "create":
                raise StoreError(f"no database at {path}: the file is empty (start an incident first)")
            if not self.read_only:
                if version != SCHEMA_VERSION or app_id != APPLICATION_ID:
                    self._migrate()
                    self.version = SCHEMA_VERSION
                elif self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    # another creator has not switched it yet (or it was switched back by hand): this
                    # connection reads the file as WAL from here on
                    self._patiently(lambda: self.conn.execute("PRAGMA journal_mode=WAL"))
                self.conn.execute("PRAGMA synchronous=FULL")
                # Read, and attached to the WAL, under the long timeout: from here on this connection
                # asks for the write lock with the short one, set once (see transaction()).
                self.conn.execute(f"PRAGMA busy_timeout={WRITE_BUSY_MS}")
        except sqlite3.DatabaseError as e:
            raise StoreError(database_error(path, e)) from None

    @staticmethod
    def _connect(target, uri):
        conn = sqlite3.connect(target, uri=uri, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return conn

    def _open_read_only(self):
        """A read-only connection. A WAL database needs its -shm index, which a reader may be
        unable to create (a read-only directory); with no unmerged log to read, the file alone
        holds every committed row, so it is then read as an immutable file."""
        conn = self._connect(_uri(self.path, mode="ro"), uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            conn.close()
            wal = self.path + "-wal"
            if os.path.exists(wal) and os.path.getsize(wal) > 0:
                raise StoreError(
                    f"{self.path}: read-only, and its write-ahead log {wal} is not merged yet;"
                    " run a write command (e.g. plan tick) as the database's owner, then retry"
                ) from None
            return self._connect(_uri(self.path, mode="ro", immutable=1), uri=True)

    def _identify(self):
        """(application_id, user_version, table names) of the open file; reads only.

        The three are read in one transaction: read one by one, a creator committing the schema
        between them gives a mix (no mark, no version, but tables), which reads as another
        program's file (four `plan tick` at once on a new file sometimes said so)."""
        conn = self.conn
        outer = conn.in_transaction
        if not outer:
            conn.execute("BEGIN")
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            if not outer:
                conn.execute("COMMIT")
        return app_id, version, tables

    def _foreign(self, app_id, tables):
        what = f"application_id {app_id:#x}" if app_id else f"its own tables: {', '.join(sorted(tables)[:5])}"
        return f"{self.path}: not a planengine database ({what}); left unchanged, choose another file with --db"

    def _migrate(self):
        """Create or upgrade the schema, and mark the file as ours (application_id)."""
        import sqlite_utils

        self.conn.execute(f"PRAGMA busy_timeout={WRITE_BUSY_MS}")  # transaction() polls for the lock
        with self.transaction():  # BEGIN IMMEDIATE: a concurrent creator waits here
            app_id, current, tables = self._identify()
            if not (app_id == APPLICATION_ID or (current == 0 and not tables) or CORE_TABLES <= tables):
                raise StoreError(self._foreign(app_id, tables))
            db = sqlite_utils.Database(self.conn)
            for v in range(current + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[v](db)
            self.conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._patiently(lambda: self.conn.execute("PRAGMA journal_mode=WAL"))  # our file only, once marked ours

    def _patiently(self, fn):
        """Run ``fn`` (a statement that needs the write lock), retrying every POLL_S while another
        process holds it, for up to BUSY_TIMEOUT_MS."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                return fn()
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(POLL_S)

    def close(self):
        self.conn.close()

    def transaction(self):
        """BEGIN IMMEDIATE ... COMMIT; rolled back on any exception (a context manager)."""
        return _Transaction(self)

    @contextmanager
    def regenerable(self):
        """Commit without fsync (WAL + synchronous=NORMAL) for work a script can redo.

        Instant drill runs use it: a power cut can lose only the run in progress,
        which re-running the drill script regenerates byte for byte. So do the
        caches (snapshots and status texts written apart from a command): one
        lost is folded again. Live commands keep synchronous=FULL.
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

    def has_plan(self, sha) -> bool:
        return self.conn.execute("SELECT 1 FROM plans WHERE sha256=?", (sha,)).fetchone() is not None

    def plan_source(self, sha):
        """(path, source, compiled JSON or None, its format or None) of a stored plan."""
        cols = "compiled, compiled_format" if self.version >= 3 else "NULL, NULL"  # read-only, older schema
        row = self.conn.execute(f"SELECT path, source, {cols} FROM plans WHERE sha256=?", (sha,)).fetchone()
        if row is None:
            raise StoreError(f"plan {str(sha)[:12]} is not in the database")
        return row

    def plan_row(self, sha):
        """(source, compiled JSON or None, its format or None, path) of a stored plan, or None."""
        cols = "compiled, compiled_format" if self.version >= 3 else "NULL, NULL"
        return self.conn.execute(f"SELECT source, {cols}, path FROM plans WHERE sha256=?", (sha,)).fetchone()

    def save_compiled(self, sha, compiled, compiled_format):
        """Cache a plan's compiled form (a plan stored by an older version, or another format)."""
        with self.transaction():
            self.conn.execute(
                "UPDATE plans SET compiled=?, compiled_format=? WHERE sha256=?", (compiled, compiled_format, sha)
            )

    def plan_shas(self):
        return [r[0] for r in self.conn.execute("SELECT sha256 FROM plans")]

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
            raise StoreError("no incident '{incident}' in {db}", incident=incident_id, db=self.path)
        return row

    def incident_ids(self, open_only=True, drills=False):
        """Incident ids, oldest first: open ones only, and live ones only unless ``drills``."""
        where = [w for w, on in (("closed_at IS NULL", open_only), ("kind != 'drill'", not drills)) if on]
        sql = (
            "SELECT id FROM incidents" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY opened_at, id"
        )
        return [r[0] for r in self.conn.execute(sql)]

    def next_incident_id(self, prefix: str) -> str:
        # only numbered ids count: a manual INC-20260311-zz sorts after every number and is not one
        rows = self.conn.execute("SELECT id FROM incidents WHERE id >= ? AND id < ?", (prefix, prefix + "~")).fetchall()
        numbers = [r[0][len(prefix) :] for r in rows]
        n = max((int(x) for x in numbers if x.isascii() and x.isdigit() and len(x) < 18), default=0) + 1
        return f"{prefix}{n:04d}"

    def last_incident_id(self, prefix: str):
        """The greatest incident id starting with ``prefix`` (schedules: the latest occurrence opened)."""
        row = self.conn.execute(
            "SELECT id FROM incidents WHERE id > ? AND id < ? ORDER BY id DESC LIMIT 1", (prefix, prefix + "~")
        ).fetchone()
        return row[0] if row else None

    # -- streams: hash-chained logs that belong to no incident ---------------
    # Stored in the events table under a name starting with "@" (never an incident id),
    # so `verify` and the chain code apply to them unchanged; they have no incident row,
    # so incident lists and period summaries never see them.

    def stream_events(self, name: str):
        return self.events(name)

    def append_stream(self, name: str, at: str, kind: str, actor, data) -> dict:
        """Append one event to stream ``name``; call inside transaction()."""
        assert name.startswith("@")
        row = self.conn.execute(
            "SELECT seq, hash FROM events WHERE incident=? ORDER BY seq DESC LIMIT 1", (name,)
        ).fetchone()
        seq, prev = (row[0] + 1, row[1]) if row else (1, "")
        ev = {"incident": name, "seq": seq, "at": at, "kind": kind, "actor": actor, "data": data}
        ev["prev_hash"], ev["hash"] = prev, event_hash(prev, ev)
        self.conn.execute(
            "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,NULL)",
            (name, seq, at, kind, actor, canonical(data), prev, ev["hash"]),
        )
        return ev

    def event_rows(self, incident_id, after=0):
        """A cursor of (seq, at, kind, actor, data JSON text, hash) after seq ``after``, in order, for fold."""
        return self.conn.execute(
            "SELECT seq, at, kind, actor, data, hash FROM events WHERE incident=? AND seq>? ORDER BY seq",
            (incident_id, after),
        )

    def snapshot(self, incident_id):
        """(seq, hash, format, state JSON) of the incident's snapshot, if its seq and hash are those
        of an event of the log; else None."""
        if self.version < 3:  # read-only, older schema: no snapshots yet
            return None
        return self.conn.execute(
            "SELECT s.seq, s.hash, s.format, s.state FROM snapshots s JOIN events e"
            " ON e.incident=s.incident AND e.seq=s.seq AND e.hash=s.hash WHERE s.incident=?",
            (incident_id,),
        ).fetchone()

    def snapshot_row(self, incident_id):
        """(seq, hash, format, state JSON) of the incident's stored snapshot, whether or not it matches."""
        if self.version < 3:
            return None
        return self.conn.execute(
            "SELECT seq, hash, format, state FROM snapshots WHERE incident=?", (incident_id,)
        ).fetchone()

    def status_text_row(self, incident_id):
        """(seq, hash, format, text, holes, meta) of the incident's cached status text, whether or not
        it matches the log."""
        if self.version < 6:
            return None
        return self.conn.execute(
            "SELECT seq, hash, format, text, holes, meta FROM status_cache WHERE incident=?", (incident_id,)
        ).fetchone()

    def log_head(self, incident_id):
        """(seq, hash) of the incident's last event, or (0, "") for an empty log."""
        row = self.conn.execute(
            "SELECT seq, hash FROM events WHERE incident=? ORDER BY seq DESC LIMIT 1", (incident_id,)
        ).fetchone()
        return tuple(row) if row else (0, "")

    def snapshots_and_events(self, ids):
        """For many incidents at once (boards, `plan status`): {id: (snapshot row or None, [newer event rows])}."""
        out = {i: [None, []] for i in ids}
        if not ids:
            return out
        if self.version < 3:  # read-only, older schema: no snapshots yet
            for i in ids:
                out[i][1] = self.event_rows(i).fetchall()
            return out
        conn = self.conn
        wanted = (json.dumps(ids),)
        for incident, seq, h, fmt, st in conn.execute(
            "SELECT s.incident, s.seq, s.hash, s.format, s.state FROM snapshots s"
            " JOIN events e ON e.incident=s.incident AND e.seq=s.seq AND e.hash=s.hash"
            " WHERE s.incident IN (SELECT value FROM json_each(?))",
            wanted,
        ):
            out[incident][0] = (seq, h, fmt, st)
        # the events after each incident's matching snapshot (all of them where none matches); no
        # ORDER BY (it sorted every row, event data and all, in a temporary b-tree): each incident's
        # rows are put in seq order here, a list that is usually in order already
        after = json.dumps({i: (v[0][0] if v[0] is not None else 0) for i, v in out.items()})
        for incident, seq, at, kind, actor, data, h in conn.execute(
            "SELECT e.incident, e.seq, e.at, e.kind, e.actor, e.data, e.hash FROM json_each(?) w"
            " JOIN events e ON e.incident=w.key AND e.seq > w.value",
            (after,),
        ):
            out[incident][1].append((seq, at, kind, actor, data, h))
        for v in out.values():
            if len(v[1]) > 1:
                try:
                    v[1].sort(key=_first)
                except TypeError:  # an edited seq (text): after the numbers, where the fold names it
                    v[1].sort(key=lambda r: (r[0].__class__ is str, r[0] if r[0].__class__ is not str else 0))
        return out

    def status_texts(self, ids, fmt):
        """{id: (text as UTF-8 bytes, holes, meta)} of the incidents among ``ids`` whose cached
        status text (status_cache) is of format ``fmt`` and was rendered at the head of the log:
        its seq and hash are those of the incident's last event. Every other incident is missing."""
        if self.version < 6 or not ids:  # read-only, older schema: no cache yet
            return {}
        return {
            incident: (text, holes, meta)
            for incident, text, holes, meta in self.conn.execute(
                "SELECT c.incident, CAST(c.text AS BLOB), c.holes, c.meta FROM status_cache c"
                " JOIN events e ON e.incident=c.incident AND e.seq=c.seq AND e.hash=c.hash"
                " WHERE c.incident IN (SELECT value FROM json_each(?)) AND c.format=?"
                " AND NOT EXISTS (SELECT 1 FROM events n WHERE n.incident=c.incident AND n.seq>c.seq)",
                (json.dumps(ids), fmt),
            )
        }

    def events(self, incident_id):
        cur = self.conn.execute(
            "SELECT incident, seq, at, kind, actor, data, prev_hash, hash FROM events WHERE incident=? ORDER BY seq",
            (incident_id,),
        )
        cols = [c[0] for c in cur.description]
        out = []
        for row in cur:
            ev = dict(zip(cols, row))
            try:
                ev["data"] = json.loads(ev["data"])
            except (ValueError, TypeError, RecursionError):  # an edited row: one line, `verify` says more
                raise StoreError(
                    f"{incident_id}: event {str(ev['seq'])[:40]}: its data is not JSON; `plan verify {incident_id}`"
                    " lists what is wrong with the record"
                ) from None
            out.append(ev)
        return out

    def commands(self, incident_id):
        """The incident's commands in order: {n, at, name, actor, args, first_seq, last_seq}.

        Each is recorded on the first event it produced (the `command` column, schema 8): one
        row written per command instead of two. ``n`` counts them; ``last_seq`` is the one the
        command recorded, so a command erased from its event leaves a gap `verify` reports.
        """
        if self.version < 8:  # read-only, older schema: the commands table
            cur = self.conn.execute(
                "SELECT n, at, name, actor, args, first_seq, last_seq FROM commands WHERE incident=? ORDER BY n",
                (incident_id,),
            )
            keys = ("n", "at", "name", "actor", "args", "first_seq", "last_seq")
            return [dict(zip(keys, r), args=json.loads(r[4])) for r in cur]
        out = []
        rows = self.conn.execute(
            "SELECT seq, command FROM events WHERE incident=? AND command IS NOT NULL ORDER BY seq", (incident_id,)
        )
        for n, (seq, text) in enumerate(rows, start=1):
            try:
                c = json.loads(text)
                if not isinstance(c, dict):
                    raise TypeError("not a JSON object")
                cmd = {
                    "n": n,
                    "at": c["at"],
                    "name": c["name"],
                    "actor": c["actor"],
                    "args": c["args"],
                    "first_seq": seq,
                    "last_seq": c["last_seq"],
                }
                if not (
                    isinstance(cmd["name"], str)
                    and isinstance(cmd["at"], str)
                    and (cmd["actor"] is None or isinstance(cmd["actor"], str))
                    and isinstance(cmd["args"], dict)
                    and type(cmd["last_seq"]) is int
                ):
                    raise TypeError("a field of the wrong type")
            except (ValueError, KeyError, TypeError, RecursionError) as e:  # an edited row: `verify` names it
                what = f"no {e}" if isinstance(e, KeyError) else str(e).split(":")[0][:80]
                cmd = {"n": n, "first_seq": seq, "last_seq": seq, "unreadable": what}
            out.append(cmd)
        return out

    def append_many(
        self,
        state,
        batch,
        prev_seq,
        prev_hash,
        timers_before,
        schedule=True,
        new=False,
        snapshot=None,
    ):
        """Persist commands' events and their projections (incident row, timers, outbox).

        ``new`` inserts the incident row first; ``schedule`` False keeps the
        incident's timers and notifications out of the timers table and the
        outbox (the engine decides: drills).

        The incident row is updated first, only while the log's head is still ``prev_seq``: a
        ``state`` folded before another command landed raises StaleHead before anything is
        written (the caller refolds and runs its command again), so no head is read first.
        ``snapshot`` (the state's JSON, with ``format``) replaces the incident's snapshot, keyed by
        the new head.

        ``batch`` is [(cmd, records)] in order (Runner.run's records), already applied to ``state``;
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
        if len(batch) == 1:  # one command (every CLI command): its own list of events
            cmd, evs = batch[0]
            commands = {evs[0][0]: command_text(cmd.name, cmd.at, cmd.actor, cmd.args, evs[-1][0])} if evs else {}
        else:
            commands = {
                events[0][0]: command_text(cmd.name, cmd.at, cmd.actor, cmd.args, events[-1][0])
                for cmd, events in batch
                if events
            }
            evs = [ev for _cmd, events in batch for ev in events]
        if not evs:  # nothing to write: only say whether ``state`` was at the head
            row = conn.execute("SELECT last_seq FROM incidents WHERE id=?", (incident,)).fetchone()
            if row is None or row[0] != prev_seq:
                raise StaleHead(f"incident '{incident}' changed underneath this command; retry")
            return prev_hash
        dumps = canonical
        rows, queued, done = [], [], []
        h = chain_rows(incident, prev_hash, evs, rows, commands, null=0)
        # The incident row first, guarded by the head the state was folded at: the head check and the
        # update in one statement. updated_at: the time of the incident's latest event (a timer fired
        # late records its due time). While closed_at stays as it was, the statement leaves it out:
        # naming it would rewrite its index entry too, a page more.
        latest = max(map(_at, rows)) if len(rows) > 1 else rows[0][1]
        level, closed_at = state.level, state.closed_at
        writer = cur = self.writer
        writer.execute(
            _HEAD_UPDATE[level is None, closed_at is None],
            (
                0 if level is None else level,
                0 if closed_at is None else closed_at,
                state.phase,
                state.seq,
                h,
                latest,
                incident,
                prev_seq,
            ),
        )
        if cur.rowcount != 1:
            cur = conn.execute(
                "UPDATE incidents SET phase=?, level=?, closed_at=?, last_seq=?, last_hash=?,"
                " updated_at=max(COALESCE(updated_at, ''), ?) WHERE id=? AND last_seq=?",
                (state.phase, state.level, state.closed_at, state.seq, h, latest, incident, prev_seq),
            )
            if cur.rowcount != 1:
                raise StaleHead(f"incident '{incident}' changed underneath this command; retry")
        for _seq, at, kind, _actor, d, _text in evs if schedule else ():  # a drill's never reach the outbox
            if kind[:7] != "notify_":
                continue
            if kind == "notify_queued":
                meta = {k: d[k] for k in ("step", "phase", "due_at", "reason", "level") if d.get(k) is not None}
                queued.append((d["key"], incident, dumps(d["roles"]), d["message"], at, dumps(meta)))
            elif kind in ("notify_delivered", "notify_failed"):
                done.append((d["key"], d.get("channel")))
        insert_events(writer, incident, prev_hash, rows)
        if schedule:
            if timers_before != state.timers:  # most commands start and stop no timer
                self._sync_timers(incident, timers_before, state.timers)
        else:
            queued = ()
        if queued:
            conn.executemany(
                "INSERT OR IGNORE INTO outbox(key, incident, roles, message, queued_at, meta, status, attempts)"
                " VALUES (?,?,?,?,?,?,'queued',0)",
                queued,
            )
        if done:
            self.mark_recorded([(k, ch) for k, ch in done if ch is not None])
            legacy = [(k,) for k, ch in done if ch is None]  # a v2 outcome covered every channel of its key
            if legacy:
                conn.executemany("UPDATE outbox SET status='done' WHERE key=?", legacy)
        if snapshot is not None:
            self._write_caches(incident, state.seq, h, snapshot, None)
        return h

    def _write_caches(self, incident, seq, h, snapshot, status):
        conn = self.conn
        if snapshot is not None:
            text, fmt = snapshot
            conn.execute(
                "INSERT INTO snapshots(incident, seq, hash, format, state) VALUES (?,?,?,?,?)"
                " ON CONFLICT(incident) DO UPDATE SET seq=excluded.seq, hash=excluded.hash,"
                " format=excluded.format, state=excluded.state",
                (incident, seq, h, fmt, text),
            )
        if status is not None:
            conn.execute(
                "INSERT INTO status_cache(incident, seq, hash, format, text, holes, meta)"
                " VALUES (?,?,?,?,CAST(? AS TEXT),?,?)"  # a text as UTF-8 bytes is stored as the text it is
                " ON CONFLICT(incident) DO UPDATE SET seq=excluded.seq, hash=excluded.hash, format=excluded.format,"
                " text=excluded.text, holes=excluded.holes, meta=excluded.meta",
                (incident, seq, h, *status),
            )

    def behind_caches(self, fmt, limit):
        """Open live incidents whose cached status text is missing, of another format, or behind the
        head of their log (least recently changed first), at most ``limit``."""
        if self.version < 6:
            return []
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT i.id FROM incidents i LEFT JOIN status_cache c ON c.incident=i.id"
                " WHERE i.closed_at IS NULL AND i.kind != 'drill' AND i.last_seq > 0 AND (c.incident IS NULL"
                " OR c.seq != i.last_seq OR c.hash != i.last_hash OR c.format != ?)"
                " ORDER BY i.updated_at, i.id LIMIT ?",
                (fmt, limit),
            )
        ]

    def save_caches(self, incident, seq, h, snapshot, status) -> bool:
        """Store a snapshot and status text of ``incident`` at event ``seq`` (hash ``h``), only while
        that event is still the head of its log (a command written meanwhile wins); in a transaction."""
        row = self.conn.execute("SELECT last_seq, last_hash FROM incidents WHERE id=?", (incident,)).fetchone()
        if row is None or row[0] != seq or row[1] != h:
            return False
        self._write_caches(incident, seq, h, snapshot, status)
        return True

    def cache_writer(self, own=False):
        """A connection that may store caches for a read command (the read-through status texts of
        `plan status --json`): this store when it writes (``own``: a second one on the same file,
        for another thread); for a read-only one, a second, writing store on the same file when
        the file is of this schema (a read command never migrates) and the user may write it and
        its directory; else None (an auditor's read-only copy)."""
        if not self.read_only:
            return Store(self.path, mode="write") if own else self
        folder = os.path.dirname(os.path.abspath(self.path))
        if self.version != SCHEMA_VERSION or not (os.access(self.path, os.W_OK) and os.access(folder, os.W_OK)):
            return None
        try:
            return Store(self.path, mode="write")
        except StoreError:
            return None

    def save_texts(self, items, chunk=100) -> int:
        """Store status texts [(incident, seq, hash, (format, text, holes, meta))] rendered at those heads
        (a text as str or as its UTF-8), ``chunk`` a short transaction, each only while its event is
        still the head of its log. A cache is never worth a wait: when another process holds the
        write lock, stop (and say so in ``gave_up``); returns how many were written."""
        conn, written = self.conn, 0
        with self.regenerable():  # a cache lost to a power cut is folded again: no fsync for it
            for start in range(0, len(items), chunk):
                try:
                    conn.execute("BEGIN IMMEDIATE")  # this connection's short busy timeout, no polling
                except sqlite3.OperationalError:
                    self.gave_up = True
                    return written
                try:
                    for incident, seq, h, status in items[start : start + chunk]:
                        written += self.save_caches(incident, seq, h, None, status)
                    conn.execute("COMMIT")
                except sqlite3.DatabaseError:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
        return written

    # -- timers and outbox ------------------------------------------------

    def _sync_timers(self, incident, before, after):
        """The timers table mirrors the pending timers of each incident's state."""
        if before == after:  # most commands start and stop no timer
            return
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

    # -- the outbox: one row per notification, one delivery row per (key, channel) --------

    def unrouted_notifications(self, limit=5000):
        """(key, incident, roles JSON, queued_at) of notifications not yet given their channels."""
        return self.conn.execute(
            "SELECT key, incident, roles, queued_at FROM outbox WHERE status='queued' ORDER BY queued_at, key LIMIT ?",
            (limit,),
        ).fetchall()

    def route_notifications(self, rows, keys):
        """Create delivery rows [(key, channel, incident, roles JSON, queued_at)] and mark ``keys`` routed."""
        with self.transaction():
            self.conn.executemany(
                "INSERT OR IGNORE INTO deliveries(key, channel, incident, roles, status, attempts, next_at, queued_at)"
                " VALUES (?,?,?,?,'queued',0,'',?)",  # next_at '': a first attempt is due at once
                [(k, ch, inc, roles, at) for k, ch, inc, roles, at in rows],
            )
            self.conn.executemany("UPDATE outbox SET status='routed' WHERE key=? AND status='queued'", keys)

    def claim_deliveries(self, channel, token, now_iso, wall, lease, limit, rate=None):
        """Claim up to ``limit`` deliveries due on ``channel`` for sender ``token``.

        Due: queued with ``next_at`` at or before ``now_iso``, or claimed by a
        sender whose wall-clock lease ran out. Fair: every incident's oldest
        due message comes before any incident's second (a backlog of one
        incident never holds back another's), first attempts before retries.
        ``rate`` (count, seconds) caps attempts on the channel in any window of
        that many wall-clock seconds, across all senders; the excess stays queued.
        """
        conn = self.conn
        with self.transaction():
            if rate is not None:
                count, seconds = rate
                used = conn.execute(
                    "SELECT COUNT(*) FROM deliveries WHERE channel=? AND tried_wall > ?", (channel, wall - seconds)
                ).fetchone()[0]
                limit = min(limit, max(0, count - used))
                if limit == 0:
                    return []
            rows = conn.execute(
                "SELECT d.key, d.channel, d.incident, d.roles, d.attempts, d.queued_at, o.message, o.meta FROM ("
                " SELECT key, channel, incident, roles, attempts, queued_at, next_at,"
                "  ROW_NUMBER() OVER (PARTITION BY incident ORDER BY next_at, key) AS rn"
                " FROM deliveries WHERE channel=:ch AND ((status='queued' AND next_at <= :now)"
                "  OR (status='sending' AND claimed_wall < :stale))"
                ") d JOIN outbox o ON o.key = d.key ORDER BY d.rn, d.attempts > 0, d.next_at, d.key LIMIT :limit",
                {"ch": channel, "now": now_iso, "stale": wall - lease, "limit": limit},
            ).fetchall()
            if rows:
                conn.executemany(
                    "UPDATE deliveries SET status='sending', claimed_by=?, claimed_wall=?, tried_wall=?"
                    " WHERE key=? AND channel=?",
                    [(token, wall, wall, r[0], channel) for r in rows],
                )
        return rows

    def settle_delivery(self, key, channel, token, status, error, next_at, done_at, wall):
        """Record one attempt's outcome: ``status`` delivered, failed, or queued again (retry at ``next_at``).

        Written without fsync (WAL, synchronous=NORMAL): it survives a killed
        process; a power cut may lose it, and the message is then sent again.
        """
        with self.regenerable(), self.transaction():
            self.conn.execute(
                "UPDATE deliveries SET status=?, attempts=attempts+1, last_error=?, next_at=COALESCE(?, next_at),"
                " done_at=?, claimed_by=NULL, claimed_wall=NULL WHERE key=? AND channel=? AND status='sending'"
                " AND claimed_by=?",
                (status, error, next_at, done_at, key, channel, token),
            )
            # progress: the sender's other claims on this channel stay its own
            self.conn.execute(
                "UPDATE deliveries SET claimed_wall=? WHERE channel=? AND claimed_by=? AND status='sending'",
                (wall, channel, token),
            )

    def release_deliveries(self, pairs, token):
        """Give back claims that were never attempted (a sender stopping): queued again, no attempt counted."""
        with self.transaction():
            self.conn.executemany(
                "UPDATE deliveries SET status='queued', claimed_by=NULL, claimed_wall=NULL, tried_wall=NULL"
                " WHERE key=? AND channel=? AND claimed_by=?",
                [(k, ch, token) for k, ch in pairs],
            )

    def unrecorded_deliveries(self, limit=5000, incident=None):
        """Settled deliveries whose outcome is not yet an event: (incident, key, channel, roles, status,
        attempts, last_error, done_at, queued_at), by incident (only ``incident``'s when given: read it
        inside the transaction that records them, so two senders never record one twice)."""
        return self.conn.execute(
            "SELECT incident, key, channel, roles, status, attempts, last_error, done_at, queued_at FROM deliveries"
            " WHERE recorded = 0 AND status IN ('delivered', 'failed')"
            + (" AND incident = ?" if incident is not None else "")
            + " ORDER BY incident, done_at, key LIMIT ?",
            (incident, limit) if incident is not None else (limit,),
        ).fetchall()

    def mark_recorded(self, pairs):
        self.conn.executemany("UPDATE deliveries SET recorded=1 WHERE key=? AND channel=?", pairs)

    def notifications(self, incident_id):
        """Delivery state of an incident's notifications: one dict per (key, channel), and one per
        notification not yet routed (channel None). None for a file of an older schema opened
        read-only (no deliveries table: the log's own outcomes are all there is)."""
        if self.version < 4:
            return None
        out = [
            {"key": k, "channel": ch, "roles": read_roles(r), "status": st, "attempts": a, "error": e, "next_at": n}
            for k, ch, r, st, a, e, n in self.conn.execute(
                "SELECT key, channel, roles, status, attempts, last_error, next_at FROM deliveries"
                " WHERE incident=? ORDER BY queued_at, key, channel",
                (incident_id,),
            )
        ]
        for k, r, st in self.conn.execute(
            "SELECT key, roles, status FROM outbox WHERE incident=? AND status IN ('queued', 'sending', 'unrecorded')"
            " ORDER BY queued_at, key",
            (incident_id,),
        ):
            out.append({"key": k, "channel": None, "roles": read_roles(r), "status": st, "attempts": 0, "error": None})
        return out

    def notifications_many(self, ids):
        """notifications() of many incidents in two queries: {id: rows} (None: an older read-only file)."""
        if self.version < 4:
            return dict.fromkeys(ids)
        out: dict = {i: [] for i in ids}
        if not ids:
            return out
        conn = self.conn
        wanted = (json.dumps(ids),)
        loads = read_roles
        for inc, k, ch, r, st, a, e, n in conn.execute(
            "SELECT d.incident, d.key, d.channel, d.roles, d.status, d.attempts, d.last_error, d.next_at"
            " FROM deliveries d WHERE d.incident IN (SELECT value FROM json_each(?))"
            " ORDER BY d.incident, d.queued_at, d.key, d.channel",
            wanted,
        ):
            out[inc].append(
                {"key": k, "channel": ch, "roles": loads(r), "status": st, "attempts": a, "error": e, "next_at": n}
            )
        for inc, k, r, st in conn.execute(
            "SELECT o.incident, o.key, o.roles, o.status FROM outbox o"
            " WHERE o.status IN ('queued', 'sending', 'unrecorded')"
            " AND o.incident IN (SELECT value FROM json_each(?)) ORDER BY o.incident, o.queued_at, o.key",
            wanted,
        ):
            out[inc].append({"key": k, "channel": None, "roles": loads(r), "status": st, "attempts": 0, "error": None})
        return out

    def delivery_failures(self, open_only=True):
        """(incident, key, channel, last_error, status) of deliveries that failed or are retrying."""
        sql = (
            "SELECT d.incident, d.key, d.channel, d.last_error, d.status FROM deliveries d"
            + (" JOIN incidents i ON i.id = d.incident AND i.closed_at IS NULL" if open_only else "")
            + " WHERE d.status='failed' OR (d.status='queued' AND d.attempts > 0) ORDER BY d.incident, d.key"
        )
        return self.conn.execute(sql).fetchall()

    def data_version(self):
        """Changes when another connection commits (PRAGMA data_version): a cheap "did anything change"."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def open_heads(self, drills=False):
        """{incident: last_seq} of open incidents (live ones unless ``drills``)."""
        sql = "SELECT id, last_seq FROM incidents WHERE closed_at IS NULL" + ("" if drills else " AND kind != 'drill'")
        return dict(self.conn.execute(sql))

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
            if type(seq) is not int:  # an edited row (SQLite keeps whatever is written)
                problems.append(f"event {expected_seq}: its seq {str(seq)[:40]!r} is not an event number")
                seq = expected_seq
            elif seq != expected_seq:
                problems.append(f"event {expected_seq} is missing (next is {seq})")
            try:
                payload = json.loads(data)
            except (ValueError, TypeError, RecursionError):  # not JSON text, or nested past the parser's depth
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

    def timers_of(self, incident):
        """(key, due_at) of the incident's rows in the timers table."""
        return self.conn.execute("SELECT key, due_at FROM timers WHERE incident=?", (incident,)).fetchall()

    def drop_timer(self, incident, key):
        self.conn.execute("DELETE FROM timers WHERE incident IS ? AND key IS ?", (incident, key))  # IS: NULL too

    # -- for watchers and `plan serve` ----------------------------------------

    def incident_heads(self, open_only=True, drills=True):
        """{id: last_seq} of incidents, to refold only those that moved."""
        where = [w for w, on in (("closed_at IS NULL", open_only), ("kind != 'drill'", not drills)) if on]
        sql = "SELECT id, last_seq FROM incidents" + (" WHERE " + " AND ".join(where) if where else "")
        return dict(self.conn.execute(sql).fetchall())

    def recent_events(self, limit, open_only=True):
        """The latest ``limit`` events of incidents (open ones when ``open_only``), newest first: the
        last ``limit`` events of each of the ``limit`` incidents whose latest event is newest
        (``updated_at``), by time. Reads at most limit x limit events, however long the log."""
        where = "WHERE closed_at IS NULL " if open_only else ""
        rows = self.conn.execute(
            "SELECT e.incident, e.seq, e.at, e.kind, e.actor, e.data FROM"
            f" (SELECT id, last_seq FROM incidents {where}ORDER BY updated_at DESC, id LIMIT ?1) i"
            " JOIN events e ON e.incident = i.id AND e.seq > i.last_seq - ?1"
            " ORDER BY e.at DESC, e.incident, e.seq DESC LIMIT ?1",
            (limit,),
        ).fetchall()
        return [
            {"incident": r[0], "seq": r[1], "at": r[2], "kind": r[3], "actor": r[4], "data": _data_or_none(r[5])}
            for r in rows
        ]

    # -- accounts ---------------------------------------------------------------

    def user(self, name):
        cur = self.conn.execute("SELECT name, role, password_hash, token_hash FROM users WHERE name=?", (name,))
        row = cur.fetchone()
        return dict(zip(("name", "role", "password_hash", "token_hash"), row)) if row else None

    def user_by_token(self, digest):
        row = self.conn.execute("SELECT name FROM users WHERE token_hash=?", (digest,)).fetchone()
        return self.user(row[0]) if row else None

    def users(self):
        return [dict(zip(("name", "role"), r)) for r in self.conn.execute("SELECT name, role FROM users ORDER BY name")]

    def save_user(self, name, role, password_hash, now_iso):
        self.conn.execute(
            "INSERT INTO users(name, role, password_hash, created_at) VALUES (?,?,?,?) "
            "ON CONFLICT(name) DO UPDATE SET role=excluded.role, password_hash=excluded.password_hash",
            (name, role, password_hash, now_iso),
        )

    def set_token_hash(self, name, digest):
        self.conn.execute("UPDATE users SET token_hash=? WHERE name=?", (digest, name))


def _data_or_none(text):
    """An event's data for a list of recent events; None where an edited row holds no JSON (`plan
    verify` names it): the list shows what it can."""
    try:
        return json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return None

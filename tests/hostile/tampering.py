"""A generator of tampered databases: one value of one row of a real database replaced by a hostile one.

``tamperings(db)`` lists (name, statements) for a database holding an incident
``INC-1`` that has a snapshot, a cached status text, a delivered notification,
pending timers and a stored plan: every column of the rows a command reads
(events, incidents, snapshots, status_cache, outbox, deliveries, timers,
plans), every key of the snapshot's state and every value of one of its steps,
and the entries of its timers and notifications, each set to each of
``VALUES``. An edit of an event is also made with the hash chain recomputed
after it (``rehash``): what a forger who knows the chain leaves, which only
the checks beyond the chain can see. ``apply(db, statements)`` makes the edit.
"""

from __future__ import annotations

import json
import sqlite3

from planengine.core.store.chain import event_hash

VALUES = [None, "yesterday", "", 5, 1.5, [1], {"a": 1}]
INCIDENT = "INC-1"
REHASH = "rehash"  # a statement that recomputes the chain of INC-1 after the edits before it

EVENT_COLUMNS = ("seq", "at", "kind", "actor", "data", "command", "hash")
TABLES = ("incidents", "snapshots", "status_cache", "outbox", "deliveries", "timers", "plans")


def _sql(value):
    """``value`` as a column value: JSON text for a list or an object, itself otherwise."""
    return json.dumps(value) if isinstance(value, (list, dict)) else value


def _json(value):
    return json.dumps(value)


def _columns(conn, table):
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def tamperings(db) -> list:
    """[(name, [(sql, params) or REHASH, ...])] for the database file ``db`` (see the module docstring)."""
    conn = sqlite3.connect(db)
    try:
        last = conn.execute("SELECT max(seq) FROM events WHERE incident=?", (INCIDENT,)).fetchone()[0]
        last_cmd = conn.execute(
            "SELECT max(seq) FROM events WHERE incident=? AND command IS NOT NULL", (INCIDENT,)
        ).fetchone()[0]
        snap = json.loads(conn.execute("SELECT state FROM snapshots WHERE incident=?", (INCIDENT,)).fetchone()[0])
        tables = {t: _columns(conn, t) for t in TABLES}
    finally:
        conn.close()
    out = []
    for v in VALUES:
        for seq, where in ((3, "3"), (last, "last")):
            for col in EVENT_COLUMNS:
                edit = (f"UPDATE events SET {col}=? WHERE incident='{INCIDENT}' AND seq={seq}", _sql(v))
                out.append((f"events.{col}@{where}={v!r}", [edit]))
                if col in ("at", "kind", "actor", "data"):
                    out.append((f"events.{col}@{where}={v!r}+rehash", [edit, REHASH]))
        for seq, where in ((1, "first"), (last_cmd, "last")):
            for key in ("at", "name", "actor", "args", "last_seq"):
                edit = (
                    f"UPDATE events SET command=json_set(command, '$.{key}', json(?))"
                    f" WHERE incident='{INCIDENT}' AND seq={seq}",
                    _json(v),
                )
                out.append((f"command@{where}.{key}={v!r}", [edit]))
        for table, cols in tables.items():
            for col in cols:
                out.append((f"{table}.{col}={v!r}", [(f"UPDATE {table} SET {col}=?", _sql(v))]))
        for key, value in snap.items():
            if key == "steps":
                for i in range(len(value[0])):
                    s = json.loads(json.dumps(snap))
                    s["steps"][0][i] = v
                    out.append((f"snapshot.steps[0][{i}]={v!r}", [("UPDATE snapshots SET state=?", _json(s))]))
                continue
            s = dict(snap, **{key: v})
            out.append((f"snapshot.{key}={v!r}", [("UPDATE snapshots SET state=?", _json(s))]))
            if isinstance(value, dict) and value:
                first = next(iter(value))
                s = json.loads(json.dumps(snap))
                s[key][first] = v
                out.append((f"snapshot.{key}[{first!r}]={v!r}", [("UPDATE snapshots SET state=?", _json(s))]))
            if isinstance(value, list) and value:
                s = json.loads(json.dumps(snap))
                s[key][0] = v
                out.append((f"snapshot.{key}[0]={v!r}", [("UPDATE snapshots SET state=?", _json(s))]))
    return out


def rehash(conn, incident=INCIDENT) -> None:
    """Recompute ``incident``'s hash chain (and its row's head) over the rows as they now are; rows
    whose data is not JSON or whose seq is not a number are left as they are."""
    prev = ""
    rows = conn.execute(
        "SELECT seq, at, kind, actor, data FROM events WHERE incident=? ORDER BY seq", (incident,)
    ).fetchall()
    for seq, at, kind, actor, data in rows:
        try:
            h = event_hash(
                prev,
                {"incident": incident, "seq": seq, "at": at, "kind": kind, "actor": actor, "data": json.loads(data)},
            )
        except (ValueError, TypeError):
            return
        conn.execute("UPDATE events SET prev_hash=?, hash=? WHERE incident=? AND seq=?", (prev, h, incident, seq))
        prev = h
    conn.execute("UPDATE incidents SET last_hash=? WHERE id=?", (prev, incident))


def apply(db, statements) -> bool:
    """Make the edit on ``db`` in one transaction; False when SQLite itself refuses it (a NOT NULL column)."""
    conn = sqlite3.connect(db)
    try:
        with conn:
            for st in statements:
                if st == REHASH:
                    rehash(conn)
                else:
                    conn.execute(st[0], st[1:])
        return True
    except sqlite3.Error:
        return False
    finally:
        conn.close()

"""`plan verify` catches a rewritten event even when the forger recomputed its hash, and a gap
in the sequence even when the rest of the chain was re-linked, and names the first bad event."""

from __future__ import annotations

import json
import re
import sqlite3

from planengine.core.store.chain import event_hash


def _incident_with_notes(env, n=4):
    """INC-1 with `n` notes after the start events; returns the seqs of the notes."""
    env.start()
    for i in range(n):
        env.json("note", "INC-1", f"note {i}", "--at", env.t(f"10:0{i + 1}"))
    return [e["seq"] for e in env.kinds(kind="note")]


def _rows(conn):
    sql = "SELECT seq, at, kind, actor, data, prev_hash, hash FROM events WHERE incident='INC-1' ORDER BY seq"
    return conn.execute(sql).fetchall()


def _rehash(conn, seq, prev_hash):
    """Give event ``seq`` the hash a forger would compute for its present content after ``prev_hash``."""
    _, at, kind, actor, data, _, _ = conn.execute(
        "SELECT seq, at, kind, actor, data, prev_hash, hash FROM events WHERE incident='INC-1' AND seq=?", (seq,)
    ).fetchone()
    ev = {"incident": "INC-1", "seq": seq, "at": at, "kind": kind, "actor": actor, "data": json.loads(data)}
    h = event_hash(prev_hash, ev)
    conn.execute("UPDATE events SET prev_hash=?, hash=? WHERE incident='INC-1' AND seq=?", (prev_hash, h, seq))
    return h


def _problems(env):
    result = env.run("verify", "INC-1")
    assert result.exit_code == 1, result.output
    out = env.run("verify", "INC-1", "--json")
    assert out.exit_code == 1
    problems = json.loads(out.stdout)["problems"]
    assert problems, "verify fails with no problem named"
    return result.stderr, problems


def _names(text, seq):
    return re.search(rf"\bevent {seq}\b", text) is not None


def test_an_edited_event_with_its_own_hash_recomputed_breaks_the_link_to_the_next(env):
    notes = _incident_with_notes(env)
    forged = notes[1]  # a note in the middle: the folded incident and its head do not change
    conn = sqlite3.connect(env.db)
    with conn:
        conn.execute(
            "UPDATE events SET data=? WHERE incident='INC-1' AND seq=?",
            (json.dumps({"text": "nothing happened", "by": None}), forged),
        )
        prev = conn.execute("SELECT hash FROM events WHERE incident='INC-1' AND seq=?", (forged - 1,)).fetchone()[0]
        _rehash(conn, forged, prev)
    conn.close()
    stderr, problems = _problems(env)
    # the first problem is about the forged event or the link just after it, and names the forged event
    assert _names(problems[0], forged), problems
    assert not any(_names(p, s) for p in problems for s in range(1, forged - 1)), problems
    assert _names(stderr.splitlines()[0], forged) and "INC-1" in stderr


def test_a_deleted_event_is_caught_by_its_seq_even_when_the_chain_was_re_linked(env):
    notes = _incident_with_notes(env)
    gone = notes[1]
    conn = sqlite3.connect(env.db)
    with conn:
        conn.execute("DELETE FROM events WHERE incident='INC-1' AND seq=?", (gone,))
        rows = _rows(conn)
        prev = ""
        for row in rows:  # re-link every event after the gap, as a careful forger would
            prev = _rehash(conn, row[0], prev) if row[0] > gone else row[6]
        conn.execute("UPDATE incidents SET last_hash=? WHERE id='INC-1'", (prev,))
    conn.close()
    _, problems = _problems(env)
    assert _names(problems[0], gone) and "missing" in problems[0], problems


def test_the_forgery_helpers_reproduce_an_untouched_chain(env):
    """The tests above can only pass for the right reason if re-hashing an untouched log changes nothing."""
    _incident_with_notes(env)
    conn = sqlite3.connect(env.db)
    with conn:
        before = _rows(conn)
        prev = ""
        for row in before:
            prev = _rehash(conn, row[0], prev)
        after = _rows(conn)
    conn.close()
    assert before == after
    env.ok("verify", "INC-1")

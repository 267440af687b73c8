"""`plan verify` against a forger with write access to the database file (issue 7).

Beyond the hash chain: a head recorded outside the database, the commands
against the log, the stored plan against the sha256 in its `started` event,
the incidents row and the snapshot against the fold of the log.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from planengine.core.store.chain import event_hash


def _notes(env, n=3, start="10:01"):
    h, m = map(int, start.split(":"))
    for i in range(n):
        env.json("note", "INC-1", f"note {i}", "--at", env.t(f"{h:02d}:{m + i:02d}"))


def _verify(env, *args):
    """(exit code, JSON answer, stderr of the text form)."""
    out = env.run("verify", "INC-1", *args, "--json")
    text = env.run("verify", "INC-1", *args)
    assert out.exit_code == text.exit_code
    return out.exit_code, json.loads(out.stdout), text.stderr


def _recorded_head(env) -> str:
    head = env.json("verify", "INC-1")["head"]
    return f"{head['seq']}:{head['hash']}"


def _rechain(env):
    """Recompute every hash of INC-1 and its incidents row head, as a careful forger would."""
    conn = sqlite3.connect(env.db)
    with conn:
        prev = ""
        rows = conn.execute(
            "SELECT seq, at, kind, actor, data FROM events WHERE incident='INC-1' ORDER BY seq"
        ).fetchall()
        for seq, at, kind, actor, data in rows:
            ev = {"incident": "INC-1", "seq": seq, "at": at, "kind": kind, "actor": actor, "data": json.loads(data)}
            h = event_hash(prev, ev)
            conn.execute("UPDATE events SET prev_hash=?, hash=? WHERE incident='INC-1' AND seq=?", (prev, h, seq))
            prev = h
        conn.execute("UPDATE incidents SET last_hash=? WHERE id='INC-1'", (prev,))
        conn.execute("DELETE FROM snapshots WHERE incident='INC-1'")
    conn.close()


def test_verify_prints_the_head_to_record_and_keeps_its_json_shape(env):
    env.start()
    _notes(env)
    out = env.json("verify", "INC-1")
    assert set(out) == {"incident", "ok", "problems", "head"}
    last = env.events()[-1]
    assert out == {"incident": "INC-1", "ok": True, "problems": [], "head": {"seq": last["seq"], "hash": last["hash"]}}
    assert f"INC-1: head {last['seq']}:{last['hash']}" in env.ok("verify", "INC-1").stdout


def test_a_recorded_head_still_holds_after_the_log_grew(env):
    env.start()
    head = _recorded_head(env)
    _notes(env)
    assert "holds the recorded head" in env.ok("verify", "INC-1", "--head", head).stdout


def test_a_rewrite_that_recomputes_the_whole_chain_is_caught_against_the_recorded_head(env, sql):
    env.start()
    _notes(env)
    head = _recorded_head(env)
    forged = env.kinds(kind="note")[0]["seq"]
    sql(("UPDATE events SET data=? WHERE incident='INC-1' AND seq=?", '{"by":null,"text":"nothing"}', forged))
    _rechain(env)
    code, out, _ = _verify(env)  # the command recorded on the event still says what was typed
    assert code == 1 and out["problems"][0].startswith(f"event {forged} (note): data "), out["problems"]
    sql(("UPDATE events SET command=json_set(command, '$.args.text', 'nothing') WHERE seq=?", forged))
    assert env.json("verify", "INC-1")["ok"] is True, "a full rewrite leaves nothing inside the file to see"
    code, out, stderr = _verify(env, "--head", head)
    assert code == 1
    seq = int(head.split(":")[0])
    assert out["problems"][0].startswith(f"event {seq}: hash ") and "rewritten" in out["problems"][0]
    assert f"INC-1: event {seq}" in stderr.splitlines()[0]


def test_the_last_events_deleted_with_their_commands_are_caught(env, sql):
    env.start()
    _notes(env)
    head = _recorded_head(env)
    last_note = env.kinds(kind="note")[-1]["seq"]
    sql(("DELETE FROM events WHERE incident='INC-1' AND seq>=?", last_note))  # its command goes with it
    code, out, _ = _verify(env)
    assert code == 1 and any("incidents row: last_seq" in p for p in out["problems"]), out["problems"]
    # the forger mends the incidents row too: only the recorded head shows what is gone
    prev = env.events()[-1]
    sql(("UPDATE incidents SET last_seq=?, last_hash=? WHERE id='INC-1'", prev["seq"], prev["hash"]))
    assert env.json("verify", "INC-1")["ok"] is True
    code, out, _ = _verify(env, "--head", head)
    assert code == 1
    assert out["problems"] == [
        f"recorded head is event {last_note}, but the log ends at event {prev['seq']}: events were deleted"
    ]


def test_a_command_erased_from_its_event_is_caught_by_the_commands(env, sql):
    env.start()
    _notes(env, n=5)
    notes = env.kinds(kind="note")
    middle, last = notes[len(notes) // 2]["seq"], notes[-1]["seq"]
    sql(("UPDATE events SET command=NULL WHERE incident='INC-1' AND seq=?", middle))
    code, out, _ = _verify(env)
    assert code == 1
    assert out["problems"] == [f"events {middle}-{middle} belong to no recorded command"]
    sql(("UPDATE events SET command=NULL WHERE incident='INC-1' AND seq=?", last))  # the last one too
    code, out, _ = _verify(env)
    assert out["problems"] == [f"events {s}-{s} belong to no recorded command" for s in (middle, last)]


@pytest.mark.parametrize(
    "record, why",
    [("not json", "Expecting value"), ('{"name": 1}', "no 'at'"), ('["note"]', "not a JSON object")],
)
def test_an_edited_command_record_is_named_by_verify_and_refused_in_one_line_by_replay(env, record, why, sql):
    env.start()
    _notes(env)
    last = env.kinds(kind="note")[-1]["seq"]
    sql(("UPDATE events SET command=? WHERE incident='INC-1' AND seq=?", record, last))
    code, out, _ = _verify(env)
    assert code == 1
    assert out["problems"] == [f"event {last}: the command recorded on it cannot be read ({why})"]
    result = env.run("replay", "INC-1")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.splitlines() == [
        f"error: INC-1: event {last}: the command recorded on it cannot be read ({why});"
        " `plan verify INC-1` lists what is wrong with the record"
    ]


def test_a_command_that_claims_the_next_events_is_caught_by_the_commands(env, sql):
    env.start()
    _notes(env)
    first, second = [e["seq"] for e in env.kinds(kind="note")][:2]
    conn = sqlite3.connect(env.db)
    (n,) = conn.execute(  # the number of the second note's command
        "SELECT count(*) FROM events WHERE incident='INC-1' AND command IS NOT NULL AND seq<=?", (second,)
    ).fetchone()
    conn.close()
    sql(
        (
            "UPDATE events SET command=json_set(command, '$.last_seq', ?) WHERE incident='INC-1' AND seq=?",
            second,
            first,
        ),
    )
    code, out, _ = _verify(env)
    assert code == 1
    assert out["problems"] == [
        f"command {n} (note) starts at event {second}, inside the previous command (up to event {second})"
    ]


def test_an_edited_stored_plan_source_is_caught_by_its_sha256(env, sql):
    env.start()
    sql(("UPDATE plans SET source=replace(source, 'within: 10m', 'within: 60m')",))
    code, out, _ = _verify(env)
    assert code == 1
    assert len(out["problems"]) == 1 and out["problems"][0].startswith("stored plan: its source has sha256")


def test_an_edited_compiled_plan_is_caught(env, sql):
    env.start()
    conn = sqlite3.connect(env.db)
    packed = json.loads(conn.execute("SELECT compiled FROM plans").fetchone()[0])
    conn.close()
    text = json.dumps(packed)
    assert '"within"' in text and "600" in text
    sql(("UPDATE plans SET compiled=?", text.replace("600", "3600", 1)))
    code, out, _ = _verify(env)
    assert code == 1
    assert out["problems"] == ["stored plan: its compiled form differs from its source: the stored plan was edited"]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("closed_at", "2090-03-05T02:30:00Z"),  # hides it from the board of open incidents
        ("kind", "drill"),  # hides it among drills
        ("phase", "closed"),
        ("level", "I"),
        ("opened_at", "2090-03-05T01:00:00Z"),
    ],
)
def test_an_edited_incidents_row_is_caught(env, column, value, sql):
    env.start()
    before = env.json("status")
    sql((f"UPDATE incidents SET {column}=? WHERE id='INC-1'", value))
    code, out, _ = _verify(env)
    assert code == 1
    assert len(out["problems"]) == 1 and out["problems"][0].startswith(f"incidents row: {column} is {value!r}")
    assert before and before[0]["id"] == "INC-1"


def test_an_edited_snapshot_is_caught(env, sql):
    env.start()
    _notes(env, n=20, start="10:01")  # a snapshot every 16 events
    conn = sqlite3.connect(env.db)
    seq, state = conn.execute("SELECT seq, state FROM snapshots WHERE incident='INC-1'").fetchone()
    conn.close()
    data = json.loads(state)
    data["facts"]["crowd_size"] = 999
    sql(("UPDATE snapshots SET state=? WHERE incident='INC-1'", json.dumps(data)))
    code, out, _ = _verify(env)
    assert code == 1
    assert out["problems"] == [f"the snapshot of event {seq} differs from the fold of the log (boards would show it)"]


def test_a_malformed_head_is_a_usage_error(env):
    env.start()
    result = env.run("verify", "INC-1", "--head", "12")
    assert result.exit_code == 2 and "SEQ:HASH" in result.stderr

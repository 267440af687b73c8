"""The status text cached with each snapshot (`plan status --json` of every open incident) is a
cache: the list it gives is byte for byte the one folded from the log, at any reading time and
whatever the outbox says, and a text that is not at the head of the log is never used."""

from __future__ import annotations

import json
import sqlite3

import pytest

from planengine.core.engine import Engine
from planengine.core.incident import status


def _refresh(env) -> int:
    """What `plan tick` and `plan watch` do after firing timers: bring every open incident's
    snapshot and status text to the head of its log (commands write no text)."""
    eng = Engine(db=env.db, create=False)
    try:
        return eng.refresh_caches()
    finally:
        eng.store.close()


def _folded(eng, now_iso, drills=False):
    """The list as the single-incident path renders it: fold, status_dict, encode."""
    ids = eng.store.incident_ids(open_only=True, drills=drills)
    return [
        status.encode(
            status.status_dict(eng.state(i), now_iso, eng.notifications(i) if eng.state(i).kind != "drill" else None)
        ).encode()
        for i in ids
    ]


def _cached_ids(eng, drills=False):
    ids = eng.store.incident_ids(open_only=True, drills=drills)
    return set(eng.store.status_texts(ids, status.text_format()))


def _varied_incidents(env):
    """Incidents in every state a step can be in: on time, late, overdue by a tick, waived,
    mustered, acknowledged, notified (with delivery rows that failed, wait for a retry or went
    out), and user text that looks like the cache's own cuts; each one's text at its head."""
    env.start("crowd_size=60", incident="A")
    env.ok("done", "A", "report_up", "--at", env.t("10:05"))
    env.ok("done", "A", "convene", "--at", env.t("10:45"))  # due 10:35: late
    env.ok("ack", "A", "brief", "--by", "Chen", "--at", env.t("10:46"))
    plan = env.PLAN.replace(
        "        within: {day: 15m, night: 25m}\n",
        "        within: {day: 15m, night: 25m}\n        overdue: {notify: [leader], message: muster late}\n",
    ).replace(
        "      - id: secure\n        role: team\n",
        "      - id: secure\n        role: team\n        within: 1h\n        repeat: 1h\n",
    )
    assert "muster late" in plan and "repeat: 1h" in plan
    env.start("crowd_size=6", incident="B", at="10:10", plan=env.plan(plan, "petition_notified.yaml"))
    env.ok("event", "B", "activate", "--at", env.t("10:12"))  # notifies leader and team
    env.ok("checkin", "B", "team", "--count", "4", "--at", env.t("10:20"))
    env.ok("set", "B", "casualties=4", "--at", env.t("10:21"))
    env.ok("tick", "--now", env.t("10:40"))  # a tick marks B's muster overdue (due 10:27)
    env.start('location=50% {0} %s \x01 \\u0001 "\x04"', incident="C", at="10:30")
    env.ok("waive", "C", "report_up", "--by", "Chen", "--reason", "reported by phone", "--at", env.t("10:31"))
    env.ok("note", "C", "{}%%s\x02", "--at", env.t("10:32"))
    conn = sqlite3.connect(env.db)  # what senders left in the outbox: a failure, a retry, a delivery
    keys = [k for (k,) in conn.execute("SELECT key FROM outbox WHERE incident='B' ORDER BY key")]
    assert keys, "the plan notifies on entering responding"
    for n, key in enumerate(keys):
        for ch, st, attempts, err in (("sms", "failed", 3, "no signal"), ("hook", "queued", 1, "timeout")):
            conn.execute(
                "INSERT INTO deliveries(key, channel, incident, roles, status, attempts, last_error, next_at,"
                " queued_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (key, ch, "B", '["leader"]', st if n == 0 else "delivered", attempts, err, "2090-03-05T03:00:00Z", "x"),
            )
        conn.execute("UPDATE outbox SET status='routed' WHERE key=?", (key,))
    conn.commit()
    conn.close()
    _refresh(env)  # the tick at 10:40 brought A and B up; C changed after it


NOWS = ("2090-03-05T01:59:00Z", "2090-03-05T02:26:00Z", "2090-03-05T02:41:30Z", "2091-01-01T00:00:00Z")


def test_the_list_from_cached_texts_is_the_folded_list_at_any_time(env):
    _varied_incidents(env)
    eng = Engine(db=env.db, create=False, read_only=True)
    assert _cached_ids(eng) == {"A", "B", "C"}, "every incident is read from its text"
    for now in NOWS:
        assert list(eng.status_texts(now)) == _folded(eng, now)
    listed = env.json("status")
    assert [x["id"] for x in listed] == ["A", "B", "C"]
    assert listed == [env.json("status", i) for i in ("A", "B", "C")]
    b = listed[1]
    assert {n["status"] for n in b["notifications"]} == {"failed", "queued", "delivered"}
    assert any("retry_at" in n for n in b["notifications"])
    muster = [st for st in b["steps"] if st["id"] == "muster"][0]
    assert muster["status"] == "overdue" and muster["notifications"], "a step's own delivery state is listed"
    assert [st.get("round") for st in b["steps"] if st["id"] == "secure"] == [1]
    assert listed[2]["facts"]["location"] == '50% {0} %s \x01 \\u0001 "\x04"'


def _one(env, monkeypatch, incident, now):
    """`plan status INCIDENT --json` as printed at ``now``."""
    from planengine.cli import status as status_command

    monkeypatch.setattr(status_command, "_now_iso", lambda: now)
    return env.ok("status", incident, "--json").stdout


def _one_folded(eng, incident, now):
    """What `plan status INCIDENT --json` printed from the fold: status_dict, indented."""
    state = eng.state(incident)
    rows = eng.notifications(incident) if state.kind != "drill" else None
    return json.dumps(status.status_dict(state, now, rows), ensure_ascii=False, indent=2) + "\n"


def test_one_incident_s_status_is_read_from_its_cached_text_byte_for_byte_as_folded(env, monkeypatch):
    """`plan status INC --json` reads the text at the head of the incident's log where there is
    one (no fold, no timezone database), and prints what the fold printed, at any reading time."""
    _varied_incidents(env)
    eng = Engine(db=env.db, create=False, read_only=True)
    assert _cached_ids(eng) == {"A", "B", "C"}
    for now in NOWS:
        for i in ("A", "B", "C"):
            assert eng.cached_status(i, now) is not None
            assert _one(env, monkeypatch, i, now) == _one_folded(eng, i, now)
    monkeypatch.setattr(Engine, "_fold", lambda *a: pytest.fail("folded"))
    assert json.loads(_one(env, monkeypatch, "B", NOWS[1]))["id"] == "B"


def test_one_incident_without_a_text_at_its_head_is_folded(env, monkeypatch):
    _varied_incidents(env)
    env.ok("done", "A", "brief", "--at", env.t("10:50"))  # A's text is one event behind
    conn = sqlite3.connect(env.db)
    conn.execute("UPDATE status_cache SET format='0:older' WHERE incident='C'")
    conn.commit()
    conn.close()
    eng = Engine(db=env.db, create=False, read_only=True)
    assert _cached_ids(eng) == {"B"}
    for i in ("A", "C"):
        assert eng.cached_status(i, NOWS[2]) is None
        assert _one(env, monkeypatch, i, NOWS[2]) == _one_folded(eng, i, NOWS[2])
    assert [s["status"] for s in json.loads(_one(env, monkeypatch, "A", NOWS[0]))["steps"] if s["id"] == "brief"] == [
        "done"
    ]
    missing = env.refused("status", "NOPE", "--json")
    assert missing.stderr.startswith("error: no incident 'NOPE' in ")


def test_a_text_behind_the_log_head_is_not_used_and_the_events_after_it_count(env):
    _varied_incidents(env)
    env.ok("done", "A", "brief", "--at", env.t("10:50"))
    conn = sqlite3.connect(env.db)
    conn.execute("UPDATE status_cache SET seq=seq-1 WHERE incident='A'")  # a text one event behind
    # a text claiming the head with another hash (an edited row) must not be used either
    conn.execute(
        "UPDATE status_cache SET text=replace(text, '\"crowd_size\": 6', '\"crowd_size\": 99'),"
        " hash='x' WHERE incident='B'"
    )
    conn.commit()
    conn.close()
    eng = Engine(db=env.db, create=False, read_only=True)
    assert _cached_ids(eng) == {"C"}
    for now in NOWS:
        assert list(eng.status_texts(now)) == _folded(eng, now)
    listed = {x["id"]: x for x in env.json("status")}
    assert listed["B"]["facts"]["crowd_size"] == 6
    assert [s["status"] for s in listed["A"]["steps"] if s["id"] == "brief"] == ["done"]


def test_a_command_after_the_last_snapshot_makes_the_list_fold_that_incident(env):
    _varied_incidents(env)  # snapshots every SNAPSHOT_EVERY events: most heads are past them
    eng = Engine(db=env.db, create=False, read_only=True)
    for now in NOWS:
        assert list(eng.status_texts(now)) == _folded(eng, now)


def test_a_text_of_another_format_is_ignored(env):
    _varied_incidents(env)
    conn = sqlite3.connect(env.db)
    conn.execute("UPDATE status_cache SET format='0:older', text=replace(text, 'Shanghai', 'Elsewhere')")
    conn.commit()
    conn.close()
    eng = Engine(db=env.db, create=False, read_only=True)
    assert _cached_ids(eng) == set()
    assert list(eng.status_texts(NOWS[2])) == _folded(eng, NOWS[2])


def test_user_text_that_reads_like_a_cut_or_a_format_is_cached_and_listed_as_typed(env):
    # a control character (what the renderer marks its cuts with), a cut as the stored text
    # writes it, and `%` formatting that must not be filled in
    odd = '\x01 \x04 %s %% %d {0} "\\u0001"'
    env.start(f"location={odd}", incident="A")
    env.ok("note", "A", odd, "--at", env.t("10:05"))
    env.start("location=plain", incident="B")
    _refresh(env)
    eng = Engine(db=env.db, create=False, read_only=True)
    assert _cached_ids(eng) == {"A", "B"}
    for now in NOWS:
        assert list(eng.status_texts(now)) == _folded(eng, now)
    assert env.json("status")[0]["facts"]["location"] == odd


def test_drills_are_folded_and_list_their_notifications_from_the_log(env):
    eng = Engine(db=env.db, plans=str(env.root))
    env.plan()
    eng.start(str(env.root / "petition.yaml"), {"crowd_size": 60}, at=env.t("10:00"), incident_id="D-1", kind="drill")
    eng.command("D-1", "event", {"name": "activate"}, at=env.t("10:05"))
    eng.store.close()
    env.start(incident="L")
    _refresh(env)
    eng = Engine(db=env.db, create=False, read_only=True)
    assert _cached_ids(eng, drills=True) == {"L"}, "an instant drill does not render status texts"
    for now in NOWS:
        assert list(eng.status_texts(now, drills=True)) == _folded(eng, now, drills=True)
    drill = [x for x in env.json("status", "--drills") if x["id"] == "D-1"][0]
    assert drill["notifications"] and drill["kind"] == "drill"


def test_an_older_database_without_the_cache_lists_and_gains_it_on_the_next_tick(env, schema_7):
    _varied_incidents(env)
    expected = env.json("status")
    schema_7(env.db)
    conn = sqlite3.connect(env.db)  # back to schema 5, as every database written before the cache
    conn.execute("DROP TABLE status_cache")
    conn.execute("PRAGMA user_version=5")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert env.json("status") == expected, "read as it is (read-only: no migration)"
    eng = Engine(db=env.db, create=False, read_only=True)
    assert eng.store.version == 5 and _cached_ids(eng) == set()
    eng.store.close()
    env.ok("note", "A", "after the upgrade", "--at", env.t("10:50"))
    conn = sqlite3.connect(env.db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 6
    assert conn.execute("SELECT count(*) FROM status_cache").fetchone()[0] == 0, "a command writes no text"
    conn.close()
    env.ok("tick", "--now", env.t("10:51"))
    assert env.json("status") == [env.json("status", i) for i in ("A", "B", "C")]
    eng = Engine(db=env.db, create=False, read_only=True)
    assert _cached_ids(eng) == {"A", "B", "C"}
    assert list(eng.status_texts(NOWS[3])) == _folded(eng, NOWS[3])


def test_the_empty_list_is_an_empty_json_list(env):
    env.start(incident="A")
    env.ok("close", "A", "--at", env.t("10:05"))
    result = env.ok("status", "--json")
    assert result.stdout == "[]\n"
    assert json.loads(env.ok("status", "--json", "--all").stdout)[0]["id"] == "A"


def test_verify_names_a_cached_status_text_that_differs_from_the_fold(env):
    _varied_incidents(env)
    assert env.json("verify", "B")["ok"] is True
    conn = sqlite3.connect(env.db)
    conn.execute(
        "UPDATE status_cache SET text=replace(text, '\"crowd_size\": 6', '\"crowd_size\": 99') WHERE incident='B'"
    )
    conn.commit()
    conn.close()
    assert env.json("status")[1]["facts"]["crowd_size"] == 99, "at the head: read, as a snapshot is"
    result = env.run("verify", "B")
    assert result.exit_code == 1
    assert "cached status text of event" in result.output


def test_a_tick_brings_each_open_incident_s_cached_text_to_its_head(env):
    """Commands write no text; `plan tick` (and `plan watch`) write one for every open incident whose
    log has moved past its own, so the list reads texts."""
    for n in range(3):
        env.start("crowd_size=60", incident=f"T{n}")
        env.ok("done", f"T{n}", "report_up", "--at", env.t("10:05"))
    eng = Engine(db=env.db, create=False)
    before = [_folded(eng, now) for now in NOWS]
    assert _cached_ids(eng) == set(), "a start and a done: no snapshot yet"
    env.ok("tick", "--now", env.t("10:06"))
    eng = Engine(db=env.db, create=False)
    assert _cached_ids(eng) == {"T0", "T1", "T2"}
    for now, folded in zip(NOWS, before):
        assert list(eng.status_texts(now)) == folded == _folded(eng, now)
    for n in range(3):
        assert env.json("verify", f"T{n}")["ok"] is True
    env.ok("note", "T1", "after the tick", "--at", env.t("10:07"))
    eng = Engine(db=env.db, create=False)
    assert _cached_ids(eng) == {"T0", "T2"}, "a command moves the head on: T1 is folded until the next tick"
    assert list(eng.status_texts(NOWS[1])) == _folded(eng, NOWS[1])


def test_a_cache_folded_before_a_command_landed_is_not_written(env):
    env.start("crowd_size=60", incident="R")
    eng = Engine(db=env.db)
    state = eng.state("R")
    env.ok("note", "R", "meanwhile", "--at", env.t("10:03"))  # another officer, between fold and write
    with eng.store.transaction():
        assert eng.store.save_caches("R", state.seq, state.last_hash, ("{}", "x"), None) is False
    assert eng.store.snapshot_row("R")[2:] != ("x", "{}"), "the snapshot plan start wrote stays"
    assert eng.refresh_caches() == 1 and _cached_ids(eng) == {"R"}
    assert env.json("verify", "R")["ok"] is True


def test_watch_once_for_cron_brings_the_texts_to_their_heads_too(env):
    env.start("crowd_size=60", incident="W")
    env.ok("done", "W", "report_up", "--at", env.t("10:05"))
    assert _cached_ids(Engine(db=env.db, create=False)) == set()
    env.ok("watch", "--once")
    eng = Engine(db=env.db, create=False)
    assert _cached_ids(eng) == {"W"} and list(eng.status_texts(NOWS[2])) == _folded(eng, NOWS[2])


def _no_texts(env):
    conn = sqlite3.connect(env.db)  # as commands leave a database where no tick or watch runs
    conn.execute("DELETE FROM status_cache")
    conn.commit()
    conn.close()


def test_a_list_where_no_tick_runs_keeps_the_texts_it_folded_for_the_next_list(env):
    _varied_incidents(env)
    env.ok("done", "A", "brief", "--at", env.t("10:50"))
    _no_texts(env)
    eng = Engine(db=env.db, create=False, read_only=True)
    assert _cached_ids(eng) == set()
    folded = {now: _folded(eng, now) for now in NOWS}
    eng.store.close()
    first = env.ok("status", "--json").stdout
    eng = Engine(db=env.db, create=False, read_only=True)
    assert _cached_ids(eng) == {"A", "B", "C"}, "the first list stored what it folded"
    for now in NOWS:
        assert list(eng.status_texts(now)) == folded[now]
    assert env.ok("status", "--json").stdout == first
    assert env.json("verify", "A")["ok"] is True, "a kept text is the fold's own text"
    env.ok("note", "B", "after the list", "--at", env.t("10:55"))
    assert _cached_ids(eng) == {"A", "C"}, "a text behind the head is not read"


def test_a_kept_list_leaves_drills_folded_and_an_older_schema_unmigrated(env, schema_7):
    env.start("crowd_size=60", incident="L")
    eng = Engine(db=env.db, plans=str(env.root))
    eng.start(str(env.root / "petition.yaml"), {"crowd_size": 60}, at=env.t("10:00"), incident_id="D-1", kind="drill")
    eng.store.close()
    env.ok("status", "--json", "--drills")
    assert _cached_ids(Engine(db=env.db, create=False), drills=True) == {"L"}
    _no_texts(env)
    schema_7(env.db)
    listed = env.json("status")
    assert [x["id"] for x in listed] == ["L"]
    conn = sqlite3.connect(env.db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 7, "a read command never migrates"
    assert conn.execute("SELECT count(*) FROM status_cache").fetchone()[0] == 0
    conn.close()


def test_a_list_while_another_process_holds_the_write_lock_is_printed_and_keeps_nothing(env):
    env.start("crowd_size=60", incident="K")
    holder = sqlite3.connect(env.db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a tick or a command in the middle of its transaction
    try:
        listed = env.json("status")
        assert [x["id"] for x in listed] == ["K"] and listed == [env.json("status", "K")]
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert _cached_ids(Engine(db=env.db, create=False)) == set()
    env.json("status")
    assert _cached_ids(Engine(db=env.db, create=False)) == {"K"}


def test_a_list_folded_a_few_incidents_at_a_time_keeps_its_order_and_every_text(env, monkeypatch):
    from planengine.core import engine

    _varied_incidents(env)
    env.start("crowd_size=7", incident="D", at="10:40")
    env.start("crowd_size=8", incident="E", at="10:41")
    _refresh(env)
    env.ok("note", "A", "after the tick", "--at", env.t("10:50"))  # A, C and D folded, B and E read
    conn = sqlite3.connect(env.db)
    conn.execute("DELETE FROM status_cache WHERE incident IN ('C', 'D')")
    conn.commit()
    conn.close()
    eng = Engine(db=env.db, create=False, read_only=True)
    assert _cached_ids(eng) == {"B", "E"}
    folded = {now: _folded(eng, now) for now in NOWS}
    monkeypatch.setattr(engine, "LIST_CHUNK", 2)
    for now in NOWS:
        assert list(eng.status_texts(now, keep=True)) == folded[now]
    assert _cached_ids(eng) == {"A", "B", "C", "D", "E"}


def _fork_for_every_chunk(monkeypatch):
    import os

    import pytest

    from planengine.core import engine, forked

    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    monkeypatch.setattr(engine, "LIST_CHUNK", 1)
    monkeypatch.setattr(engine, "PARALLEL_MIN", 1)
    monkeypatch.setattr(forked, "usable", lambda: True)  # whatever threads pytest runs
    calls = []
    fork_map = forked.fork_map
    monkeypatch.setattr(forked, "fork_map", lambda fn, jobs: calls.append(jobs) or fork_map(fn, jobs))
    return calls


def test_a_first_list_folded_partly_by_a_forked_child_is_the_folded_list_and_keeps_every_text(env, monkeypatch):
    _varied_incidents(env)
    env.start("crowd_size=7", incident="D", at="10:40")
    env.start("crowd_size=8", incident="E", at="10:41")
    env.ok("note", "A", "after the tick", "--at", env.t("10:50"))
    _no_texts(env)
    eng = Engine(db=env.db, create=False, read_only=True)
    folded = {now: _folded(eng, now) for now in NOWS}
    calls = _fork_for_every_chunk(monkeypatch)
    assert list(eng.status_texts(NOWS[2], keep=True)) == folded[NOWS[2]]
    assert calls == [[["B"], ["C"], ["E"]]], "the child renders three chunks in five (A and D: this process)"
    assert _cached_ids(eng) == {"A", "B", "C", "D", "E"}
    for now in NOWS:
        assert list(eng.status_texts(now)) == folded[now]
    assert all(env.json("verify", i)["ok"] for i in "ABCDE")


def test_incidents_a_forked_child_could_not_render_are_folded_by_the_list(env, monkeypatch):
    from planengine.core import engine

    _varied_incidents(env)
    env.start("crowd_size=7", incident="D", at="10:40")
    _no_texts(env)
    eng = Engine(db=env.db, create=False, read_only=True)
    folded = _folded(eng, NOWS[3])
    _fork_for_every_chunk(monkeypatch)

    def unreadable(incident_id, snap, newer):
        raise ValueError("as a snapshot the child cannot read")

    monkeypatch.setattr(engine, "_fold_rows", unreadable)
    assert list(eng.status_texts(NOWS[3], keep=True)) == folded
    assert _cached_ids(eng) == {"A", "B", "C", "D"}


def test_one_incident_s_status_keeps_its_shape_whether_read_from_its_text_or_folded(env, monkeypatch):
    """The bytes `plan status INC --json` prints: the status object indented by two spaces, keys
    in this order, text as typed (not \\u-escaped), one newline at the end."""
    env.start("crowd_size=60", "location=县政府东门", incident="A")
    env.ok("done", "A", "report_up", "--at", env.t("10:05"))
    _refresh(env)
    eng = Engine(db=env.db, create=False, read_only=True)
    assert eng.cached_status("A", NOWS[0]) is not None
    read = _one(env, monkeypatch, "A", NOWS[0])
    conn = sqlite3.connect(env.db)
    conn.execute("DELETE FROM status_cache")
    conn.commit()
    conn.close()
    assert eng.cached_status("A", NOWS[0]) is None
    assert _one(env, monkeypatch, "A", NOWS[0]) == read
    assert read.startswith('{\n  "id": "A",\n  "plan": "petition",\n  "plan_version": 2,\n')
    assert '\n  "facts": {\n    "casualties": 0,\n    "crowd_size": 60,\n    "location": "县政府东门"\n  },\n' in read
    assert read.endswith("\n}\n") and not read.endswith("\n}\n\n")
    got = json.loads(read)
    assert list(got) == [
        "id", "plan", "plan_version", "title", "kind", "phase", "level", "facts", "local_settings", "opened_at",
        "closed_at", "outcome", "missing_facts", "steps", "checkins", "level_history", "errors", "notifications",
        "owner", "schedule", "missed", "transfers", "seq",
    ]  # fmt: skip
    assert list(got["steps"][0]) == [
        "id", "phase", "role", "title", "status", "activated_at", "due_at", "limit_seconds", "done_at", "by",
        "late_seconds", "required",
    ]  # fmt: skip
    assert '\n      "done_at": "2090-03-05T10:05:00+08:00",\n      "by": null,\n      "late_seconds": 0,\n' in read

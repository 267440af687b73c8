"""Rows edited by hand, each found by tests/hostile/test_tampered_databases.py once: what every command does.

An event whose time is not a time, an event number that is text or a float, an
incidents row naming no stored plan, a snapshot that says the incident is closed
while the log does not, a log one incident of a list cannot be read from: one
clear line (exit 1) or the view shows the value as recorded; never an internal
error or a hang. And `plan verify` re-runs the recorded commands on the stored
plan: an edited command record (its arguments, time or actor, which the hash
chain does not cover) is named with the event it no longer gives.
"""

from __future__ import annotations

import json
import sqlite3

import pytest


def _rows(env, sql, *params):
    conn = sqlite3.connect(env.db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _incident(env):
    env.start("crowd_size=60")
    env.ok("note", "INC-1", "first note", "--at", env.t("10:02"))
    env.ok("done", "INC-1", "report_up", "--at", env.t("10:05"))
    return _rows(env, "SELECT seq FROM events WHERE incident='INC-1' AND kind='note'")[0][0]


@pytest.mark.parametrize("value", ["yesterday", "", 5, 1.5, "2090-13-45T99:00:00Z"])
def test_an_event_whose_time_is_not_a_time_is_shown_as_recorded_by_log_and_named_by_the_rest(env, sql, value):
    note = _incident(env)
    sql(("UPDATE events SET at=? WHERE incident='INC-1' AND seq=?", value, note))
    value = _rows(env, "SELECT at FROM events WHERE incident='INC-1' AND seq=?", note)[0][0]  # as SQLite keeps it
    log = env.run("log", "INC-1")
    assert log.exit_code == 0, log.output
    assert repr(value)[:40] in log.stdout  # as recorded, where a time would be
    assert env.json("log", "INC-1")[note - 1]["at"] == value
    line = (
        f"error: INC-1: event {note}: its time {repr(value)[:40]} is not a time; `plan verify INC-1` lists what"
        " is wrong with the record"
    )
    for argv in (["report", "INC-1"], ["report", "INC-1", "--format", "html"]):
        result = env.run(*argv)
        assert result.exit_code == 1 and result.stderr.splitlines() == [line], (argv, result.output)
    problems = json.loads(env.run("verify", "INC-1", "--json").stdout)["problems"]
    assert f"event {note}: its time {str(value)[:40]!r} is not a time" in problems
    replay = env.run("replay", "INC-1")
    assert replay.exit_code == 1 and "internal error" not in replay.output


def test_a_time_that_is_not_one_in_the_state_is_one_line_for_status_when_there_is_no_snapshot(env, sql):
    _incident(env)
    sql(("UPDATE events SET at='yesterday' WHERE incident='INC-1' AND seq=1",), ("DELETE FROM snapshots",))
    sql(("DELETE FROM status_cache",))
    for argv in (["status", "INC-1"], ["status", "INC-1", "--json"], ["note", "INC-1", "x", "--at", env.t("10:09")]):
        result = env.run(*argv)
        assert result.exit_code == 1, (argv, result.output)
        assert result.stderr.startswith("error: INC-1: event 1: its time 'yesterday' is not a time;"), argv


@pytest.mark.parametrize("value", ["abc", 4.5])
def test_an_edited_number_of_the_head_event_refuses_a_note_in_one_line_and_leaves_the_log(env, sql, value):
    _incident(env)
    seq = _rows(env, "SELECT max(seq) FROM events")[0][0]
    sql(("UPDATE events SET seq=? WHERE incident='INC-1' AND seq=?", value, seq))
    before = _rows(env, "SELECT * FROM events ORDER BY incident, seq")
    note = env.run("note", "INC-1", "more", "--at", env.t("10:20"))
    assert note.exit_code == 1 and len(note.stderr.splitlines()) == 1, note.output
    assert "INC-1" in note.stderr and "internal error" not in note.stderr
    if value == "abc":  # after every number: the fold reads it and names it
        assert "event abc: its seq is not an event number" in note.stderr
    for argv in (
        ["done", "INC-1", "convene", "--at", env.t("10:21")],
        ["set", "INC-1", "casualties=3", "--at", env.t("10:22")],
        ["tick", "--now", env.t("13:00")],
    ):
        result = env.run(*argv)
        assert "internal error" not in result.output and result.exit_code in (0, 1), (argv, result.output)
        if result.exit_code == 1:
            assert len(result.stderr.splitlines()) == 1, (argv, result.stderr)
    assert _rows(env, "SELECT * FROM events ORDER BY incident, seq") == before
    problems = " ".join(json.loads(env.run("verify", "INC-1", "--json").stdout)["problems"])
    assert "is not an event number" in problems, problems


COMMAND_EDITS = {
    "a_note_text": ("$.args.text", '"forged"', "note", "data"),
    "a_note_time": ("$.at", '"2090-03-05T02:02:30Z"', "note", "at"),
    "a_done_actor": ("$.actor", '"mallory"', "done", "actor"),
    "a_start_fact": ("$.args.facts.crowd_size", '"6"', "start", "data"),
}


@pytest.mark.parametrize("edit", sorted(COMMAND_EDITS))
def test_verify_re_runs_the_recorded_commands_and_names_an_edited_one(env, sql, edit):
    _incident(env)
    path, value, name, field = COMMAND_EDITS[edit]
    first = _rows(env, "SELECT min(seq) FROM events WHERE json_extract(command, '$.name')=?", name)[0][0]
    assert env.run("verify", "INC-1").exit_code == 0
    sql(
        (
            f"UPDATE events SET command=json_set(command, '{path}', json(?)) WHERE incident='INC-1' AND seq=?",
            value,
            first,
        )
    )
    verify = env.run("verify", "INC-1", "--json")
    assert verify.exit_code == 1
    (problem,) = json.loads(verify.stdout)["problems"]
    assert f"the command recorded on event {first} ({name} at " in problem, problem
    assert problem.startswith("event ") and "the command record or the event was edited" in problem
    assert (f": {field} is " in problem) if field != "data" else (") : data" in problem or ": data " in problem)
    assert env.run("replay", "INC-1").exit_code == 1  # replay agrees


def test_verify_re_runs_a_long_incidents_commands_once_and_passes_when_nothing_was_edited(env):
    env.start("crowd_size=60")
    for i in range(40):
        env.ok("note", "INC-1", f"n{i}", "--at", env.t(f"10:{1 + i:02d}"))
    env.ok("event", "INC-1", "activate", "--at", env.t("10:45"))
    env.ok("checkin", "INC-1", "team", "--count", "4", "--at", env.t("10:50"))
    env.ok("tick", "--now", env.t("14:00"))
    env.ok("done", "INC-1", "secure", "--at", env.t("14:01"))
    assert env.json("verify", "INC-1")["ok"] is True


def test_a_snapshot_saying_closed_while_the_log_is_open_does_not_make_tick_loop(env, sql):
    env.start("crowd_size=60")
    for i in range(20):
        env.ok("note", "INC-1", f"n{i}", "--at", env.t(f"10:{1 + i:02d}"))
    env.ok("event", "INC-1", "activate", "--at", env.t("10:31"))
    env.ok("tick", "--now", env.t("10:32"))
    assert _rows(env, "SELECT count(*) FROM timers WHERE incident='INC-1'")[0][0] > 0
    sql(("UPDATE snapshots SET state=json_set(state, '$.closed_at', '2090-03-05T02:40:00Z')",))
    result = env.run("tick", "--now", env.t("13:00"))  # used to fire the same timer forever
    assert result.exit_code == 0, result.output
    assert "snapshot" in " ".join(json.loads(env.run("verify", "INC-1", "--json").stdout)["problems"])


def test_an_incidents_row_naming_no_stored_plan_is_one_line_and_the_other_incidents_timers_fire(env, sql):
    env.start("crowd_size=60")
    env.start("crowd_size=60", incident="INC-2")
    sql(("UPDATE incidents SET plan_sha=NULL WHERE id='INC-1'",))
    for argv in (["note", "INC-1", "x", "--at", env.t("10:05")], ["replay", "INC-1"], ["drill", "extract", "INC-1"]):
        result = env.run(*argv)
        assert result.exit_code == 1, (argv, result.output)
        assert result.stderr.startswith("error: INC-1: the plan 'None' its row names is not stored;"), argv
    tick = env.run("tick", "--now", env.t("10:30"))
    assert tick.exit_code == 1
    assert [line for line in tick.stderr.splitlines() if line.startswith("error")] == [
        "error: INC-1: the plan 'None' its row names is not stored; `plan verify INC-1` lists what is wrong with"
        " the record"
    ]
    assert "INC-2: report_up overdue" in tick.stdout  # the other incident's deadline fired
    assert "incidents row: plan_sha is None" in " ".join(
        json.loads(env.run("verify", "INC-1", "--json").stdout)["problems"]
    )


def test_a_list_leaves_out_an_incident_whose_log_cannot_be_read_and_names_it(env, sql):
    env.start("crowd_size=60")
    env.start("crowd_size=60", incident="INC-2")
    env.ok("done", "INC-1", "report_up", "--at", env.t("10:05"))  # an event after the snapshot a start writes
    done = _rows(env, "SELECT max(seq) FROM events WHERE incident='INC-1'")[0][0]
    sql(("UPDATE events SET data='5' WHERE incident='INC-1' AND seq=?", done), ("DELETE FROM status_cache",))
    for argv in (["status", "--json"], ["status"]):
        result = env.run(*argv)
        assert result.exit_code == 1, (argv, result.output)
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"error: INC-1: event {done}: its data cannot be folded ("), argv
        assert line.endswith("`plan verify INC-1` lists what is wrong with the record"), argv
        assert "INC-2" in result.stdout and "INC-1" not in result.stdout
    assert [s["id"] for s in json.loads(env.run("status", "--json").stdout)] == ["INC-2"]


@pytest.mark.parametrize("edit", ["UPDATE events SET at='5' WHERE seq=?", "UPDATE events SET data='\"x\"' WHERE seq=?"])
def test_the_wall_boards_recent_events_show_an_edited_event_as_recorded(env, sql, edit):
    import re

    from starlette.testclient import TestClient

    from planengine.cli import cli
    from planengine.web.app import create_app

    _incident(env)
    last = _rows(env, "SELECT max(seq) FROM events")[0][0]
    sql((edit, last))
    r = env.runner.invoke(cli, ["user", "add", "li", "--password-stdin", "--db", env.db], input="pw\n")
    assert r.exit_code == 0, r.output
    with TestClient(create_app(env.db, lang="en"), raise_server_exceptions=False) as client:
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        assert client.post("/login", data={"user": "li", "password": "pw", "csrf": csrf}).status_code == 200
        for path in ("/", "/board"):
            page = client.get(path)
            assert page.status_code == 200, (path, page.text[:300])
            assert "first note" in page.text  # the other recent events are listed


@pytest.mark.parametrize("value", ["5", "[1]", "1.5"])
def test_an_event_whose_data_is_not_an_object_is_one_line_for_the_report(env, sql, value):
    _incident(env)
    sql(("UPDATE events SET data=? WHERE incident='INC-1' AND seq=3", value))
    result = env.run("report", "INC-1")
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1, result.output
    assert result.stderr.startswith("error: INC-1: event 3: its data cannot be folded (")


def test_a_compiled_plan_that_cannot_be_loaded_is_rebuilt_from_its_source_and_named_by_verify(env, sql):
    _incident(env)
    sql(("UPDATE plans SET compiled='5'",))
    for argv in (["report", "INC-1"], ["note", "INC-1", "x", "--at", env.t("10:09")], ["drill", "extract", "INC-1"]):
        result = env.run(*argv)
        assert result.exit_code == 0, (argv, result.output)
    assert _rows(env, "SELECT compiled FROM plans") == [("5",)]  # the evidence stays for verify
    problems = json.loads(env.run("verify", "INC-1", "--json").stdout)["problems"]
    assert problems == ["stored plan: its compiled form differs from its source: the stored plan was edited"]


@pytest.mark.parametrize("value", ["", "1.5"])  # before any time as text: due at once
def test_a_timer_row_due_at_no_time_is_dropped_by_tick_and_watch(env, sql, value):
    _incident(env)
    sql(("UPDATE timers SET due_at=? WHERE incident='INC-1'", value))
    for argv in (["watch", "--once"], ["tick", "--now", env.t("13:00")]):
        result = env.run(*argv)
        assert result.exit_code == 0, (argv, result.output)
    assert _rows(env, "SELECT count(*) FROM timers WHERE due_at=?", value) == [(0,)]

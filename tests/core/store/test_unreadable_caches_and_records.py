"""Rows a forger or a broken disk left unreadable: what the commands do with them.

A snapshot or a cached status text that cannot be read is a cache that is not
there: every command reads the log instead and gives what the fold of the log
gives, and `plan verify` names the row. An edited record that no command can
use (a command record nested past the JSON parser's depth, an event number
that is not a number, a log whose first command is not `start`) is one clear
line from `verify`, `replay` and `drill extract`, never an internal error.
"""

from __future__ import annotations

import json
import sqlite3

import pytest


def _one(env, sql):
    conn = sqlite3.connect(env.db)
    try:
        return conn.execute(sql).fetchone()
    finally:
        conn.close()


def _incident_with_a_snapshot_and_a_cached_text(env):
    env.start("crowd_size=60")
    for i in range(20):  # a snapshot every 16 events
        env.json("note", "INC-1", f"note {i}", "--at", env.t(f"10:{1 + i:02d}"))
    env.ok("tick", "--now", env.t("10:30"))  # brings the snapshot and the status text to the head
    assert _one(env, "SELECT count(*) FROM snapshots WHERE incident='INC-1'")[0] == 1
    assert _one(env, "SELECT count(*) FROM status_cache WHERE incident='INC-1'")[0] == 1


SNAPSHOT_EDITS = {
    "not_json": "garbage{",
    "a_list": "[1, 2, 3]",
    "null": "null",
    "an_empty_object": "{}",
    "nested_past_the_parser": "[" * 100_000 + "]" * 100_000,
    "a_slot_of_the_wrong_type": None,  # facts: 5, steps: "x" (built from the real snapshot below)
    "a_step_of_the_wrong_shape": None,  # steps: [[1, 2]]
}


def _step(i, value):
    def edit(data):
        data["steps"][0][i] = value

    return edit


# The right keys and top-level types, contents no fold writes (core/incident/wellformed.py).
SNAPSHOT_CONTENT_EDITS = {
    "timers_due_at_lists": lambda d: d["timers"].update({k: [1] for k in [*d["timers"], "step:convene:9"]}),
    "a_timer_due_at_no_time": lambda d: d["timers"].update({"step:x:1": "yesterday"}),
    "a_notification_that_is_null": lambda d: d["notifications"].update({"INC-1:99": None}),
    "a_level_change_that_is_null": lambda d: d["level_history"].append(None),
    "opened_at_no_time": lambda d: d.update(opened_at="yesterday"),
    "a_zone_that_does_not_exist": lambda d: d.update(timezone="Mars/Olympus_Mons"),
    "last_at_null": lambda d: d.update(last_at=None),
    "phase_null": lambda d: d.update(phase=None),
    "a_step_due_at_a_number": _step(6, 5),
    "a_step_status_unknown": _step(4, "exploded"),
    "a_step_activation_seq_null": _step(11, None),
    "a_step_acks_of_numbers": _step(20, [1, 2]),
    "a_step_round_a_string": _step(25, "2"),
}


@pytest.mark.parametrize("edit", sorted(SNAPSHOT_EDITS) + sorted(SNAPSHOT_CONTENT_EDITS))
def test_a_snapshot_that_cannot_be_read_is_passed_over_for_the_log(env, edit, sql):
    _incident_with_a_snapshot_and_a_cached_text(env)
    seq, text = _one(env, "SELECT seq, state FROM snapshots WHERE incident='INC-1'")
    expected = json.loads(env.run("status", "INC-1", "--json").stdout)
    new = SNAPSHOT_EDITS.get(edit)
    if edit in SNAPSHOT_CONTENT_EDITS:
        data = json.loads(text)
        SNAPSHOT_CONTENT_EDITS[edit](data)
        new = json.dumps(data)
    elif edit == "a_slot_of_the_wrong_type":
        data = json.loads(text)
        data["facts"], data["timers"] = 5, "x"
        new = json.dumps(data)
    elif edit == "a_step_of_the_wrong_shape":
        data = json.loads(text)
        data["steps"] = [[1, 2]]
        new = json.dumps(data)
    sql(("UPDATE snapshots SET state=? WHERE incident='INC-1'", new))
    sql(("DELETE FROM status_cache",))  # the list folds too

    single = env.run("status", "INC-1", "--json")
    assert single.exit_code == 0, single.output
    listed = env.run("status", "--json")
    assert listed.exit_code == 0, listed.output
    assert json.loads(single.stdout)["steps"] == json.loads(listed.stdout)[0]["steps"]
    assert json.loads(single.stdout) == expected  # the fold of the log, as before the edit
    for argv in (["status", "INC-1"], ["report", "INC-1"], ["drill", "score", "INC-1"], ["watch", "--once"]):
        result = env.run(*argv)
        assert result.exit_code == 0, (argv, result.output)

    verify = env.run("verify", "INC-1", "--json")
    assert verify.exit_code == 1
    assert json.loads(verify.stdout)["problems"] == [
        f"the snapshot of event {seq} differs from the fold of the log (boards would show it)"
    ]
    done = env.run("done", "INC-1", "report_up", "--at", env.t("10:41"))
    assert done.exit_code == 0, done.output
    assert env.run("tick", "--now", env.t("10:50")).exit_code == 0  # writes a good snapshot over it
    assert env.run("verify", "INC-1").exit_code == 0


CACHE_EDITS = [
    ("text", "garbage{"),
    ("text", "%s%s%s%s%s%s"),
    ("text", '{"id": "\x1b[2J\x00"}'),
    ("holes", "nope"),
    ("holes", "[[999999, 5], [-1, 2]]"),
    ("holes", '["zzz"]'),
    ("meta", "{x"),
    ("meta", "[1, 2]"),
]


@pytest.mark.parametrize("column, value", CACHE_EDITS, ids=[f"{c}={v[:8]!r}" for c, v in CACHE_EDITS])
def test_a_cached_status_text_that_cannot_be_filled_in_is_passed_over_for_the_fold(env, column, value, sql):
    _incident_with_a_snapshot_and_a_cached_text(env)
    env.ok("event", "INC-1", "activate", "--at", env.t("10:31"))  # notifications: the meta is read
    env.ok("tick", "--now", env.t("10:32"))
    sql((f"UPDATE status_cache SET {column}=? WHERE incident='INC-1'", value))
    listed = env.run("status", "--json")
    if column == "text" and "%" in value:  # fills in: a forger's text is printed, and verify names it
        assert env.run("verify", "INC-1").exit_code == 1
        return
    assert listed.exit_code == 0, listed.output
    single = env.run("status", "INC-1", "--json")
    assert json.loads(listed.stdout)[0] == json.loads(single.stdout)
    verify = env.run("verify", "INC-1", "--json")
    assert json.loads(verify.stdout)["problems"] == [
        f"the cached status text of event {_one(env, 'SELECT seq FROM status_cache')[0]} differs from the fold"
        " of the log (plan status --json would show it)"
    ]


def test_a_snapshot_row_whose_event_number_is_text_is_named_by_verify(env, sql):
    _incident_with_a_snapshot_and_a_cached_text(env)
    sql(("UPDATE snapshots SET seq='abc' WHERE incident='INC-1'",))
    for argv in (["verify", "INC-1"], ["replay", "INC-1"]):
        result = env.run(*argv)
        assert result.exit_code == 1 and "internal error" not in result.output
    assert json.loads(env.run("verify", "INC-1", "--json").stdout)["problems"] == [
        "the snapshot row names event 'abc', not an event number"
    ]
    assert env.run("status", "INC-1", "--json").exit_code == 0


def test_a_command_record_nested_past_the_parser_is_named_by_verify_and_refused_by_replay(env, sql):
    _incident_with_a_snapshot_and_a_cached_text(env)
    last = _one(env, "SELECT max(seq) FROM events WHERE incident='INC-1' AND command IS NOT NULL")[0]
    sql(("UPDATE events SET command=? WHERE incident='INC-1' AND seq=?", "[" * 200_000 + "]" * 200_000, last))
    verify = env.run("verify", "INC-1", "--json")
    assert verify.exit_code == 1
    (problem,) = json.loads(verify.stdout)["problems"]
    assert problem.startswith(f"event {last}: the command recorded on it cannot be read (maximum recursion depth")
    for argv in (["replay", "INC-1"], ["drill", "extract", "INC-1"]):
        result = env.run(*argv)
        assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1, result.output
        assert "internal error" not in result.stderr and "plan verify INC-1" in result.stderr


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE events SET command=NULL WHERE incident='INC-1'",
        "UPDATE events SET command=json_set(command, '$.args.facts', json('[1, 2]')) WHERE incident='INC-1' AND seq=1",
        "UPDATE events SET command=json_set(command, '$.at', 'not a time')"
        " WHERE incident='INC-1' AND seq=(SELECT max(seq) FROM events WHERE command IS NOT NULL)",
    ],
    ids=["no_command_recorded", "start_facts_a_list", "a_time_that_is_not_one"],
)
def test_drill_extract_of_edited_commands_is_one_line(env, edit, sql):
    env.start("crowd_size=60")
    env.ok("done", "INC-1", "report_up", "--at", env.t("10:05"))
    sql((edit,))
    result = env.run("drill", "extract", "INC-1")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: INC-1: the recorded commands cannot be re-enacted (")
    assert len(result.stderr.splitlines()) == 1 and "internal error" not in result.stderr
    assert env.run("replay", "INC-1").exit_code == 1


@pytest.mark.parametrize(
    "edit, problem",
    [
        ("UPDATE events SET seq='x' WHERE incident='INC-1' AND seq=4", "its seq 'x' is not an event number"),
        ("UPDATE events SET data='" + "[" * 100_000 + "]" * 100_000 + "' WHERE incident='INC-1' AND seq=3",
         "event 3: data is not JSON"),
    ],
    ids=["seq_as_text", "data_nested_past_the_parser"],
)  # fmt: skip
def test_an_unreadable_event_row_is_named_by_verify(env, edit, problem, sql):
    env.start("crowd_size=60")
    env.ok("done", "INC-1", "report_up", "--at", env.t("10:05"))
    sql((edit,))
    verify = env.run("verify", "INC-1", "--json")
    assert verify.exit_code == 1, verify.output
    assert any(p.endswith(problem) for p in json.loads(verify.stdout)["problems"])


def test_an_event_whose_data_is_not_json_is_one_line_for_log_report_and_replay(env, sql):
    env.start("crowd_size=60")
    env.ok("done", "INC-1", "report_up", "--at", env.t("10:05"))
    sql(("UPDATE events SET data='garbage{' WHERE incident='INC-1' AND seq=3",))
    for argv in (["log", "INC-1"], ["report", "INC-1"], ["replay", "INC-1"]):
        result = env.run(*argv)
        assert result.exit_code == 1, (argv, result.output)
        assert result.stderr.splitlines() == [
            "error: INC-1: event 3: its data is not JSON; `plan verify INC-1` lists what is wrong with the record"
        ], argv
    assert "event 3: data is not JSON" in json.loads(env.run("verify", "INC-1", "--json").stdout)["problems"]


def test_an_outbox_row_whose_roles_are_not_a_list_of_names_reaches_no_role(env, sql):
    env.start("crowd_size=60")
    env.ok("event", "INC-1", "activate", "--at", env.t("10:02"))  # notifies leader and team
    sql(("UPDATE outbox SET roles='garbage{' WHERE incident='INC-1'",))
    for argv in (["status", "--json"], ["status", "INC-1", "--json"], ["tick", "--now", env.t("10:30")]):
        result = env.run(*argv)
        assert result.exit_code == 0, (argv, result.output)
    assert env.run("note", "INC-1", "still writable", "--at", env.t("10:31")).exit_code == 0

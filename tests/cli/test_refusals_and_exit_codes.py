"""Refusals: bad input changes nothing, exit codes are 0 ok / 1 refused / 2 usage."""

from __future__ import annotations

import pytest


def snapshot(env):
    return {table: env.count(table) for table in ("incidents", "events", "timers", "outbox")}


# -- bad fact values -----------------------------------------------------------


@pytest.mark.parametrize(
    "assignment, named",
    [
        ("crowd_size=abc", "crowd_size"),
        ("crowd_size=-3", "crowd_size"),  # min: 0
        ("crowd_size=2.5", "crowd_size"),
        ("crowd_sise=3", "crowd_size"),  # unknown fact, with a suggestion
    ],
)
def test_start_with_a_bad_fact_value_is_refused_and_writes_nothing(env, assignment, named):
    result = env.run("start", env.plan(), "--set", assignment, "--at", env.t("10:00"))
    assert result.exit_code == 1
    assert named in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, "one clear line"
    assert snapshot(env) == {"incidents": 0, "events": 0, "timers": 0, "outbox": 0}
    assert env.json("status") == []


def test_start_with_one_bad_fact_among_good_ones_writes_nothing(env):
    env.start(incident="OTHER")
    before = snapshot(env)
    result = env.run("start", env.plan(), "--set", "crowd_size=5", "--set", "casualties=abc", "--id", "INC-2")
    assert result.exit_code == 1
    assert "casualties" in result.stderr
    assert snapshot(env) == before
    assert env.run("status", "INC-2").exit_code == 1


@pytest.mark.parametrize("assignment", ["crowd_size=abc", "crowd_size=-1", "crowd_size="])
def test_set_with_a_bad_fact_value_is_refused_and_writes_nothing(env, assignment):
    env.start("crowd_size=4")
    before = snapshot(env)
    result = env.run("set", "INC-1", assignment, "--at", env.t("10:05"))
    assert result.exit_code == 1
    assert "crowd_size" in result.stderr
    assert snapshot(env) == before
    assert env.status()["facts"]["crowd_size"] == 4


def test_set_of_several_facts_with_one_bad_writes_none_of_them(env):
    env.start()
    before = snapshot(env)
    result = env.run("set", "INC-1", "crowd_size=50", "casualties=lots", "--at", env.t("10:05"))
    assert result.exit_code == 1
    assert "casualties" in result.stderr
    assert snapshot(env) == before
    assert "crowd_size" not in env.status()["facts"]


def test_facts_are_typed_as_the_plan_declares(env):
    plan = env.PLAN.replace("location:   {type: string}", "location:   {type: string}\n  cordon: {type: boolean}")
    s = env.start("crowd_size=07", "cordon=yes", "location=12", plan=env.plan(plan))
    assert s["facts"]["crowd_size"] == 7
    assert s["facts"]["cordon"] is True
    assert s["facts"]["location"] == "12"
    result = env.run("set", "INC-1", "cordon=perhaps", "--at", env.t("10:05"))
    assert result.exit_code == 1 and "cordon" in result.stderr


# -- exit codes ------------------------------------------------------------------


def test_done_on_an_unknown_step_is_refused_with_a_suggestion(env):
    env.start()
    before = snapshot(env)
    result = env.run("done", "INC-1", "report_upp", "--at", env.t("10:05"))
    assert result.exit_code == 1
    assert "report_upp" in result.stderr and "report_up" in result.stderr.replace("report_upp", "")
    assert snapshot(env) == before


def test_done_twice_is_refused(env):
    env.start()
    env.json("done", "INC-1", "report_up", "--at", env.t("10:05"))
    before = snapshot(env)
    result = env.run("done", "INC-1", "report_up", "--at", env.t("10:06"))
    assert result.exit_code == 1
    assert snapshot(env) == before


def test_event_not_valid_in_the_phase_is_refused_naming_the_valid_ones(env):
    env.start()
    before = snapshot(env)
    result = env.run("event", "INC-1", "dispersed", "--at", env.t("10:05"))
    assert result.exit_code == 1
    assert "dispersed" in result.stderr and "activate" in result.stderr
    assert snapshot(env) == before
    assert env.status()["phase"] == "reported"


@pytest.mark.parametrize(
    "command",
    [
        ("done", "INC-1", "report_up"),
        ("set", "INC-1", "crowd_size=9"),
        ("event", "INC-1", "activate"),
        ("checkin", "INC-1", "team"),
        ("close", "INC-1"),
    ],
)
def test_commands_on_a_closed_incident_are_refused(env, command):
    env.start()
    env.json("close", "INC-1", "--at", env.t("10:30"))
    before = snapshot(env)
    result = env.run(*command, "--at", env.t("10:40"))
    assert result.exit_code == 1
    assert "closed" in result.stderr
    assert snapshot(env) == before


@pytest.mark.parametrize(
    "command",
    [
        ("done", "NOPE", "report_up"),
        ("status", "NOPE"),
        ("log", "NOPE"),
        ("verify", "NOPE"),
        ("note", "NOPE", "hello"),
    ],
)
def test_commands_on_an_unknown_incident_are_refused(env, command):
    env.start()
    result = env.run(*command)
    assert result.exit_code == 1
    assert "NOPE" in result.stderr


def test_start_of_an_unknown_plan_is_refused(env):
    env.plan()
    result = env.run("start", "petiton", "--plans", str(env.root))
    assert result.exit_code == 1
    assert "petiton" in result.stderr and "did you mean 'petition'" in result.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ("done", "INC-1"),  # missing STEP
        ("done",),
        ("start",),
        ("set", "INC-1"),  # no KEY=VALUE
        ("set", "INC-1", "crowd_size"),  # not KEY=VALUE
        ("checkin", "INC-1", "team", "--count", "-2"),
        ("graph", "petition", "--format", "png"),
        ("frobnicate",),
    ],
)
def test_usage_errors_exit_2(env, argv):
    env.start()
    before = snapshot(env)
    result = env.run(*argv)
    assert result.exit_code == 2, result.output
    assert snapshot(env) == before


def test_malformed_time_is_refused_as_bad_input_naming_the_value(env):
    result = env.run("start", env.plan(), "--at", "yesterday")
    assert result.exit_code == 1, result.output  # refused, not a usage error
    assert "yesterday" in result.stderr
    assert "internal error" not in result.stderr
    assert env.count("events") == 0


def test_malformed_tick_time_is_refused_naming_the_value(env):
    env.start()
    result = env.run("tick", "--now", "soon")
    assert result.exit_code == 1, result.output  # refused, not a usage error
    assert "soon" in result.stderr
    assert "internal error" not in result.stderr


def test_a_file_that_is_not_a_database_is_refused_cleanly(env):
    bogus = env.write("notes.txt", "this is not sqlite " * 100)
    result = env.run("status", "--db", bogus, db=False)
    assert result.exit_code == 1
    assert result.stderr.strip()

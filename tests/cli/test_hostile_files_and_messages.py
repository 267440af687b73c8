"""Files and messages a hostile tester tried: nothing overwritten, nothing echoed, no internal errors."""

from __future__ import annotations

import sqlite3

import pytest

from planengine.core.plan.facts import FactError, coerce_value


def _extractable(env):
    env.start()
    env.ok("done", "INC-1", "report_up", "--by", "Li", "--at", env.t("10:05"))


def test_drill_extract_refuses_an_existing_file_unless_force(env):
    _extractable(env)
    target = env.write("old.yaml", "keep: me\n")
    result = env.run("drill", "extract", "INC-1", "-o", target)
    assert result.exit_code == 1 and "--force" in result.stderr
    assert open(target, encoding="utf-8").read() == "keep: me\n"
    env.ok("drill", "extract", "INC-1", "-o", target, "--force")
    assert "injects:" in open(target, encoding="utf-8").read()


def test_drill_extract_never_writes_over_a_database_even_with_force(env):
    _extractable(env)
    # the last command's engine may still hold its connection (the i18n hook keeps it until the next
    # command), and its close would merge the WAL into the file: merge it now, so only a write counts
    conn = sqlite3.connect(env.db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = open(env.db, "rb").read()
    for extra in ((), ("--force",)):
        result = env.run("drill", "extract", "INC-1", "-o", env.db, *extra)
        assert result.exit_code == 1 and "SQLite database" in result.stderr
    assert open(env.db, "rb").read() == before
    assert sqlite3.connect(env.db).execute("SELECT COUNT(*) FROM incidents").fetchone()[0] == 1


def test_a_drill_plan_reference_never_opens_a_non_yaml_file_nor_echoes_it(env):
    secret = env.write("secret.txt", "root:x:0:0:TOPSECRET:/root:/bin/bash\n")
    for ref in (secret, "secret.txt", "../" + env.root.name + "/secret.txt"):
        path = env.write(
            "d.yaml", f"drill: d\nplan: {ref}\nstart: 2090-03-05T10:00:00+08:00\ninjects:\n  - {{at: 1m, say: hi}}\n"
        )
        result = env.run("validate", path)
        assert result.exit_code == 1 and "is not a plan" in result.stderr, result.output
        assert "TOPSECRET" not in result.output


def test_automatic_ids_still_work_after_a_manual_id_on_the_same_day(env):
    plan = env.plan()
    env.ok("start", plan, "--id", "INC-20900305-zz", "--at", env.t("10:00"))
    first = env.json("start", plan, "--at", env.t("10:01"))
    second = env.json("start", plan, "--at", env.t("10:02"))
    assert (first["id"], second["id"]) == ("INC-20900305-0001", "INC-20900305-0002")


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("d: &a [*a]\n", "recursive alias"),
        ("a: " + "[" * 460 + "]" * 460 + "\n", "nesting deeper"),
        ("a: !!int '1e400'\n", "not an integer"),
        ("a: " + "9" * 5000 + "\n", "more than 4000 digits"),
    ],
)
def test_hostile_yaml_is_one_located_line_not_an_internal_error(env, text, fragment):
    path = env.write("hostile.yaml", text)
    result = env.run("validate", path)
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{path}:1:") and fragment in line and len(line) < 400


def test_a_thousand_step_needs_chain_validates_lints_and_runs(env):
    steps = "\n".join(
        f"      - {{id: s{i}" + (f", needs: [s{i - 1}]" if i else "") + ", within: 1m}" for i in range(1000)
    )
    text = f"id: chain\ntitle: C\nversion: 1\ninitial: a\nphases:\n  a:\n    steps:\n{steps}\n"
    text += "    on:\n      - {when: all_done, to: b}\n  b: {final: true}\n"
    path = env.write("chain.yaml", text)
    env.ok("lint", path)
    env.ok("start", path, "--id", "C-1", "--at", env.t("10:00"))
    env.ok("done", "C-1", "s0", "--at", env.t("10:01"))


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00", "9999-12-31T23:59:00", "9999-12-31T23:59:00-05:00"])
def test_years_outside_1970_2999_are_refused_in_at_and_drills(env, at):
    result = env.run("start", env.plan(), "--id", "Y-1", "--at", at)
    assert result.exit_code == 1 and "year must be between 1970 and 2999" in result.stderr
    path = env.write("d.yaml", f"drill: d\nplan: petition.yaml\nstart: '{at}'\ninjects:\n  - {{at: 1m, say: hi}}\n")
    result = env.run("validate", path)
    assert result.exit_code == 1 and f"{path}:3:" in result.stderr and "year" in result.stderr


def test_an_event_named_state_is_refused_by_validate(env):
    path = env.plan(env.PLAN.replace("- event: dispersed", "- event: state"))
    result = env.run("validate", path)
    assert result.exit_code == 1 and "reserved" in result.stderr


def test_messages_quote_at_most_a_short_piece_of_a_long_value(env):
    path = env.plan(env.PLAN.replace("within: 45m", "within: " + "x" * 900_00))
    result = env.run("validate", path)
    assert result.exit_code == 1 and max(len(line) for line in result.stderr.splitlines()) < 400


def test_missing_keys_are_named_once_per_object(env):
    path = env.write("p.yaml", "phases: {a: {final: true}}\n")
    result = env.run("validate", path)
    lines = result.stderr.splitlines()
    assert len([x for x in lines if "missing key" in x]) == 1, lines
    assert all(f"'{k}'" in result.stderr for k in ("id", "title", "version", "initial"))


def test_control_characters_in_plan_titles_never_reach_the_terminal(env):
    path = env.plan(env.PLAN.replace("title: Reported", 'title: "Rep\\e[2Jorted"'))
    assert "\x1b" not in env.ok("show", path).stdout
    env.start(plan=path)
    assert "\x1b" not in env.ok("status", "INC-1").stdout


def test_a_naive_tick_now_names_the_site_timezone_and_dst_gaps_are_refused(env):
    env.start()
    result = env.ok("tick", "--now", "2090-03-05T10:30:00")
    assert "Asia/Shanghai" in result.stderr and "Asia/Shanghai" in result.stdout
    env.write("planengine.yaml", "timezone: America/New_York\n")
    gap = env.run("tick", "--now", "2090-03-12T02:30:00", "--config", "planengine.yaml")
    assert gap.exit_code == 1 and "does not exist in America/New_York" in gap.stderr
    twice = env.run("tick", "--now", "2090-11-05T01:30:00", "--config", "planengine.yaml")
    assert twice.exit_code == 1 and "happens twice" in twice.stderr


@pytest.mark.parametrize(
    "ftype, typed, expected",
    [
        ("integer", "１５", 15),
        ("integer", "－３", -3),
        ("number", "２．５", 2.5),
        ("integer", "-0", 0),
        ("number", "-0", 0.0),
    ],
)
def test_full_width_digits_and_minus_zero_are_the_numbers_they_show(ftype, typed, expected):
    out = coerce_value("n", ftype, typed)
    assert out == expected and type(out) is type(expected) and str(out) == str(expected)


@pytest.mark.parametrize("typed", ["1_000", "1,000", "٣"])
def test_separators_and_other_scripts_digits_are_refused_in_numbers(typed):
    with pytest.raises(FactError):
        coerce_value("n", "integer", typed)

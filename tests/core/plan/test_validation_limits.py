"""Plans and arguments that used to validate and then fail at run time (internal errors, overflows)."""

from __future__ import annotations

import json
import math

import pytest

from planengine.core.plan import durations
from planengine.core.plan.facts import FactError, coerce_value

TINY = """\
id: tiny
title: Tiny
version: 1
lang: en
timezone: Asia/Shanghai
facts:
  k: {type: string}
  rain: {type: number}
roles:
  office: {title: Office}
initial: open
phases:
  open:
    steps:
      - {id: report, role: office, within: 10m}
    on:
      - {event: finish, to: closed}
  closed: {final: true}
"""


def refused(env, text, name="plan.yaml"):
    path = env.plan(text, name)
    result = env.run("validate", path)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return path, result.stderr


def error_at(stderr, path, line, *fragments):
    lines = [x for x in stderr.splitlines() if x.startswith(f"{path}:{line}:")]
    assert lines, f"no error at {path}:{line}:\n{stderr}"
    assert any(all(f in x for f in fragments) for x in lines), (fragments, lines)


# -- 1. min/max on a non-numeric fact ----------------------------------------


def test_min_max_on_a_string_fact_is_refused_at_its_position(env):
    text = TINY.replace("k: {type: string}", "k: {type: string, min: 3}")
    path, err = refused(env, text)
    error_at(err, path, env.line_of(text, "min: 3"), "fact 'k'", "min", "integer or number")
    text = TINY.replace("k: {type: string}", "k: {type: boolean, max: 1}")
    path, err = refused(env, text)
    error_at(err, path, env.line_of(text, "max: 1"), "max")


def test_min_above_max_is_refused(env):
    text = TINY.replace("rain: {type: number}", "rain: {type: number, min: 5, max: 1}")
    path, err = refused(env, text)
    error_at(err, path, env.line_of(text, "min: 5"), "min 5 is above max 1")


def test_coerce_value_bounds_never_raise_type_error():
    with pytest.raises(FactError):
        coerce_value("k", "string", "abc", lo=3)
    with pytest.raises(FactError):
        coerce_value("k", "boolean", "yes", hi=1)
    assert coerce_value("n", "integer", "4", lo=3, hi=5) == 4


# -- 2. durations longer than ten years ---------------------------------------


def test_durations_longer_than_3660_days_are_refused():
    assert durations.parse("3660d") == 3660 * 86400
    for bad in ("3661d", "99999999d", "P3661D", "PT316224001S", "9" * 5000 + "s"):
        with pytest.raises(durations.DurationError, match="3660 days"):
            durations.parse(bad)


def test_a_huge_within_is_refused_by_validate_not_an_overflow_at_start(env):
    text = TINY.replace("within: 10m", "within: 99999999d")
    path, err = refused(env, text)
    error_at(err, path, env.line_of(text, "99999999d"), "longer than 3660 days")
    text = TINY.replace("within: 10m", "within: {day: 10m, night: 4000d}")
    path, err = refused(env, text)
    error_at(err, path, env.line_of(text, "4000d"), "3660 days")


def test_a_huge_drill_inject_offset_is_refused_by_validate(env):
    plan = env.plan(TINY, "tiny.yaml")
    drill = env.write(
        "d.yaml",
        f"""\
        drill: d
        plan: {plan}
        start: 2090-05-12T10:00:00+08:00
        injects:
          - {{at: 999999999d, done: report}}
        """,
    )
    result = env.run("validate", drill)
    assert result.exit_code == 1 and f"{drill}:5:" in result.stderr and "3660 days" in result.stderr
    result = env.run("drill", "run", drill)
    assert result.exit_code == 1 and "internal error" not in result.output


# -- 3. version beyond SQLite's INTEGER ----------------------------------------


def test_a_huge_version_is_refused_by_the_schema(env):
    text = TINY.replace("version: 1", "version: 99999999999999999999999")
    path, err = refused(env, text)
    error_at(err, path, 3, "version")
    ok = env.plan(TINY.replace("version: 1", "version: 2147483647"), "ok.yaml")
    assert env.json("start", ok, "--id", "A", "--at", env.t("10:00"))["plan_version"] == 2147483647


# -- 4. arguments that are not UTF-8 -------------------------------------------


def test_an_argument_that_is_not_utf8_is_one_clear_line(env):
    plan = env.plan(TINY, "tiny.yaml")
    env.start(plan=plan, incident="A")
    result = env.run("note", "A", "bad\udcffbyte", "--at", env.t("10:01"))  # $'bad\xffbyte' as Python sees it
    assert result.exit_code == 1
    assert "internal error" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: text is not valid UTF-8") and "\\xff" in line
    assert env.kinds("A").count("note") == 0


# -- 5. enum values take the fact's type --------------------------------------


def test_enum_values_are_converted_to_the_fact_type(env):
    plan = env.plan(TINY.replace("k: {type: string}", 'k: {type: string, enum: [1, "a", 2.5]}'), "tiny.yaml")
    env.start("k=1", plan=plan, incident="A")
    assert env.json("set", "A", "k=2.5", "--at", env.t("10:01"))["facts"]["k"] == "2.5"
    assert env.run("set", "A", "k=b", "--at", env.t("10:02")).exit_code == 1
    text = TINY.replace("rain: {type: number}", "rain: {type: integer, enum: [1, '2', x]}")
    path, err = refused(env, text)
    error_at(err, path, env.line_of(text, "enum: [1"), "fact 'rain'", "'x' is not an integer")
    plan = env.plan(TINY.replace("rain: {type: number}", "rain: {type: integer, enum: [1, '2']}"), "t2.yaml")
    env.start("rain=2", plan=plan, incident="B")


def test_enum_yaml_booleans_on_a_string_fact_must_be_quoted(env):
    text = TINY.replace("k: {type: string}", "k: {type: string, enum: [true, maybe]}")
    path, err = refused(env, text)
    error_at(err, path, env.line_of(text, "enum: [true"), "quotes")


def test_enum_values_outside_min_max_are_refused(env):
    text = TINY.replace("rain: {type: number}", "rain: {type: integer, min: 0, enum: [-1, 2]}")
    path, err = refused(env, text)
    error_at(err, path, env.line_of(text, "enum: [-1"), "below the minimum 0")


def test_fact_conditions_compare_against_typed_enum(env):
    text = TINY.replace("k: {type: string}", "k: {type: string, enum: [1, 2]}").replace(
        "      - {event: finish, to: closed}",
        "      - {event: finish, to: closed}\n      - {when: {fact: k, eq: 2}, to: closed}",
    )
    plan = env.plan(text, "tiny.yaml")
    assert env.ok("validate", plan).exit_code == 0
    env.start(plan=plan, incident="A")
    assert env.json("set", "A", "k=2", "--at", env.t("10:01"))["phase"] == "closed"


# -- 6. non-finite numbers -----------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "Infinity", "1e400"])
def test_non_finite_numbers_are_refused(env, value):
    plan = env.plan(TINY, "tiny.yaml")
    env.start(plan=plan, incident="A")
    result = env.run("set", "A", f"rain={value}", "--at", env.t("10:01"))
    assert result.exit_code == 1 and "is not a number" in result.stderr, result.output
    out = env.ok("status", "A", "--json").stdout
    assert "Infinity" not in out and "NaN" not in out
    json.loads(out)


def test_coerce_value_refuses_non_finite_floats():
    for v in (math.inf, -math.inf, math.nan):
        with pytest.raises(FactError):
            coerce_value("rain", "number", v)
    assert coerce_value("rain", "number", "2.5") == 2.5


# -- 7. integer levels ----------------------------------------------------------

LEVELS = """\
id: lv
title: Levels
version: 1
lang: en
timezone: Asia/Shanghai
facts:
  hurt: {type: integer, min: 0, default: 0}
levels: [1, 2]
level:
  rules:
    - {level: 2, if: {fact: hurt, gte: 3}}
  default: 1
roles:
  office: {title: Office}
initial: open
phases:
  open:
    steps:
      - {id: escalate, role: office, if: {level_at_least: 2}, within: 1h}
      - {id: report, role: office, within: 10m}
    on:
      - {event: finish, to: closed}
  closed: {final: true}
"""


def test_integer_levels_work_in_level_at_least(env):
    plan = env.plan(LEVELS, "lv.yaml")
    assert env.ok("validate", plan).exit_code == 0
    s = env.start(plan=plan, incident="A")
    assert s["level"] == "1" and "escalate" not in env.step_ids(s)
    s = env.json("set", "A", "hurt=5", "--at", env.t("10:01"))
    assert s["level"] == "2" and env.step(s, "escalate")["status"] == "pending"


def test_level_at_least_naming_an_unknown_integer_level_is_refused(env):
    text = LEVELS.replace("level_at_least: 2", "level_at_least: 3")
    path, err = refused(env, text)
    error_at(err, path, env.line_of(text, "level_at_least: 3"), "unknown level '3'")


def test_duplicate_levels_are_refused(env):
    text = LEVELS.replace("levels: [1, 2]", "levels: [1, '1', 2]")
    path, err = refused(env, text)
    error_at(err, path, env.line_of(text, "levels:"), "duplicate level '1'")


def test_an_output_file_that_cannot_be_written_is_one_clear_line(env):
    plan = env.plan(TINY, "tiny.yaml")
    env.start(plan=plan, incident="A")
    result = env.run("drill", "extract", "A", "-o", "no/such/dir/D.yaml")
    assert result.exit_code == 1 and "internal error" not in result.stderr
    assert result.stderr.strip() == "error: no/such/dir/D.yaml: No such file or directory"

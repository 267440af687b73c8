"""The plan loader as a planner meets it: `plan validate` errors at file:line:col."""

from __future__ import annotations

import json
import re

import pytest


def variant(env, old: str, new: str, count: int = 1) -> str:
    """The test plan with ``old`` replaced by ``new`` (``old`` must occur)."""
    assert env.PLAN.count(old) >= count, old
    return env.PLAN.replace(old, new, count)


def refused(env, text: str, name: str = "plan.yaml"):
    """Validate ``text``; assert a refusal without traceback; return (path, stderr)."""
    path = env.plan(text, name)
    result = env.run("validate", path)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.strip(), "errors go to stderr"
    return path, result.stderr


def assert_error_at(stderr: str, path: str, line: int, *fragments: str):
    """One error line at ``path:line:col`` containing every fragment."""
    pattern = re.compile(rf"^{re.escape(path)}:{line}:(\d+): error: (.*)$", re.M)
    matches = [m.group(2) for m in pattern.finditer(stderr)]
    assert matches, f"no error at {path}:{line}:\n{stderr}"
    assert any(all(f in msg for f in fragments) for msg in matches), (fragments, matches)


def test_the_test_plan_and_the_bundled_sudden_event_plan_validate(env):
    path = env.plan()
    result = env.ok("validate", path, env.REPO / "plans" / "sudden_event.yaml")
    assert f"{path}: ok" in result.output
    assert result.stderr == ""


def test_misspelt_step_key_is_refused_at_its_line_with_a_suggestion(env):
    text = variant(env, "        role: leader\n        within: 30m", "        role: leader\n        withn: 30m")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "withn:"), "withn", "did you mean 'within'")


def test_misspelt_top_level_key_is_refused_with_a_suggestion(env):
    text = variant(env, "timezone: Asia/Shanghai", "timezon: Asia/Shanghai")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "timezon:"), "did you mean 'timezone'")


def test_misspelt_phase_key_is_refused_with_a_suggestion(env):
    text = variant(env, "    after:\n      - after: 2h", "    afterr:\n      - after: 2h")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "afterr:"), "did you mean 'after'")


def test_duplicate_step_id_is_refused_at_the_second_definition(env):
    text = variant(env, "      - id: secure", "      - id: muster")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "- id: muster", occurrence=2), "duplicate", "muster")


def test_duplicate_yaml_key_is_refused_at_its_line(env):
    text = variant(env, "  office: {title: Office}", "  office: {title: Office}\n  office: {title: Again}")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "office: {title: Again}"), "duplicate", "office")


def test_step_with_undefined_role_is_refused_with_a_suggestion(env):
    text = variant(env, "        role: office\n        within: 10m", "        role: offise\n        within: 10m")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "role: offise"), "offise", "did you mean 'office'")


def test_notify_of_undefined_role_is_refused(env):
    text = variant(env, "      - notify: [leader, team]", "      - notify: [leader, teams]")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "notify: [leader, teams]"), "teams")


def test_transition_to_missing_phase_is_refused_with_a_suggestion(env):
    text = variant(
        env, "      - event: activate\n        to: responding", "      - event: activate\n        to: respondng"
    )
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "to: respondng"), "respondng", "did you mean 'responding'")


def test_initial_phase_that_does_not_exist_is_refused(env):
    text = variant(env, "initial: reported", "initial: reportd")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "initial: reportd"), "reportd", "did you mean 'reported'")


def test_needs_naming_an_undefined_step_is_refused_with_a_suggestion(env):
    text = variant(env, "needs: [report_up]", "needs: [report_upp]")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "needs: [report_upp]"), "report_upp", "did you mean 'report_up'")


def test_condition_on_an_undefined_fact_is_refused(env):
    text = variant(env, "if: {fact: crowd_size, gte: 5}", "if: {fact: crowd_sise, gte: 5}")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "crowd_sise"), "crowd_sise", "did you mean 'crowd_size'")


def test_step_state_condition_on_an_undefined_step_is_refused(env):
    text = variant(env, "      - when: all_done", "      - when: {step: breif, is: done}")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "breif"), "breif", "did you mean 'brief'")


def test_level_condition_on_an_undefined_level_is_refused(env):
    text = variant(env, "if: {level_at_least: III}", "if: {level_at_least: V}")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "level_at_least: V}"), "'V'")


@pytest.mark.parametrize(
    "old, new, needle",
    [
        ("within: 10m", "within: 10 minutes", "within: 10 minutes"),
        ("within: 30m", "within: 30", "within: 30"),
        ("within: {day: 15m, night: 25m}", "within: {day: 15m, night: 25x}", "night: 25x"),
        ("- after: 2h", "- after: 2hours", "after: 2hours"),
        ("within: 45m", "within: PT", "within: PT"),
    ],
)
def test_bad_duration_is_refused_at_its_line(env, old, new, needle):
    text = variant(env, old, new)
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, needle), "duration")


def test_iso_and_compound_durations_are_accepted_and_shown(env):
    text = variant(env, "within: 10m", "within: PT10M")
    text = text.replace("within: 30m", "within: 1h30m")
    path = env.plan(text)
    env.ok("validate", path)
    shown = env.ok("show", path).stdout
    assert "10m" in shown and "1h30m" in shown


def test_needs_cycle_is_refused_naming_the_cycle(env):
    text = variant(
        env,
        "      - id: report_up\n        role: office\n",
        "      - id: report_up\n        needs: [brief]\n        role: office\n",
    )
    path, err = refused(env, text)
    lines = {
        env.line_of(text, "needs: [brief]"),
        env.line_of(text, "needs: [convene]"),
        env.line_of(text, "needs: [report_up]"),
    }
    errors = [m for m in re.finditer(rf"^{re.escape(path)}:(\d+):\d+: error: (.*cycle.*)$", err, re.M)]
    assert errors, err
    assert all(int(m.group(1)) in lines for m in errors)
    assert all(s in errors[0].group(2) for s in ("report_up", "convene", "brief"))


def test_self_need_is_a_cycle(env):
    text = variant(env, "needs: [convene]", "needs: [brief]")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "needs: [brief]"), "cycle")


def test_broken_yaml_is_refused_at_the_line_of_the_mistake(env):
    text = variant(env, "    title: Responding\n", "    title: Responding\n   steps_oops: 1\n")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "steps_oops"), "YAML")


def test_unclosed_flow_mapping_is_refused_at_its_line(env):
    text = variant(env, "  office: {title: Office}\n", "  office: {title: Office\n")
    path, err = refused(env, text)
    # the parser notices at the next key; the message must point at or right after the mistake
    line = env.line_of(text, "{title: Office")
    m = re.search(rf"^{re.escape(path)}:(\d+):\d+: error: .*YAML", err, re.M)
    assert m and int(m.group(1)) in (line, line + 1), err


def test_unknown_builtin_check_is_refused_with_a_suggestion(env):
    text = variant(env, "      - when: all_done", "      - when: {check: core.facts_presnt, args: {facts: [location]}}")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "core.facts_presnt"), "core.facts_presnt", "core.facts_present")


def test_check_of_a_plugin_not_installed_names_the_package_to_install(env):
    text = variant(env, "daytime:", "uses: [tsunami]\ndaytime:")
    text = text.replace("      - when: all_done", "      - when: tsunami.wave_high")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "tsunami.wave_high"), "pip install planengine-tsunami")


def test_uses_of_a_plugin_not_loaded_names_the_hyphenated_distribution(env):
    text = variant(env, "daytime:", "uses: [forest_fire]\ndaytime:")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "uses: [forest_fire]"), "pip install planengine-forest-fire")


def test_plan_without_a_final_phase_is_refused(env):
    text = variant(env, "    final: true\n", "")
    path, err = refused(env, text)
    m = re.search(rf"^{re.escape(path)}:(\d+):\d+: error: (.*final.*)$", err, re.M)
    assert m, err
    assert int(m.group(1)) == env.line_of(text, "phases:")


@pytest.mark.parametrize(
    "old, new, needle",
    [
        (
            "casualties: {type: integer, min: 0, default: 0}",
            "casualties: {type: integer, min: 0, default: many}",
            "many",
        ),
        ("casualties: {type: integer, min: 0, default: 0}", "casualties: {type: integer, min: 0, default: -2}", "-2"),
        ("location:   {type: string}", "location:   {type: boolean, default: maybe}", "maybe"),
    ],
)
def test_fact_default_of_the_wrong_type_is_refused(env, old, new, needle):
    text = variant(env, old, new)
    path, err = refused(env, text)
    fact = new.split(":")[0].strip()
    assert_error_at(err, path, env.line_of(text, needle), fact)


def test_fact_comparison_with_a_value_of_the_wrong_type_is_refused(env):
    text = variant(env, "if: {fact: crowd_size, gte: 5}", "if: {fact: crowd_size, eq: lots}")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "eq: lots"), "crowd_size")


def test_every_problem_in_a_file_is_reported_not_just_the_first(env):
    text = variant(env, "        role: office\n        within: 10m", "        role: offise\n        within: 10 min")
    text = text.replace("to: closed", "to: close")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "role: offise"), "offise")
    assert_error_at(err, path, env.line_of(text, "within: 10 min"), "duration")
    assert_error_at(err, path, env.line_of(text, "to: close"), "close")


def test_validate_json_lists_problems_with_line_and_column(env):
    text = variant(env, "needs: [report_up]", "needs: [report_upp]")
    path = env.plan(text)
    result = env.run("validate", path, "--json")
    assert result.exit_code == 1
    [entry] = json.loads(result.stdout)
    assert entry["ok"] is False
    [problem] = entry["problems"]
    assert problem["line"] == env.line_of(text, "report_upp")
    assert problem["severity"] == "error" and "report_upp" in problem["message"]


def test_starting_an_incident_from_a_broken_plan_is_refused_and_writes_nothing(env):
    text = variant(env, "to: closed", "to: close")
    path = env.plan(text)
    result = env.run("start", path, "--id", "INC-1")
    assert result.exit_code == 1
    assert f"{path}:{env.line_of(text, 'to: close')}:" in result.stderr
    assert env.count("incidents") == 0 and env.count("events") == 0


def test_alias_bomb_is_refused_with_a_clear_message(env):
    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        bomb.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    path, err = refused(env, "\n".join(bomb) + "\n", "bomb.yaml")
    assert f"{path}:" in err
    assert "alias" in err.lower()


def test_alias_bomb_is_refused_by_start_too(env):
    bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        bomb.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 10) + "]")
    path = env.write("bomb.yaml", "\n".join(bomb) + "\n")
    result = env.run("start", path)
    assert result.exit_code == 1
    assert "alias" in result.stderr.lower()
    assert env.count("events") == 0


def test_schema_prints_the_plan_json_schema(env):
    schema = env.json("schema")
    assert "json-schema.org" in schema["$schema"]
    assert {"id", "title", "version", "initial", "phases"} <= set(schema["required"])
    assert {"facts", "roles", "levels", "level", "daytime", "timezone", "uses"} <= set(schema["properties"])
    text_out = env.ok("schema", "plan").stdout
    assert json.loads(text_out) == schema  # JSON with or without --json


def test_schema_drill_prints_the_drill_json_schema(env):
    schema = env.json("schema", "drill")
    assert "injects" in schema["properties"]
    assert env.run("schema", "recipe").exit_code == 2


def test_schema_rejects_what_the_loader_rejects(env):
    """The printed schema is the loader's structure: a misspelt step key is invalid in both."""
    import jsonschema  # a runtime dependency: its absence is a broken install, not a skip
    import yaml

    def load(text):  # YAML 1.1 reads the key `on:` as True; the plan language means the word
        def fix(x):
            if isinstance(x, dict):
                return {("on" if k is True else k): fix(v) for k, v in x.items()}
            return [fix(v) for v in x] if isinstance(x, list) else x

        return fix(yaml.safe_load(text))

    schema = env.json("schema")
    jsonschema.validate(load(env.PLAN), schema)
    bad = load(variant(env, "        within: 30m", "        withn: 30m"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_misspelt_builtin_condition_suggests_the_builtin(env):
    text = variant(env, "      - when: all_done", "      - when: all_dne")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "when: all_dne"), "all_dne", "did you mean 'all_done'")


def test_day_night_within_missing_night_names_the_missing_key(env):
    text = variant(env, "within: {day: 15m, night: 25m}", "within: {day: 15m}")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "within: {day: 15m}"), "night")


def test_unknown_condition_key_is_refused_with_a_suggestion(env):
    text = variant(env, "if: {fact: crowd_size, gte: 5}", "if: {facts: crowd_size, gte: 5}")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "facts: crowd_size"), "did you mean 'fact'")


def test_unknown_step_state_in_a_condition_is_refused(env):
    text = variant(env, "      - when: all_done", "      - when: {step: brief, is: finished}")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "is: finished"), "finished")


def test_unknown_timezone_and_bad_daytime_are_refused(env):
    text = variant(env, "timezone: Asia/Shanghai", "timezone: Mars/Olympus")
    text = text.replace('daytime: "07:00-19:00"', 'daytime: "19:00-07:00"')
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "Mars/Olympus"), "Mars/Olympus")
    assert_error_at(err, path, env.line_of(text, "daytime:"), "daytime")


def test_validate_of_a_missing_file_is_refused_cleanly(env):
    result = env.run("validate", "nowhere.yaml")
    assert result.exit_code == 1
    assert "nowhere.yaml" in result.stderr


def test_step_id_used_in_two_phases_is_a_duplicate(env):
    text = variant(env, "      - id: secure", "      - id: report_up")
    path, err = refused(env, text)
    assert_error_at(err, path, env.line_of(text, "- id: report_up", occurrence=2), "duplicate", "report_up")


def test_error_column_points_at_the_offending_key(env):
    text = variant(env, "        role: leader\n        within: 30m", "        role: leader\n        withn: 30m")
    path, err = refused(env, text)
    line = env.line_of(text, "withn:")
    col = text.splitlines()[line - 1].index("withn") + 1
    assert f"{path}:{line}:{col}: error:" in err


def test_oversized_plan_file_is_refused(env):
    path, err = refused(env, env.PLAN + ("# " + "x" * 100 + "\n") * 11000, "huge.yaml")
    assert f"{path}:1:1:" in err and "larger" in err

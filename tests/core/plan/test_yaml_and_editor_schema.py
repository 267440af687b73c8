"""YAML read as editors read it (YAML 1.2 core schema), and the JSON Schema editors use.

The schema files shipped in planengine/schemas/ are checked with check-jsonschema,
a YAML 1.2 reader independent of ours, exactly as the documented editor recipe
points an editor at them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from planengine.core.plan import schema as plan_schema

REPO = Path(__file__).resolve().parents[3]
SCHEMAS = REPO / "planengine" / "schemas"
MODELINE = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)\s*$", re.M)

YES_NO = """\
id: yes_no
title: Yes and no
version: 1
lang: en
daytime: 07:00-19:00
facts:
  switch: {type: string, enum: [on, off, y, n]}
  when: {type: string, default: 1:30}
initial: open
phases:
  open:
    steps:
      - id: evacuate
        decision: [yes, no]
    on:
      - when: {step: evacuate, answer: yes}
        to: closed
  closed: {final: true}
"""


def check_jsonschema(schemafile, *files):
    """Run check-jsonschema (the editor's view of a file); (exit code, output)."""
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(schemafile), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_yes_no_on_off_and_sexagesimal_are_strings_so_a_yes_no_decision_works(env):
    path = env.write("yes_no.yaml", YES_NO)
    env.ok("validate", path)
    status = env.json("start", path, "--id", "YN-1", "--set", "switch=off", "--at", env.t("10:00"))
    assert status["facts"] == {"switch": "off", "when": "1:30"}
    status = env.json("decide", "YN-1", "evacuate", "yes", "--by", "Li", "--at", env.t("10:05"))
    assert status["phase"] == "closed"


def test_only_true_and_false_are_booleans_and_integers_are_decimal(env):
    from planengine.core.plan.source import read

    data = read(
        "x.yaml", "a: [true, True, FALSE, yes, No, on, OFF, y, 012, 0o17, 0x1F, -0, 1_000, 2026-03-01, ~]\n"
    ).data
    assert data["a"] == [True, True, False, "yes", "No", "on", "OFF", "y", 12, 15, 31, 0, "1_000", "2026-03-01", None]


BAD = {
    "unknown key in a fact condition": ("if: {fact: crowd_size, gte: 5}", "if: {fact: crowd_size, gtee: 5}", "gtee"),
    "unknown key in a step condition": ("when: all_done", "when: {stp: report_up}", "stp"),
    "two operators": ("if: {fact: crowd_size, gte: 5}", "if: {fact: crowd_size, gte: 5, lt: 9}", "exactly one"),
    "is and answer": ("if: {level_at_least: III}", "if: {step: report_up, is: done, answer: x}", "answer"),
    "empty condition": ("if: {level_at_least: III}", "if: {}", "condition"),
    "not a duration": ("within: 45m", "within: 45 minutes", "bad duration"),
    "full-width duration": ("within: 45m", "within: ４５m", "bad duration"),
    "bare number duration": ("within: 45m", "within: 45", "duration"),
    "neither event nor when": ("      - event: dispersed\n", "      - if: all_done\n", "exactly one of event, when"),
    "both event and when": ("      - event: dispersed\n", "      - event: dispersed\n        when: all_done\n", "when"),
    "reserved event name": ("- event: dispersed", "- event: state", "reserved"),
    "two actions": ("message: respond now", "message: respond now\n        note: also", "exactly one of"),
    "no action in a timer": (
        "        notify: [leader]\n        message: on scene",
        "        message: on scene",
        "one of",
    ),
    "check name without plugin": ("if: {level_at_least: III}", "if: {check: facts_present}", "plugin.name"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_plan_schema_rejects_what_the_loader_rejects(env, case):
    old, new, fragment = BAD[case]
    assert old in env.PLAN, case
    text = env.PLAN.replace(old, new, 1)
    path = env.plan(text)
    result = env.run("validate", path)
    assert result.exit_code == 1 and fragment in result.stderr, result.output
    assert all(line.startswith(f"{path}:") for line in result.stderr.splitlines()), result.stderr
    schemafile = env.root / "plan.schema.json"
    schemafile.write_text(env.ok("schema", "plan").stdout, encoding="utf-8")
    code, out = check_jsonschema(schemafile, path)
    assert code == 1, f"check-jsonschema accepted what the loader refuses ({case}):\n{out}"


BAD_INJECTS = {
    "two actions": ("- {at: 5m, done: report_up}", "- {at: 5m, done: report_up, say: hi}", "exactly one of"),
    "no action": ("- {at: 5m, done: report_up}", "- {at: 5m, by: Li}", "exactly one of"),
    "count without checkin": ("- {at: 5m, done: report_up}", "- {at: 5m, done: report_up, count: 3}", "count"),
}
DRILL = """\
drill: d1
plan: petition.yaml
start: 2090-03-05T10:00:00+08:00
injects:
  - {at: 5m, done: report_up}
"""


@pytest.mark.parametrize("case", sorted(BAD_INJECTS))
def test_drill_schema_rejects_injects_the_loader_rejects(env, case):
    old, new, fragment = BAD_INJECTS[case]
    env.plan()
    path = env.write("drill.yaml", DRILL.replace(old, new))
    result = env.run("validate", path)
    assert result.exit_code == 1 and fragment in result.stderr, result.output
    code, out = check_jsonschema(SCHEMAS / "drill.schema.json", path)
    assert code == 1, out
    good = env.write("good.yaml", DRILL)
    env.ok("validate", good)
    assert check_jsonschema(SCHEMAS / "drill.schema.json", good)[0] == 0


def _properties(node, where=""):
    """(path, property schema) of every property anywhere in a schema."""
    if isinstance(node, dict):
        for key, sub in (node.get("properties") or {}).items():
            yield f"{where}.{key}", sub
        for key, sub in node.items():
            yield from _properties(sub, f"{where}.{key}" if key != "properties" else where)
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _properties(sub, f"{where}[{i}]")


@pytest.mark.parametrize("kind", ["plan", "drill"])
def test_every_property_has_a_one_line_description(kind):
    props = list(_properties(plan_schema.SCHEMAS[kind]))
    assert len(props) > 25
    for where, sub in props:
        if sub in ({}, True):  # the catch-all list of condition keys, described by its parent
            continue
        desc = sub.get("description", "")
        assert desc and "\n" not in desc and len(desc) < 160, (where, desc)


def test_the_documented_keys_are_the_schemas_keys():
    doc = (REPO / "docs" / "plan-language.md").read_text(encoding="utf-8")
    s = plan_schema
    for table in (s.PLAN_SCHEMA, s.PHASE, s.STEP, s.FACT, s.ROLE):
        for key in table["properties"]:
            assert f"`{key}`" in doc, f"docs/plan-language.md does not describe `{key}`"


@pytest.mark.parametrize("kind", ["plan", "drill"])
def test_shipped_schema_files_are_current_and_plan_schema_prints_them(env, kind):
    shipped = (SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert shipped == plan_schema.schema_text(kind), "run: python -m planengine.core.plan.schema"
    assert json.loads(env.ok("schema", kind).stdout) == json.loads(shipped)


def test_bundled_plans_and_drills_pass_the_shipped_schemas_as_an_editor_reads_them():
    plans = sorted((REPO / "plans").glob("*.yaml"))
    drills = sorted((REPO / "drills").glob("*.yaml"))
    assert plans and drills
    code, out = check_jsonschema(SCHEMAS / "plan.schema.json", *plans)
    assert code == 0, out
    code, out = check_jsonschema(SCHEMAS / "drill.schema.json", *drills)
    assert code == 0, out


def test_the_editor_recipe_modeline_resolves_next_to_the_plan(env):
    """docs/plan-language.md: `plan schema plan > DIR/plan.schema.json`, then the modeline in DIR/*.yaml."""
    (env.root / "mine").mkdir()
    (env.root / "mine" / "plan.schema.json").write_text(env.ok("schema", "plan").stdout, encoding="utf-8")
    good = env.write("mine/yes_no.yaml", "# yaml-language-server: $schema=plan.schema.json\n" + YES_NO)
    bad = env.write("mine/bad.yaml", Path(good).read_text(encoding="utf-8").replace("answer: yes", "anser: yes"))
    for path, expected in ((good, 0), (bad, 1)):
        target = (Path(path).parent / MODELINE.search(Path(path).read_text(encoding="utf-8")).group(1)).resolve()
        assert target.is_file(), "the modeline resolves relative to the YAML file, as yaml-language-server does"
        code, out = check_jsonschema(target, path)
        assert code == expected, out


def test_the_vscode_settings_point_at_the_shipped_schemas():
    settings = json.loads((REPO / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapping = settings["yaml.schemas"]
    assert {Path(k).name for k in mapping} == {"plan.schema.json", "drill.schema.json"}
    for schemafile, globs in mapping.items():
        assert (REPO / schemafile).is_file(), schemafile
        files = [f for g in globs for f in REPO.glob(g.lstrip("/"))]
        assert files, globs
        code, out = check_jsonschema(REPO / schemafile, *files)
        assert code == 0, out

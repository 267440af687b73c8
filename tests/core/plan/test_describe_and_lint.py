"""What a planner reads: `plan list`, `plan show`, `plan graph`, `plan lint`."""

from __future__ import annotations

import re


def test_graph_mermaid_shows_every_phase_and_transition(env):
    out = env.ok("graph", env.plan(), "--format", "mermaid").stdout
    assert out.lstrip().startswith("stateDiagram")
    for phase in ("reported", "responding", "closed"):
        assert phase in out
    assert re.search(r"reported\s*-->\s*responding\s*:.*activate", out)
    assert re.search(r"reported\s*-->\s*responding\s*:.*all_done", out)
    assert re.search(r"responding\s*-->\s*closed\s*:.*dispersed", out)
    assert re.search(r"\[\*\]\s*-->\s*reported", out), "initial phase marked"


def test_graph_dot_shows_every_phase_and_transition(env):
    out = env.ok("graph", env.plan(), "--format", "dot").stdout
    assert out.lstrip().startswith("digraph")
    assert out.count("{") == out.count("}")
    assert re.search(r'"?reported"?\s*->\s*"?responding"?\s*\[label="[^"]*activate', out)
    assert re.search(r'"?responding"?\s*->\s*"?closed"?\s*\[label="[^"]*dispersed', out)


def test_graph_default_format_is_mermaid_and_plan_id_resolves_on_the_plan_path(env):
    env.plan(name="plans/petition.yaml")  # ./plans in the working directory
    out = env.ok("graph", "petition").stdout
    assert out.lstrip().startswith("stateDiagram")


def test_graph_of_a_broken_plan_is_refused_with_its_location(env):
    text = env.PLAN.replace("to: closed", "to: close")
    path = env.plan(text)
    result = env.run("graph", path)
    assert result.exit_code == 1
    assert f"{path}:{env.line_of(text, 'to: close')}:" in result.stderr


def test_show_prints_a_checklist_by_phase_with_roles_and_timers(env):
    out = env.ok("show", env.plan()).stdout
    assert "Test petition plan" in out
    for phase in ("reported", "responding", "closed"):
        assert phase in out
    lines = out.splitlines()
    assert lines.index(next(x for x in lines if "report_up" in x)) < lines.index(
        next(x for x in lines if "muster" in x)
    ), "phases in order"
    assert "10m" in out and "30m" in out
    assert "15m" in out and "25m" in out, "day and night limits"
    assert "office" in out and "leader" in out and "team" in out
    assert "crowd_size" in out, "conditional step shows its condition"


def test_show_json_describes_the_plan(env):
    out = env.json("show", env.plan())
    assert out["id"] == "petition" and out["version"] == 2


def test_list_shows_plans_on_the_plan_path(env):
    env.plan(name="lib/petition.yaml")
    env.write(
        "lib/tiny.yaml",
        """\
        id: tiny
        title: Tiny plan
        version: 7
        initial: only
        phases:
          only: {final: true}
        """,
    )
    env.write("lib/drill.yaml", "drill: d1\nplan: tiny\nstart: 2090-03-05T10:00:00+08:00\ninjects: []\n")
    rows = env.json("list", "--plans", str(env.root / "lib"))
    by_id = {r["id"]: r for r in rows}
    assert {"petition", "tiny"} <= set(by_id)
    assert None not in by_id, "a drill script is not a plan"
    assert by_id["tiny"]["version"] == 7 and by_id["tiny"]["title"] == "Tiny plan"
    assert by_id["petition"]["source"].endswith("petition.yaml")
    text = env.ok("list", "--plans", str(env.root / "lib")).stdout
    assert "tiny" in text and "Tiny plan" in text


def test_list_includes_a_broken_plan_file_without_failing(env):
    env.plan(name="lib/petition.yaml")
    env.write("lib/broken.yaml", "id: broken\nphases: [\n")
    result = env.run("list", "--plans", str(env.root / "lib"), "--json")
    assert result.exit_code == 0
    assert "petition" in result.stdout


LINTY = """\
id: linty
title: Lint me
version: 1
roles:
  office: {title: Office}
  spare:  {title: Never used}
  squad:  {title: A team nobody staffs, muster: true}
initial: start
phases:
  start:
    steps:
      - id: report
        role: office
        within: 10m
      - id: gather
        role: squad
        muster: true
        within: 20m
    on:
      - event: finish
        to: done
  orphan:
    title: Nobody comes here
    on:
      - event: back
        to: done
  stuck:
    title: No way out
  done: {final: true}
"""


def warnings_of(result):
    out = result.stdout + result.stderr
    return [(int(m.group(1)), m.group(2)) for m in re.finditer(r":(\d+):\d+: warning: (.*)$", out, re.M)]


def test_lint_warns_about_unreachable_phases_unused_roles_and_unstaffed_teams(env):
    path = env.write("linty.yaml", LINTY)
    result = env.run("lint", path)
    assert result.exit_code == 0, "warnings do not fail lint"
    found = warnings_of(result)
    line = env.line_of

    def has(at, *words):
        return any(n == at and all(w in msg for w in words) for n, msg in found)

    assert has(line(LINTY, "  orphan:"), "orphan", "unreachable"), found
    assert has(line(LINTY, "  spare:"), "spare"), found
    assert has(line(LINTY, "  squad:"), "squad", "people"), found
    assert has(line(LINTY, "  stuck:"), "stuck"), found
    assert not any("office" in msg for _, msg in found), "office is used"


def test_lint_of_a_clean_plan_has_no_warnings_and_validate_ignores_lint_rules(env):
    env.ok("validate", env.write("linty.yaml", LINTY))
    result = env.ok("lint", env.plan())
    assert warnings_of(result) == []


def test_lint_warns_when_a_phase_timer_fires_before_a_needs_chain_can_finish(env):
    text = env.PLAN.replace(
        "    steps:\n      - id: report_up",
        "    after:\n      - after: 20m\n        notify: [leader]\n        message: slow\n"
        "    steps:\n      - id: report_up",
    )
    path = env.plan(text)
    found = warnings_of(env.ok("lint", path))
    assert any("needs" in msg or "chain" in msg for _, msg in found), found


def test_lint_warns_about_a_step_whose_if_can_never_hold(env):
    text = env.PLAN.replace(
        "crowd_size: {type: integer, min: 0, title: Crowd size}", "crowd_size: {type: integer, min: 0, max: 4}"
    )
    path = env.plan(text)
    found = warnings_of(env.ok("lint", path))
    assert any("representatives" in msg for _, msg in found), found


def test_lint_json_reports_warnings_with_severity(env):
    path = env.write("linty.yaml", LINTY)
    [entry] = env.json("lint", path)
    assert entry["ok"] is True
    assert entry["problems"] and {p["severity"] for p in entry["problems"]} == {"warning"}


def test_lint_warns_when_a_step_needs_a_step_of_another_phase(env):
    text = env.PLAN.replace(
        "      - id: secure\n        role: team\n",
        "      - id: secure\n        role: team\n        needs: [brief]\n",
    )
    path = env.plan(text)
    found = warnings_of(env.ok("lint", path))
    assert any(n == env.line_of(text, "- id: secure") and "brief" in msg and "reported" in msg for n, msg in found), (
        found
    )


# -- diagrams that plan text cannot break ------------------------------------

HOSTILE = r"""
id: hostile
title: "x\"; digraph evil { a -> b } //"
version: 1
initial: start
phases:
  start:
    title: "%%{init: {'theme':'dark'}}%% a; b --> c <b>bold</b> **x** \\N \\\" \"q\" \e[31mred\nsecond line"
    steps:
      - {id: one}
    on:
      - event: go
        to: middle
        if: {step: one, is: done}
  middle:
    title: "end\"]; x --> y; state \"z\" as q ]"
    on:
      - when: all_done
        to: done
  done:
    title: "\\"
    final: true
"""


def test_graph_dot_of_hostile_titles_is_one_graph_with_exactly_the_plans_phases(env):
    import json
    import shutil
    import subprocess

    import pytest

    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("Graphviz `dot` is not installed (make debs)")
    out = env.ok("graph", env.write("hostile.yaml", HOSTILE), "--format", "dot").stdout
    proc = subprocess.run([dot, "-Tjson"], input=out.encode(), capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    drawn = json.loads(proc.stdout)
    names = sorted(o["name"] for o in drawn["objects"])
    assert names == sorted(["__start", "start", "middle", "done"]), names
    assert len(drawn["edges"]) == 3
    labels = {o["name"]: o.get("label", "") for o in drawn["objects"]}
    assert "%%{init" in labels["start"] and "<b>bold</b>" in labels["start"] and "-->" in labels["start"]
    assert "\x1b" not in out, "control characters never reach the DOT text"
    edge = next(e for e in drawn["edges"] if e.get("label", "").startswith("go"))
    assert "one is done" in edge["label"], "the event's if: guard is drawn"


def test_graph_mermaid_of_hostile_titles_has_only_the_plans_states_and_literal_labels(env):
    out = env.ok("graph", env.write("hostile.yaml", HOSTILE)).stdout
    lines = out.rstrip("\n").split("\n")
    assert lines[:2] == ["stateDiagram-v2", "  direction LR"]
    label = r"(?:[\w ]|#\d+;|<br/>)*"
    states, edges = [], []
    for line in lines[2:]:
        m = re.fullmatch(rf'  state "({label})" as ([a-z][a-z0-9_]*)', line)
        if m:
            states.append(m.group(2))
            continue
        m = re.fullmatch(rf"  (\[\*\]|[a-z][a-z0-9_]*) --> (\[\*\]|[a-z][a-z0-9_]*)(?: : ({label}))?", line)
        assert m, f"a line that is neither a state nor a transition: {line!r}"
        edges.append((m.group(1), m.group(2)))
    assert states == ["start", "middle", "done"]
    assert edges == [("[*]", "start"), ("start", "middle"), ("middle", "done"), ("done", "[*]")]
    # the label pattern above admits only letters, digits, spaces, entity codes and our <br/>
    decoded = re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), out)
    assert "%%{init: {'theme':'dark'}}%% a; b --> c <b>bold</b> **x**" in decoded, "printed literally"
    assert 'state "start<br/>' in out, "labels carry the phase id"
    assert "one is done" in decoded, "the event's if: guard is drawn"


def test_show_json_and_checklist_carry_the_guard_of_an_event_transition(env):
    path = env.write("hostile.yaml", HOSTILE)
    out = env.json("show", path)
    start = next(p for p in out["phases"] if p["id"] == "start")
    assert start["on"] == [{"to": "middle", "event": "go", "when": None, "if": "one is done"}]
    text = env.ok("show", path).stdout
    assert "\x1b" not in text and "on event 'go' if one is done" in text
    assert "second line" in text and "\nsecond line" not in text


def test_plain_turns_exactly_the_control_characters_and_line_separators_into_spaces():
    from planengine.core.plan.describe import plain

    text = "".join(map(chr, range(0x3000))) + "\U0001f600"
    controls = {*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029}
    assert plain(text) == "".join(" " if ord(c) in controls else c for c in text)
    assert plain(12) == "12"


def test_validate_and_lint_take_a_plan_id_as_plan_show_does(env):
    assert env.ok("validate", "sudden_event").stdout.strip() == "sudden_event: ok"
    assert env.run("lint", "sudden_event").exit_code == 0
    result = env.run("validate", "sudden_evnt")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("sudden_evnt:1:1: error: no such file, and no plan 'sudden_evnt' on the plan path")
    assert line.endswith("(did you mean 'sudden_event'?)")

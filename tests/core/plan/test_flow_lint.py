"""`plan lint` flow rules (issue 8 part 6): each shown on a small plan, shown to be true by
driving that plan through the CLI, and gone from the corrected plan."""

from __future__ import annotations

import glob
import os
import re

import pytest

from planengine import testing

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUNDLED = ["flood", "mass_petition", "forest_fire"]

HEAD = """\
id: flow
title: Flow
version: 1
facts:
  big: {type: boolean, default: false}
roles:
  office: {title: Office}
"""


def warnings(result, needle):
    out = result.stdout + result.stderr
    found = [(int(m.group(1)), m.group(2)) for m in re.finditer(r":(\d+):\d+: warning: (.*)$", out, re.M)]
    return [(line, msg) for line, msg in found if needle in msg]


# -- 1. a phase of conditional steps leaving on all_done -----------------------

ALL_CONDITIONAL = (
    HEAD
    + """\
initial: check
phases:
  check:
    steps:
      - {id: extra, role: office, if: {fact: big, eq: true}}
    on:
      - when: all_done
        to: done
  done: {final: true}
"""
)


def test_lint_warns_when_every_step_is_conditional_and_all_done_fires_at_once(env):
    path = env.write("flow.yaml", ALL_CONDITIONAL)
    [(line, msg)] = warnings(env.ok("lint", path), "every step has an `if:`")
    assert line == env.line_of(ALL_CONDITIONAL, "when: all_done") and "'check'" in msg and "'done'" in msg
    # what the warning says: with big=false the incident passes the phase on entry and closes
    started = env.json("start", path, "--id", "INC-1", "--at", env.t("10:00"))
    assert started["phase"] == "done" and started["closed_at"]

    fixed = ALL_CONDITIONAL.replace("    steps:\n", "    steps:\n      - {id: log, role: office}\n")
    assert warnings(env.ok("lint", env.write("fixed.yaml", fixed)), "`if:`") == []


# -- 2. a decision answer that leads nowhere -----------------------------------

DEAD_END = (
    HEAD
    + """\
initial: mop_up
phases:
  mop_up:
    steps:
      - {id: clear, role: office}
      - {id: acceptance, role: office, needs: [clear], decision: [accepted, rework]}
    on:
      - when: {step: acceptance, answer: accepted}
        to: aftermath
  aftermath:
    steps:
      - {id: feedback, role: office, within: 24h}
    on:
      - when: all_done
        to: done
  done: {final: true}
"""
)

# the first fix that comes to mind: rework goes through a phase and back. It loops: on
# re-entry `acceptance` waits for `clear` again, and its old answer fires once more.
LOOP = DEAD_END.replace(
    "        to: aftermath\n  aftermath:",
    "        to: aftermath\n      - when: {step: acceptance, answer: rework}\n        to: rework\n"
    "  rework:\n    steps:\n      - {id: redo, role: office}\n    on:\n      - when: all_done\n"
    "        to: mop_up\n  aftermath:",
)

# the fix: the decision in a phase of its own, asked afresh on every entry
FIXED = (
    HEAD
    + """\
initial: mop_up
phases:
  mop_up:
    steps:
      - {id: clear, role: office}
    on:
      - when: all_done
        to: inspection
  inspection:
    steps:
      - {id: acceptance, role: office, decision: [accepted, rework]}
    on:
      - when: {step: acceptance, answer: accepted}
        to: aftermath
      - when: {step: acceptance, answer: rework}
        to: mop_up
  aftermath:
    steps:
      - {id: feedback, role: office, within: 24h}
    on:
      - when: all_done
        to: done
  done: {final: true}
"""
)


def test_lint_warns_about_a_decision_answer_with_no_way_out(env):
    path = env.write("flow.yaml", DEAD_END)
    [(line, msg)] = warnings(env.ok("lint", path), "no way out")
    assert line == env.line_of(DEAD_END, "id: acceptance") and "'rework'" in msg and "stuck" in msg
    # what the warning says: after rework, accepted is refused and aftermath is out of reach
    env.ok("start", path, "--id", "INC-1", "--at", env.t("10:00"))
    env.ok("done", "INC-1", "clear", "--at", env.t("10:10"))
    env.ok("decide", "INC-1", "acceptance", "rework", "--by", "chief", "--at", env.t("10:20"))
    refused = env.refused("decide", "INC-1", "acceptance", "accepted", "--by", "chief", "--at", env.t("10:30"))
    assert "already done" in refused.stderr
    assert env.status()["phase"] == "mop_up"


def test_lint_warns_when_a_decision_answer_loops_back_on_its_old_answer(env):
    path = env.write("loop.yaml", LOOP)
    assert warnings(env.ok("lint", path), "no way out") == []
    [(line, msg)] = warnings(env.ok("lint", path), "and back")
    assert line == env.line_of(LOOP, "id: acceptance") and "'rework'" in msg and "needs clear" in msg
    # what the warning says: the rework is done, mop_up is entered, and the old answer sends it back
    env.ok("start", path, "--id", "INC-1", "--at", env.t("10:00"))
    env.ok("done", "INC-1", "clear", "--at", env.t("10:10"))
    env.ok("decide", "INC-1", "acceptance", "rework", "--by", "chief", "--at", env.t("10:20"))
    assert env.json("done", "INC-1", "redo", "--at", env.t("10:30"))["phase"] == "rework"


def test_a_decision_in_a_phase_of_its_own_can_be_answered_rework_then_accepted(env):
    path = env.write("fixed.yaml", FIXED)
    result = env.ok("lint", path)
    assert warnings(result, "no way out") == [] and warnings(result, "and back") == []
    env.ok("start", path, "--id", "INC-1", "--at", env.t("10:00"))
    env.ok("done", "INC-1", "clear", "--at", env.t("10:10"))
    assert env.json("decide", "INC-1", "acceptance", "rework", "--by", "chief", "--at", env.t("10:20"))["phase"] == (
        "mop_up"
    )
    env.ok("done", "INC-1", "clear", "--at", env.t("10:40"))
    out = env.json("decide", "INC-1", "acceptance", "accepted", "--by", "chief", "--at", env.t("10:50"))
    assert out["phase"] == "aftermath"
    assert env.step(out, "feedback")["due_at"] == env.t("10:50", day="2090-03-06")


# -- 3. a required step a `when:` may leave behind ------------------------------

REQUIRED = (
    HEAD
    + """\
initial: work
phases:
  work:
    steps:
      - {id: report, role: office}
      - {id: feedback, role: office, needs: [report], required: true}
    on:
      - when: {fact: big, eq: true}
        to: done
  done: {final: true}
"""
)


def test_lint_warns_about_a_required_step_a_when_may_leave_before_it_is_activated(env):
    path = env.write("flow.yaml", REQUIRED)
    [(line, msg)] = warnings(env.ok("lint", path), "required step")
    assert line == env.line_of(REQUIRED, "id: feedback") and "never be activated" in msg and "report" in msg
    # what the warning says: the phase is left before report is done; feedback never exists and the incident closes
    env.ok("start", path, "--id", "INC-1", "--at", env.t("10:00"))
    out = env.json("set", "INC-1", "big=true", "--at", env.t("10:05"))
    assert out["closed_at"] and "feedback" not in env.step_ids(out)

    # activated on entry but with no deadline: it stays pending, unseen by any timer, and blocks the close
    no_needs = REQUIRED.replace(", needs: [report]", "")
    [(line, msg)] = warnings(env.ok("lint", env.write("no_needs.yaml", no_needs)), "required step")
    assert "no `within:`" in msg and "cannot close" in msg
    env.ok("start", env.write("no_needs.yaml", no_needs), "--id", "INC-2", "--at", env.t("10:00"))
    out = env.json("set", "INC-2", "big=true", "--at", env.t("10:05"))
    assert out["phase"] == "done" and out["closed_at"] is None
    assert env.step(out, "feedback")["status"] == "pending" and env.step(out, "feedback").get("due_at") is None

    # the fix: a deadline, so the duty stays visible after the phase is left; lint still says, as a
    # note, what will happen, and the engine does just that
    fixed = no_needs.replace("required: true}", "required: true, within: 24h}")
    result = env.ok("lint", env.write("fixed.yaml", fixed))
    assert warnings(result, "required step") == []
    [note] = [x for x in result.stdout.splitlines() if ": note: " in x]
    assert f":{env.line_of(fixed, 'id: feedback')}:" in note and "stays pending" in note and "cannot close" in note
    env.ok("start", env.write("fixed.yaml", fixed), "--id", "INC-3", "--at", env.t("10:00"))
    out = env.json("set", "INC-3", "big=true", "--at", env.t("10:05"))
    assert out["phase"] == "done" and out["closed_at"] is None
    assert env.step(out, "feedback")["due_at"] == env.t("10:00", day="2090-03-06")
    env.json("tick", "--now", env.t("10:01", day="2090-03-06"))
    assert env.step(env.status("INC-3"), "feedback")["status"] == "overdue"
    assert env.json("done", "INC-3", "feedback", "--at", env.t("10:02", day="2090-03-06"))["closed_at"]


# -- 4. a deadline counted from a step that may never be done -------------------

FROM_CONDITIONAL = (
    HEAD
    + """\
initial: work
phases:
  work:
    steps:
      - {id: dispatch, role: office, if: {fact: big, eq: true}}
      - {id: arrive, role: office, from: dispatch, within: 20m}
    on:
      - event: finish
        to: done
  done: {final: true}
"""
)


def test_lint_warns_about_a_deadline_counted_from_a_step_that_may_never_be_done(env):
    path = env.write("flow.yaml", FROM_CONDITIONAL)
    [(line, msg)] = warnings(env.ok("lint", path), "counts `from: dispatch`")
    assert line == env.line_of(FROM_CONDITIONAL, "id: arrive") and "conditional" in msg and "no deadline" in msg
    # what the warning says: dispatch never exists, so arrive has no deadline and never falls overdue
    env.ok("start", path, "--id", "INC-1", "--at", env.t("10:00"))
    env.ok("tick", "--now", env.t("12:00"))
    arrive = env.step(env.status(), "arrive")
    assert arrive["status"] == "pending" and arrive.get("due_at") is None

    fixed = FROM_CONDITIONAL.replace(", if: {fact: big, eq: true}", "")
    assert warnings(env.ok("lint", env.write("fixed.yaml", fixed)), "counts `from:") == []


def test_lint_warns_when_the_anchor_phase_can_be_skipped(env):
    branch = (
        HEAD
        + """\
initial: start
phases:
  start:
    steps:
      - {id: route, role: office, decision: [direct, via]}
    on:
      - when: {step: route, answer: via}
        to: dispatching
      - when: {step: route, answer: direct}
        to: scene
  dispatching:
    steps:
      - {id: dispatch, role: office}
    on:
      - when: all_done
        to: scene
  scene:
    steps:
      - {id: arrive, role: office, from: dispatch, within: 20m}
    on:
      - when: all_done
        to: done
  done: {final: true}
"""
    )
    [(_, msg)] = warnings(env.ok("lint", env.write("flow.yaml", branch)), "counts `from: dispatch`")
    assert "without passing 'dispatching'" in msg
    fixed = branch.replace("answer: direct}\n        to: scene", "answer: direct}\n        to: dispatching")
    assert warnings(env.ok("lint", env.write("fixed.yaml", fixed)), "counts `from:") == []


# -- the bundled plans ------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(ROOT, "plans", "*.yaml"))))
def test_bundled_plans_lint_clean(path, tmp_path, monkeypatch):
    testing.isolate(monkeypatch, tmp_path, load_plugins=",".join(BUNDLED))
    result = testing.Workspace(tmp_path).ok("lint", path)
    assert "warning" not in result.stdout + result.stderr, result.stdout + result.stderr

"""An inject and a deadline at the same instant: the inject is applied first, so a step done
exactly at its deadline is on time, as it is for a duty officer (`plan done --at` the deadline)."""

from __future__ import annotations

PLAN = """\
id: instant
title: One instant
version: 1
lang: en
timezone: Asia/Shanghai
roles:
  office: {title: Office}
initial: alarm
phases:
  alarm:
    steps:
      - {id: report, role: office, within: 10m}
      - {id: confirm, role: office, within: 10m}
    on:
      - {event: stand_down, to: closed}
  closed: {final: true}
"""

DRILL = """\
drill: instant
plan: instant.yaml
start: 2090-05-12T10:00:00+08:00
injects:
  - {at: 10m, done: report, by: Li}
  - {at: 20m, event: stand_down}
"""


def test_a_step_done_by_an_inject_at_its_deadline_never_goes_overdue(env):
    env.write("instant.yaml", PLAN)
    out = env.json("drill", "run", env.write("drill.yaml", DRILL))
    kinds = [(e["kind"], e["data"].get("step")) for e in env.events(out["incident"])]
    # report: done at 10m, its 10m deadline does not fire; confirm: not done, its deadline at 10m fires after
    assert ("step_overdue", "report") not in kinds
    assert kinds.index(("step_done", "report")) < kinds.index(("step_overdue", "confirm"))
    steps = {s["id"]: s for s in out["steps"]}
    assert (steps["report"]["took_seconds"], steps["report"]["rating"], steps["report"]["points"]) == (600, "P", 100)


def test_a_live_step_done_at_its_deadline_is_on_time(env):
    env.write("instant.yaml", PLAN)
    env.start(plan="instant.yaml", at="10:00")
    env.ok("done", "INC-1", "report", "--at", env.t("10:10"))
    env.ok("tick", "--now", env.t("10:10"))
    assert env.step(env.status(), "report")["status"] == "done"
    assert [e["data"]["step"] for e in env.kinds(kind="step_overdue")] == ["confirm"]  # only the step not done

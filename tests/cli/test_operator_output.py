"""What the duty officer reads: reasons for refusals, readable tick output, warnings that matter."""

from __future__ import annotations

import json

DRILL = """\
drill: board
plan: petition.yaml
start: 2090-03-05T10:00:00+08:00
injects:
  - {at: 5m, event: activate}
"""


def test_a_failed_fact_check_names_the_missing_facts(env):
    plan = env.plan(
        env.PLAN.replace(
            "      - id: report_up\n        role: office\n        within: 10m\n",
            "      - id: report_up\n        role: office\n        within: 10m\n"
            "        check: {check: core.facts_present, args: {facts: [location, crowd_size]}}\n",
        )
    )
    env.start(plan=plan)
    refused = env.run("done", "INC-1", "report_up", "--at", env.t("10:02"))
    assert refused.exit_code == 1
    assert "location, crowd_size" in refused.stderr


def test_lint_warns_when_the_plan_id_differs_from_its_file_name(env):
    path = env.plan(name="other_name.yaml")
    result = env.ok("lint", path)
    assert "plan id 'petition' differs from its file name 'other_name'" in result.output


def test_tick_names_the_step_and_prints_local_time(env):
    env.start(at="10:00")
    out = env.ok("tick", "--now", env.t("10:11")).stdout
    assert "INC-1: report_up overdue (due 2090-03-05 10:10)" in out


def test_a_failed_delivery_is_reported_by_tick(env):
    env.write(
        "planengine.yaml", "routes:\n  leader: [pager]\nnotifiers:\n  pager: {type: command, argv: [/bin/false]}\n"
    )
    env.start(at="10:00")
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    result = env.run("tick", "--now", env.t("10:06"), "--json")
    assert result.exit_code == 0
    assert "to pager not delivered (attempt 1/5, will retry)" in result.stderr and "false exited 1" in result.stderr
    [failed] = json.loads(result.stdout)["failed"]
    assert failed["incident"] == "INC-1" and failed["channel"] == "pager" and failed["final"] is False


def test_ack_of_a_misspelt_step_says_unknown_step(env):
    env.start()
    result = env.run("ack", "INC-1", "report_upp", "--by", "Chen", "--at", env.t("10:01"))
    assert result.exit_code == 1
    assert "unknown step 'report_upp'" in result.stderr and "report_up" in result.stderr


def test_status_points_to_open_drills_and_marks_them(env):
    env.plan()
    drill = env.json("drill", "run", env.write("drill.yaml", DRILL))
    out = env.ok("status").stdout
    assert "no open incidents" in out and "plan status --drills" in out
    assert "DRILL petition" in env.ok("status", "--drills").stdout
    assert drill["incident"] in env.ok("status", "--drills").stdout


def test_status_of_one_incident_shows_answers_and_a_legend(env):
    plan = env.plan(
        env.PLAN.replace(
            "      - id: secure\n        role: team\n",
            "      - id: secure\n        role: team\n        decision: [hold, release]\n",
        )
    )
    env.start(plan=plan)
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    env.json("decide", "INC-1", "secure", "release", "--by", "Chen", "--at", env.t("10:06"))
    out = env.ok("status", "INC-1").stdout
    assert "by Chen: release" in out
    assert "[-] skipped" in out and "[O] overdue" in out

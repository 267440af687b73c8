"""`plan drill extract`: the drill names the exact plan source the incident ran, and keeps every command."""

from __future__ import annotations

import os

T4 = """\
id: t4
title: T4
version: 1
lang: en
timezone: Asia/Shanghai
roles:
  office: {title: Office}
initial: open
phases:
  open:
    steps:
      - {id: report, role: office, within: 10m}
      - {id: brief, role: office, within: 30m, needs: [report]}
    on:
      - {event: finish, to: closed}
  closed: {final: true}
"""

T4_V2 = T4.replace("version: 1", "version: 2").replace("within: 10m", "within: 5m")


def record(env, plan_ref, incident="A"):
    env.json("start", plan_ref, "--id", incident, "--at", env.t("10:00"), "--by", "Duty")
    env.json("ack", incident, "--by", "Li", "--at", env.t("10:01"))  # an order that names no step
    env.json("ack", incident, "report", "--by", "Wang", "--at", env.t("10:02"))
    env.json("done", incident, "report", "--by", "Wang", "--at", env.t("10:08"))


def plan_line(text):
    [line] = [x for x in text.splitlines() if x.startswith("plan:")]
    return line


def test_a_plan_started_from_a_file_off_the_plan_path_is_named_by_its_path(env):
    env.write("elsewhere/t4.yaml", T4)
    record(env, "elsewhere/t4.yaml")
    (env.root / "drills").mkdir()
    env.ok("drill", "extract", "A", "-o", "drills/D.yaml")
    text = (env.root / "drills" / "D.yaml").read_text(encoding="utf-8")
    # relative to the drill file, as load_drill resolves a plan path
    assert plan_line(text) == f"plan: {os.path.join('..', 'elsewhere', 't4.yaml')}"
    assert "WARNING" not in text
    out = env.json("drill", "run", "drills/D.yaml")
    assert out["plan"] == "t4" and out["plan_version"] == 1
    # and from another directory too
    os.chdir(env.root / "drills")
    out = env.json("drill", "run", "D.yaml")
    assert out["plan"] == "t4"


def test_extract_to_stdout_names_the_path_from_the_working_directory(env):
    env.write("elsewhere/t4.yaml", T4)
    record(env, "elsewhere/t4.yaml")
    text = env.ok("drill", "extract", "A").stdout
    assert plan_line(text) == f"plan: {os.path.join('elsewhere', 't4.yaml')}"


def test_a_plan_on_the_plan_path_is_named_by_its_id(env):
    env.write("plans/t4.yaml", T4)
    record(env, "t4")
    env.ok("drill", "extract", "A", "-o", "D.yaml")
    text = (env.root / "D.yaml").read_text(encoding="utf-8")
    assert plan_line(text) == "plan: t4" and "WARNING" not in text


def test_the_file_the_incident_ran_wins_over_a_newer_version_on_the_plan_path(env):
    env.write("elsewhere/t4.yaml", T4)
    env.write("plans/t4.yaml", T4_V2)
    record(env, "elsewhere/t4.yaml")
    env.ok("drill", "extract", "A", "-o", "D.yaml")
    text = (env.root / "D.yaml").read_text(encoding="utf-8")
    assert plan_line(text) == f"plan: {os.path.join('elsewhere', 't4.yaml')}"
    assert env.json("drill", "run", "D.yaml")["plan_version"] == 1


def test_a_changed_plan_file_is_named_by_id_with_a_warning(env):
    env.write("plans/t4.yaml", T4)
    record(env, "t4")
    env.write("plans/t4.yaml", T4_V2)  # the plan library moved on
    env.ok("drill", "extract", "A", "-o", "D.yaml")
    text = (env.root / "D.yaml").read_text(encoding="utf-8")
    assert plan_line(text) == "plan: t4"
    warning = "\n".join(x for x in text.splitlines() if x.startswith("#") and "WARNING" in x)
    assert "plans/t4.yaml (v2" in warning and "(v1, sha256" in warning, text
    assert env.ok("validate", "D.yaml").exit_code == 0


def test_a_plan_gone_from_disk_is_named_by_id_with_a_warning(env):
    path = env.write("elsewhere/t4.yaml", T4)
    record(env, "elsewhere/t4.yaml")
    os.remove(path)
    text = env.ok("drill", "extract", "A").stdout
    assert plan_line(text) == "plan: t4"
    assert "WARNING" in text and "not found" in text


def test_acks_without_a_step_round_trip_with_who_gave_them(env):
    env.write("plans/t4.yaml", T4)
    record(env, "t4")
    env.ok("drill", "extract", "A", "-o", "D.yaml")
    text = (env.root / "D.yaml").read_text(encoding="utf-8")
    assert "{at: 1m, ack: null, by: Li}" in text and "{at: 2m, ack: report, by: Wang}" in text
    assert env.ok("validate", "D.yaml").exit_code == 0
    drill = env.json("drill", "run", "D.yaml")
    acks = env.kinds(drill["incident"], kind="ack")
    assert [(a["data"]["step"], a["data"]["by"]) for a in acks] == [(None, "Li"), ("report", "Wang")]

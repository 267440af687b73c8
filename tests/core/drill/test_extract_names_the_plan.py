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


def record(ws, plan_ref, incident="A"):
    ws.json("start", plan_ref, "--id", incident, "--at", ws.t("10:00"), "--by", "Duty")
    ws.json("ack", incident, "--by", "Li", "--at", ws.t("10:01"))  # an order that names no step
    ws.json("ack", incident, "report", "--by", "Wang", "--at", ws.t("10:02"))
    ws.json("done", incident, "report", "--by", "Wang", "--at", ws.t("10:08"))


def plan_line(text):
    [line] = [x for x in text.splitlines() if x.startswith("plan:")]
    return line


def test_a_plan_started_from_a_file_off_the_plan_path_is_named_by_its_path(ws):
    ws.write("elsewhere/t4.yaml", T4)
    record(ws, "elsewhere/t4.yaml")
    (ws.root / "drills").mkdir()
    ws.ok("drill", "extract", "A", "-o", "drills/D.yaml")
    text = (ws.root / "drills" / "D.yaml").read_text(encoding="utf-8")
    # relative to the drill file, as load_drill resolves a plan path
    assert plan_line(text) == f"plan: {os.path.join('..', 'elsewhere', 't4.yaml')}"
    assert "WARNING" not in text
    out = ws.json("drill", "run", "drills/D.yaml")
    assert out["plan"] == "t4" and out["plan_version"] == 1
    # and from another directory too
    os.chdir(ws.root / "drills")
    out = ws.json("drill", "run", "D.yaml")
    assert out["plan"] == "t4"


def test_extract_to_stdout_names_the_path_from_the_working_directory(ws):
    ws.write("elsewhere/t4.yaml", T4)
    record(ws, "elsewhere/t4.yaml")
    text = ws.ok("drill", "extract", "A").stdout
    assert plan_line(text) == f"plan: {os.path.join('elsewhere', 't4.yaml')}"


def test_a_plan_on_the_plan_path_is_named_by_its_id(ws):
    ws.write("plans/t4.yaml", T4)
    record(ws, "t4")
    ws.ok("drill", "extract", "A", "-o", "D.yaml")
    text = (ws.root / "D.yaml").read_text(encoding="utf-8")
    assert plan_line(text) == "plan: t4" and "WARNING" not in text


def test_the_file_the_incident_ran_wins_over_a_newer_version_on_the_plan_path(ws):
    ws.write("elsewhere/t4.yaml", T4)
    ws.write("plans/t4.yaml", T4_V2)
    record(ws, "elsewhere/t4.yaml")
    ws.ok("drill", "extract", "A", "-o", "D.yaml")
    text = (ws.root / "D.yaml").read_text(encoding="utf-8")
    assert plan_line(text) == f"plan: {os.path.join('elsewhere', 't4.yaml')}"
    assert ws.json("drill", "run", "D.yaml")["plan_version"] == 1


def test_a_changed_plan_file_is_named_by_id_with_a_warning(ws):
    ws.write("plans/t4.yaml", T4)
    record(ws, "t4")
    ws.write("plans/t4.yaml", T4_V2)  # the plan library moved on
    ws.ok("drill", "extract", "A", "-o", "D.yaml")
    text = (ws.root / "D.yaml").read_text(encoding="utf-8")
    assert plan_line(text) == "plan: t4"
    warning = "\n".join(x for x in text.splitlines() if x.startswith("#") and "WARNING" in x)
    assert "plans/t4.yaml (v2" in warning and "(v1, sha256" in warning, text
    assert ws.ok("validate", "D.yaml").exit_code == 0


def test_a_plan_gone_from_disk_is_named_by_id_with_a_warning(ws):
    path = ws.write("elsewhere/t4.yaml", T4)
    record(ws, "elsewhere/t4.yaml")
    os.remove(path)
    text = ws.ok("drill", "extract", "A").stdout
    assert plan_line(text) == "plan: t4"
    assert "WARNING" in text and "not found" in text


def test_acks_without_a_step_round_trip_with_who_gave_them(ws):
    ws.write("plans/t4.yaml", T4)
    record(ws, "t4")
    ws.ok("drill", "extract", "A", "-o", "D.yaml")
    text = (ws.root / "D.yaml").read_text(encoding="utf-8")
    assert "{at: 1m, ack: null, by: Li}" in text and "{at: 2m, ack: report, by: Wang}" in text
    assert ws.ok("validate", "D.yaml").exit_code == 0
    drill = ws.json("drill", "run", "D.yaml")
    acks = ws.kinds(drill["incident"], kind="ack")
    assert [(a["data"]["step"], a["data"]["by"]) for a in acks] == [(None, "Li"), ("report", "Wang")]

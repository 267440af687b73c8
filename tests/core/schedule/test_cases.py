"""Cases have owners (包案) who are told of the case's notifications; a case handed up records a transfer (移送)."""

from __future__ import annotations

PLAN = """\
id: case
title: case
version: 1
timezone: Asia/Shanghai
facts:
  matter: {type: string}
roles:
  mediator: {title: 调解员}
  director: {title: 主任}
initial: mediation
phases:
  mediation:
    steps:
      - {id: mediate, title: 调处, role: mediator, within: 1h}
    on:
      - {event: transfer, to: handed_up}
      - {when: all_done, to: closed}
  handed_up:
    steps:
      - {id: send_file, title: 移交材料, role: director}
    on:
      - {when: all_done, to: closed}
  closed: {final: true}
"""


def test_an_owner_is_recorded_shown_and_told_of_the_cases_notifications(ws):
    ws.write("plans/case.yaml", PLAN)
    ws.write("planengine.yaml", "people:\n  刘调解: {phone: '13700000000'}\n")
    ws.ok("start", "case", "--id", "C1", "--at", ws.t("09:00"))
    status = ws.json("assign", "C1", "--to", "刘调解", "--by", "主任", "--at", ws.t("09:05"))
    assert status["owner"] == "刘调解"
    [ev] = ws.kinds("C1", "assigned")
    assert ev["data"] == {"owner": "刘调解", "previous": None, "by": "主任"}
    assert "owner (包案): 刘调解" in ws.ok("status", "C1").output
    again = ws.run("assign", "C1", "--to", "刘调解", "--by", "主任", "--at", ws.t("09:06"))
    assert again.exit_code == 1 and "already assigned" in again.output
    result = ws.ok("tick", "--now", ws.t("10:01"))
    assert "联系：包案人 刘调解 13700000000" in result.output
    assert [s["owner"] for s in ws.json("status")] == ["刘调解"]


def test_a_transfer_records_the_centre_and_the_facts_and_fires_the_plans_transfer_event(ws):
    ws.write("plans/case.yaml", PLAN)
    ws.ok("start", "case", "--id", "C2", "--at", ws.t("09:00"), "--set", "matter=土地纠纷")
    status = ws.json(
        "transfer", "C2", "--to", "县矛调中心", "--by", "主任", "--reason", "调处不成", "--at", ws.t("09:30")
    )
    assert status["phase"] == "handed_up"
    [tr] = status["transfers"]
    assert tr["to"] == "县矛调中心" and tr["facts"] == {"matter": "土地纠纷"} and tr["reason"] == "调处不成"
    assert [e["kind"] for e in ws.events("C2")].index("transferred") < [e["kind"] for e in ws.events("C2")].index(
        "event"
    )
    refused = ws.run("transfer", "C2", "--to", " ", "--by", "主任", "--at", ws.t("09:40"))
    assert refused.exit_code == 1 and "receiving centre" in refused.output


CASE = """\
id: limits
title: limits
version: 1
timezone: Asia/Shanghai
roles:
  mediator: {title: 调解员}
initial: mediation
phases:
  mediation:
    steps:
      - {id: same_day, title: 当日, role: mediator, within: {days: 0, by: "17:30"}}
      - {id: seven, title: 7日, role: mediator, within: {days: 7}}
    on:
      - {when: all_done, to: closed}
  closed: {final: true}
"""


def test_day_limits_count_calendar_days_and_the_same_day_ends_with_the_working_day(ws):
    ws.write("plans/limits.yaml", CASE)
    early = ws.json("start", "limits", "--id", "D1", "--at", "2090-03-05T09:10+08:00")
    due = {s["id"]: s["due_at"] for s in early["steps"]}
    assert due == {"same_day": "2090-03-05T17:30:00+08:00", "seven": "2090-03-13T00:00:00+08:00"}
    # registered after closing time: the same-day limit is the next working hours' end
    late = ws.json("start", "limits", "--id", "D2", "--at", "2090-03-05T18:00+08:00")
    assert {s["id"]: s["due_at"] for s in late["steps"]}["same_day"] == "2090-03-06T17:30:00+08:00"


def test_the_shipped_dispute_plan_counts_its_limits_by_calendar_day(ws):
    import pathlib

    src = pathlib.Path(__file__).resolve().parents[3] / "plans" / "dispute_mediation.yaml"
    ws.write("plans/dispute_mediation.yaml", src.read_text(encoding="utf-8"))
    ws.ok(
        "start",
        "dispute_mediation",
        "--id",
        "M1",
        "--at",
        "2090-03-05T10:00+08:00",
        "--set",
        "applicant=张三",
        "--set",
        "matter=宅基地",
    )
    ws.ok("done", "M1", "register", "--by", "窗口", "--at", "2090-03-05T10:05+08:00")
    ws.ok("assign", "M1", "--to", "刘调解", "--by", "主任", "--at", "2090-03-05T10:06+08:00")
    ws.ok("set", "M1", "complexity=general", "assigned_to=刘调解", "--at", "2090-03-05T10:07+08:00")
    ws.ok("done", "M1", "classify", "--by", "主任", "--at", "2090-03-05T10:08+08:00")
    status = ws.json("done", "M1", "assign_owner", "--by", "主任", "--at", "2090-03-05T10:09+08:00")
    assert status["phase"] == "mediation" and status["owner"] == "刘调解"
    assert ws.step(status, "mediate_general")["due_at"] == "2090-03-13T00:00:00+08:00"
    ws.ok("decide", "M1", "mediate_general", "unresolved", "--by", "刘调解", "--at", "2090-03-06T10:00+08:00")
    ws.ok("set", "M1", "transfer_to=县矛调中心", "--at", "2090-03-06T10:01+08:00")
    status = ws.json("transfer", "M1", "--to", "县矛调中心", "--by", "主任", "--at", "2090-03-06T10:02+08:00")
    assert status["phase"] == "closing" and status["transfers"][0]["facts"]["matter"] == "宅基地"

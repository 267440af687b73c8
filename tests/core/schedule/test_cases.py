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


def test_an_owner_is_recorded_shown_and_told_of_the_cases_notifications(env):
    env.write("plans/case.yaml", PLAN)
    env.write("planengine.yaml", "people:\n  刘调解: {phone: '13700000000'}\n")
    env.ok("start", "case", "--id", "C1", "--at", env.t("09:00"))
    status = env.json("assign", "C1", "--to", "刘调解", "--by", "主任", "--at", env.t("09:05"))
    assert status["owner"] == "刘调解"
    [ev] = env.kinds("C1", "assigned")
    assert ev["data"] == {"owner": "刘调解", "previous": None, "by": "主任"}
    assert "owner (包案): 刘调解" in env.ok("status", "C1").output
    again = env.run("assign", "C1", "--to", "刘调解", "--by", "主任", "--at", env.t("09:06"))
    assert again.exit_code == 1 and "already assigned" in again.output
    result = env.ok("tick", "--now", env.t("10:01"))
    assert "联系：包案人 刘调解 13700000000" in result.output
    assert [s["owner"] for s in env.json("status")] == ["刘调解"]


def test_a_transfer_records_the_centre_and_the_facts_and_fires_the_plans_transfer_event(env):
    env.write("plans/case.yaml", PLAN)
    env.ok("start", "case", "--id", "C2", "--at", env.t("09:00"), "--set", "matter=土地纠纷")
    status = env.json(
        "transfer", "C2", "--to", "县矛调中心", "--by", "主任", "--reason", "调处不成", "--at", env.t("09:30")
    )
    assert status["phase"] == "handed_up"
    [tr] = status["transfers"]
    assert tr["to"] == "县矛调中心" and tr["facts"] == {"matter": "土地纠纷"} and tr["reason"] == "调处不成"
    assert [e["kind"] for e in env.events("C2")].index("transferred") < [e["kind"] for e in env.events("C2")].index(
        "event"
    )
    refused = env.run("transfer", "C2", "--to", " ", "--by", "主任", "--at", env.t("09:40"))
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


def test_day_limits_count_calendar_days_and_the_same_day_ends_with_the_working_day(env):
    env.write("plans/limits.yaml", CASE)
    early = env.json("start", "limits", "--id", "D1", "--at", "2090-03-05T09:10+08:00")
    due = {s["id"]: s["due_at"] for s in early["steps"]}
    assert due == {"same_day": "2090-03-05T17:30:00+08:00", "seven": "2090-03-13T00:00:00+08:00"}
    # registered after closing time: the same-day limit is the next working hours' end
    late = env.json("start", "limits", "--id", "D2", "--at", "2090-03-05T18:00+08:00")
    assert {s["id"]: s["due_at"] for s in late["steps"]}["same_day"] == "2090-03-06T17:30:00+08:00"


def test_the_shipped_dispute_plan_counts_its_limits_by_calendar_day(env):
    import pathlib

    src = pathlib.Path(__file__).resolve().parents[3] / "plans" / "dispute_mediation.yaml"
    env.write("plans/dispute_mediation.yaml", src.read_text(encoding="utf-8"))
    env.ok(
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
    env.ok("done", "M1", "register", "--by", "窗口", "--at", "2090-03-05T10:05+08:00")
    env.ok("assign", "M1", "--to", "刘调解", "--by", "主任", "--at", "2090-03-05T10:06+08:00")
    env.ok("set", "M1", "complexity=general", "assigned_to=刘调解", "--at", "2090-03-05T10:07+08:00")
    env.ok("done", "M1", "classify", "--by", "主任", "--at", "2090-03-05T10:08+08:00")
    status = env.json("done", "M1", "assign_owner", "--by", "主任", "--at", "2090-03-05T10:09+08:00")
    assert status["phase"] == "mediation" and status["owner"] == "刘调解"
    assert env.step(status, "mediate_general")["due_at"] == "2090-03-13T00:00:00+08:00"
    env.ok("decide", "M1", "mediate_general", "unresolved", "--by", "刘调解", "--at", "2090-03-06T10:00+08:00")
    env.ok("set", "M1", "transfer_to=县矛调中心", "--at", "2090-03-06T10:01+08:00")
    status = env.json("transfer", "M1", "--to", "县矛调中心", "--by", "主任", "--at", "2090-03-06T10:02+08:00")
    assert status["phase"] == "closing" and status["transfers"][0]["facts"]["matter"] == "宅基地"

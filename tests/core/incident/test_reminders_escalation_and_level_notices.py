"""`remind:`, `overdue:` escalation chains with `after:` links and `level: {notify}`, at times computed
by hand (the plan runs in Asia/Shanghai; ticks are told the time with --now)."""

from __future__ import annotations

import re
import sqlite3

PLAN = """\
id: esc
title: 升级测试预案
version: 1
lang: zh
timezone: Asia/Shanghai
facts:
  crowd: {type: integer, min: 0}
levels: [IV, III]
level:
  rules:
    - {level: III, if: {fact: crowd, gte: 50}}
  default: IV
  notify: [leader]
roles:
  leader: {title: 组长, people: [{name: 陈英, phone: "13900000000"}]}
  office: {title: 办公室}
  county: {title: 县应急局}
initial: open
phases:
  open:
    title: 处置
    steps:
      - id: report
        title: 报告
        role: office
        within: 30m
        remind: [10m, 5m]
      - id: decide
        title: 是否提级
        role: leader
        within: 15m
        overdue:
          - {notify: [office]}
          - {after: 10m, notify: [leader]}
          - {after: 30m, notify: [county], message: 请县应急局介入}
    on:
      - {event: end, to: closed}
  closed: {final: true}
"""


def start(env):
    env.start(plan=env.plan(PLAN, "esc.yaml"), at="10:00")


def tick(env, hhmm):
    return env.json("tick", "--now", env.t(hhmm))


def queued(env):
    return [(e["data"]["roles"], e["data"]["message"]) for e in env.kinds(kind="notify_queued")]


def test_reminders_come_at_their_durations_before_the_deadline(env):
    start(env)
    tick(env, "10:19:59")
    assert env.kinds(kind="reminder") == []
    tick(env, "10:20")
    [first] = env.kinds(kind="reminder")
    assert first["data"]["step"] == "report" and first["data"]["before"] == 600
    assert env.dt(first["at"]) == env.dt(env.t("10:20"))
    assert (["office"], "提醒：报告，还剩10分钟（10:30前）") in queued(env)
    tick(env, "10:25")
    assert [r["data"]["before"] for r in env.kinds(kind="reminder")] == [600, 300]
    assert (["office"], "提醒：报告，还剩5分钟（10:30前）") in queued(env)


def test_an_acknowledged_step_gets_no_more_reminders_but_still_falls_overdue(env):
    start(env)
    tick(env, "10:20")
    env.json("ack", "INC-1", "report", "--by", "王五", "--at", env.t("10:21"))
    tick(env, "10:31")
    assert [r["data"]["before"] for r in env.kinds(kind="reminder")] == [600]
    assert "report" in {e["data"]["step"] for e in env.kinds(kind="step_overdue")}


def test_a_done_step_gets_no_reminder(env):
    start(env)
    env.json("done", "INC-1", "report", "--at", env.t("10:12"))
    tick(env, "10:40")
    assert env.kinds(kind="reminder") == []


def test_escalation_links_fire_once_each_at_their_time_past_the_deadline_whatever_the_acks(env):
    start(env)
    tick(env, "10:15")  # decide is due at 10:15: the first link, at the deadline
    assert (["office"], "逾期: 是否提级") in queued(env)
    env.json("ack", "INC-1", "decide", "--by", "陈英", "--at", env.t("10:20"))
    tick(env, "10:24:59")
    assert env.kinds(kind="escalated") == []
    tick(env, "10:25")
    [first] = env.kinds(kind="escalated")
    assert first["data"] == {"step": "decide", "key": first["data"]["key"], "index": 1, "after": 600}
    assert (["leader"], "逾期10分钟仍未完成：是否提级") in queued(env)
    tick(env, "10:45")
    assert [e["data"]["index"] for e in env.kinds(kind="escalated")] == [1, 2]
    assert (["county"], "请县应急局介入") in queued(env)
    tick(env, "12:00")
    assert len(env.kinds(kind="escalated")) == 2, "each link fires exactly once"


def test_doing_the_step_stops_the_chain(env):
    start(env)
    tick(env, "10:16")
    env.json("done", "INC-1", "decide", "--at", env.t("10:20"))
    tick(env, "11:00")
    assert env.kinds(kind="escalated") == []


def test_a_level_change_is_announced_with_the_fact_that_moved_it(env):
    start(env)
    env.json("set", "INC-1", "crowd=60", "--at", env.t("10:05"))
    [change] = [e for e in env.kinds(kind="level_changed") if e["data"]["to"] == "III"]
    assert change["data"]["because"] == {"crowd": 60}
    assert (["leader"], "响应级别调整为 III（原 IV），依据：crowd=60") in queued(env)
    [n] = [e for e in env.kinds(kind="notify_queued") if e["data"].get("level") == "III"]
    assert n["data"]["reason"] == "level"
    env.json("set", "INC-1", "crowd=61", "--at", env.t("10:06"))
    assert [m for _, m in queued(env) if m.startswith("响应级别")] == [
        "响应级别：IV",  # the incident's first level, at start
        "响应级别调整为 III（原 IV），依据：crowd=60",
    ], "no change, no notice"


DRILL = """\
drill: esc_drill
plan: esc.yaml
start: 2090-03-05T10:00:00+08:00
injects:
  - {at: 1m, set: {crowd: 60}}
  - {at: 50m, event: end}
"""


def test_a_drill_records_reminders_escalations_and_level_notices_but_sends_nothing(env):
    env.plan(PLAN, "esc.yaml")
    out = env.json("drill", "run", env.write("drill.yaml", DRILL))
    kinds = [e["kind"] for e in env.events(out["incident"])]
    assert kinds.count("reminder") == 2 and kinds.count("escalated") == 2
    assert any(e["data"].get("level") == "III" for e in env.kinds(out["incident"], kind="notify_queued"))
    conn = sqlite3.connect(env.db)
    try:
        assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
    finally:
        conn.close()


def refused(env, text):
    path = env.plan(text, "bad.yaml")
    result = env.run("validate", path)
    assert result.exit_code == 1
    return path, result.stderr


def line(text, needle):
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_the_loader_refuses_bad_reminders_links_and_level_notices_at_their_place(env):
    cases = [
        (PLAN.replace("remind: [10m, 5m]", "remind: [40m]"), "remind: [40m]", "before its clock starts"),
        (PLAN.replace("        within: 30m\n        remind", "        remind"), "remind: [10m, 5m]", "add `within:`"),
        (PLAN.replace("notify: [leader]\nroles", "notify: [leadr]\nroles"), "notify: [leadr]", "unknown role 'leadr'"),
        (PLAN.replace("{after: 10m, notify: [leader]}", "{after: 10 min, notify: [leader]}"), "10 min", "10 min"),
        (
            PLAN.replace("    on:\n", "    enter:\n      - {after: 5m, notify: [leader]}\n    on:\n"),
            "{after: 5m, notify: [leader]}",
            "after",
        ),
    ]
    for text, needle, fragment in cases:
        path, err = refused(env, text)
        assert re.search(rf"^{re.escape(path)}:{line(text, needle)}:\d+: error: .*{re.escape(fragment)}", err, re.M), (
            err
        )

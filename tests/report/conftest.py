"""A small Chinese plan and a drill of it whose outcome is known step by step.

The drill (day, 09:00): report_up done at 14m of 10m (late 4m, 1.4x: M);
the team checks in 12 at 6m and 8 at 18m of 15m (full strength late 3m,
1.2x: S); injured=4 at 20m raises the level to III and activates
notify_county (20m limit) which is never done (overdue at 40m: U); convene
done at 25m (activated 14m, limit 30m: P); `out` at 1h10m leaves evacuate
(no limit) never done; summary done at 5h (limit 24h: P).
"""

from __future__ import annotations

import pytest

PLAN = """\
id: town_fire
title: 镇村火灾应急处置预案
version: 1
lang: zh
timezone: Asia/Shanghai
daytime: "07:00-19:00"
facts:
  injured: {type: integer, min: 0, default: 0, title: 受伤人数, unit: 人}
  place: {type: string, title: 地点}
levels: [IV, III]
level:
  rules:
    - {level: III, if: {fact: injured, gte: 3}}
  default: IV
roles:
  duty: {title: 值班室, people: [{name: 王焰, phone: "13900000001"}]}
  leader: {title: 镇长, people: [{name: 陈英, phone: "13900000002"}]}
  team: {title: 镇应急分队, muster: true, strength: 20, people: [{name: 李明, phone: "13900000003"}]}
initial: reported
phases:
  reported:
    title: 接报与处置
    steps:
      - {id: report_up, title: 向镇长报告火情, role: duty, within: 10m}
      - {id: convene, title: 镇长召集会商, role: leader, within: 30m, needs: [report_up]}
      - {id: muster, title: 应急分队集结完毕, role: team, muster: true, within: {day: 15m, night: 25m}}
      - {id: evacuate, title: 疏散周边群众, role: team}
      - {id: notify_county, title: 报告县应急管理局, role: duty, within: 20m, if: {level_at_least: III}}
    after:
      - {after: 1h, notify: [leader], message: 处置已超过1小时，请续报}
    on:
      - {event: out, to: aftermath}
  aftermath:
    title: 善后
    steps:
      - {id: summary, title: 形成书面总结报告, role: duty, within: 24h}
    on:
      - {when: all_done, to: closed}
  closed: {title: 结案, final: true}
"""

DRILL = """\
drill: fire_test
plan: town_fire.yaml
title: 东村火灾应急演练
description: 东村民房起火，检验接报、集结与上报。
start: 2026-04-02T09:00:00+08:00
by: 演练导调组
objectives: [值班室10分钟内报告, 分队白天15分钟内集结]
facts: {place: 东村}
injects:
  - {at: 0m, say: 东村民房起火，火势较大, to: duty, channel: 电话, objective: 值班室10分钟内报告}
  - {at: 6m, checkin: team, count: 12, by: 李明}
  - {at: 14m, done: report_up, by: 王焰}
  - {at: 18m, checkin: team, count: 8, by: 李明}
  - {at: 20m, set: {injured: 4}, by: 王焰}
  - {at: 25m, done: convene, by: 陈英}
  - {at: 1h10m, event: out, by: 现场指挥部}
  - {at: 5h, done: summary, by: 王焰}
"""

TITLES = ["向镇长报告火情", "镇长召集会商", "应急分队集结完毕", "疏散周边群众", "报告县应急管理局", "形成书面总结报告"]
# the improvement plan: exactly the late, missed and never-done steps, with their finding class
FINDINGS = {"report_up": "整改项", "muster": "改进项", "notify_county": "不足项", "evacuate": "整改项"}


@pytest.fixture
def drill_ws(env):
    """The workspace with the plan and its drill run: ``env.drill_id`` is the drill incident."""
    env.plan(PLAN, name="town_fire.yaml")
    path = env.write("fire_drill.yaml", DRILL)
    env.ok("drill", "run", path, "--id", "DRL-1")
    env.drill_id = "DRL-1"
    return env


class Fire:
    PLAN = PLAN
    DRILL = DRILL
    TITLES = TITLES
    FINDINGS = FINDINGS


@pytest.fixture
def fire():
    return Fire

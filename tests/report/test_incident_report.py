"""The incident report (处置情况报告) of a live incident: everything the log knows, laid out for leadership."""

from __future__ import annotations

import pytest

from planengine import hookimpl, plugins
from planengine.core.engine import Engine
from planengine.report import incident_report


@pytest.fixture
def live(env, fire):
    """A live town_fire incident: report_up late, the team never at full strength, a note, delivered notices."""
    plan = env.plan(fire.PLAN, name="town_fire.yaml")
    env.ok("start", plan, "--id", "INC-7", "--set", "place=西村", "--at", env.t("10:00"))
    env.ok("checkin", "INC-7", "team", "--count", "7", "--by", "李明", "--at", env.t("10:09"))
    env.ok("tick", "--now", env.t("10:12"))  # report_up overdue at 10:10; the queued notices are delivered
    env.ok("done", "INC-7", "report_up", "--by", "王焰", "--at", env.t("10:13"))
    env.ok("note", "INC-7", "现场风力较大，请求增援", "--by", "王焰", "--at", env.t("10:14"))
    env.ok("set", "INC-7", "injured=3", "--at", env.t("10:20"))
    return env


def test_incident_report_sections_in_order(live, fire):
    md = live.ok("report", "INC-7").stdout
    assert md.startswith("# 突发事件处置情况报告")
    heads = [
        "基本情况",
        "处置步骤完成情况",
        "集结到位情况",
        "经批准免除的步骤",
        "通知、提醒与督办",
        "工作记录",
        "专项情况",
        "整改措施清单",
        "事件经过",
    ]
    positions = [md.index(f"、{h}") for h in heads]
    assert positions == sorted(positions)
    assert "镇村火灾应急处置预案 (town\\_fire)" in md and "v1" in md
    sha = live.json("show", "town_fire.yaml")["sha256"]
    assert sha in md
    assert "西村" in md and "受伤人数" in md and "3人" in md  # facts with their titles and units
    assert "| 10:20 |" not in md and "03-05 10:20 | IV | III |" in md  # level history
    assert "现场风力较大，请求增援" in md


def test_incident_report_times_every_step_and_names_who(live):
    md = live.ok("report", "INC-7", "--at", live.t("10:40")).stdout
    row = next(line for line in md.splitlines() if line.startswith("| 向镇长报告火情 |"))
    assert "| 03-05 10:00 | 10m | 03-05 10:10 | 03-05 10:13 | 王焰 | 超时完成 | 3m |" in row
    muster = next(line for line in md.splitlines() if line.startswith("| 应急分队集结完毕 |"))
    assert "逾期未完成" in muster  # due 10:15, 7 of 20 at 10:40
    county = next(line for line in md.splitlines() if line.startswith("| 报告县应急管理局 |"))
    assert "进行中" in county  # activated 10:20, due 10:40: not yet late at 10:40
    mrow = next(line for line in md.splitlines() if line.startswith("| 镇应急分队 | 应急分队集结完毕 |"))
    assert "| 9m |" in mrow and "未集结到位" in mrow and "| 7 | 20 | 否 |" in mrow


def test_timeline_has_every_event_with_its_actor(live):
    md = live.ok("report", "INC-7").stdout
    log = live.json("log", "INC-7")
    timeline = md.split("事件经过", 1)[1]
    for ev in log:
        assert f"| {ev['seq']} | " in timeline
    assert "| 队伍报到 | 李明 | 镇应急分队 ×7 |" in timeline


def test_notifications_show_their_delivery_state(live):
    md = live.ok("report", "INC-7").stdout
    section = md.split("通知送达情况", 1)[1].split("##", 1)[0]
    assert "已送达" in section  # delivered by `plan tick`
    assert "逾期督办" in md and "向镇长报告火情" in md.split("逾期督办", 1)[1]


def test_improvement_plan_of_an_open_incident_leaves_pending_steps_out(live):
    md = live.ok("report", "INC-7", "--at", live.t("10:30")).stdout
    plan = md.split("整改措施清单", 1)[1].split("##", 1)[0]
    assert "向镇长报告火情" in plan and "应急分队集结完毕" in plan
    assert "报告县应急管理局" not in plan and "镇长召集会商" not in plan


def test_english_incident_report(live):
    md = live.ok("report", "INC-7", "--lang", "en").stdout
    assert md.startswith("# Incident Report")
    for h in (
        "Overview",
        "Steps",
        "Musters",
        "Waived steps",
        "Notifications, reminders and escalations",
        "Improvement Plan",
        "Timeline",
    ):
        assert h in md


class _Heat:
    """A third-party plugin with a report section."""

    @staticmethod
    @hookimpl
    def report_sections(incident, lang):
        place = incident.facts.get("place")
        return [{"title": "高温情况" if lang == "zh" else "Heat", "body": f"- 地点 {place}\n- <b>38 °C</b>"}]


class _Broken:
    @staticmethod
    @hookimpl
    def report_sections(incident, lang):
        raise RuntimeError("boom")


def test_plugin_sections_come_through_the_report_sections_hook(live, monkeypatch):
    monkeypatch.setattr(plugins, "_cached", plugins.build_registry(extra=[_Heat, _Broken]))
    result = live.run("report", "INC-7", "--format", "html")
    assert result.exit_code == 0
    assert "<h3>高温情况</h3>" in result.stdout and "地点 西村" in result.stdout
    assert "&lt;b&gt;38 °C&lt;/b&gt;" in result.stdout
    assert "plugin '_Broken' failed in report_sections: RuntimeError: boom" in result.stderr


class _Waived(Engine):
    """The engine with a `step_waived` event in the log (as `plan waive` records it)."""

    def events(self, incident_id):
        events = super().events(incident_id)
        last = events[-1]
        events.append(
            {
                "incident": incident_id,
                "seq": last["seq"] + 1,
                "at": last["at"],
                "kind": "step_waived",
                "actor": "陈英",
                "data": {"step": "notify_county", "by": "陈英", "reason": "县局已派员到场，无需另行报告"},
                "prev_hash": last["hash"],
                "hash": "",
            }
        )
        return events


def test_waived_steps_are_listed_with_reason_and_in_the_improvement_plan(live):
    eng = _Waived(db=live.db, create=False)
    md = incident_report(eng, "INC-7", fmt="md")
    waived = md.split("经批准免除的步骤", 1)[1].split("##", 1)[0]
    assert "报告县应急管理局" in waived and "陈英" in waived and "县局已派员到场，无需另行报告" in waived
    plan = md.split("整改措施清单", 1)[1].split("##", 1)[0]
    assert "免除：县局已派员到场，无需另行报告" in plan


def test_reports_are_byte_stable(live, monkeypatch):
    from datetime import datetime, timezone

    from planengine.core.incident import clock

    outputs = []
    for year in (2030, 2091):  # the wall clock says another day: the report does not change
        monkeypatch.setattr(clock.WallClock, "now", lambda self, y=year: datetime(y, 1, 1, tzinfo=timezone.utc))
        outputs.append((live.ok("report", "INC-7", "--format", "html").stdout, live.ok("report", "INC-7").stdout))
    assert outputs[0] == outputs[1]


def test_a_step_released_with_plan_waive_is_reported(env, fire):
    plan = env.plan(fire.PLAN.replace("within: 24h}", "within: 24h, required: true}"), name="town_fire.yaml")
    env.ok("start", plan, "--id", "INC-W", "--at", env.t("10:00"))
    env.ok("event", "INC-W", "out", "--at", env.t("10:30"))
    env.ok("waive", "INC-W", "summary", "--by", "陈英", "--reason", "已并入县级总结", "--at", env.t("11:00"))
    md = env.ok("report", "INC-W").stdout
    waived = md.split("经批准免除的步骤", 1)[1].split("##", 1)[0]
    assert "形成书面总结报告" in waived and "陈英" in waived and "已并入县级总结" in waived
    row = next(line for line in md.splitlines() if line.startswith("| 形成书面总结报告 |"))
    assert "经批准免除" in row
    plan_rows = md.split("整改措施清单", 1)[1].split("##", 1)[0]
    assert "免除：已并入县级总结" in plan_rows


def test_escalation_chain_links_are_listed(env, fire):
    text = fire.PLAN.replace(
        "- {id: report_up, title: 向镇长报告火情, role: duty, within: 10m}",
        "- {id: report_up, title: 向镇长报告火情, role: duty, within: 10m, remind: [5m],"
        " overdue: [{notify: [duty]}, {after: 10m, notify: [leader], message: 值班室仍未报告}]}",
    )
    plan = env.plan(text, name="town_fire.yaml")
    env.ok("start", plan, "--id", "INC-E", "--at", env.t("10:00"))
    env.ok("tick", "--now", env.t("10:25"))
    md = env.ok("report", "INC-E", "--at", env.t("10:25")).stdout
    reminders = md.split("### 提醒", 1)[1].split("###", 1)[0]
    assert "向镇长报告火情" in reminders  # 5 minutes before the deadline
    esc = md.split("### 逾期督办", 1)[1].split("###", 1)[0]
    assert "| 向镇长报告火情 |" in esc and "向镇长报告火情 (+10m)" in esc and "值班室仍未报告" in esc

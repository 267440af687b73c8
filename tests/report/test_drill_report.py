"""The drill evaluation report (演练评估报告; HSEEP AAR/IP in en) says what the drill showed."""

from __future__ import annotations

import re


def _improvement_rows(md: str) -> list:
    """Rows of the 整改措施清单 / improvement plan table: (step title, role, problem, class, 4 blanks)."""
    section = md.split("整改措施清单" if "整改措施清单" in md else "Appendix A: Improvement Plan", 1)[1]
    rows = []
    for line in section.splitlines():
        if re.match(r"^\| \d+ \|", line):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows.append(cells)
        elif rows and not line.startswith("|"):
            break
    return rows


def test_drill_report_has_the_evaluation_sections_every_step_and_the_score(drill_ws, fire):
    md = drill_ws.ok("report", drill_ws.drill_id).stdout
    assert md.startswith("# 应急演练评估报告")
    sections = [
        "演练基本情况",
        "演练执行情况",
        "预案合理性与可操作性",
        "指挥协调和应急联动",
        "应急人员处置",
        "设备装备适用性",
        "存在问题",
        "改进意见和建议",
        "评估结论",
    ]
    positions = [md.index(s) for s in sections]
    assert positions == sorted(positions)
    for title in fire.TITLES:
        assert title in md
    score = drill_ws.json("drill", "score", drill_ws.drill_id)
    assert f"综合得分: {score['score']}" in md and score["grade"] in md
    assert "「待评估组填写」" in md  # only an evaluator can judge equipment, etc.
    for objective in ("值班室10分钟内报告", "分队白天15分钟内集结"):
        assert objective in md
    assert "东村民房起火，火势较大" in md  # the scenario and the inject list
    assert "演练导调组" in md  # organiser


def test_improvement_plan_lists_exactly_the_late_missed_and_never_done_steps(drill_ws, fire):
    md = drill_ws.ok("report", drill_ws.drill_id).stdout
    rows = _improvement_rows(md)
    titles = {
        fire.TITLES[i]: sid
        for i, sid in enumerate(["report_up", "convene", "muster", "evacuate", "notify_county", "summary"])
    }
    got = {titles[r[1]]: r[4] for r in rows}
    assert got == fire.FINDINGS
    for r in rows:
        assert r[5:] == ["", "", "", ""]  # corrective action, 责任单位, due date, verification: blank
    roles = {titles[r[1]]: r[2] for r in rows}
    assert roles["muster"] == "镇应急分队" and roles["notify_county"] == "值班室"


def test_english_drill_report_follows_the_hseep_aar_ip(drill_ws, fire):
    md = drill_ws.ok("report", drill_ws.drill_id, "--lang", "en").stdout
    assert md.startswith("# After-Action Report / Improvement Plan")
    for heading in (
        "Exercise Overview",
        "Analysis of Capabilities",
        "Conclusion",
        "Appendix A: Improvement Plan",
        "Master Scenario Events List",
    ):
        assert heading in md
    assert md.index("Conclusion") < md.index("Appendix A: Improvement Plan")
    rows = _improvement_rows(md)
    assert sorted(r[4] for r in rows) == sorted(
        {"整改项": "corrective action", "改进项": "improvement", "不足项": "deficiency"}[c]
        for c in fire.FINDINGS.values()
    )
    assert "to be completed by the evaluation team" in md


def test_report_prints_the_log_head_that_verify_checks(drill_ws):
    md = drill_ws.ok("report", drill_ws.drill_id).stdout
    log = drill_ws.json("log", drill_ws.drill_id)
    assert f"{log[-1]['seq']}:{log[-1]['hash']}" in md

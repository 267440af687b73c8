"""`plan report --all --since DATE -o DIR`: the monthly or quarterly summary and every incident's report."""

from __future__ import annotations


def test_period_summary_counts_rates_musters_and_drills(drill_ws, fire, tmp_path):
    env = drill_ws
    plan = "town_fire.yaml"
    env.ok("start", plan, "--id", "INC-A", "--at", "2026-04-10T10:00:00+08:00")
    env.ok("done", "INC-A", "report_up", "--at", "2026-04-10T10:05:00+08:00")
    env.ok("checkin", "INC-A", "team", "--count", "20", "--at", "2026-04-10T10:30:00+08:00")
    env.ok("start", plan, "--id", "INC-OLD", "--at", "2026-02-01T10:00:00+08:00")  # before the period
    out = tmp_path / "q2"
    r = env.ok("report", "--all", "--since", "2026-04-01", "--until", "2026-06-30", "-o", out, "--plans", env.root)
    files = sorted(p.name for p in out.iterdir())
    assert files == ["DRL-1.md", "INC-A.md", "summary-2026-04-01-2026-06-30.md"]
    assert r.stdout.count("\n") == 3
    md = (out / "summary-2026-04-01-2026-06-30.md").read_text(encoding="utf-8")
    row = next(line for line in md.splitlines() if "(town\\_fire)" in line and line.count("|") == 7)
    assert row.endswith("| 1 | 1 | 0 | 1 | 2 |")  # 1 live, 1 drill, 0 routine, 1 open, 2 in all
    # report_up: on time in INC-A, late in the drill
    step = next(line for line in md.splitlines() if line.startswith("| town\\_fire | 向镇长报告火情 |"))
    assert step.endswith("| 2 | 1 | 50% |")
    slowest = md.split("集结最慢的队伍", 1)[1].split("##", 1)[0]
    assert slowest.index("INC-A") < slowest.index("DRL-1")  # 30m beats 18m as the slowest
    drills = md.split("各预案演练情况", 1)[1].split("##", 1)[0]
    assert "| 1 | 2026-04-02 | 每2年 | 符合 |" in drills
    assert "INC-OLD" not in md


def test_drills_overdue_against_the_required_frequency(drill_ws, tmp_path):
    env = drill_ws
    env.write("planengine.yaml", "reports:\n  drill_every: {town_fire: 30d}\n")
    out = tmp_path / "later"
    env.ok("report", "--all", "--since", "2026-07-01", "--until", "2026-07-31", "-o", out, "--plans", env.root)
    md = (out / "summary-2026-07-01-2026-07-31.md").read_text(encoding="utf-8")
    assert "| 0 | 2026-04-02 | 每30天 | 逾期未演练 |" in md


def test_period_summary_refuses_existing_files_without_force(drill_ws, tmp_path):
    out = tmp_path / "q"
    args = ("report", "--all", "--since", "2026-04-01", "--until", "2026-04-30", "-o", out)
    drill_ws.ok(*args)
    r = drill_ws.run(*args)
    assert r.exit_code == 1 and "exists" in r.stderr
    drill_ws.ok(*args, "--force")


CASE_PLAN = """\
id: case
title: 纠纷案件
version: 1
timezone: Asia/Shanghai
roles:
  mediator: {title: 调解员}
initial: mediation
phases:
  mediation:
    steps:
      - {id: mediate, title: 调处, role: mediator, within: 1h}
    on:
      - {when: all_done, to: closed}
  closed: {final: true}
"""


def test_period_summary_counts_cases_per_owner_and_those_closed_on_time(env, tmp_path):
    env.write("plans/case.yaml", CASE_PLAN)
    for case, owner, done_at in (("C1", "刘调解", "10:30"), ("C2", "刘调解", "11:30"), ("C3", "王芳", None)):
        env.ok("start", "case", "--id", case, "--at", "2026-04-10T10:00:00+08:00")
        env.ok("assign", case, "--to", owner, "--by", "主任", "--at", "2026-04-10T10:05:00+08:00")
        if done_at:  # C1 within its hour, C2 half an hour late, C3 still open
            env.ok("done", case, "mediate", "--at", f"2026-04-10T{done_at}:00+08:00")
    out = tmp_path / "april"
    env.ok("report", "--all", "--since", "2026-04-01", "--until", "2026-04-30", "-o", out)
    md = (out / "summary-2026-04-01-2026-04-30.md").read_text(encoding="utf-8")
    owners = md.split("包案人办理情况", 1)[1].split("##", 1)[0]
    assert "| 刘调解 | 2 | 0 | 2 | 1 | 50% |" in owners
    assert "| 王芳 | 1 | 1 | 0 | 0 |  |" in owners
    assert owners.index("刘调解") < owners.index("王芳")  # most cases first

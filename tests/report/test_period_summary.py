"""`plan report --all --since DATE -o DIR`: the monthly or quarterly summary and every incident's report."""

from __future__ import annotations


def test_period_summary_counts_rates_musters_and_drills(drill_ws, fire, tmp_path):
    ws = drill_ws
    plan = "town_fire.yaml"
    ws.ok("start", plan, "--id", "INC-A", "--at", "2026-04-10T10:00:00+08:00")
    ws.ok("done", "INC-A", "report_up", "--at", "2026-04-10T10:05:00+08:00")
    ws.ok("checkin", "INC-A", "team", "--count", "20", "--at", "2026-04-10T10:30:00+08:00")
    ws.ok("start", plan, "--id", "INC-OLD", "--at", "2026-02-01T10:00:00+08:00")  # before the period
    out = tmp_path / "q2"
    r = ws.ok("report", "--all", "--since", "2026-04-01", "--until", "2026-06-30", "-o", out, "--plans", ws.root)
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
    ws = drill_ws
    ws.write("planengine.yaml", "reports:\n  drill_every: {town_fire: 30d}\n")
    out = tmp_path / "later"
    ws.ok("report", "--all", "--since", "2026-07-01", "--until", "2026-07-31", "-o", out, "--plans", ws.root)
    md = (out / "summary-2026-07-01-2026-07-31.md").read_text(encoding="utf-8")
    assert "| 0 | 2026-04-02 | 每30天 | 逾期未演练 |" in md


def test_period_summary_refuses_existing_files_without_force(drill_ws, tmp_path):
    out = tmp_path / "q"
    args = ("report", "--all", "--since", "2026-04-01", "--until", "2026-04-30", "-o", out)
    drill_ws.ok(*args)
    r = drill_ws.run(*args)
    assert r.exit_code == 1 and "exists" in r.stderr
    drill_ws.ok(*args, "--force")

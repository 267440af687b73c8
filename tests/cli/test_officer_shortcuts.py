"""Fewer keystrokes: steps by board number or title prefix, --at 21:04 and -6m, and `plan use`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from planengine.core.incident import clock


def test_a_step_by_its_number_on_the_board(ws):
    ws.start()
    out = ws.ok("status", "INC-1").stdout
    assert "  1 [ ] report_up" in out
    ws.ok("done", "INC-1", "1", "--at", ws.t("10:02"))
    assert ws.step(ws.status(), "report_up")["status"] == "done"
    r = ws.run("done", "INC-1", "9")
    assert r.exit_code == 1 and "no step 9 on the board of INC-1" in r.stderr


def test_a_step_by_a_unique_prefix_of_its_title_or_id(ws):
    plan = ws.plan(ws.PLAN.replace("      - id: report_up\n", "      - id: report_up\n        title: 向领导小组报告\n"))
    ws.start(plan=plan)
    ws.ok("done", "INC-1", "向领导", "--at", ws.t("10:02"))
    assert ws.step(ws.status(), "report_up")["status"] == "done"
    ws.ok("done", "INC-1", "conv", "--at", ws.t("10:03"))
    assert ws.step(ws.status(), "convene")["status"] == "done"
    log = ws.json("log", "INC-1")
    done = [e for e in log if e["kind"] == "step_done"]
    assert [e["data"]["step"] for e in done] == ["report_up", "convene"]  # the id is recorded


def test_an_ambiguous_prefix_is_refused_and_writes_nothing(ws):
    ws.start("crowd_size=6", "casualties=3")
    ws.ok("event", "INC-1", "activate", "--at", ws.t("10:05"))  # representatives and report_county pending
    before = ws.count("events")
    r = ws.run("done", "INC-1", "re", "--at", ws.t("10:06"))
    assert r.exit_code == 1
    assert "'re' could be any of representatives, report_county" in r.stderr
    assert ws.count("events") == before
    ws.ok("done", "INC-1", "repr", "--at", ws.t("10:06"))
    assert ws.step(ws.status(), "representatives")["status"] == "done"


def test_a_role_by_the_prefix_of_its_title(ws):
    ws.start("crowd_size=3")
    ws.ok("event", "INC-1", "activate", "--at", ws.t("10:05"))
    ws.ok("checkin", "INC-1", "Te", "--count", "10", "--at", ws.t("10:09"))
    assert ws.step(ws.status(), "muster")["status"] == "done"


def test_at_clock_time_is_today_in_the_plans_timezone():
    tz = clock.zone("Asia/Shanghai")
    now = datetime(2090, 3, 5, 2, 10, tzinfo=timezone.utc)  # 10:10 in Shanghai
    got = clock.parse_user_time("10:04", tz, now=now)
    assert got == datetime(2090, 3, 5, 2, 4, tzinfo=timezone.utc)
    # just after midnight, 23:58 is yesterday's
    now = datetime(2090, 3, 5, 16, 1, tzinfo=timezone.utc)  # 00:01 on the 6th in Shanghai
    assert clock.parse_user_time("23:58", tz, now=now) == datetime(2090, 3, 5, 15, 58, tzinfo=timezone.utc)


def test_at_minus_minutes_counts_back_from_now():
    now = datetime(2090, 3, 5, 2, 10, tzinfo=timezone.utc)
    assert clock.parse_user_time("-6m", None, now=now) == now - timedelta(minutes=6)
    assert clock.parse_user_time("-1h30m", None, now=now) == now - timedelta(minutes=90)


def test_at_short_forms_through_the_cli(ws):
    ws.start(at=clock.to_iso(clock.WallClock().now() - timedelta(hours=2)))
    ws.ok("done", "INC-1", "report_up", "--at", "-6m")
    step = ws.step(ws.status(), "report_up")
    took = clock.WallClock().now() - datetime.fromisoformat(step["done_at"])
    assert timedelta(minutes=5) <= took <= timedelta(minutes=7)
    r = ws.run("note", "INC-1", "x", "--at", "-soon")
    assert r.exit_code == 1 and "-6m" in r.stderr


def test_use_sets_the_current_incident_per_database(ws):
    ws.start()
    r = ws.run("done", "report_up", "--at", ws.t("10:02"))
    assert r.exit_code == 2 and "plan use" in r.stderr
    ws.ok("use", "INC-1")
    ws.ok("done", "report_up", "--at", ws.t("10:02"))
    ws.ok("note", "all quiet", "--at", ws.t("10:03"))
    ws.ok("set", "crowd_size=8", "--at", ws.t("10:04"))
    st = ws.status()
    assert ws.step(st, "report_up")["status"] == "done" and st["facts"]["crowd_size"] == 8
    r = ws.run("use", "INC-404")
    assert r.exit_code == 1 and "INC-404" in r.stderr
    # another database has no current incident
    other = ws.runner.invoke(
        __import__("planengine.cli", fromlist=["cli"]).cli, ["done", "1", "--db", str(ws.root / "other.db")]
    )
    assert other.exit_code != 0


def test_a_missing_step_with_an_incident_in_use_is_still_a_usage_error(ws):
    ws.start()
    ws.ok("use", "INC-1")
    r = ws.run("done", "INC-1")
    assert r.exit_code == 2

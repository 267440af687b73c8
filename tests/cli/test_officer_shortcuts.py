"""Fewer keystrokes: steps by board number or title prefix, --at 21:04 and -6m, and `plan use`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from planengine.core.incident import clock


def test_a_step_by_its_number_on_the_board(env):
    env.start()
    out = env.ok("status", "INC-1").stdout
    assert "  1 [ ] report_up" in out
    env.ok("done", "INC-1", "1", "--at", env.t("10:02"))
    assert env.step(env.status(), "report_up")["status"] == "done"
    r = env.run("done", "INC-1", "9")
    assert r.exit_code == 1 and "no step 9 on the board of INC-1" in r.stderr


def test_a_step_by_a_unique_prefix_of_its_title_or_id(env):
    plan = env.plan(
        env.PLAN.replace("      - id: report_up\n", "      - id: report_up\n        title: 向领导小组报告\n")
    )
    env.start(plan=plan)
    env.ok("done", "INC-1", "向领导", "--at", env.t("10:02"))
    assert env.step(env.status(), "report_up")["status"] == "done"
    env.ok("done", "INC-1", "conv", "--at", env.t("10:03"))
    assert env.step(env.status(), "convene")["status"] == "done"
    log = env.json("log", "INC-1")
    done = [e for e in log if e["kind"] == "step_done"]
    assert [e["data"]["step"] for e in done] == ["report_up", "convene"]  # the id is recorded


def test_an_ambiguous_prefix_is_refused_and_writes_nothing(env):
    env.start("crowd_size=6", "casualties=3")
    env.ok("event", "INC-1", "activate", "--at", env.t("10:05"))  # representatives and report_county pending
    before = env.count("events")
    r = env.run("done", "INC-1", "re", "--at", env.t("10:06"))
    assert r.exit_code == 1
    assert "'re' could be any of representatives, report_county" in r.stderr
    assert env.count("events") == before
    env.ok("done", "INC-1", "repr", "--at", env.t("10:06"))
    assert env.step(env.status(), "representatives")["status"] == "done"


def test_a_role_by_the_prefix_of_its_title(env):
    env.start("crowd_size=3")
    env.ok("event", "INC-1", "activate", "--at", env.t("10:05"))
    env.ok("checkin", "INC-1", "Te", "--count", "10", "--at", env.t("10:09"))
    assert env.step(env.status(), "muster")["status"] == "done"


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


def test_at_short_forms_through_the_cli(env):
    env.start(at=clock.to_iso(clock.WallClock().now() - timedelta(hours=2)))
    env.ok("done", "INC-1", "report_up", "--at", "-6m")
    step = env.step(env.status(), "report_up")
    took = clock.WallClock().now() - datetime.fromisoformat(step["done_at"])
    assert timedelta(minutes=5) <= took <= timedelta(minutes=7)
    r = env.run("note", "INC-1", "x", "--at", "-soon")
    assert r.exit_code == 1 and "-6m" in r.stderr


def test_use_sets_the_current_incident_per_database(env):
    env.start()
    r = env.run("done", "report_up", "--at", env.t("10:02"))
    assert r.exit_code == 2 and "plan use" in r.stderr
    env.ok("use", "INC-1")
    env.ok("done", "report_up", "--at", env.t("10:02"))
    env.ok("note", "all quiet", "--at", env.t("10:03"))
    env.ok("set", "crowd_size=8", "--at", env.t("10:04"))
    st = env.status()
    assert env.step(st, "report_up")["status"] == "done" and st["facts"]["crowd_size"] == 8
    r = env.run("use", "INC-404")
    assert r.exit_code == 1 and "INC-404" in r.stderr
    # another database has no current incident
    other = env.runner.invoke(
        __import__("planengine.cli", fromlist=["cli"]).cli, ["done", "1", "--db", str(env.root / "other.db")]
    )
    assert other.exit_code != 0


def test_a_missing_step_with_an_incident_in_use_is_still_a_usage_error(env):
    env.start()
    env.ok("use", "INC-1")
    r = env.run("done", "INC-1")
    assert r.exit_code == 2

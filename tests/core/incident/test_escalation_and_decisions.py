"""Longer scenarios: escalation on overdue, decisions, the bundled sudden_event plan."""

from __future__ import annotations

from pathlib import Path

REPO_PLANS = Path(__file__).resolve().parents[3] / "plans"

ESCALATING = """\
      - event: dispersed
        to: closed
      - when: any_overdue
        to: escalated
  escalated:
    title: Escalated
    steps:
      - id: county_takes_over
        role: leader
        within: 1h
      - id: choose
        role: leader
        decision: [hand_over, keep]
    on:
      - when: {step: choose, answer: hand_over}
        to: closed
      - event: dispersed
        to: closed
"""


def escalating_plan(env):
    old = "      - event: dispersed\n        to: closed\n"
    assert env.PLAN.count(old) == 1
    return env.plan(env.PLAN.replace(old, ESCALATING), "escalating.yaml")


def test_any_overdue_transition_is_taken_when_a_timer_fires(env):
    env.start(at="10:00", plan=escalating_plan(env))
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    env.ok("tick", "--now", env.t("10:19"))
    assert env.status()["phase"] == "responding"
    env.ok("tick", "--now", env.t("10:30"))
    s = env.status()
    assert s["phase"] == "escalated"
    takeover = env.step(s, "county_takes_over")
    assert env.dt(takeover["activated_at"]) == env.dt(env.t("10:20")), "escalated at the muster deadline"
    assert env.dt(takeover["due_at"]) == env.dt(env.t("11:20"))
    assert env.step(s, "secure")["status"] == "skipped"


def test_decision_step_is_answered_with_decide_and_drives_a_transition(env):
    env.start(at="10:00", plan=escalating_plan(env))
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    env.ok("tick", "--now", env.t("10:30"))
    before = env.count("events")
    bad = env.run("decide", "INC-1", "choose", "give_up", "--by", "Chen", "--at", env.t("10:40"))
    assert bad.exit_code == 1 and "hand_over" in bad.stderr
    refused = env.run("done", "INC-1", "choose", "--at", env.t("10:40"))
    assert refused.exit_code == 1 and "decide" in refused.stderr
    assert env.count("events") == before
    s = env.json("decide", "INC-1", "choose", "hand_over", "--by", "Chen", "--at", env.t("10:45"))
    assert s["phase"] == "closed"
    assert env.step(s, "choose")["status"] == "done" and env.step(s, "choose")["by"] == "Chen"
    assert env.step(s, "county_takes_over")["status"] == "skipped"
    assert env.kinds(kind="decision")[0]["data"]["answer"] == "hand_over"


def test_decide_without_by_is_a_usage_error(env):
    env.start(at="10:00", plan=escalating_plan(env))
    assert env.run("decide", "INC-1", "choose", "keep").exit_code == 2


def test_ack_records_who_confirmed_an_order(env):
    env.start()
    s = env.json("ack", "INC-1", "report_up", "--by", "Li", "--at", env.t("10:02"))
    assert env.step(s, "report_up")["status"] == "pending", "an ack is not completion"
    [ack] = env.kinds(kind="ack")
    assert ack["data"]["by"] == "Li" and ack["data"]["step"] == "report_up"
    assert env.run("ack", "INC-1", "report_up", "--at", env.t("10:03")).exit_code == 2, "--by is required"
    result = env.run("ack", "INC-1", "brief", "--by", "Li", "--at", env.t("10:03"))
    assert result.exit_code == 1 and "brief" in result.stderr, "not activated yet"


def test_late_step_done_before_the_tick_never_fires(env):
    env.start(at="10:00")
    s = env.json("done", "INC-1", "report_up", "--at", env.t("10:13"))
    assert env.step(s, "report_up")["status"] == "late"
    env.ok("tick", "--now", env.t("10:20"))
    assert "report_up" not in [e["data"]["step"] for e in env.kinds(kind="step_overdue")]
    assert env.step(env.status(), "report_up")["late_seconds"] == 180


def test_command_dated_before_the_incident_opened_is_refused(env):
    env.start(at="10:00")
    before = env.count("events")
    result = env.run("done", "INC-1", "report_up", "--at", env.t("09:00"))
    assert result.exit_code == 1
    assert result.stderr.strip()
    assert env.count("events") == before
    assert env.step(env.status(), "report_up")["status"] == "pending"


def test_step_cannot_be_done_before_it_was_activated(env):
    env.start(at="10:00")
    env.json("done", "INC-1", "report_up", "--at", env.t("10:20"))  # convene activated 10:20
    before = env.count("events")
    result = env.run("done", "INC-1", "convene", "--at", env.t("10:10"))
    assert result.exit_code == 1
    assert env.count("events") == before


# -- the bundled generic plan --------------------------------------------------


def test_sudden_event_by_night_from_report_to_aftermath(env):
    plans = str(REPO_PLANS)

    def cmd(*args, at):
        return env.json(*args, "--plans", plans, "--at", env.t(at))

    s = env.json(
        "start", "sudden_event", "--plans", plans, "--id", "SE-1", "--set", "place=Dongmen", "--at", env.t("21:00")
    )
    assert s["plan"] == "sudden_event" and s["phase"] == "reported" and s["level"] == "IV"
    assert env.dt(env.step(s, "report_up")["due_at"]) == env.dt(env.t("21:10"))

    # report_up's check wants place, people and cause recorded
    refused = env.run("done", "SE-1", "report_up", "--plans", plans, "--at", env.t("21:04"))
    assert refused.exit_code == 1 and "core.facts_present" in refused.stderr

    cmd("set", "SE-1", "people=40", "cause=dispute", "beyond_town=true", at="21:03")
    s = cmd("done", "SE-1", "report_up", "--by", "Wang", at="21:04")
    assert env.dt(env.step(s, "convene")["due_at"]) == env.dt(env.t("21:34"))
    assert env.dt(env.step(s, "dispatch")["due_at"]) == env.dt(env.t("21:09"))

    # dispatch moves to responding; the leading group's convening is required: it stays active
    s = cmd("done", "SE-1", "dispatch", at="21:06")
    assert s["phase"] == "responding"
    convene = env.step(s, "convene")
    assert convene["status"] == "pending" and convene["required"] is True
    muster = env.step(s, "muster")
    assert env.dt(muster["due_at"]) == env.dt(env.t("21:31")), "night: 25 minutes from dispatch"
    assert "arrive" not in env.step_ids(s), "beyond_town: the in-town arrival step does not apply"
    assert env.dt(env.step(s, "command_team")["due_at"]) == env.dt(env.t("22:06")), "an ordinary event: the team leader"
    assert env.dt(env.step(s, "written_feedback")["due_at"]) == env.dt(env.t("21:00", day="2090-03-06"))

    s = cmd("checkin", "SE-1", "team", "--count", "20", at="21:25")
    assert env.step(s, "muster")["status"] == "done"
    assert "arrive_beyond" in env.step_ids(s)

    # deaths do not grade an event that is not a production accident
    s = cmd("set", "SE-1", "deaths=3", at="21:40")
    assert s["level"] == "IV"
    s = cmd("set", "SE-1", "production_accident=true", at="21:41")
    assert s["level"] == "III"
    assert env.dt(env.step(s, "report_up_accident")["due_at"]) == env.dt(env.t("23:41"))
    assert env.dt(env.step(s, "progress_report")["due_at"]) == env.dt(env.t("22:41"))
    assert "report_up_level" not in env.step_ids(s)

    s = cmd("decide", "SE-1", "finish_feedback", "resolved", "--by", "Li", at="23:00")
    assert s["phase"] == "aftermath"
    assert env.step(s, "progress_report")["status"] == "skipped", "续报 ends with the phase"
    cmd("done", "SE-1", "final_report", at="23:10")
    s = cmd("done", "SE-1", "archive", at="23:20")
    assert s["phase"] == "closed" and s["closed_at"] is None, "waits for convene and the written feedback"
    refused = env.run("done", "SE-1", "written_feedback", "--plans", plans, "--at", env.t("23:30"))
    assert refused.exit_code == 1 and "follow_up_person" in refused.stderr
    cmd("set", "SE-1", "follow_up_person=Zhang", at="23:30")
    cmd("done", "SE-1", "written_feedback", at="23:31")
    s = cmd("waive", "SE-1", "convene", "--by", "Li", "--reason", "the county convened instead", at="23:32")
    assert env.dt(s["closed_at"]) == env.dt(env.t("23:32"))
    env.ok("verify", "SE-1")


def test_an_incident_keeps_running_the_plan_it_started_with_after_the_file_changes(env):
    path = env.plan()
    env.start(at="10:00", plan=path)
    env.plan(env.PLAN.replace("within: 30m", "within: 5m").replace("version: 2", "version: 3"))
    s = env.json("done", "INC-1", "report_up", "--at", env.t("10:04"))
    assert env.dt(env.step(s, "convene")["due_at"]) == env.dt(env.t("10:34")), "the stored plan, not the edited file"
    assert s["plan_version"] == 2
    new = env.json("start", path, "--id", "INC-2", "--at", env.t("10:00"))
    assert new["plan_version"] == 3
    s = env.json("done", "INC-2", "report_up", "--at", env.t("10:04"))
    assert env.dt(env.step(s, "convene")["due_at"]) == env.dt(env.t("10:09"))


def test_an_incident_survives_its_plan_file_being_deleted(env):
    path = env.plan()
    env.start(at="10:00", plan=path)
    Path(path).unlink()
    s = env.json("done", "INC-1", "report_up", "--at", env.t("10:04"))
    assert env.step(s, "convene")["status"] == "pending"


def test_each_queued_notification_is_delivered_once_across_ticks(env):
    env.start(at="10:00")
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    for now in ("10:06", "10:30", "12:10", "12:11"):
        env.ok("tick", "--now", env.t(now))
    queued = [e["data"]["key"] for e in env.kinds(kind="notify_queued")]
    delivered = [e["data"]["key"] for e in env.kinds(kind="notify_delivered")]
    assert len(queued) == 3  # enter, muster overdue, 2h reminder
    assert sorted(delivered) == sorted(queued)


def test_muster_is_complete_when_checked_in_heads_reach_the_team_strength(env):
    env.start(at="10:00")
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    s = env.json("checkin", "INC-1", "team", "--count", "6", "--at", env.t("10:12"))
    assert env.step(s, "muster")["status"] == "pending", "6 of 10"
    s = env.json("checkin", "INC-1", "team", "--count", "4", "--at", env.t("10:18"))
    muster = env.step(s, "muster")
    assert muster["status"] == "done"
    assert env.dt(muster["done_at"]) == env.dt(env.t("10:18"))


def test_engine_on_a_sim_clock_stamps_commands_and_ticks_with_simulated_time(env):
    from datetime import datetime

    from planengine.core.engine import Engine
    from planengine.core.incident.clock import SimClock

    clock = SimClock(datetime.fromisoformat(env.t("21:00")))
    eng = Engine(db=env.db, clock=clock)
    state = eng.start(env.plan(), incident_id="SIM-1")
    assert state.opened_at == f"{env.DAY}T13:00:00Z"
    clock.advance(5 * 60)
    eng.command("SIM-1", "event", {"name": "activate"})
    clock.advance(24 * 60)
    assert eng.tick() == []  # muster due 21:30 by night
    clock.advance(60)
    assert [key.split(":")[1] for _, key, _ in eng.tick()] == ["muster"]
    s = env.status("SIM-1")
    assert env.step(s, "muster")["status"] == "overdue"


def test_watch_once_draws_the_board_of_open_incidents(env):
    env.start()
    out = env.ok("watch", "--once").stdout
    assert "INC-1" in out and "report_up" in out

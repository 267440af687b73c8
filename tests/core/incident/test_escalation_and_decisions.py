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


def escalating_plan(ws):
    old = "      - event: dispersed\n        to: closed\n"
    assert ws.PLAN.count(old) == 1
    return ws.plan(ws.PLAN.replace(old, ESCALATING), "escalating.yaml")


def test_any_overdue_transition_is_taken_when_a_timer_fires(ws):
    ws.start(at="10:00", plan=escalating_plan(ws))
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    ws.ok("tick", "--now", ws.t("10:19"))
    assert ws.status()["phase"] == "responding"
    ws.ok("tick", "--now", ws.t("10:30"))
    s = ws.status()
    assert s["phase"] == "escalated"
    takeover = ws.step(s, "county_takes_over")
    assert ws.dt(takeover["activated_at"]) == ws.dt(ws.t("10:20")), "escalated at the muster deadline"
    assert ws.dt(takeover["due_at"]) == ws.dt(ws.t("11:20"))
    assert ws.step(s, "secure")["status"] == "skipped"


def test_decision_step_is_answered_with_decide_and_drives_a_transition(ws):
    ws.start(at="10:00", plan=escalating_plan(ws))
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    ws.ok("tick", "--now", ws.t("10:30"))
    before = ws.count("events")
    bad = ws.run("decide", "INC-1", "choose", "give_up", "--by", "Chen", "--at", ws.t("10:40"))
    assert bad.exit_code == 1 and "hand_over" in bad.stderr
    refused = ws.run("done", "INC-1", "choose", "--at", ws.t("10:40"))
    assert refused.exit_code == 1 and "decide" in refused.stderr
    assert ws.count("events") == before
    s = ws.json("decide", "INC-1", "choose", "hand_over", "--by", "Chen", "--at", ws.t("10:45"))
    assert s["phase"] == "closed"
    assert ws.step(s, "choose")["status"] == "done" and ws.step(s, "choose")["by"] == "Chen"
    assert ws.step(s, "county_takes_over")["status"] == "skipped"
    assert ws.kinds(kind="decision")[0]["data"]["answer"] == "hand_over"


def test_decide_without_by_is_a_usage_error(ws):
    ws.start(at="10:00", plan=escalating_plan(ws))
    assert ws.run("decide", "INC-1", "choose", "keep").exit_code == 2


def test_ack_records_who_confirmed_an_order(ws):
    ws.start()
    s = ws.json("ack", "INC-1", "report_up", "--by", "Li", "--at", ws.t("10:02"))
    assert ws.step(s, "report_up")["status"] == "pending", "an ack is not completion"
    [ack] = ws.kinds(kind="ack")
    assert ack["data"]["by"] == "Li" and ack["data"]["step"] == "report_up"
    assert ws.run("ack", "INC-1", "report_up", "--at", ws.t("10:03")).exit_code == 2, "--by is required"
    result = ws.run("ack", "INC-1", "brief", "--by", "Li", "--at", ws.t("10:03"))
    assert result.exit_code == 1 and "brief" in result.stderr, "not activated yet"


def test_late_step_done_before_the_tick_never_fires(ws):
    ws.start(at="10:00")
    s = ws.json("done", "INC-1", "report_up", "--at", ws.t("10:13"))
    assert ws.step(s, "report_up")["status"] == "late"
    ws.ok("tick", "--now", ws.t("10:20"))
    assert "report_up" not in [e["data"]["step"] for e in ws.kinds(kind="step_overdue")]
    assert ws.step(ws.status(), "report_up")["late_seconds"] == 180


def test_command_dated_before_the_incident_opened_is_refused(ws):
    ws.start(at="10:00")
    before = ws.count("events")
    result = ws.run("done", "INC-1", "report_up", "--at", ws.t("09:00"))
    assert result.exit_code == 1
    assert result.stderr.strip()
    assert ws.count("events") == before
    assert ws.step(ws.status(), "report_up")["status"] == "pending"


def test_step_cannot_be_done_before_it_was_activated(ws):
    ws.start(at="10:00")
    ws.json("done", "INC-1", "report_up", "--at", ws.t("10:20"))  # convene activated 10:20
    before = ws.count("events")
    result = ws.run("done", "INC-1", "convene", "--at", ws.t("10:10"))
    assert result.exit_code == 1
    assert ws.count("events") == before


# -- the bundled generic plan --------------------------------------------------


def test_sudden_event_by_night_from_report_to_aftermath(ws):
    plans = str(REPO_PLANS)

    def cmd(*args, at):
        return ws.json(*args, "--plans", plans, "--at", ws.t(at))

    s = ws.json(
        "start", "sudden_event", "--plans", plans, "--id", "SE-1", "--set", "place=Dongmen", "--at", ws.t("21:00")
    )
    assert s["plan"] == "sudden_event" and s["phase"] == "reported" and s["level"] == "IV"
    assert ws.dt(ws.step(s, "report_up")["due_at"]) == ws.dt(ws.t("21:10"))

    # report_up's check wants place, people and cause recorded
    refused = ws.run("done", "SE-1", "report_up", "--plans", plans, "--at", ws.t("21:04"))
    assert refused.exit_code == 1 and "core.facts_present" in refused.stderr

    cmd("set", "SE-1", "people=40", "cause=dispute", "beyond_town=true", at="21:03")
    s = cmd("done", "SE-1", "report_up", "--by", "Wang", at="21:04")
    assert ws.dt(ws.step(s, "convene")["due_at"]) == ws.dt(ws.t("21:34"))
    assert ws.dt(ws.step(s, "dispatch")["due_at"]) == ws.dt(ws.t("21:09"))

    # dispatch moves to responding; the leading group's convening is required: it stays active
    s = cmd("done", "SE-1", "dispatch", at="21:06")
    assert s["phase"] == "responding"
    convene = ws.step(s, "convene")
    assert convene["status"] == "pending" and convene["required"] is True
    muster = ws.step(s, "muster")
    assert ws.dt(muster["due_at"]) == ws.dt(ws.t("21:31")), "night: 25 minutes from dispatch"
    assert "arrive" not in ws.step_ids(s), "beyond_town: the in-town arrival step does not apply"
    assert ws.dt(ws.step(s, "command_team")["due_at"]) == ws.dt(ws.t("22:06")), "an ordinary event: the team leader"
    assert ws.dt(ws.step(s, "written_feedback")["due_at"]) == ws.dt(ws.t("21:00", day="2090-03-06"))

    s = cmd("checkin", "SE-1", "team", "--count", "20", at="21:25")
    assert ws.step(s, "muster")["status"] == "done"
    assert "arrive_beyond" in ws.step_ids(s)

    # deaths do not grade an event that is not a production accident
    s = cmd("set", "SE-1", "deaths=3", at="21:40")
    assert s["level"] == "IV"
    s = cmd("set", "SE-1", "production_accident=true", at="21:41")
    assert s["level"] == "III"
    assert ws.dt(ws.step(s, "report_up_accident")["due_at"]) == ws.dt(ws.t("23:41"))
    assert ws.dt(ws.step(s, "progress_report")["due_at"]) == ws.dt(ws.t("22:41"))
    assert "report_up_level" not in ws.step_ids(s)

    s = cmd("decide", "SE-1", "finish_feedback", "resolved", "--by", "Li", at="23:00")
    assert s["phase"] == "aftermath"
    assert ws.step(s, "progress_report")["status"] == "skipped", "续报 ends with the phase"
    cmd("done", "SE-1", "final_report", at="23:10")
    s = cmd("done", "SE-1", "archive", at="23:20")
    assert s["phase"] == "closed" and s["closed_at"] is None, "waits for convene and the written feedback"
    refused = ws.run("done", "SE-1", "written_feedback", "--plans", plans, "--at", ws.t("23:30"))
    assert refused.exit_code == 1 and "follow_up_person" in refused.stderr
    cmd("set", "SE-1", "follow_up_person=Zhang", at="23:30")
    cmd("done", "SE-1", "written_feedback", at="23:31")
    s = cmd("waive", "SE-1", "convene", "--by", "Li", "--reason", "the county convened instead", at="23:32")
    assert ws.dt(s["closed_at"]) == ws.dt(ws.t("23:32"))
    ws.ok("verify", "SE-1")


def test_an_incident_keeps_running_the_plan_it_started_with_after_the_file_changes(ws):
    path = ws.plan()
    ws.start(at="10:00", plan=path)
    ws.plan(ws.PLAN.replace("within: 30m", "within: 5m").replace("version: 2", "version: 3"))
    s = ws.json("done", "INC-1", "report_up", "--at", ws.t("10:04"))
    assert ws.dt(ws.step(s, "convene")["due_at"]) == ws.dt(ws.t("10:34")), "the stored plan, not the edited file"
    assert s["plan_version"] == 2
    new = ws.json("start", path, "--id", "INC-2", "--at", ws.t("10:00"))
    assert new["plan_version"] == 3
    s = ws.json("done", "INC-2", "report_up", "--at", ws.t("10:04"))
    assert ws.dt(ws.step(s, "convene")["due_at"]) == ws.dt(ws.t("10:09"))


def test_an_incident_survives_its_plan_file_being_deleted(ws):
    path = ws.plan()
    ws.start(at="10:00", plan=path)
    Path(path).unlink()
    s = ws.json("done", "INC-1", "report_up", "--at", ws.t("10:04"))
    assert ws.step(s, "convene")["status"] == "pending"


def test_each_queued_notification_is_delivered_once_across_ticks(ws):
    ws.start(at="10:00")
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    for now in ("10:06", "10:30", "12:10", "12:11"):
        ws.ok("tick", "--now", ws.t(now))
    queued = [e["data"]["key"] for e in ws.kinds(kind="notify_queued")]
    delivered = [e["data"]["key"] for e in ws.kinds(kind="notify_delivered")]
    assert len(queued) == 3  # enter, muster overdue, 2h reminder
    assert sorted(delivered) == sorted(queued)


def test_muster_is_complete_when_checked_in_heads_reach_the_team_strength(ws):
    ws.start(at="10:00")
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    s = ws.json("checkin", "INC-1", "team", "--count", "6", "--at", ws.t("10:12"))
    assert ws.step(s, "muster")["status"] == "pending", "6 of 10"
    s = ws.json("checkin", "INC-1", "team", "--count", "4", "--at", ws.t("10:18"))
    muster = ws.step(s, "muster")
    assert muster["status"] == "done"
    assert ws.dt(muster["done_at"]) == ws.dt(ws.t("10:18"))


def test_engine_on_a_sim_clock_stamps_commands_and_ticks_with_simulated_time(ws):
    from datetime import datetime

    from planengine.core.engine import Engine
    from planengine.core.incident.clock import SimClock

    clock = SimClock(datetime.fromisoformat(ws.t("21:00")))
    eng = Engine(db=ws.db, clock=clock)
    state = eng.start(ws.plan(), incident_id="SIM-1")
    assert state.opened_at == f"{ws.DAY}T13:00:00Z"
    clock.advance(5 * 60)
    eng.command("SIM-1", "event", {"name": "activate"})
    clock.advance(24 * 60)
    assert eng.tick() == []  # muster due 21:30 by night
    clock.advance(60)
    assert [key.split(":")[1] for _, key, _ in eng.tick()] == ["muster"]
    s = ws.status("SIM-1")
    assert ws.step(s, "muster")["status"] == "overdue"


def test_watch_once_draws_the_board_of_open_incidents(ws):
    ws.start()
    out = ws.ok("watch", "--once").stdout
    assert "INC-1" in out and "report_up" in out

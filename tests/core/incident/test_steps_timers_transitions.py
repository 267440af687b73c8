"""A live incident driven through the CLI with back-dated commands; deadlines computed by hand.

The test plan (conftest.PLAN) runs in Asia/Shanghai (UTC+8) with daytime 07:00-19:00.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

STATUS_KEYS = {"id", "plan", "plan_version", "kind", "phase", "level", "facts", "opened_at", "closed_at", "steps"}
STEP_KEYS = {"id", "phase", "role", "status", "activated_at", "due_at", "done_at", "by", "late_seconds"}
EVENT_KEYS = {"incident", "seq", "at", "kind", "actor", "data", "prev_hash", "hash"}


def same_time(iso_a, iso_b):
    return iso_a is not None and iso_b is not None and _dt(iso_a) == _dt(iso_b)


def _dt(iso):
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


# -- start ----------------------------------------------------------------


def test_start_prints_the_status_object_of_design_md(ws):
    s = ws.start("crowd_size=3", "location=East gate")
    assert STATUS_KEYS <= set(s)
    assert s["id"] == "INC-1"
    assert s["plan"] == "petition" and s["plan_version"] == 2
    assert s["kind"] == "live"
    assert s["phase"] == "reported"
    assert s["level"] == "IV"
    assert s["facts"] == {"crowd_size": 3, "casualties": 0, "location": "East gate"}
    assert same_time(s["opened_at"], ws.t("10:00"))
    assert s["closed_at"] is None
    [first] = s["steps"]
    assert STEP_KEYS <= set(first)
    assert first["id"] == "report_up" and first["phase"] == "reported" and first["role"] == "office"
    assert first["status"] == "pending"
    assert same_time(first["activated_at"], ws.t("10:00"))
    assert same_time(first["due_at"], ws.t("10:10"))
    assert first["done_at"] is None and first["by"] is None and first["late_seconds"] is None


def test_times_print_in_the_plan_timezone(ws):
    s = ws.start(at="10:00")
    assert s["opened_at"].endswith("+08:00")
    assert s["steps"][0]["due_at"] == f"{ws.DAY}T10:10:00+08:00"


def test_default_incident_id_is_dated_in_the_plan_timezone(ws):
    # 23:30 UTC on the 4th is 07:30 on the 5th in Shanghai
    out = ws.json("start", ws.plan(), "--at", "2090-03-04T23:30:00Z")
    assert out["id"].startswith("INC-20900305-")
    second = ws.json("start", ws.plan(), "--at", "2090-03-04T23:40:00Z")
    assert second["id"] != out["id"] and second["id"].startswith("INC-20900305-")


def test_start_with_an_existing_id_is_refused(ws):
    ws.start()
    before = ws.count("events")
    result = ws.run("start", ws.plan(), "--id", "INC-1", "--at", ws.t("11:00"))
    assert result.exit_code == 1
    assert "INC-1" in result.stderr
    assert ws.count("events") == before


# -- needs chains -----------------------------------------------------------


def test_needs_chain_timer_starts_when_the_needed_step_is_done(ws):
    s = ws.start(at="10:00")
    assert ws.step_ids(s) == ["report_up"], "convene waits for report_up"

    s = ws.json("done", "INC-1", "report_up", "--by", "Li", "--at", ws.t("10:04"))
    assert ws.step(s, "report_up")["status"] == "done"
    assert ws.step(s, "report_up")["by"] == "Li"
    assert ws.step(s, "report_up")["late_seconds"] in (0, None)
    convene = ws.step(s, "convene")
    assert same_time(convene["activated_at"], ws.t("10:04"))
    assert same_time(convene["due_at"], ws.t("10:34"))
    assert "brief" not in ws.step_ids(s)

    s = ws.json("done", "INC-1", "convene", "--at", ws.t("10:40"))
    assert ws.step(s, "convene")["status"] == "late"
    assert ws.step(s, "convene")["late_seconds"] == 360
    brief = ws.step(s, "brief")
    assert same_time(brief["activated_at"], ws.t("10:40"))
    assert same_time(brief["due_at"], ws.t("11:00"))


def test_done_on_a_step_whose_needs_are_not_done_is_refused(ws):
    ws.start()
    before = ws.count("events")
    result = ws.run("done", "INC-1", "convene", "--at", ws.t("10:02"))
    assert result.exit_code == 1
    assert "convene" in result.stderr
    assert ws.count("events") == before


# -- day and night ----------------------------------------------------------


@pytest.mark.parametrize(
    "activated, limit_minutes",
    [
        ("06:59", 25),  # night until 07:00
        ("07:00", 15),  # daytime starts at 07:00
        ("12:00", 15),
        ("18:59", 15),
        ("19:00", 25),  # night from 19:00
        ("23:50", 25),  # deadline on the next day
    ],
)
def test_day_or_night_timer_is_chosen_by_activation_time_in_the_plan_timezone(ws, activated, limit_minutes):
    ws.start(at=activated)
    s = ws.json("event", "INC-1", "activate", "--at", ws.t(activated))
    muster = ws.step(s, "muster")
    assert same_time(muster["activated_at"], ws.t(activated))
    expected = _dt(ws.t(activated)) + timedelta(minutes=limit_minutes)
    assert _dt(muster["due_at"]) == expected


def test_day_night_uses_the_activation_time_not_the_start_time(ws):
    ws.start(at="18:30")  # started by day
    s = ws.json("event", "INC-1", "activate", "--at", ws.t("19:10"))  # team called out at night
    assert same_time(ws.step(s, "muster")["due_at"], ws.t("19:35"))


def test_at_without_offset_is_read_in_the_plan_timezone(ws):
    ws.start(at=f"{ws.DAY}T21:00:00")  # no offset: 21:00 in Shanghai, night
    s = ws.json("event", "INC-1", "activate", "--at", f"{ws.DAY}T21:00:00")
    assert same_time(ws.step(s, "muster")["activated_at"], ws.t("21:00"))
    assert same_time(ws.step(s, "muster")["due_at"], ws.t("21:25"))


def test_utc_activation_time_is_judged_day_or_night_in_the_plan_timezone(ws):
    # 01:00 UTC is night in UTC but 09:00, daytime, in Shanghai
    ws.start(at=f"{ws.DAY}T01:00:00Z")
    s = ws.json("event", "INC-1", "activate", "--at", f"{ws.DAY}T01:00:00Z")
    assert same_time(ws.step(s, "muster")["due_at"], ws.t("09:15"))
    # 12:00 UTC is noon in UTC but 20:00, night, in Shanghai
    ws.start(at=f"{ws.DAY}T12:00:00Z", incident="INC-2")
    s = ws.json("event", "INC-2", "activate", "--at", f"{ws.DAY}T12:00:00Z")
    assert same_time(ws.step(s, "muster")["due_at"], ws.t("20:25"))


# -- muster -------------------------------------------------------------------


def test_checkin_completes_the_muster_step_of_that_team(ws):
    ws.start()
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    s = ws.json("checkin", "INC-1", "team", "--by", "Wang", "--count", "12", "--at", ws.t("10:17"))
    muster = ws.step(s, "muster")
    assert muster["status"] == "done"
    assert same_time(muster["done_at"], ws.t("10:17"))
    assert muster["by"] == "Wang"
    assert ws.kinds(kind="checkin")[0]["data"]["count"] == 12


def test_checkin_after_the_muster_deadline_is_late(ws):
    ws.start()
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    s = ws.json("checkin", "INC-1", "team", "--at", ws.t("10:26"))
    assert ws.step(s, "muster")["status"] == "late"
    assert ws.step(s, "muster")["late_seconds"] == 360


def test_checkin_of_an_unknown_role_is_refused(ws):
    ws.start()
    before = ws.count("events")
    result = ws.run("checkin", "INC-1", "teem", "--at", ws.t("10:05"))
    assert result.exit_code == 1
    assert "teem" in result.stderr
    assert ws.count("events") == before


# -- conditional steps --------------------------------------------------------


def test_conditional_step_activates_when_a_later_fact_makes_it_hold(ws):
    ws.start(at="10:00")
    s = ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    assert "representatives" not in ws.step_ids(s), "no crowd size recorded yet"

    s = ws.json("set", "INC-1", "crowd_size=3", "--at", ws.t("10:10"))
    assert "representatives" not in ws.step_ids(s), "3 < 5"

    s = ws.json("set", "INC-1", "crowd_size=12", "--at", ws.t("10:20"))
    reps = ws.step(s, "representatives")
    assert reps["status"] == "pending"
    assert same_time(reps["activated_at"], ws.t("10:20"))
    assert same_time(reps["due_at"], ws.t("11:05")), "45m from the fact change, not from phase entry"


def test_conditional_step_whose_fact_holds_at_entry_activates_on_entry(ws):
    ws.start("crowd_size=60", at="10:00")
    s = ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    assert same_time(ws.step(s, "representatives")["due_at"], ws.t("10:50"))


def test_conditional_step_stays_active_when_its_fact_changes_back(ws):
    ws.start("crowd_size=60")
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    s = ws.json("set", "INC-1", "crowd_size=2", "--at", ws.t("10:10"))
    reps = ws.step(s, "representatives")
    assert reps["status"] == "pending"
    assert same_time(reps["due_at"], ws.t("10:50")), "the deadline is not restarted"
    assert len(ws.kinds(kind="step_activated")) == len({e["data"]["step"] for e in ws.kinds(kind="step_activated")})


# -- levels -------------------------------------------------------------------


def test_level_is_re_evaluated_when_facts_change_and_each_change_is_an_event(ws):
    s = ws.start()
    assert s["level"] == "IV"
    s = ws.json("set", "INC-1", "casualties=3", "--at", ws.t("10:10"))
    assert s["level"] == "III"
    s = ws.json("set", "INC-1", "casualties=4", "--at", ws.t("10:20"))
    assert s["level"] == "III"
    s = ws.json("set", "INC-1", "casualties=12", "--at", ws.t("10:30"))
    assert s["level"] == "II"
    s = ws.json("set", "INC-1", "casualties=1", "--at", ws.t("10:40"))
    assert s["level"] == "IV"
    changes = [(e["data"]["from"], e["data"]["to"]) for e in ws.kinds(kind="level_changed")]
    assert changes == [(None, "IV"), ("IV", "III"), ("III", "II"), ("II", "IV")]
    assert [e["at"] for e in ws.kinds(kind="level_changed")][1:] == [
        f"{ws.DAY}T02:10:00Z",
        f"{ws.DAY}T02:30:00Z",
        f"{ws.DAY}T02:40:00Z",
    ]


def test_step_conditional_on_level_activates_when_the_level_rises(ws):
    ws.start()
    s = ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    assert "report_county" not in ws.step_ids(s)
    s = ws.json("set", "INC-1", "casualties=5", "--at", ws.t("10:30"))
    assert same_time(ws.step(s, "report_county")["due_at"], ws.t("12:30"))


def test_setting_a_fact_to_its_current_value_records_nothing(ws):
    ws.start("crowd_size=4")
    before = ws.count("events")
    ws.json("set", "INC-1", "crowd_size=4", "--at", ws.t("10:10"))
    assert ws.count("events") == before


# -- transitions and skipped steps --------------------------------------------


def test_event_leaves_the_phase_and_its_pending_steps_are_skipped(ws):
    ws.start()
    s = ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    assert s["phase"] == "responding"
    assert ws.step(s, "report_up")["status"] == "skipped"
    assert ws.step(s, "report_up")["done_at"] is None
    assert "convene" not in ws.step_ids(s), "never activated, so not on the list"
    assert {ws.step(s, x)["status"] for x in ("muster", "secure")} == {"pending"}
    assert [e["data"]["step"] for e in ws.kinds(kind="step_skipped")] == ["report_up"]


def test_skipped_step_cannot_be_done_and_its_timer_never_fires(ws):
    ws.start()
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    result = ws.run("done", "INC-1", "report_up", "--at", ws.t("10:06"))
    assert result.exit_code == 1
    assert "report_up" in result.stderr
    ws.ok("tick", "--now", ws.t("10:30"))
    assert "report_up" not in [e["data"]["step"] for e in ws.kinds(kind="step_overdue")]
    assert ws.step(ws.status(), "report_up")["status"] == "skipped"


def test_all_done_moves_to_the_next_phase_and_activates_its_steps(ws):
    ws.start()
    ws.json("done", "INC-1", "report_up", "--at", ws.t("10:04"))
    s = ws.json("done", "INC-1", "convene", "--at", ws.t("10:20"))
    assert s["phase"] == "reported", "brief is still pending"
    s = ws.json("done", "INC-1", "brief", "--at", ws.t("10:30"))
    assert s["phase"] == "responding"
    muster = ws.step(s, "muster")
    assert same_time(muster["activated_at"], ws.t("10:30"))
    assert same_time(muster["due_at"], ws.t("10:45"))
    assert [ws.step(s, x)["status"] for x in ("report_up", "convene", "brief")] == ["done"] * 3
    assert ws.kinds(kind="step_skipped") == []
    entered = [e["data"]["phase"] for e in ws.kinds(kind="phase_entered")]
    assert entered == ["reported", "responding"]


def test_entering_a_phase_queues_its_enter_notification(ws):
    ws.start()
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    queued = ws.kinds(kind="notify_queued")
    assert len(queued) == 1
    assert set(queued[0]["data"]["roles"]) == {"leader", "team"}
    assert queued[0]["data"]["message"] == "respond now"
    assert queued[0]["data"]["key"]


def test_event_to_a_final_phase_closes_the_incident_and_skips_pending_steps(ws):
    ws.start()
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    ws.json("checkin", "INC-1", "team", "--at", ws.t("10:15"))
    s = ws.json("event", "INC-1", "dispersed", "--at", ws.t("11:00"))
    assert s["phase"] == "closed"
    assert same_time(s["closed_at"], ws.t("11:00"))
    assert ws.step(s, "muster")["status"] == "done"
    assert ws.step(s, "secure")["status"] == "skipped"
    assert ws.json("status") == [], "closed incidents are not listed as open"
    assert [x["id"] for x in ws.json("status", "--all")] == ["INC-1"]


# -- timers -------------------------------------------------------------------


def test_step_is_overdue_after_tick_past_its_deadline_and_fires_once(ws):
    ws.start(at="10:00")
    none = ws.json("tick", "--now", ws.t("10:09"))
    assert none["fired"] == []
    assert ws.status()["steps"][0]["status"] == "pending"

    fired = ws.json("tick", "--now", ws.t("10:11"))
    assert [f["incident"] for f in fired["fired"]] == ["INC-1"]
    s = ws.status()
    assert ws.step(s, "report_up")["status"] == "overdue"

    for now in ("10:11", "10:12", "11:00", "23:00"):
        assert ws.json("tick", "--now", ws.t(now))["fired"] == []
    overdue = ws.kinds(kind="step_overdue")
    assert len(overdue) == 1
    assert overdue[0]["data"]["step"] == "report_up"
    assert overdue[0]["at"] == f"{ws.DAY}T02:10:00Z", "recorded at the deadline, not at the tick"


def test_overdue_step_done_later_is_late_with_late_seconds(ws):
    ws.start(at="10:00")
    ws.ok("tick", "--now", ws.t("10:11"))
    s = ws.json("done", "INC-1", "report_up", "--at", ws.t("10:13"))
    r = ws.step(s, "report_up")
    assert r["status"] == "late"
    assert r["late_seconds"] == 180
    assert same_time(r["done_at"], ws.t("10:13"))


def test_step_done_before_its_deadline_never_fires(ws):
    ws.start(at="10:00")
    ws.json("done", "INC-1", "report_up", "--at", ws.t("10:09"))
    ws.ok("tick", "--now", ws.t("10:20"))
    assert [e["data"]["step"] for e in ws.kinds(kind="step_overdue")] == []
    s = ws.json("tick", "--now", ws.t("10:35"))  # convene (due 10:39) not yet
    assert s["fired"] == []
    ws.ok("tick", "--now", ws.t("10:40"))
    assert [e["data"]["step"] for e in ws.kinds(kind="step_overdue")] == ["convene"]


def test_overdue_step_without_overdue_actions_notifies_its_role(ws):
    ws.start(at="10:00")
    ws.ok("tick", "--now", ws.t("10:11"))
    notes = [e for e in ws.kinds(kind="notify_queued") if e["data"]["roles"] == ["office"]]
    assert len(notes) == 1


def test_overdue_actions_of_a_step_run_once_at_its_deadline(ws):
    plan = ws.PLAN.replace(
        "        needs: [report_up]\n      - id: brief",
        "        needs: [report_up]\n        overdue: {notify: [office], message: leader has not convened}\n"
        "      - id: brief",
    )
    ws.start(plan=ws.plan(plan))
    ws.json("done", "INC-1", "report_up", "--at", ws.t("10:05"))
    ws.ok("tick", "--now", ws.t("10:36"))
    ws.ok("tick", "--now", ws.t("10:50"))
    msgs = [e["data"]["message"] for e in ws.kinds(kind="notify_queued")]
    assert msgs.count("leader has not convened") == 1


def test_phase_after_timer_produces_one_reminder(ws):
    ws.start(at="10:00")
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    ws.json("checkin", "INC-1", "team", "--at", ws.t("10:10"))
    ws.ok("tick", "--now", ws.t("12:04"))
    assert ws.kinds(kind="reminder") == []
    ws.ok("tick", "--now", ws.t("12:06"))
    ws.ok("tick", "--now", ws.t("12:07"))
    ws.ok("tick", "--now", ws.t("15:00"))
    [reminder] = ws.kinds(kind="reminder")
    assert reminder["at"] == f"{ws.DAY}T04:05:00Z"
    assert reminder["data"]["phase"] == "responding"
    msgs = [e["data"]["message"] for e in ws.kinds(kind="notify_queued")]
    assert msgs.count("on scene for over two hours") == 1


def test_phase_timer_does_not_fire_after_the_phase_is_left(ws):
    ws.start(at="10:00")
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    ws.json("event", "INC-1", "dispersed", "--at", ws.t("11:00"))
    ws.ok("tick", "--now", ws.t("13:00"))
    assert ws.kinds(kind="reminder") == []
    assert ws.kinds(kind="step_overdue") == []


def test_timers_that_fell_due_while_nobody_ticked_all_fire_once_in_order(ws):
    ws.start(at="10:00")
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    ws.json("set", "INC-1", "crowd_size=9", "--at", ws.t("10:06"))
    out = ws.json("tick", "--now", ws.t("18:00"))
    assert len(out["fired"]) == 3  # muster 10:20, representatives 10:51, after 2h 12:05
    overdue = [(e["data"]["step"], e["at"]) for e in ws.kinds(kind="step_overdue")]
    assert overdue == [("muster", f"{ws.DAY}T02:20:00Z"), ("representatives", f"{ws.DAY}T02:51:00Z")]
    assert len(ws.kinds(kind="reminder")) == 1
    assert ws.json("tick", "--now", ws.t("19:00"))["fired"] == []
    s = ws.status()
    assert ws.step(s, "muster")["status"] == "overdue"
    assert ws.step(s, "representatives")["status"] == "overdue"
    assert ws.step(s, "secure")["status"] == "pending", "no timer on secure"


def test_tick_on_several_incidents_fires_each_incidents_own_timers(ws):
    ws.start(at="10:00", incident="A")
    ws.start(at="10:05", incident="B")
    out = ws.json("tick", "--now", ws.t("10:12"))
    assert sorted(f["incident"] for f in out["fired"]) == ["A"]
    out = ws.json("tick", "--now", ws.t("10:16"))
    assert sorted(f["incident"] for f in out["fired"]) == ["B"]
    assert ws.step(ws.status("A"), "report_up")["status"] == "overdue"
    assert ws.step(ws.status("B"), "report_up")["status"] == "overdue"


def test_two_incidents_of_one_plan_started_together_both_go_overdue(ws):
    ws.start(at="10:00", incident="A")
    ws.start(at="10:00", incident="B")
    ws.json("event", "A", "activate", "--at", ws.t("10:05"))
    ws.json("event", "B", "activate", "--at", ws.t("10:05"))
    ws.ok("tick", "--now", ws.t("13:00"))
    for inc in ("A", "B"):
        assert [e["data"]["step"] for e in ws.kinds(inc, kind="step_overdue")] == ["muster"], inc
        assert len(ws.kinds(inc, kind="reminder")) == 1, inc


def test_tick_without_a_database_is_harmless(ws):
    out = ws.json("tick", "--now", ws.t("10:00"))
    assert out["fired"] == []


# -- notes, close, status, log -------------------------------------------------


def test_note_is_logged_with_its_author_and_time(ws):
    ws.start()
    s = ws.json("note", "INC-1", "60 people at the east gate", "--by", "Li", "--at", ws.t("10:03"))
    assert s["id"] == "INC-1"
    [note] = ws.kinds(kind="note")
    assert note["data"]["text"] == "60 people at the east gate"
    assert (note["actor"], note["data"]["by"]) == ("Li", "Li")
    assert note["at"] == f"{ws.DAY}T02:03:00Z"


def test_close_records_the_outcome_and_skips_pending_steps(ws):
    ws.start()
    s = ws.json("close", "INC-1", "--outcome", "false alarm", "--at", ws.t("10:30"))
    assert same_time(s["closed_at"], ws.t("10:30"))
    assert ws.step(s, "report_up")["status"] == "skipped"
    ws.ok("tick", "--now", ws.t("12:00"))
    assert ws.kinds(kind="step_overdue") == []
    assert ws.kinds(kind="closed")[0]["data"]["outcome"] == "false alarm"


def test_close_is_refused_while_a_required_fact_is_missing(ws):
    plan = ws.PLAN.replace("location:   {type: string}", "location:   {type: string, required: true}")
    ws.start(plan=ws.plan(plan))
    before = ws.count("events")
    result = ws.run("close", "INC-1", "--at", ws.t("10:30"))
    assert result.exit_code == 1
    assert "location" in result.stderr
    assert ws.count("events") == before
    ws.json("set", "INC-1", "location=East gate", "--at", ws.t("10:31"))
    ws.json("close", "INC-1", "--at", ws.t("10:32"))


def test_status_list_and_log_have_the_shapes_of_design_md(ws):
    ws.start(incident="A")
    ws.start(incident="B", at="10:30")
    listed = ws.json("status")
    assert [x["id"] for x in listed] == ["A", "B"]
    assert all(STATUS_KEYS <= set(x) for x in listed)
    events = ws.events("A")
    assert all(EVENT_KEYS <= set(e) for e in events)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["kind"] == "started"
    assert events[0]["prev_hash"] == ""
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(events, events[1:]))
    assert all(e["at"].endswith("Z") for e in events), "the log stores UTC"


def test_every_changing_command_prints_the_status_object(ws):
    outs = [ws.start()]
    outs.append(ws.json("set", "INC-1", "crowd_size=6", "--at", ws.t("10:01")))
    outs.append(ws.json("note", "INC-1", "hello", "--at", ws.t("10:02")))
    outs.append(ws.json("done", "INC-1", "report_up", "--at", ws.t("10:03")))
    outs.append(ws.json("ack", "INC-1", "convene", "--by", "Chen", "--at", ws.t("10:04")))
    outs.append(ws.json("event", "INC-1", "activate", "--at", ws.t("10:05")))
    outs.append(ws.json("checkin", "INC-1", "team", "--at", ws.t("10:06")))
    outs.append(ws.json("close", "INC-1", "--at", ws.t("10:07")))
    for out in outs:
        assert STATUS_KEYS <= set(out)
        assert out["id"] == "INC-1"
        assert all(STEP_KEYS <= set(st) for st in out["steps"])


def test_status_text_board_shows_steps_and_deadlines_in_local_time(ws):
    ws.start()
    out = ws.ok("status", "INC-1").stdout
    assert "INC-1" in out and "report_up" in out
    assert "10:10" in out, "deadline printed in the plan's timezone"

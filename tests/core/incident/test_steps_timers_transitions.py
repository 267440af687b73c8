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


def test_start_prints_the_status_object_of_design_md(env):
    s = env.start("crowd_size=3", "location=East gate")
    assert STATUS_KEYS <= set(s)
    assert s["id"] == "INC-1"
    assert s["plan"] == "petition" and s["plan_version"] == 2
    assert s["kind"] == "live"
    assert s["phase"] == "reported"
    assert s["level"] == "IV"
    assert s["facts"] == {"crowd_size": 3, "casualties": 0, "location": "East gate"}
    assert same_time(s["opened_at"], env.t("10:00"))
    assert s["closed_at"] is None
    [first] = s["steps"]
    assert STEP_KEYS <= set(first)
    assert first["id"] == "report_up" and first["phase"] == "reported" and first["role"] == "office"
    assert first["status"] == "pending"
    assert same_time(first["activated_at"], env.t("10:00"))
    assert same_time(first["due_at"], env.t("10:10"))
    assert first["done_at"] is None and first["by"] is None and first["late_seconds"] is None


def test_times_print_in_the_plan_timezone(env):
    s = env.start(at="10:00")
    assert s["opened_at"].endswith("+08:00")
    assert s["steps"][0]["due_at"] == f"{env.DAY}T10:10:00+08:00"


def test_default_incident_id_is_dated_in_the_plan_timezone(env):
    # 23:30 UTC on the 4th is 07:30 on the 5th in Shanghai
    out = env.json("start", env.plan(), "--at", "2090-03-04T23:30:00Z")
    assert out["id"].startswith("INC-20900305-")
    second = env.json("start", env.plan(), "--at", "2090-03-04T23:40:00Z")
    assert second["id"] != out["id"] and second["id"].startswith("INC-20900305-")


def test_start_with_an_existing_id_is_refused(env):
    env.start()
    before = env.count("events")
    result = env.run("start", env.plan(), "--id", "INC-1", "--at", env.t("11:00"))
    assert result.exit_code == 1
    assert "INC-1" in result.stderr
    assert env.count("events") == before


# -- needs chains -----------------------------------------------------------


def test_needs_chain_timer_starts_when_the_needed_step_is_done(env):
    s = env.start(at="10:00")
    assert env.step_ids(s) == ["report_up"], "convene waits for report_up"

    s = env.json("done", "INC-1", "report_up", "--by", "Li", "--at", env.t("10:04"))
    assert env.step(s, "report_up")["status"] == "done"
    assert env.step(s, "report_up")["by"] == "Li"
    assert env.step(s, "report_up")["late_seconds"] in (0, None)
    convene = env.step(s, "convene")
    assert same_time(convene["activated_at"], env.t("10:04"))
    assert same_time(convene["due_at"], env.t("10:34"))
    assert "brief" not in env.step_ids(s)

    s = env.json("done", "INC-1", "convene", "--at", env.t("10:40"))
    assert env.step(s, "convene")["status"] == "late"
    assert env.step(s, "convene")["late_seconds"] == 360
    brief = env.step(s, "brief")
    assert same_time(brief["activated_at"], env.t("10:40"))
    assert same_time(brief["due_at"], env.t("11:00"))


def test_done_on_a_step_whose_needs_are_not_done_is_refused(env):
    env.start()
    before = env.count("events")
    result = env.run("done", "INC-1", "convene", "--at", env.t("10:02"))
    assert result.exit_code == 1
    assert "convene" in result.stderr
    assert env.count("events") == before


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
def test_day_or_night_timer_is_chosen_by_activation_time_in_the_plan_timezone(env, activated, limit_minutes):
    env.start(at=activated)
    s = env.json("event", "INC-1", "activate", "--at", env.t(activated))
    muster = env.step(s, "muster")
    assert same_time(muster["activated_at"], env.t(activated))
    expected = _dt(env.t(activated)) + timedelta(minutes=limit_minutes)
    assert _dt(muster["due_at"]) == expected


def test_day_night_uses_the_activation_time_not_the_start_time(env):
    env.start(at="18:30")  # started by day
    s = env.json("event", "INC-1", "activate", "--at", env.t("19:10"))  # team called out at night
    assert same_time(env.step(s, "muster")["due_at"], env.t("19:35"))


def test_at_without_offset_is_read_in_the_plan_timezone(env):
    env.start(at=f"{env.DAY}T21:00:00")  # no offset: 21:00 in Shanghai, night
    s = env.json("event", "INC-1", "activate", "--at", f"{env.DAY}T21:00:00")
    assert same_time(env.step(s, "muster")["activated_at"], env.t("21:00"))
    assert same_time(env.step(s, "muster")["due_at"], env.t("21:25"))


def test_utc_activation_time_is_judged_day_or_night_in_the_plan_timezone(env):
    # 01:00 UTC is night in UTC but 09:00, daytime, in Shanghai
    env.start(at=f"{env.DAY}T01:00:00Z")
    s = env.json("event", "INC-1", "activate", "--at", f"{env.DAY}T01:00:00Z")
    assert same_time(env.step(s, "muster")["due_at"], env.t("09:15"))
    # 12:00 UTC is noon in UTC but 20:00, night, in Shanghai
    env.start(at=f"{env.DAY}T12:00:00Z", incident="INC-2")
    s = env.json("event", "INC-2", "activate", "--at", f"{env.DAY}T12:00:00Z")
    assert same_time(env.step(s, "muster")["due_at"], env.t("20:25"))


# -- muster -------------------------------------------------------------------


def test_checkin_completes_the_muster_step_of_that_team(env):
    env.start()
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    s = env.json("checkin", "INC-1", "team", "--by", "Wang", "--count", "12", "--at", env.t("10:17"))
    muster = env.step(s, "muster")
    assert muster["status"] == "done"
    assert same_time(muster["done_at"], env.t("10:17"))
    assert muster["by"] == "Wang"
    assert env.kinds(kind="checkin")[0]["data"]["count"] == 12


def test_checkin_after_the_muster_deadline_is_late(env):
    env.start()
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    s = env.json("checkin", "INC-1", "team", "--at", env.t("10:26"))
    assert env.step(s, "muster")["status"] == "late"
    assert env.step(s, "muster")["late_seconds"] == 360


def test_checkin_of_an_unknown_role_is_refused(env):
    env.start()
    before = env.count("events")
    result = env.run("checkin", "INC-1", "teem", "--at", env.t("10:05"))
    assert result.exit_code == 1
    assert "teem" in result.stderr
    assert env.count("events") == before


# -- conditional steps --------------------------------------------------------


def test_conditional_step_activates_when_a_later_fact_makes_it_hold(env):
    env.start(at="10:00")
    s = env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    assert "representatives" not in env.step_ids(s), "no crowd size recorded yet"

    s = env.json("set", "INC-1", "crowd_size=3", "--at", env.t("10:10"))
    assert "representatives" not in env.step_ids(s), "3 < 5"

    s = env.json("set", "INC-1", "crowd_size=12", "--at", env.t("10:20"))
    reps = env.step(s, "representatives")
    assert reps["status"] == "pending"
    assert same_time(reps["activated_at"], env.t("10:20"))
    assert same_time(reps["due_at"], env.t("11:05")), "45m from the fact change, not from phase entry"


def test_conditional_step_whose_fact_holds_at_entry_activates_on_entry(env):
    env.start("crowd_size=60", at="10:00")
    s = env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    assert same_time(env.step(s, "representatives")["due_at"], env.t("10:50"))


def test_conditional_step_stays_active_when_its_fact_changes_back(env):
    env.start("crowd_size=60")
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    s = env.json("set", "INC-1", "crowd_size=2", "--at", env.t("10:10"))
    reps = env.step(s, "representatives")
    assert reps["status"] == "pending"
    assert same_time(reps["due_at"], env.t("10:50")), "the deadline is not restarted"
    assert len(env.kinds(kind="step_activated")) == len({e["data"]["step"] for e in env.kinds(kind="step_activated")})


# -- levels -------------------------------------------------------------------


def test_level_is_re_evaluated_when_facts_change_and_each_change_is_an_event(env):
    s = env.start()
    assert s["level"] == "IV"
    s = env.json("set", "INC-1", "casualties=3", "--at", env.t("10:10"))
    assert s["level"] == "III"
    s = env.json("set", "INC-1", "casualties=4", "--at", env.t("10:20"))
    assert s["level"] == "III"
    s = env.json("set", "INC-1", "casualties=12", "--at", env.t("10:30"))
    assert s["level"] == "II"
    s = env.json("set", "INC-1", "casualties=1", "--at", env.t("10:40"))
    assert s["level"] == "IV"
    changes = [(e["data"]["from"], e["data"]["to"]) for e in env.kinds(kind="level_changed")]
    assert changes == [(None, "IV"), ("IV", "III"), ("III", "II"), ("II", "IV")]
    assert [e["at"] for e in env.kinds(kind="level_changed")][1:] == [
        f"{env.DAY}T02:10:00Z",
        f"{env.DAY}T02:30:00Z",
        f"{env.DAY}T02:40:00Z",
    ]


def test_step_conditional_on_level_activates_when_the_level_rises(env):
    env.start()
    s = env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    assert "report_county" not in env.step_ids(s)
    s = env.json("set", "INC-1", "casualties=5", "--at", env.t("10:30"))
    assert same_time(env.step(s, "report_county")["due_at"], env.t("12:30"))


def test_setting_a_fact_to_its_current_value_records_nothing(env):
    env.start("crowd_size=4")
    before = env.count("events")
    env.json("set", "INC-1", "crowd_size=4", "--at", env.t("10:10"))
    assert env.count("events") == before


# -- transitions and skipped steps --------------------------------------------


def test_event_leaves_the_phase_and_its_pending_steps_are_skipped(env):
    env.start()
    s = env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    assert s["phase"] == "responding"
    assert env.step(s, "report_up")["status"] == "skipped"
    assert env.step(s, "report_up")["done_at"] is None
    assert "convene" not in env.step_ids(s), "never activated, so not on the list"
    assert {env.step(s, x)["status"] for x in ("muster", "secure")} == {"pending"}
    assert [e["data"]["step"] for e in env.kinds(kind="step_skipped")] == ["report_up"]


def test_skipped_step_cannot_be_done_and_its_timer_never_fires(env):
    env.start()
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    result = env.run("done", "INC-1", "report_up", "--at", env.t("10:06"))
    assert result.exit_code == 1
    assert "report_up" in result.stderr
    env.ok("tick", "--now", env.t("10:30"))
    assert "report_up" not in [e["data"]["step"] for e in env.kinds(kind="step_overdue")]
    assert env.step(env.status(), "report_up")["status"] == "skipped"


def test_all_done_moves_to_the_next_phase_and_activates_its_steps(env):
    env.start()
    env.json("done", "INC-1", "report_up", "--at", env.t("10:04"))
    s = env.json("done", "INC-1", "convene", "--at", env.t("10:20"))
    assert s["phase"] == "reported", "brief is still pending"
    s = env.json("done", "INC-1", "brief", "--at", env.t("10:30"))
    assert s["phase"] == "responding"
    muster = env.step(s, "muster")
    assert same_time(muster["activated_at"], env.t("10:30"))
    assert same_time(muster["due_at"], env.t("10:45"))
    assert [env.step(s, x)["status"] for x in ("report_up", "convene", "brief")] == ["done"] * 3
    assert env.kinds(kind="step_skipped") == []
    entered = [e["data"]["phase"] for e in env.kinds(kind="phase_entered")]
    assert entered == ["reported", "responding"]


def test_entering_a_phase_queues_its_enter_notification(env):
    env.start()
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    queued = env.kinds(kind="notify_queued")
    assert len(queued) == 1
    assert set(queued[0]["data"]["roles"]) == {"leader", "team"}
    assert queued[0]["data"]["message"] == "respond now"
    assert queued[0]["data"]["key"]


def test_event_to_a_final_phase_closes_the_incident_and_skips_pending_steps(env):
    env.start()
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    env.json("checkin", "INC-1", "team", "--at", env.t("10:15"))
    s = env.json("event", "INC-1", "dispersed", "--at", env.t("11:00"))
    assert s["phase"] == "closed"
    assert same_time(s["closed_at"], env.t("11:00"))
    assert env.step(s, "muster")["status"] == "done"
    assert env.step(s, "secure")["status"] == "skipped"
    assert env.json("status") == [], "closed incidents are not listed as open"
    assert [x["id"] for x in env.json("status", "--all")] == ["INC-1"]


# -- timers -------------------------------------------------------------------


def test_step_is_overdue_after_tick_past_its_deadline_and_fires_once(env):
    env.start(at="10:00")
    none = env.json("tick", "--now", env.t("10:09"))
    assert none["fired"] == []
    assert env.status()["steps"][0]["status"] == "pending"

    fired = env.json("tick", "--now", env.t("10:11"))
    assert [f["incident"] for f in fired["fired"]] == ["INC-1"]
    s = env.status()
    assert env.step(s, "report_up")["status"] == "overdue"

    for now in ("10:11", "10:12", "11:00", "23:00"):
        assert env.json("tick", "--now", env.t(now))["fired"] == []
    overdue = env.kinds(kind="step_overdue")
    assert len(overdue) == 1
    assert overdue[0]["data"]["step"] == "report_up"
    assert overdue[0]["at"] == f"{env.DAY}T02:10:00Z", "recorded at the deadline, not at the tick"


def test_overdue_step_done_later_is_late_with_late_seconds(env):
    env.start(at="10:00")
    env.ok("tick", "--now", env.t("10:11"))
    s = env.json("done", "INC-1", "report_up", "--at", env.t("10:13"))
    r = env.step(s, "report_up")
    assert r["status"] == "late"
    assert r["late_seconds"] == 180
    assert same_time(r["done_at"], env.t("10:13"))


def test_step_done_before_its_deadline_never_fires(env):
    env.start(at="10:00")
    env.json("done", "INC-1", "report_up", "--at", env.t("10:09"))
    env.ok("tick", "--now", env.t("10:20"))
    assert [e["data"]["step"] for e in env.kinds(kind="step_overdue")] == []
    s = env.json("tick", "--now", env.t("10:35"))  # convene (due 10:39) not yet
    assert s["fired"] == []
    env.ok("tick", "--now", env.t("10:40"))
    assert [e["data"]["step"] for e in env.kinds(kind="step_overdue")] == ["convene"]


def test_overdue_step_without_overdue_actions_notifies_its_role(env):
    env.start(at="10:00")
    env.ok("tick", "--now", env.t("10:11"))
    notes = [e for e in env.kinds(kind="notify_queued") if e["data"]["roles"] == ["office"]]
    assert len(notes) == 1


def test_overdue_actions_of_a_step_run_once_at_its_deadline(env):
    plan = env.PLAN.replace(
        "        needs: [report_up]\n      - id: brief",
        "        needs: [report_up]\n        overdue: {notify: [office], message: leader has not convened}\n"
        "      - id: brief",
    )
    env.start(plan=env.plan(plan))
    env.json("done", "INC-1", "report_up", "--at", env.t("10:05"))
    env.ok("tick", "--now", env.t("10:36"))
    env.ok("tick", "--now", env.t("10:50"))
    msgs = [e["data"]["message"] for e in env.kinds(kind="notify_queued")]
    assert msgs.count("leader has not convened") == 1


def test_phase_after_timer_produces_one_reminder(env):
    env.start(at="10:00")
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    env.json("checkin", "INC-1", "team", "--at", env.t("10:10"))
    env.ok("tick", "--now", env.t("12:04"))
    assert env.kinds(kind="reminder") == []
    env.ok("tick", "--now", env.t("12:06"))
    env.ok("tick", "--now", env.t("12:07"))
    env.ok("tick", "--now", env.t("15:00"))
    [reminder] = env.kinds(kind="reminder")
    assert reminder["at"] == f"{env.DAY}T04:05:00Z"
    assert reminder["data"]["phase"] == "responding"
    msgs = [e["data"]["message"] for e in env.kinds(kind="notify_queued")]
    assert msgs.count("on scene for over two hours") == 1


def test_phase_timer_does_not_fire_after_the_phase_is_left(env):
    env.start(at="10:00")
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    env.json("event", "INC-1", "dispersed", "--at", env.t("11:00"))
    env.ok("tick", "--now", env.t("13:00"))
    assert env.kinds(kind="reminder") == []
    assert env.kinds(kind="step_overdue") == []


def test_timers_that_fell_due_while_nobody_ticked_all_fire_once_in_order(env):
    env.start(at="10:00")
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    env.json("set", "INC-1", "crowd_size=9", "--at", env.t("10:06"))
    out = env.json("tick", "--now", env.t("18:00"))
    assert len(out["fired"]) == 3  # muster 10:20, representatives 10:51, after 2h 12:05
    overdue = [(e["data"]["step"], e["at"]) for e in env.kinds(kind="step_overdue")]
    assert overdue == [("muster", f"{env.DAY}T02:20:00Z"), ("representatives", f"{env.DAY}T02:51:00Z")]
    assert len(env.kinds(kind="reminder")) == 1
    assert env.json("tick", "--now", env.t("19:00"))["fired"] == []
    s = env.status()
    assert env.step(s, "muster")["status"] == "overdue"
    assert env.step(s, "representatives")["status"] == "overdue"
    assert env.step(s, "secure")["status"] == "pending", "no timer on secure"


def test_tick_on_several_incidents_fires_each_incidents_own_timers(env):
    env.start(at="10:00", incident="A")
    env.start(at="10:05", incident="B")
    out = env.json("tick", "--now", env.t("10:12"))
    assert sorted(f["incident"] for f in out["fired"]) == ["A"]
    out = env.json("tick", "--now", env.t("10:16"))
    assert sorted(f["incident"] for f in out["fired"]) == ["B"]
    assert env.step(env.status("A"), "report_up")["status"] == "overdue"
    assert env.step(env.status("B"), "report_up")["status"] == "overdue"


def test_two_incidents_of_one_plan_started_together_both_go_overdue(env):
    env.start(at="10:00", incident="A")
    env.start(at="10:00", incident="B")
    env.json("event", "A", "activate", "--at", env.t("10:05"))
    env.json("event", "B", "activate", "--at", env.t("10:05"))
    env.ok("tick", "--now", env.t("13:00"))
    for inc in ("A", "B"):
        assert [e["data"]["step"] for e in env.kinds(inc, kind="step_overdue")] == ["muster"], inc
        assert len(env.kinds(inc, kind="reminder")) == 1, inc


def test_tick_without_a_database_is_harmless(env):
    out = env.json("tick", "--now", env.t("10:00"))
    assert out["fired"] == []


# -- notes, close, status, log -------------------------------------------------


def test_note_is_logged_with_its_author_and_time(env):
    env.start()
    s = env.json("note", "INC-1", "60 people at the east gate", "--by", "Li", "--at", env.t("10:03"))
    assert s["id"] == "INC-1"
    [note] = env.kinds(kind="note")
    assert note["data"]["text"] == "60 people at the east gate"
    assert (note["actor"], note["data"]["by"]) == ("Li", "Li")
    assert note["at"] == f"{env.DAY}T02:03:00Z"


def test_close_records_the_outcome_and_skips_pending_steps(env):
    env.start()
    s = env.json("close", "INC-1", "--outcome", "false alarm", "--at", env.t("10:30"))
    assert same_time(s["closed_at"], env.t("10:30"))
    assert env.step(s, "report_up")["status"] == "skipped"
    env.ok("tick", "--now", env.t("12:00"))
    assert env.kinds(kind="step_overdue") == []
    assert env.kinds(kind="closed")[0]["data"]["outcome"] == "false alarm"


def test_close_is_refused_while_a_required_fact_is_missing(env):
    plan = env.PLAN.replace("location:   {type: string}", "location:   {type: string, required: true}")
    env.start(plan=env.plan(plan))
    before = env.count("events")
    result = env.run("close", "INC-1", "--at", env.t("10:30"))
    assert result.exit_code == 1
    assert "location" in result.stderr
    assert env.count("events") == before
    env.json("set", "INC-1", "location=East gate", "--at", env.t("10:31"))
    env.json("close", "INC-1", "--at", env.t("10:32"))


def test_status_list_and_log_have_the_shapes_of_design_md(env):
    env.start(incident="A")
    env.start(incident="B", at="10:30")
    listed = env.json("status")
    assert [x["id"] for x in listed] == ["A", "B"]
    assert all(STATUS_KEYS <= set(x) for x in listed)
    events = env.events("A")
    assert all(EVENT_KEYS <= set(e) for e in events)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["kind"] == "started"
    assert events[0]["prev_hash"] == ""
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(events, events[1:]))
    assert all(e["at"].endswith("Z") for e in events), "the log stores UTC"


def test_every_changing_command_prints_the_status_object(env):
    outs = [env.start()]
    outs.append(env.json("set", "INC-1", "crowd_size=6", "--at", env.t("10:01")))
    outs.append(env.json("note", "INC-1", "hello", "--at", env.t("10:02")))
    outs.append(env.json("done", "INC-1", "report_up", "--at", env.t("10:03")))
    outs.append(env.json("ack", "INC-1", "convene", "--by", "Chen", "--at", env.t("10:04")))
    outs.append(env.json("event", "INC-1", "activate", "--at", env.t("10:05")))
    outs.append(env.json("checkin", "INC-1", "team", "--at", env.t("10:06")))
    outs.append(env.json("close", "INC-1", "--at", env.t("10:07")))
    for out in outs:
        assert STATUS_KEYS <= set(out)
        assert out["id"] == "INC-1"
        assert all(STEP_KEYS <= set(st) for st in out["steps"])


def test_status_text_board_shows_steps_and_deadlines_in_local_time(env):
    env.start()
    out = env.ok("status", "INC-1").stdout
    assert "INC-1" in out and "report_up" in out
    assert "10:10" in out, "deadline printed in the plan's timezone"

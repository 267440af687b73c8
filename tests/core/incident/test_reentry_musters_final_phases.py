"""Incident lifecycle rules found in review: phase timers, final phases, musters,
re-entry, decisions, site time, drills kept apart from live operations, delivery."""

from __future__ import annotations

import sqlite3

CALM = "      - event: dispersed\n        to: closed\n"
CALM_BACK = CALM + "      - event: calm\n        to: reported\n"


def with_calm(ws):
    return ws.plan(ws.PLAN.replace(CALM, CALM_BACK))


def test_phase_after_timer_does_not_fire_once_the_phase_is_left(ws):
    ws.start(plan=with_calm(ws))
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))  # 2h reminder due 12:05
    ws.json("event", "INC-1", "calm", "--at", ws.t("10:30"))
    ws.ok("tick", "--now", ws.t("13:00"))
    assert ws.kinds(kind="reminder") == []
    assert not [e for e in ws.kinds(kind="notify_queued") if "two hours" in e["data"]["message"]]


def test_reentering_a_phase_activates_its_steps_again(ws):
    ws.start(plan=with_calm(ws))
    for step, at in (("report_up", "10:05"), ("convene", "10:10"), ("brief", "10:15")):
        s = ws.json("done", "INC-1", step, "--at", ws.t(at))
    assert s["phase"] == "responding"
    s = ws.json("event", "INC-1", "calm", "--at", ws.t("10:40"))
    assert s["phase"] == "reported", "the return is not swallowed by all_done"
    report = ws.step(s, "report_up")
    assert report["status"] == "pending"
    assert ws.dt(report["due_at"]) == ws.dt(ws.t("10:50"))


def test_final_phase_closes_only_once_required_facts_are_recorded(ws):
    plan = ws.plan(ws.PLAN.replace("location:   {type: string}", "location:   {type: string, required: true}"))
    ws.start(plan=plan)
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    s = ws.json("event", "INC-1", "dispersed", "--at", ws.t("10:40"))
    assert s["phase"] == "closed" and s["closed_at"] is None
    s = ws.json("set", "INC-1", "location=East gate", "--at", ws.t("10:45"))
    assert ws.dt(s["closed_at"]) == ws.dt(ws.t("10:45"))


def test_back_dating_before_the_incidents_last_event_is_refused_and_writes_nothing(ws):
    # the log keeps time order: a check-in at 10:05 cannot follow an event recorded at 10:30
    ws.start()
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:30"))
    before = ws.kinds()
    result = ws.run("checkin", "INC-1", "team", "--count", "10", "--at", ws.t("10:05"))
    assert result.exit_code == 1
    assert "before the last event" in result.stderr and "10:30" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert ws.kinds() == before
    # at the same moment as the last event it is accepted
    s = ws.json("checkin", "INC-1", "team", "--count", "10", "--at", ws.t("10:30"))
    assert ws.step(s, "muster")["status"] == "done"


def test_team_already_on_scene_completes_a_muster_step_that_activates_later(ws):
    plan = ws.plan(
        ws.PLAN.replace(
            "        muster: true\n        within: {day: 15m, night: 25m}",
            "        muster: true\n        if: {fact: crowd_size, gte: 5}\n        within: {day: 15m, night: 25m}",
        )
    )
    ws.start(plan=plan)
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    ws.json("checkin", "INC-1", "team", "--count", "10", "--at", ws.t("10:07"))
    s = ws.json("set", "INC-1", "crowd_size=6", "--at", ws.t("10:10"))
    muster = ws.step(s, "muster")
    assert muster["status"] == "done" and muster["count"] == 10
    assert ws.dt(muster["activated_at"]) == ws.dt(ws.t("10:10"))


def test_a_decision_step_must_pass_its_check(ws):
    plan = ws.plan(
        ws.PLAN.replace(
            "      - id: secure\n        role: team\n",
            "      - id: secure\n        role: team\n        decision: [hold, release]\n"
            "        check: {check: core.facts_present, args: {facts: [location]}}\n",
        )
    )
    ws.start(plan=plan)
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))
    refused = ws.run("decide", "INC-1", "secure", "hold", "--by", "Chen", "--at", ws.t("10:10"))
    assert refused.exit_code == 1 and "core.facts_present" in refused.stderr
    ws.json("set", "INC-1", "location=East gate", "--at", ws.t("10:11"))
    s = ws.json("decide", "INC-1", "secure", "hold", "--by", "Chen", "--at", ws.t("10:12"))
    assert ws.step(s, "secure")["answer"] == "hold"


def test_tick_now_without_offset_is_in_the_site_timezone(ws):
    ws.start(at="10:00")  # report_up due 10:10 in Asia/Shanghai
    assert ws.json("tick", "--now", f"{ws.DAY}T10:05")["fired"] == []
    fired = ws.json("tick", "--now", f"{ws.DAY}T10:11")["fired"]
    assert [f["key"].split(":")[1] for f in fired] == ["report_up"]


def test_incident_ids_must_be_printable(ws):
    for bad in ("", "   ", "a b", "x/y"):
        result = ws.run("start", ws.plan(), "--id", bad, "--at", ws.t("10:00"))
        assert result.exit_code == 1, bad
    assert ws.count("incidents") == 0


DRILL = """\
drill: lifecycle
plan: petition.yaml
start: 2090-03-05T10:00:00+08:00
injects:
  - {at: 5m, event: activate}
  - {at: 9m, checkin: team, count: 4}
"""


def test_drills_leave_nothing_for_tick_or_the_notifiers_and_stay_off_the_live_board(ws):
    ws.plan()
    ws.start(incident="LIVE-1")
    drill = ws.json("drill", "run", ws.write("drill.yaml", DRILL))
    conn = sqlite3.connect(ws.db)
    try:
        rows = conn.execute("SELECT COUNT(*) FROM timers WHERE incident=?", (drill["incident"],)).fetchone()[0]
        outbox = conn.execute("SELECT COUNT(*) FROM outbox WHERE incident=?", (drill["incident"],)).fetchone()[0]
    finally:
        conn.close()
    assert rows == 0 and outbox == 0
    events_before = len(ws.events(drill["incident"]))
    ws.ok("tick", "--now", "2090-03-06T00:00:00+08:00")
    assert len(ws.events(drill["incident"])) == events_before, "a drill's log is not touched by wall-clock ticks"
    assert [s["id"] for s in ws.json("status")] == ["LIVE-1"]
    assert {s["id"] for s in ws.json("status", "--all")} == {"LIVE-1", drill["incident"]}


def test_delivery_is_recorded_even_when_tick_is_told_an_earlier_time(ws):
    ws.start(at="10:00")
    ws.json("event", "INC-1", "activate", "--at", ws.t("10:05"))  # queues "respond now"
    out = ws.json("tick", "--now", ws.t("09:00"))
    assert out["delivered"] == 1 and out["errors"] == []
    [delivered] = ws.kinds(kind="notify_delivered")
    assert ws.dt(delivered["at"]) >= ws.dt(ws.t("10:05"))
    assert ws.json("tick", "--now", ws.t("09:30"))["delivered"] == 0, "sent once"


LOOP = """\
id: loop
title: Two musters in turn
version: 1
roles:
  team: {title: Team, muster: true, strength: 10, people: [{name: Wang}]}
initial: a
phases:
  a:
    steps:
      - {id: ma, role: team, muster: true, within: 15m}
    on:
      - {when: all_done, to: b}
  b:
    steps:
      - {id: mb, role: team, muster: true, within: 15m}
      - {id: after_mb, role: team, needs: [mb], within: 10m}
    on:
      - {when: all_done, to: a}
      - {event: stop, to: done}
  done: {final: true}
"""


def test_the_checkin_that_completes_one_muster_does_not_count_for_the_next(ws):
    ws.start(plan=ws.write("loop.yaml", LOOP), at="10:00")
    s = ws.json("checkin", "INC-1", "team", "--count", "10", "--at", ws.t("10:02"))
    assert s["phase"] == "b"
    assert ws.step(s, "ma")["status"] == "done"
    assert ws.step(s, "mb")["status"] == "pending" and ws.step(s, "mb")["count"] == 0


def test_a_muster_complete_at_activation_activates_the_steps_that_need_it(ws):
    plan = ws.write(
        "order.yaml",
        LOOP.replace(
            "      - {id: mb, role: team, muster: true, within: 15m}\n",
            "      - {id: mb, role: team, muster: true, within: 15m, needs: [s0]}\n      - {id: s0, role: team}\n",
        ),
    )
    ws.start(plan=plan, at="10:00")
    ws.json("checkin", "INC-1", "team", "--count", "10", "--at", ws.t("10:02"))  # a -> b
    ws.json("checkin", "INC-1", "team", "--count", "10", "--at", ws.t("10:03"))  # on scene before mb activates
    s = ws.json("done", "INC-1", "s0", "--at", ws.t("10:05"))
    assert ws.step(s, "mb")["status"] == "done"
    assert ws.step(s, "after_mb")["status"] == "pending"
    assert ws.dt(ws.step(s, "after_mb")["due_at"]) == ws.dt(ws.t("10:15"))


CHAIN = """\
id: chain
title: Re-entered chain
version: 1
roles:
  office: {title: Office}
initial: a
phases:
  a:
    steps:
      - {id: s2, role: office, needs: [s1], within: 10m}
      - {id: s1, role: office, within: 10m}
    on:
      - {event: go, to: b}
  b:
    steps:
      - {id: wait, role: office}
    on:
      - {event: back, to: a}
      - {event: stop, to: done}
  done: {final: true}
"""


def test_on_re_entry_a_needs_chain_waits_for_this_visits_steps(ws):
    ws.start(plan=ws.write("chain.yaml", CHAIN), at="10:00")
    ws.json("done", "INC-1", "s1", "--at", ws.t("10:01"))
    ws.json("done", "INC-1", "s2", "--at", ws.t("10:02"))
    ws.json("event", "INC-1", "go", "--at", ws.t("10:03"))
    s = ws.json("event", "INC-1", "back", "--at", ws.t("10:04"))
    assert ws.step(s, "s1")["status"] == "pending"
    assert ws.step(s, "s2")["status"] == "done", "s2 keeps its old record and waits for the new s1"
    assert ws.dt(ws.step(s, "s2")["activated_at"]) == ws.dt(ws.t("10:01"))
    s = ws.json("done", "INC-1", "s1", "--at", ws.t("10:06"))
    assert ws.step(s, "s2")["status"] == "pending"
    assert ws.dt(ws.step(s, "s2")["activated_at"]) == ws.dt(ws.t("10:06"))


def test_status_names_the_required_facts_still_missing(ws):
    plan = ws.plan(ws.PLAN.replace("location:   {type: string}", "location:   {type: string, required: true}"))
    s = ws.start(plan=plan)
    assert s["missing_facts"] == ["location"]
    assert "missing required facts: location" in ws.ok("status", "INC-1").stdout
    assert ws.json("set", "INC-1", "location=East gate", "--at", ws.t("10:01"))["missing_facts"] == []


def test_schema_2_migration_retires_drill_rows_and_stale_claims(tmp_path):
    import sqlite_utils

    from planengine.core.store import Store, migrations

    path = tmp_path / "v1.db"
    db = sqlite_utils.Database(path)
    migrations._migrate_1(db)
    db.execute("PRAGMA user_version=1")
    db["plans"].insert({"sha256": "x", "id": "p", "version": 1})
    for inc, kind in (("LIVE", "live"), ("DRL", "drill")):
        db["incidents"].insert({"id": inc, "plan": "p", "plan_sha": "x", "kind": kind, "last_seq": 0})
        db["timers"].insert({"incident": inc, "key": "step:s:1", "due_at": "2026-01-01T00:00:00Z"})
        db["outbox"].insert({"key": f"{inc}:5", "incident": inc, "roles": "[]", "message": "m", "status": "sending"})
    db.conn.close()
    st = Store(str(path))
    rows = st.conn.execute("SELECT key, status, claimed_at FROM outbox").fetchall()
    assert rows == [("LIVE:5", "queued", "")], "a v1 claim is routed again (schema 3: per channel)"
    assert st.conn.execute("SELECT incident FROM timers").fetchall() == [("LIVE",)]
    assert [r[0] for r in st.unrouted_notifications()] == ["LIVE:5"]


def test_when_conditions_are_evaluated_after_a_note_too(ws):
    plan = ws.plan(
        ws.PLAN.replace(
            "      - when: all_done\n        to: responding\n",
            "      - when: all_done\n        to: responding\n      - when: any_overdue\n        to: responding\n",
        )
    )
    ws.start(plan=plan)  # report_up due 10:10
    assert ws.json("note", "INC-1", "still waiting", "--at", ws.t("10:09"))["phase"] == "reported"
    assert ws.json("note", "INC-1", "caller rang again", "--at", ws.t("10:11"))["phase"] == "responding"

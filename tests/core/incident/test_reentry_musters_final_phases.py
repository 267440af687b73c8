"""Incident lifecycle rules found in review: phase timers, final phases, musters,
re-entry, decisions, site time, drills kept apart from live operations, delivery."""

from __future__ import annotations

import sqlite3

CALM = "      - event: dispersed\n        to: closed\n"
CALM_BACK = CALM + "      - event: calm\n        to: reported\n"


def with_calm(env):
    return env.plan(env.PLAN.replace(CALM, CALM_BACK))


def test_phase_after_timer_does_not_fire_once_the_phase_is_left(env):
    env.start(plan=with_calm(env))
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))  # 2h reminder due 12:05
    env.json("event", "INC-1", "calm", "--at", env.t("10:30"))
    env.ok("tick", "--now", env.t("13:00"))
    assert env.kinds(kind="reminder") == []
    assert not [e for e in env.kinds(kind="notify_queued") if "two hours" in e["data"]["message"]]


def test_reentering_a_phase_activates_its_steps_again(env):
    env.start(plan=with_calm(env))
    for step, at in (("report_up", "10:05"), ("convene", "10:10"), ("brief", "10:15")):
        s = env.json("done", "INC-1", step, "--at", env.t(at))
    assert s["phase"] == "responding"
    s = env.json("event", "INC-1", "calm", "--at", env.t("10:40"))
    assert s["phase"] == "reported", "the return is not swallowed by all_done"
    report = env.step(s, "report_up")
    assert report["status"] == "pending"
    assert env.dt(report["due_at"]) == env.dt(env.t("10:50"))


def test_final_phase_closes_only_once_required_facts_are_recorded(env):
    plan = env.plan(env.PLAN.replace("location:   {type: string}", "location:   {type: string, required: true}"))
    env.start(plan=plan)
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    s = env.json("event", "INC-1", "dispersed", "--at", env.t("10:40"))
    assert s["phase"] == "closed" and s["closed_at"] is None
    s = env.json("set", "INC-1", "location=East gate", "--at", env.t("10:45"))
    assert env.dt(s["closed_at"]) == env.dt(env.t("10:45"))


def test_back_dating_before_the_incidents_last_event_is_refused_and_writes_nothing(env):
    # the log keeps time order: a check-in at 10:05 cannot follow an event recorded at 10:30
    env.start()
    env.json("event", "INC-1", "activate", "--at", env.t("10:30"))
    before = env.kinds()
    result = env.run("checkin", "INC-1", "team", "--count", "10", "--at", env.t("10:05"))
    assert result.exit_code == 1
    assert "before the last event" in result.stderr and "10:30" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert env.kinds() == before
    # at the same moment as the last event it is accepted
    s = env.json("checkin", "INC-1", "team", "--count", "10", "--at", env.t("10:30"))
    assert env.step(s, "muster")["status"] == "done"


def test_team_already_on_scene_completes_a_muster_step_that_activates_later(env):
    plan = env.plan(
        env.PLAN.replace(
            "        muster: true\n        within: {day: 15m, night: 25m}",
            "        muster: true\n        if: {fact: crowd_size, gte: 5}\n        within: {day: 15m, night: 25m}",
        )
    )
    env.start(plan=plan)
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    env.json("checkin", "INC-1", "team", "--count", "10", "--at", env.t("10:07"))
    s = env.json("set", "INC-1", "crowd_size=6", "--at", env.t("10:10"))
    muster = env.step(s, "muster")
    assert muster["status"] == "done" and muster["count"] == 10
    assert env.dt(muster["activated_at"]) == env.dt(env.t("10:10"))


def test_a_decision_step_must_pass_its_check(env):
    plan = env.plan(
        env.PLAN.replace(
            "      - id: secure\n        role: team\n",
            "      - id: secure\n        role: team\n        decision: [hold, release]\n"
            "        check: {check: core.facts_present, args: {facts: [location]}}\n",
        )
    )
    env.start(plan=plan)
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    refused = env.run("decide", "INC-1", "secure", "hold", "--by", "Chen", "--at", env.t("10:10"))
    assert refused.exit_code == 1 and "core.facts_present" in refused.stderr
    env.json("set", "INC-1", "location=East gate", "--at", env.t("10:11"))
    s = env.json("decide", "INC-1", "secure", "hold", "--by", "Chen", "--at", env.t("10:12"))
    assert env.step(s, "secure")["answer"] == "hold"


def test_tick_now_without_offset_is_in_the_site_timezone(env):
    env.start(at="10:00")  # report_up due 10:10 in Asia/Shanghai
    assert env.json("tick", "--now", f"{env.DAY}T10:05")["fired"] == []
    fired = env.json("tick", "--now", f"{env.DAY}T10:11")["fired"]
    assert [f["key"].split(":")[1] for f in fired] == ["report_up"]


def test_incident_ids_must_be_printable(env):
    for bad in ("", "   ", "a b", "x/y"):
        result = env.run("start", env.plan(), "--id", bad, "--at", env.t("10:00"))
        assert result.exit_code == 1, bad
    assert env.count("incidents") == 0


DRILL = """\
drill: lifecycle
plan: petition.yaml
start: 2090-03-05T10:00:00+08:00
injects:
  - {at: 5m, event: activate}
  - {at: 9m, checkin: team, count: 4}
"""


def test_drills_leave_nothing_for_tick_or_the_notifiers_and_stay_off_the_live_board(env):
    env.plan()
    env.start(incident="LIVE-1")
    drill = env.json("drill", "run", env.write("drill.yaml", DRILL))
    conn = sqlite3.connect(env.db)
    try:
        rows = conn.execute("SELECT COUNT(*) FROM timers WHERE incident=?", (drill["incident"],)).fetchone()[0]
        outbox = conn.execute("SELECT COUNT(*) FROM outbox WHERE incident=?", (drill["incident"],)).fetchone()[0]
    finally:
        conn.close()
    assert rows == 0 and outbox == 0
    events_before = len(env.events(drill["incident"]))
    env.ok("tick", "--now", "2090-03-06T00:00:00+08:00")
    assert len(env.events(drill["incident"])) == events_before, "a drill's log is not touched by wall-clock ticks"
    assert [s["id"] for s in env.json("status")] == ["LIVE-1"]
    assert {s["id"] for s in env.json("status", "--all")} == {"LIVE-1", drill["incident"]}


def test_delivery_is_recorded_even_when_tick_is_told_an_earlier_time(env):
    env.start(at="10:00")
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))  # queues "respond now"
    out = env.json("tick", "--now", env.t("09:00"))
    assert out["delivered"] == 1 and out["errors"] == []
    [delivered] = env.kinds(kind="notify_delivered")
    assert env.dt(delivered["at"]) >= env.dt(env.t("10:05"))
    assert env.json("tick", "--now", env.t("09:30"))["delivered"] == 0, "sent once"


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


def test_the_checkin_that_completes_one_muster_does_not_count_for_the_next(env):
    env.start(plan=env.write("loop.yaml", LOOP), at="10:00")
    s = env.json("checkin", "INC-1", "team", "--count", "10", "--at", env.t("10:02"))
    assert s["phase"] == "b"
    assert env.step(s, "ma")["status"] == "done"
    assert env.step(s, "mb")["status"] == "pending" and env.step(s, "mb")["count"] == 0


def test_a_muster_complete_at_activation_activates_the_steps_that_need_it(env):
    plan = env.write(
        "order.yaml",
        LOOP.replace(
            "      - {id: mb, role: team, muster: true, within: 15m}\n",
            "      - {id: mb, role: team, muster: true, within: 15m, needs: [s0]}\n      - {id: s0, role: team}\n",
        ),
    )
    env.start(plan=plan, at="10:00")
    env.json("checkin", "INC-1", "team", "--count", "10", "--at", env.t("10:02"))  # a -> b
    env.json("checkin", "INC-1", "team", "--count", "10", "--at", env.t("10:03"))  # on scene before mb activates
    s = env.json("done", "INC-1", "s0", "--at", env.t("10:05"))
    assert env.step(s, "mb")["status"] == "done"
    assert env.step(s, "after_mb")["status"] == "pending"
    assert env.dt(env.step(s, "after_mb")["due_at"]) == env.dt(env.t("10:15"))


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


def test_on_re_entry_a_needs_chain_waits_for_this_visits_steps(env):
    env.start(plan=env.write("chain.yaml", CHAIN), at="10:00")
    env.json("done", "INC-1", "s1", "--at", env.t("10:01"))
    env.json("done", "INC-1", "s2", "--at", env.t("10:02"))
    env.json("event", "INC-1", "go", "--at", env.t("10:03"))
    s = env.json("event", "INC-1", "back", "--at", env.t("10:04"))
    assert env.step(s, "s1")["status"] == "pending"
    assert env.step(s, "s2")["status"] == "done", "s2 keeps its old record and waits for the new s1"
    assert env.dt(env.step(s, "s2")["activated_at"]) == env.dt(env.t("10:01"))
    s = env.json("done", "INC-1", "s1", "--at", env.t("10:06"))
    assert env.step(s, "s2")["status"] == "pending"
    assert env.dt(env.step(s, "s2")["activated_at"]) == env.dt(env.t("10:06"))


def test_status_names_the_required_facts_still_missing(env):
    plan = env.plan(env.PLAN.replace("location:   {type: string}", "location:   {type: string, required: true}"))
    s = env.start(plan=plan)
    assert s["missing_facts"] == ["location"]
    assert "missing required facts: location" in env.ok("status", "INC-1").stdout
    assert env.json("set", "INC-1", "location=East gate", "--at", env.t("10:01"))["missing_facts"] == []


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


def test_when_conditions_are_evaluated_after_a_note_too(env):
    plan = env.plan(
        env.PLAN.replace(
            "      - when: all_done\n        to: responding\n",
            "      - when: all_done\n        to: responding\n      - when: any_overdue\n        to: responding\n",
        )
    )
    env.start(plan=plan)  # report_up due 10:10
    assert env.json("note", "INC-1", "still waiting", "--at", env.t("10:09"))["phase"] == "reported"
    assert env.json("note", "INC-1", "caller rang again", "--at", env.t("10:11"))["phase"] == "responding"

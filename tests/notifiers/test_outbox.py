"""The outbox: per-channel delivery, retries with backoff, failures that stay visible, rate limits,
wall-clock claims and fairness, against a real local receiver."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime, timedelta

from planengine.core.engine import Engine
from planengine.notifiers import delivery

LOOP_PLAN_TAIL = """\
      - event: ping
        to: responding
"""


def activate(env, incident="INC-1"):
    env.start(at="10:00", incident=incident)
    env.json("event", incident, "activate", "--at", env.t("10:05"))


def tick_at(env, when: datetime):
    result = env.run("tick", "--now", when.isoformat(), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def hook_rows(env):
    return [n for n in env.status()["notifications"] if n["channel"] == "hook"]


def test_a_receiver_that_fails_three_times_then_succeeds_gets_it_once_with_backoff(env, site, receiver):
    receiver.script["/hook"] = [500, 500, 500]
    site({"leader": ["hook"], "team": ["hook"]})
    activate(env)
    t = env.dt(env.t("10:06"))
    assert tick_at(env, t)["failed"][0]["attempt"] == 1
    # retry n waits 30s * 2^(n-1) plus at most 50% jitter: 30-45s, 60-90s, 120-180s
    for attempt, (low, high) in enumerate(((30, 45), (60, 90), (120, 180)), start=2):
        assert tick_at(env, t + timedelta(seconds=low - 1))["failed"] == [], "not before its backoff"
        [row] = hook_rows(env)
        assert row["status"] == "queued" and row["attempts"] == attempt - 1 and row["error"] == "HTTP 500"
        t += timedelta(seconds=high)
        out = tick_at(env, t)
        if attempt < 4:
            assert out["failed"][0]["attempt"] == attempt
    assert out["delivered"] == 1 and out["failed"] == []
    assert len(receiver.received["/hook"]) == 4
    [delivered] = [e for e in env.kinds(kind="notify_delivered") if e["data"]["channel"] == "hook"]
    assert delivered["data"]["attempts"] == 4
    assert env.kinds(kind="notify_failed") == []
    assert hook_rows(env)[0]["status"] == "delivered"


def test_the_retry_schedule_is_reproducible_from_the_key():
    first = [delivery.backoff("INC-1:9", "hook", n) for n in range(1, 5)]
    assert first == [delivery.backoff("INC-1:9", "hook", n) for n in range(1, 5)]
    assert first != [delivery.backoff("INC-2:9", "hook", n) for n in range(1, 5)], "jitter spreads keys apart"
    for n, seconds in enumerate(first, start=1):
        assert 30 * 2 ** (n - 1) <= seconds <= 45 * 2 ** (n - 1)


def test_a_receiver_that_always_fails_ends_failed_and_the_other_channels_are_sent_once(env, site, receiver):
    receiver.always["/hook"] = 503
    site({"leader": ["hook", "ding"]})
    activate(env)
    t = env.dt(env.t("10:06"))
    tick_at(env, t)
    assert len(receiver.received["/ding"]) == 1
    for n in range(1, delivery.MAX_ATTEMPTS):
        t += timedelta(seconds=45 * 2 ** (n - 1))  # the longest backoff before attempt n + 1
        tick_at(env, t)
    assert len(receiver.received["/hook"]) == delivery.MAX_ATTEMPTS
    assert len(receiver.received["/ding"]) == 1, "a channel that succeeded is never sent again"
    [row] = hook_rows(env)
    assert row["status"] == "failed" and row["attempts"] == delivery.MAX_ATTEMPTS and row["error"] == "HTTP 503"
    [failed] = env.kinds(kind="notify_failed")
    assert failed["data"]["channel"] == "hook" and failed["data"]["error"] == "HTTP 503"
    board = env.ok("status", "INC-1").stdout
    assert "to hook (leader) FAILED: HTTP 503" in board
    # a new notification still flows on every channel
    receiver.always.pop("/hook")
    activate(env, "INC-2")
    tick_at(env, t + timedelta(seconds=1))
    assert "INC-2" in {r["body"]["incident"] for r in receiver.received["/hook"]}


def test_robots_are_held_to_20_a_minute_and_the_excess_waits_in_the_outbox(env, site, receiver):
    site({"leader": ["ding"]})
    plan = env.plan()
    eng = Engine(db=env.db)
    for i in range(25):
        eng.start(plan, incident_id=f"INC-{i:02d}", at=env.t("10:00"))
        eng.command(f"INC-{i:02d}", "event", {"name": "activate"}, at=env.t("10:05"))
    out = tick_at(env, env.dt(env.t("10:06")))
    assert len(receiver.received["/ding"]) == 20
    held = [
        n
        for i in range(25)
        for n in env.status(f"INC-{i:02d}")["notifications"]
        if n["channel"] == "ding" and n["status"] == "queued"
    ]
    assert len(held) == 5 and all(n["attempts"] == 0 for n in held)
    assert out["failed"] == []
    # the window is on the wall clock: a `--now` an hour ahead does not open it
    tick_at(env, env.dt(env.t("11:06")))
    assert len(receiver.received["/ding"]) == 20
    conn = sqlite3.connect(env.db)
    with conn:
        conn.execute("UPDATE deliveries SET tried_wall = tried_wall - 61")  # a minute passes on the wall clock
    conn.close()
    tick_at(env, env.dt(env.t("11:07")))
    assert len(receiver.received["/ding"]) == 25
    assert len({r["body"]["text"]["content"] for r in receiver.received["/ding"]}) == 25


def test_a_claim_is_a_lease_on_the_wall_clock_not_on_tick_now(env, site, receiver):
    site({"leader": ["hook"]})
    activate(env)
    eng = Engine(db=env.db)
    site_obj = delivery.load_site(eng)
    delivery.route(eng, site_obj)
    [claimed] = eng.claim_deliveries("hook", "a-watcher-that-died", env.dt(env.t("10:06")), time.time(), 50, 20)
    assert claimed["incident"] == "INC-1"
    tick_at(env, env.dt(env.t("11:06")))
    assert receiver.received["/hook"] == [], "a live claim is respected, whatever --now says"
    conn = sqlite3.connect(env.db)
    with conn:
        conn.execute("UPDATE deliveries SET claimed_wall = claimed_wall - 3600")  # its sender is long gone
    conn.close()
    tick_at(env, env.dt(env.t("11:07")))
    assert len(receiver.received["/hook"]) == 1
    tick_at(env, env.dt(env.t("11:08")))
    assert len(receiver.received["/hook"]) == 1, "sent once"


def test_a_backlog_does_not_hold_back_a_new_incidents_message(env, site, receiver):
    site({"leader": ["hook"], "team": ["hook"]})
    plan = env.plan(env.PLAN.replace("      - event: dispersed\n", LOOP_PLAN_TAIL + "      - event: dispersed\n"))
    eng = Engine(db=env.db)
    eng.start(plan, incident_id="OLD", at=env.t("10:00"))
    eng.command("OLD", "event", {"name": "activate"}, at=env.t("10:01"))
    state = None
    for _i in range(120):
        state = eng.command("OLD", "event", {"name": "ping"}, at=env.t("10:02"), state=state)
    eng.start(plan, incident_id="NEW", at=env.t("10:03"))
    eng.command("NEW", "event", {"name": "activate"}, at=env.t("10:04"))
    tick_at(env, env.dt(env.t("10:05")))
    order = [r["body"]["incident"] for r in receiver.received["/hook"]]
    assert len(order) == 122
    assert order.index("NEW") < 2, "every incident's oldest message goes before any incident's second"

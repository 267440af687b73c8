"""Conditions at their edges: a comparison with a fact nobody recorded, `all_done` in a phase
with no active step (docs/plan-language.md "Conditions")."""

from __future__ import annotations

PLAN = """\
id: edges
title: Condition edges
version: 1
lang: en
timezone: Asia/Shanghai
facts:
  crowd:    {type: integer, min: 0}
  location: {type: string}
roles:
  office: {title: Office}
initial: watching
phases:
  watching:
    steps:
      - {id: ask_location, role: office, if: {fact: location, ne: east gate}}
      - {id: go_east,      role: office, if: {fact: location, eq: east gate}}
      - {id: count_crowd,  role: office, if: {fact: crowd, lt: 50}}
      - {id: call_police,  role: office, if: {fact: crowd, gte: 50}}
      - {id: not_small,    role: office, if: {not: {fact: crowd, lt: 50}}}
    on:
      - {event: escalate, to: big}
      - {event: stand_down, to: closed}
  big:
    steps:
      - {id: police_arrive, role: office, if: {fact: crowd, gte: 500}}
    on:
      - {when: all_done, to: after}
  after:
    steps:
      - {id: debrief, role: office}
    on:
      - {event: stand_down, to: closed}
  closed: {final: true}
"""


def _active(status):
    return {s["id"] for s in status["steps"] if s["status"] in ("pending", "overdue")}


def test_ne_holds_for_an_unrecorded_fact_and_every_other_comparison_does_not(env):
    s = env.start(plan=env.plan(PLAN, "edges.yaml"))
    # nothing recorded: only `ne` holds, and so does `not` of a comparison that does not
    assert _active(s) == {"ask_location", "not_small"}
    s = env.json("set", "INC-1", "location=east gate", "crowd=10", "--at", env.t("10:01"))
    assert _active(s) == {"ask_location", "go_east", "count_crowd", "not_small"}  # activated steps stay active


def test_ne_on_a_recorded_fact_compares_the_value(env):
    s = env.start("location=east gate", "crowd=60", plan=env.plan(PLAN, "edges.yaml"))
    assert _active(s) == {"go_east", "call_police", "not_small"}


def test_all_done_holds_at_once_in_a_phase_with_no_active_step(env):
    env.start("crowd=60", plan=env.plan(PLAN, "edges.yaml"))
    s = env.json("event", "INC-1", "escalate", "--at", env.t("10:05"))
    # `big` has one step, inactive for 60 people: nothing to wait for, so all_done moves on
    assert s["phase"] == "after"
    entered = [(e["data"]["from"], e["data"]["phase"]) for e in env.kinds(kind="phase_entered")]
    assert entered == [(None, "watching"), ("watching", "big"), ("big", "after")]


def test_all_done_waits_for_an_active_step(env):
    env.start("crowd=600", plan=env.plan(PLAN, "edges.yaml"))
    s = env.json("event", "INC-1", "escalate", "--at", env.t("10:05"))
    assert s["phase"] == "big" and _active(s) == {"police_arrive"}
    s = env.json("done", "INC-1", "police_arrive", "--at", env.t("10:20"))
    assert s["phase"] == "after"

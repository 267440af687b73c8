"""A plugin's `lint_plan` warnings reach `plan lint`, and the plans it ships through
`register_plans` are listed, shown and started by id like plans on the plan path."""

from __future__ import annotations

import types

import pytest

from planengine import plugins
from planengine.hookspecs import hookimpl

HEAT_PLAN = """\
id: heat_wave
title: Heat wave
version: 1
lang: en
timezone: Asia/Shanghai
uses: [heat]
roles:
  works: {title: Works}
initial: warned
phases:
  warned:
    steps:
      - {id: publish, role: works, within: 30m}
    on:
      - {event: stand_down, to: closed}
  closed: {final: true}
"""


def _install(monkeypatch, shipped):
    """The CLI's registry holds a plugin 'heat' that lints every step and ships ``shipped``."""
    mod = types.ModuleType("heat")

    def lint_plan(plan):
        steps = [s for ph in plan.phases.values() for s in ph.steps]
        return ["heat plans should say when to stop outdoor work"] + [(f"step {s.id} has no check", s) for s in steps]

    def register_plans(register):
        register(shipped)

    mod.lint_plan = hookimpl(lint_plan)
    mod.register_plans = hookimpl(register_plans)
    monkeypatch.setattr(plugins, "_cached", plugins.build_registry(extra=[mod]))


@pytest.fixture
def heat(env, monkeypatch):
    env.shipped = env.write("site-packages/planengine_heat/heat_wave.yaml", HEAT_PLAN)
    _install(monkeypatch, env.shipped)
    return env


def test_plan_lint_prints_the_warnings_of_a_plugin_the_plan_uses(heat):
    path = heat.write("heat_wave.yaml", HEAT_PLAN)
    out = heat.ok("lint", path).output
    assert f"{path}:1:1: warning: [heat] heat plans should say when to stop outdoor work" in out
    line = heat.line_of(HEAT_PLAN, "id: publish")
    assert f"{path}:{line}:" in out and "warning: [heat] step publish has no check" in out


def test_plan_lint_json_carries_plugin_warnings(heat):
    [report] = heat.json("lint", heat.write("heat_wave.yaml", HEAT_PLAN))
    found = [(p["line"], p["severity"], p["message"]) for p in report["problems"]]
    assert found == [
        (1, "warning", "[heat] heat plans should say when to stop outdoor work"),
        (heat.line_of(HEAT_PLAN, "id: publish"), "warning", "[heat] step publish has no check"),
    ]
    assert report["ok"] is True  # warnings do not fail lint


def test_a_plugin_does_not_lint_plans_that_do_not_use_it(heat):
    path = heat.write("other.yaml", HEAT_PLAN.replace("id: heat_wave", "id: other").replace("uses: [heat]\n", ""))
    assert "[heat]" not in heat.ok("lint", path).output


def test_a_shipped_plan_is_listed_with_its_plugin(heat):
    listed = [p for p in heat.json("list") if p["origin"] != "plugin core"]  # the core ships plans too
    assert [(p["id"], p["origin"], p["source"]) for p in listed] == [("heat_wave", "plugin heat", heat.shipped)]


def test_a_shipped_plan_starts_and_shows_by_id(heat):
    s = heat.json("start", "heat_wave", "--id", "HEAT-1", "--at", heat.t("10:00"))
    assert (s["plan"], s["phase"]) == ("heat_wave", "warned")
    assert heat.json("show", "heat_wave")["id"] == "heat_wave"


def test_a_plan_on_the_plan_path_wins_over_a_shipped_one_of_the_same_id(heat):
    heat.write("plans/heat_wave.yaml", HEAT_PLAN.replace("title: Heat wave", "title: Local heat wave"))
    assert heat.json("show", "heat_wave")["title"] == "Local heat wave"

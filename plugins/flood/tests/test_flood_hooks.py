"""The flood plugin's hooks: registration, plan lint, report sections."""

from __future__ import annotations

import planengine_flood as flood

from planengine.core.plan.model import Condition, Fact, Phase, Plan, Step


def _plan(*steps, uses=("flood",), **kw):
    phases = {"p": Phase("p", steps=tuple(steps))}
    return Plan("flood", "Flood", 1, phases, "p", uses=uses, levels=("IV", "III", "II", "I"), **kw)


def _check(name):
    return Condition(op="check", name=name)


def test_registers_checks_and_actions():
    got = {}

    def register(name, fn, description=""):
        got[name] = (fn, description)

    flood.register_checks(register)
    flood.register_actions(register)
    assert set(got) == {
        "flood.rainfall_at_least",
        "flood.rainstorm_warning",
        "flood.river_warning",
        "flood.emergency_period",
        "flood.response_level",
        "flood.evacuation_complete",
        "flood.remind_evacuation",
    }
    assert all(fn.__doc__ for fn, _ in got.values()), "`plan plugins` shows each docstring"


def test_lint_ignores_plans_not_using_flood():
    assert flood.lint_plan(_plan(uses=())) == []


def test_lint_warns_without_evacuation_step():
    warnings = flood.lint_plan(_plan(Step("patrol", "p", title="巡堤查险")))
    assert len(warnings) == 1
    assert "no evacuation step" in warnings[0]
    assert "level I" in warnings[0]


def test_lint_warns_when_evacuation_is_not_checked():
    step = Step("evacuate", "p", title="组织危险区群众转移")
    warnings = flood.lint_plan(_plan(step))
    assert len(warnings) == 1
    message, obj = warnings[0]
    assert "flood.evacuation_complete" in message
    assert obj is step


def test_lint_clean_plan():
    step = Step("evacuate", "p", title="组织危险区群众转移", check=_check("flood.evacuation_complete"))
    assert flood.lint_plan(_plan(step)) == []


def test_lint_river_warning_needs_water_level_fact():
    step = Step("evacuate", "p", title="转移", check=_check("flood.evacuation_complete"))
    other = Step("watch", "p", title="水位监测", check=_check("flood.river_warning"))
    warnings = flood.lint_plan(_plan(step, other))
    assert warnings == ["plan calls flood.river_warning but declares no fact water_level_m"]
    assert flood.lint_plan(_plan(step, other, facts={"water_level_m": Fact("water_level_m", type="number")})) == []


def test_report_section():
    incident = {
        "facts": {
            "rain_24h_mm": 120.0,
            "rain_3h_mm": 60.0,
            "water_level_m": 14.1,
            "warning_level_m": 12.0,
            "guarantee_level_m": 14.0,
            "villages": "张村,李村",
            "evacuated": "张村",
        }
    }
    [section] = flood.report_sections(incident, "zh")
    assert section["title"] == "雨情水情"
    assert "大暴雨" in section["body"]
    assert "橙色" in section["body"]
    assert "李村" in section["body"]
    [section] = flood.report_sections(incident, "en")
    assert section["title"] == "Rain and water"
    assert flood.report_sections({"facts": {}}, "zh") == []

"""The forest-fire plugin's hooks: registration, plan lint, report sections."""

from __future__ import annotations

import planengine_forest_fire as ff

from planengine.core.plan.model import Condition, Fact, LevelRule, Phase, Plan, Step


def _plan(*steps, uses=("forest_fire",), **kw):
    phases = {"p": Phase("p", steps=tuple(steps))}
    return Plan("forest_fire", "Forest fire", 1, phases, "p", uses=uses, levels=("IV", "III", "II", "I"), **kw)


def _check(name):
    return Condition(op="check", name=name)


GOOD_STEPS = (
    Step("withdraw", "p", if_=Condition(op="not")),
    Step("crew", "p", check=_check("forest_fire.crew_safety")),
    Step("report_national", "p", if_=_check("forest_fire.report_to_national")),
)


def test_registers_checks_and_actions():
    got = {}
    ff.register_checks(lambda name, fn, description="": got.setdefault(name, fn))
    ff.register_actions(lambda name, fn, description="": got.setdefault(name, fn))
    assert set(got) == {
        "forest_fire.fire_grade_at_least",
        "forest_fire.report_to_national",
        "forest_fire.danger_at_least",
        "forest_fire.danger_warning",
        "forest_fire.crew_safety",
        "forest_fire.response_level",
        "forest_fire.withdraw_crews",
    }
    assert all(fn.__doc__ for fn in got.values()), "`plan plugins` shows each docstring"


def test_lint_clean_plan():
    assert ff.lint_plan(_plan(*GOOD_STEPS, facts={"ignited_at": Fact("ignited_at")})) == []
    assert ff.lint_plan(_plan(uses=())) == []


def test_lint_missing_checks():
    warnings = ff.lint_plan(_plan(Step("x", "p")))
    assert len(warnings) == 2
    assert "crew_safety" in warnings[0]
    assert "report_to_national" in warnings[1]


def test_lint_24_hour_rule_needs_a_time_fact():
    [warning] = ff.lint_plan(_plan(*GOOD_STEPS))
    assert "ignited_at" in warning


def test_lint_danger_rating_must_not_set_top_level():
    cond = _check("forest_fire.danger_at_least")
    level = LevelRule(rules=((cond, "I"), (_check("forest_fire.fire_grade_at_least"), "II")))
    [(message, obj)] = ff.lint_plan(
        _plan(*GOOD_STEPS, facts={"burning_hours": Fact("burning_hours", type="number")}, level=level)
    )
    assert "fire-danger level 5" in message
    assert obj is cond


def test_report_section():
    facts = {
        "burned_area_ha": 120,
        "deaths": 0,
        "danger_index": 80,
        "burning_hours": 30,
    }
    [section] = ff.report_sections({"facts": facts}, "zh")
    assert "重大" in section["body"]
    assert "橙色" in section["body"]
    assert "Art. 32(5)" in section["body"]
    [section] = ff.report_sections({"facts": facts}, "en")
    assert section["title"] == "Forest fire"
    assert ff.report_sections({"facts": {}}, "en") == []

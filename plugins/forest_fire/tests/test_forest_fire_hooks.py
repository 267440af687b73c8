"""The forest-fire plugin's hooks: registration, plan lint, report sections."""

from __future__ import annotations

from dataclasses import dataclass, field

import planengine_forest_fire as ff


@dataclass(frozen=True)
class Cond:
    op: str
    name: str | None = None


@dataclass(frozen=True)
class LevelRule:
    check: object = None
    rules: tuple = ()


@dataclass(frozen=True)
class Step:
    id: str
    check: object = None
    if_: object = None


@dataclass(frozen=True)
class Phase:
    id: str
    steps: tuple = ()


@dataclass(frozen=True)
class Plan:
    uses: tuple = ("forest_fire",)
    levels: tuple = ("IV", "III", "II", "I")
    facts: dict = field(default_factory=dict)
    phases: dict = field(default_factory=dict)
    level: object = None


def _plan(*steps, **kw):
    return Plan(phases={"p": Phase("p", tuple(steps))}, **kw)


GOOD_STEPS = (
    Step("withdraw", if_=Cond("not", None)),
    Step("crew", check=Cond("check", "forest_fire.crew_safety")),
    Step("report_national", if_=Cond("check", "forest_fire.report_to_national")),
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
    assert ff.lint_plan(_plan(*GOOD_STEPS, facts={"ignited_at": {}})) == []
    assert ff.lint_plan(_plan(uses=())) == []


def test_lint_missing_checks():
    warnings = ff.lint_plan(_plan(Step("x")))
    assert len(warnings) == 2
    assert "crew_safety" in warnings[0]
    assert "report_to_national" in warnings[1]


def test_lint_24_hour_rule_needs_a_time_fact():
    [warning] = ff.lint_plan(_plan(*GOOD_STEPS))
    assert "ignited_at" in warning


def test_lint_danger_rating_must_not_set_top_level():
    cond = Cond("check", "forest_fire.danger_at_least")
    level = LevelRule(rules=((cond, "I"), (Cond("check", "forest_fire.fire_grade_at_least"), "II")))
    [(message, obj)] = ff.lint_plan(_plan(*GOOD_STEPS, facts={"burning_hours": {}}, level=level))
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

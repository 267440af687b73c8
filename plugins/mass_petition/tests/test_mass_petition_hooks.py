"""The mass-petition plugin's hooks: registration, plan lint, report sections."""

from __future__ import annotations

import planengine_mass_petition as mp

from planengine.core.plan.model import Condition, LevelRule, Phase, Plan, Role, Step

REPS = Step("elect", "p", check=Condition(op="check", name="mass_petition.representatives_ok"))
LEVEL = LevelRule(check=Condition(op="check", name="mass_petition.response_level", args=(("bands", {"III": 50}),)))


def _plan(*steps, uses=("mass_petition",), **kw):
    kw.setdefault("level", LEVEL)
    phases = {"p": Phase("p", steps=tuple(steps))}
    return Plan("mass_petition", "Mass petition", 1, phases, "p", uses=uses, levels=("IV", "III", "II", "I"), **kw)


def test_registers_checks_and_actions():
    got = {}
    mp.register_checks(lambda name, fn, description="": got.setdefault(name, fn))
    mp.register_actions(lambda name, fn, description="": got.setdefault(name, fn))
    assert set(got) == {
        "mass_petition.representatives_ok",
        "mass_petition.skip_level",
        "mass_petition.escalate_to_county",
        "mass_petition.in_sensitive_period",
        "mass_petition.response_level",
        "mass_petition.announce_sensitive_period",
    }
    assert all(fn.__doc__ for fn in got.values()), "`plan plugins` shows each docstring"


def test_lint_clean_plan():
    team = Role("team", muster=True, strength=50)
    assert mp.lint_plan(_plan(REPS, roles={"team": team, "office": Role("office")})) == []
    assert mp.lint_plan(_plan(uses=())) == []


def test_lint_without_representatives_step():
    [warning] = mp.lint_plan(_plan(Step("x", "p")))
    assert "representatives_ok" in warning


def test_lint_team_strength():
    team = Role("team", muster=True, strength=49)
    [(message, obj)] = mp.lint_plan(_plan(REPS, roles={"team": team}))
    assert "at least 50" in message
    assert obj is team
    [(message, _)] = mp.lint_plan(_plan(REPS, roles={"team": Role("team", muster=True)}))
    assert "strength None" in message


def test_lint_default_bands():
    level = LevelRule(check=Condition(op="check", name="mass_petition.response_level"))
    [warning] = mp.lint_plan(_plan(REPS, level=level))
    assert "args.bands" in warning


def test_report_section():
    facts = {"crowd_size": 60, "representatives": 6, "beyond_county": True}
    [section] = mp.report_sections({"facts": facts}, "zh")
    assert "上访人数: 60" in section["body"]
    assert "not more than 5" in section["body"]
    assert "越级上访" in section["body"]
    facts["representatives"] = 5
    [section] = mp.report_sections({"facts": facts}, "en")
    assert "complies with Art. 20" in section["body"]
    assert mp.report_sections({"facts": {}}, "en") == []

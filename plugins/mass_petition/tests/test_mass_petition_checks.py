"""Boundary tests for the mass-petition plugin: each threshold, just below, just above."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import planengine_mass_petition as mp
import pytest
from planengine_mass_petition import rules

from planengine.testing import make_ctx

# -- representatives: 3 to 5 (centre rule), not more than 5 (信访工作条例 Art. 20) --


@pytest.mark.parametrize(
    ("crowd", "reps", "ok"),
    [
        (60, 0, False),
        (60, 2, False),  # centre rule: at least 3
        (60, 3, True),
        (60, 4, True),
        (60, 5, True),  # not more than 5
        (60, 6, False),
        (8, 5, True),  # national rule: 5 even for a small group
        (2, 2, True),  # a group of 2 cannot elect 3: the whole group
        (2, 1, False),
        (3, 4, False),  # more representatives than people
    ],
)
def test_representatives_national(crowd, reps, ok):
    ctx = make_ctx({"crowd_size": crowd, "representatives": reps})
    assert mp.representatives_ok(ctx) is ok


@pytest.mark.parametrize(
    ("reps", "reason"),
    [
        (2, "2 representatives: at least 3 needed (centre rule: a group elects 3 to 5)"),
        (6, "6 representatives: not more than 5 for a group of 60 (信访工作条例 Art. 20)"),
    ],
)
def test_two_or_six_representatives_fail_with_the_reason(reps, reason):
    ctx = make_ctx({"crowd_size": 60, "representatives": reps})
    assert mp.representatives_ok(ctx) is False
    assert ctx.reasons == [reason]


@pytest.mark.parametrize(
    ("crowd", "reps", "ok"),
    [
        (9, 3, True),
        (9, 4, False),
        (10, 3, True),  # up to 10 people: not more than 3
        (10, 4, False),
        (11, 4, True),  # above 10: not more than 5
        (11, 5, True),
        (11, 6, False),
    ],
)
def test_representatives_zhejiang(crowd, reps, ok):
    facts = {"crowd_size": crowd, "representatives": reps}
    assert mp.representatives_ok(make_ctx(facts), variant="zhejiang") is ok
    config = {"mass_petition": {"representatives": "zhejiang"}}
    assert mp.representatives_ok(make_ctx(facts, config=config)) is ok


def test_representatives_limits_are_configurable():
    ctx = make_ctx({"crowd_size": 30, "representatives": 4})
    assert not mp.representatives_ok(ctx, max=3)
    assert mp.representatives_ok(ctx, small_group=50, small_group_max=4)
    assert not mp.representatives_ok(make_ctx({"crowd_size": 30, "representatives": 1}), min=2)
    assert mp.representatives_ok(make_ctx({"crowd_size": 30, "representatives": 2}), min=2)


def test_representatives_not_recorded_is_false():
    assert mp.representatives_ok(make_ctx({"crowd_size": 30})) is False


def test_unknown_variant_is_a_clear_error():
    ctx = make_ctx({"crowd_size": 30, "representatives": 3})
    with pytest.raises(ValueError, match="unknown representatives variant 'guangdong'"):
        mp.representatives_ok(ctx, variant="guangdong")


@pytest.mark.parametrize("bad", [-1, "three", 2.5, True])
def test_bad_representative_counts_are_clear_errors(bad):
    with pytest.raises((TypeError, ValueError), match="representatives"):
        rules.representatives_problem(30, bad)


# -- crowd-size bands ---------------------------------------------------------

BANDS = {"III": 30, "II": 100, "I": 300}


@pytest.mark.parametrize(
    ("crowd", "expected"),
    [
        (0, "IV"),
        (29, "IV"),
        (30, "III"),
        (31, "III"),
        (99, "III"),
        (100, "II"),
        (101, "II"),
        (299, "II"),
        (300, "I"),
        (301, "I"),
    ],
)
def test_response_level_bands_from_plan(crowd, expected):
    assert mp.response_level(make_ctx({"crowd_size": crowd}), bands=BANDS) == expected


@pytest.mark.parametrize(
    ("crowd", "expected"),
    [(49, "IV"), (50, "III"), (51, "III"), (60, "III"), (99, "III"), (100, "II"), (120, "II"), (499, "II"), (500, "I")],
)
def test_response_level_default_bands(crowd, expected):
    assert mp.response_level(make_ctx({"crowd_size": crowd})) == expected


def test_response_level_without_crowd_size():
    assert mp.response_level(make_ctx({})) is None


def test_band_errors_are_clear():
    with pytest.raises(ValueError, match="band level 'V' is not one of the plan's levels"):
        mp.response_level(make_ctx({"crowd_size": 5}), bands={"V": 1})
    with pytest.raises(TypeError, match="bands must map a level"):
        mp.response_level(make_ctx({"crowd_size": 5}), bands=[30, 100])
    with pytest.raises(TypeError, match="crowd_size must be a whole number"):
        mp.response_level(make_ctx({"crowd_size": "many"}))


# -- sensitive periods -------------------------------------------------------

PERIODS = {
    "mass_petition": {
        "sensitive_periods": [
            {"from": "2026-03-03", "to": "2026-03-15", "name": "全国两会"},
            {"from": date(2026, 10, 1), "to": date(2026, 10, 7), "name": "国庆假期"},
        ]
    }
}


def _at(local: str) -> datetime:
    """A UTC instant from a Beijing local time."""
    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(timezone.utc)


@pytest.mark.parametrize(
    ("local", "sensitive"),
    [
        ("2026-03-02T23:59:59", False),  # the day before
        ("2026-03-03T00:00:00", True),  # first day, included
        ("2026-03-10T12:00:00", True),
        ("2026-03-15T23:59:59", True),  # last day, included
        ("2026-03-16T00:00:00", False),  # the day after
        ("2026-10-01T07:59:00", True),  # 2026-09-30T23:59Z is already Oct 1 in Beijing
        ("2026-10-08T00:00:00", False),
    ],
)
def test_sensitive_period_boundaries(local, sensitive):
    ctx = make_ctx({"crowd_size": 60}, now=_at(local), config=PERIODS)
    assert mp.in_sensitive_period(ctx) is sensitive
    assert mp.response_level(ctx) == "III", "a sensitive period adds duty and daily reports, not a level"
    assert mp.response_level(ctx, sensitive_raise=1) == ("II" if sensitive else "III")


def test_a_local_sensitive_period_raise_is_capped():
    ctx = make_ctx({"crowd_size": 600}, now=_at("2026-03-05T09:00:00"), config=PERIODS)
    assert mp.response_level(ctx, sensitive_raise=1) == "I"
    ctx = make_ctx({"crowd_size": 60}, now=_at("2026-03-05T09:00:00"), config=PERIODS)
    assert mp.response_level(ctx, sensitive_raise=2) == "I"


def test_sensitive_period_declared_by_fact():
    ctx = make_ctx({"crowd_size": 10, "sensitive_period": True})
    assert mp.in_sensitive_period(ctx)
    assert mp.response_level(ctx) == "IV"


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ("2026-03-03", "must be a list"),
        ([{"to": "2026-03-05"}], "needs at least 'from'"),
        ([{"from": "March 3rd"}], "must be a date"),
        ([{"from": "2026-03-05", "to": "2026-03-01"}], "ends"),
    ],
)
def test_bad_calendar_is_a_clear_error(periods, message):
    ctx = make_ctx({"crowd_size": 60}, config={"mass_petition": {"sensitive_periods": periods}})
    with pytest.raises((TypeError, ValueError), match=message):
        mp.in_sensitive_period(ctx)


def test_announce_sensitive_period_action():
    ctx = make_ctx({}, now=_at("2026-03-05T09:00:00"), config=PERIODS)
    mp.announce_sensitive_period(ctx, roles=["leader", "office"])
    assert ctx.effects == [
        (
            "notify",
            {
                "roles": ["leader", "office"],
                "message": "当前处于敏感时期（全国两会）：落实24小时值班，每日报告稳控情况",
            },
        )
    ]
    ctx = make_ctx({}, now=_at("2026-04-05T09:00:00"), config=PERIODS)
    mp.announce_sensitive_period(ctx)
    assert ctx.effects == []


# -- skip-level petitions and escalation --------------------------------------


@pytest.mark.parametrize(
    ("facts", "level", "expected"),
    [
        ({}, None, False),
        ({}, "IV", False),
        ({}, "III", False),
        ({}, "II", True),
        ({}, "I", True),
        ({"skip_level": True}, "IV", True),
        ({"beyond_county": True}, None, True),
        ({"skip_level": False, "beyond_county": False}, "III", False),
    ],
)
def test_escalate_to_county(facts, level, expected):
    assert mp.escalate_to_county(make_ctx(facts, level=level)) is expected


def test_escalate_to_county_level_is_configurable():
    assert mp.escalate_to_county(make_ctx({}, level="III"), level="III")
    with pytest.raises(ValueError, match="level 'V' is not one of the plan's levels"):
        mp.escalate_to_county(make_ctx({}, level="III"), level="V")


def test_skip_level():
    assert mp.skip_level(make_ctx({"skip_level": True}))
    assert mp.skip_level(make_ctx({"beyond_county": True}))
    assert not mp.skip_level(make_ctx({}))

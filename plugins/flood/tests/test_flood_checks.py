"""Boundary tests for the flood plugin: each threshold, just below, just above."""

from __future__ import annotations

import planengine_flood as flood
import pytest
from planengine_flood import rules

from planengine.testing import make_ctx

# -- GB/T 28592-2012 24-hour rainfall classes ------------------------------


@pytest.mark.parametrize(
    ("mm", "expected"),
    [
        (0, None),
        (49.9, None),
        (50.0, "暴雨"),
        (50.1, "暴雨"),
        (99.9, "暴雨"),
        (100.0, "大暴雨"),
        (100.1, "大暴雨"),
        (249.9, "大暴雨"),
        (250.0, "特大暴雨"),
        (250.1, "特大暴雨"),
    ],
)
def test_rainfall_class(mm, expected):
    assert rules.rainfall_class(mm) == expected


@pytest.mark.parametrize(
    ("mm", "grade", "expected"),
    [
        (49.9, "暴雨", False),
        (50.0, "暴雨", True),
        (50.0, "rainstorm", True),
        (99.9, "大暴雨", False),
        (100.0, "heavy_rainstorm", True),
        (249.9, "特大暴雨", False),
        (250.0, "extreme_rainstorm", True),
        (300.0, "暴雨", True),
    ],
)
def test_rainfall_at_least(mm, grade, expected):
    ctx = make_ctx({"rain_24h_mm": mm})
    assert flood.rainfall_at_least(ctx, grade=grade) is expected


def test_rainfall_at_least_without_fact_is_false():
    assert flood.rainfall_at_least(make_ctx({})) is False


@pytest.mark.parametrize("bad", [-0.1, "fifty", True])
def test_rainfall_class_rejects_bad_values(bad):
    with pytest.raises((ValueError, TypeError)):
        rules.rainfall_class(bad)


def test_unknown_grade_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown rainfall class 'huge'"):
        flood.rainfall_at_least(make_ctx({"rain_24h_mm": 10}), grade="huge")


# -- rainstorm warning signals (blue/yellow/orange >= 50 mm in 12/6/3 h, red >= 100 mm in 3 h)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, None),
        ({"rain_12h_mm": 49.9}, None),
        ({"rain_12h_mm": 50.0}, "blue"),
        ({"rain_12h_mm": 50.1}, "blue"),
        ({"rain_12h_mm": 500.0}, "blue"),
        ({"rain_6h_mm": 49.9}, None),
        ({"rain_6h_mm": 50.0}, "yellow"),
        ({"rain_6h_mm": 50.1}, "yellow"),
        ({"rain_3h_mm": 49.9}, None),
        ({"rain_3h_mm": 50.0}, "orange"),
        ({"rain_3h_mm": 50.1}, "orange"),
        ({"rain_3h_mm": 99.9}, "orange"),
        ({"rain_3h_mm": 100.0}, "red"),
        ({"rain_3h_mm": 100.1}, "red"),
        # rain within 3 h also fell within 6 h and 12 h
        ({"rain_3h_mm": 40.0, "rain_6h_mm": 45.0, "rain_12h_mm": 60.0}, "blue"),
        ({"rain_3h_mm": 60.0, "rain_6h_mm": 30.0}, "orange"),
    ],
)
def test_rainstorm_warning_colour(facts, expected):
    assert flood.current_rainstorm_warning(make_ctx(facts)) == expected


@pytest.mark.parametrize(
    ("facts", "at_least", "expected"),
    [
        ({"rain_6h_mm": 50.0}, "blue", True),
        ({"rain_6h_mm": 50.0}, "yellow", True),
        ({"rain_6h_mm": 50.0}, "orange", False),
        ({"rain_3h_mm": 100.0}, "红色", True),
        ({"rain_3h_mm": 99.9}, "red", False),
        ({}, "blue", False),
    ],
)
def test_rainstorm_warning_check(facts, at_least, expected):
    assert flood.rainstorm_warning(make_ctx(facts), at_least=at_least) is expected


def test_unknown_colour_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown warning colour 'purple'"):
        flood.rainstorm_warning(make_ctx({}), at_least="purple")


# -- river water-level warnings --------------------------------------------

STATION = {"warning_level_m": 12.0, "guarantee_level_m": 14.0, "historic_high_m": 15.0}


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (11.49, None),
        (11.5, "blue"),  # 警戒水位 - 0.5 m margin
        (11.51, "blue"),
        (11.99, "blue"),
        (12.0, "yellow"),  # 警戒水位
        (12.01, "yellow"),
        (13.99, "yellow"),
        (14.0, "orange"),  # 保证水位
        (14.01, "orange"),
        (14.99, "orange"),
        (15.0, "red"),  # historic high
        (15.01, "red"),
    ],
)
def test_river_warning_from_facts(level, expected):
    ctx = make_ctx({"water_level_m": level, **STATION})
    assert flood.current_river_warning(ctx) == expected


def test_river_warning_from_site_configuration():
    config = {
        "flood": {
            "station": "城关站",
            "stations": {"城关站": STATION},
            "blue_margin_m": 1.0,
        }
    }
    assert flood.current_river_warning(make_ctx({"water_level_m": 11.0}, config=config)) == "blue"
    assert flood.current_river_warning(make_ctx({"water_level_m": 10.99}, config=config)) is None
    assert flood.river_warning(make_ctx({"water_level_m": 14.0}, config=config), at_least="orange")
    # a fact overrides the configured station figure
    ctx = make_ctx({"water_level_m": 14.0, "guarantee_level_m": 14.5}, config=config)
    assert flood.current_river_warning(ctx) == "yellow"


def test_river_warning_without_levels():
    assert flood.current_river_warning(make_ctx({})) is None
    assert flood.current_river_warning(make_ctx({"water_level_m": 99.0})) is None
    assert flood.river_warning(make_ctx({})) is False


@pytest.mark.parametrize(
    ("level", "expected"),
    [(13.49, False), (13.5, True), (13.51, True), (14.0, True)],
)
def test_emergency_period_approaching_guarantee_level(level, expected):
    ctx = make_ctx({"water_level_m": level, **STATION})
    assert flood.emergency_period(ctx) is expected


# -- response level --------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, None),
        ({"rain_12h_mm": 49.9}, None),
        ({"rain_12h_mm": 50.0}, "IV"),
        ({"rain_6h_mm": 50.0}, "III"),
        ({"rain_3h_mm": 50.0}, "II"),
        ({"rain_3h_mm": 100.0}, "I"),
        ({"rain_24h_mm": 49.9}, None),
        ({"rain_24h_mm": 50.0}, "IV"),
        ({"rain_24h_mm": 100.0}, "III"),
        ({"rain_24h_mm": 250.0}, "II"),
        ({"water_level_m": 11.5, **STATION}, "IV"),
        ({"water_level_m": 12.0, **STATION}, "III"),
        ({"water_level_m": 14.0, **STATION}, "II"),
        ({"water_level_m": 15.0, **STATION}, "I"),
        # the highest of the three applies
        ({"rain_12h_mm": 60.0, "water_level_m": 14.2, **STATION}, "II"),
        ({"rain_3h_mm": 120.0, "water_level_m": 11.0, **STATION}, "I"),
        # a level declared by the headquarters raises, never lowers
        ({"declared_level": "II"}, "II"),
        ({"declared_level": "IV", "rain_3h_mm": 100.0}, "I"),
    ],
)
def test_response_level(facts, expected):
    assert flood.response_level(make_ctx(facts)) == expected


def test_response_level_default_and_map():
    assert flood.response_level(make_ctx({}), default="IV") == "IV"
    ctx = make_ctx({"rain_3h_mm": 100.0}, levels=("low", "high"))
    with pytest.raises(ValueError, match="give args.map"):
        flood.response_level(ctx)
    mapping = {"blue": "low", "yellow": "low", "orange": "high", "red": "high"}
    assert flood.response_level(ctx, map=mapping) == "high"
    with pytest.raises(ValueError, match="not one of the plan's levels"):
        flood.response_level(ctx, map={"red": "extreme"})


def test_response_level_rainfall_mapping_is_configurable():
    ctx = make_ctx({"rain_24h_mm": 260.0})
    assert flood.response_level(ctx, rainfall={"特大暴雨": "red"}) == "I"
    config = {"flood": {"rainfall_levels": {"暴雨": "yellow"}}}
    assert flood.response_level(make_ctx({"rain_24h_mm": 50.0}, config=config)) == "III"


def test_declared_level_must_be_a_plan_level():
    with pytest.raises(ValueError, match="declared_level 'V'"):
        flood.response_level(make_ctx({"declared_level": "V"}))


# -- evacuation ------------------------------------------------------------


@pytest.mark.parametrize(
    ("villages", "evacuated", "expected"),
    [
        (None, None, False),
        ("", "", False),
        ("张村,李村,王村", None, False),
        ("张村,李村,王村", "张村,李村", False),
        ("张村,李村,王村", "张村,李村,王村", True),
        ("张村，李村、王村", "王村, 李村 ,张村", True),
        ("张村,李村", "张村,李村,赵村", True),
        (["张村", "李村"], ["李村", "张村"], True),
    ],
)
def test_evacuation_complete(villages, evacuated, expected):
    facts = {}
    if villages is not None:
        facts["villages"] = villages
    if evacuated is not None:
        facts["evacuated"] = evacuated
    assert flood.evacuation_complete(make_ctx(facts)) is expected


def test_evacuation_villages_from_site_configuration():
    config = {"flood": {"villages": "张村,李村"}}
    assert not flood.evacuation_complete(make_ctx({"evacuated": "张村"}, config=config))
    assert flood.evacuation_complete(make_ctx({"evacuated": "张村,李村"}, config=config))


def test_remind_evacuation_action():
    ctx = make_ctx({"villages": "张村,李村,王村", "evacuated": "李村"})
    flood.remind_evacuation(ctx, roles=["evacuation", "leader"])
    assert ctx.effects == [
        (
            "notify",
            {
                "roles": ["evacuation", "leader"],
                "message": "尚未报告转移完毕的村庄：张村、王村",
            },
        )
    ]
    ctx = make_ctx({"villages": "张村", "evacuated": "张村"})
    flood.remind_evacuation(ctx)
    assert ctx.effects == [("note", {"text": "所有村庄已报告转移完毕"})]

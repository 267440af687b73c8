"""Boundary tests for the forest-fire plugin: each threshold, just below, just above."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import planengine_forest_fire as ff
import pytest
from planengine_forest_fire import rules

from planengine.testing import make_ctx

NOW = datetime(2026, 3, 6, 6, 0, tzinfo=timezone.utc)  # 14:00 Asia/Shanghai

# -- 森林防火条例 Art. 40 grades --------------------------------------------


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        (0, "一般"),
        (0.99, "一般"),
        (1.0, "较大"),
        (1.01, "较大"),
        (99.99, "较大"),
        (100.0, "重大"),
        (100.01, "重大"),
        (999.99, "重大"),
        (1000.0, "特别重大"),
        (1000.01, "特别重大"),
    ],
)
def test_grade_by_area(area, expected):
    assert rules.fire_grade(area_ha=area) == expected


@pytest.mark.parametrize(
    ("deaths", "expected"),
    [
        (0, "一般"),
        (1, "一般"),
        (2, "一般"),
        (3, "较大"),
        (4, "较大"),
        (9, "较大"),
        (10, "重大"),
        (11, "重大"),
        (29, "重大"),
        (30, "特别重大"),
        (31, "特别重大"),
    ],
)
def test_grade_by_deaths(deaths, expected):
    assert rules.fire_grade(area_ha=0.1, deaths=deaths) == expected


@pytest.mark.parametrize(
    ("injuries", "expected"),
    [
        (1, "一般"),
        (9, "一般"),
        (10, "较大"),
        (11, "较大"),
        (49, "较大"),
        (50, "重大"),
        (51, "重大"),
        (99, "重大"),
        (100, "特别重大"),
        (101, "特别重大"),
    ],
)
def test_grade_by_serious_injuries(injuries, expected):
    assert rules.fire_grade(area_ha=0.1, serious_injuries=injuries) == expected


@pytest.mark.parametrize(
    ("area", "deaths", "injuries", "expected"),
    [
        (0.5, 3, 0, "较大"),  # deaths outrank a small area
        (150, 1, 0, "重大"),  # area outranks deaths
        (2, 0, 100, "特别重大"),  # injuries outrank both
        (1000, 30, 100, "特别重大"),
    ],
)
def test_highest_criterion_applies(area, deaths, injuries, expected):
    assert rules.fire_grade(area, deaths, injuries) == expected


@pytest.mark.parametrize(
    ("facts", "grade", "expected"),
    [
        ({}, "一般", False),
        ({"burned_area_ha": 0.99}, "较大", False),
        ({"burned_area_ha": 1.0}, "较大", True),
        ({"burned_area_ha": 1.0}, "large", True),
        ({"deaths": 9}, "重大", False),
        ({"deaths": 10}, "major", True),
        ({"serious_injuries": 100}, "特别重大", True),
        ({"burned_area_ha": 0.1}, "一般", True),
    ],
)
def test_fire_grade_at_least(facts, grade, expected):
    assert ff.fire_grade_at_least(make_ctx(facts), grade=grade) is expected


@pytest.mark.parametrize(
    "args",
    [
        {"area_ha": -1},
        {"deaths": "three"},
        {"serious_injuries": True},
    ],
)
def test_bad_figures_are_clear_errors(args):
    with pytest.raises((TypeError, ValueError), match="must be a"):
        rules.fire_grade(**args)


def test_unknown_grade_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown fire grade 'huge'"):
        ff.fire_grade_at_least(make_ctx({}), grade="huge")


# -- Art. 32 report to the national command -----------------------------------


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, False),
        ({"deaths": 2}, False),
        ({"deaths": 3}, True),
        ({"deaths": 4}, True),
        ({"serious_injuries": 9}, False),
        ({"serious_injuries": 10}, True),
        ({"serious_injuries": 11}, True),
        ({"burning_hours": 23.9}, False),
        ({"burning_hours": 24}, True),
        ({"burning_hours": 24.1}, True),
        ({"burning_hours": 30, "flame_out": True}, False),
        ({"burned_area_ha": 99.9}, False),
        ({"burned_area_ha": 100}, True),  # 重大 fire, Art. 32(2)
        ({"threatens_residents": True}, True),
        ({"near_border": False}, False),
    ],
)
def test_report_to_national(facts, expected):
    assert ff.report_to_national(make_ctx(facts, now=NOW)) is expected


@pytest.mark.parametrize(
    ("ignited_at", "expected"),
    [
        ("2026-03-05T14:00:01", False),  # 23h59m59s ago, local time
        ("2026-03-05T14:00:00", True),  # exactly 24 h
        ("2026-03-05T13:59:59", True),
        ("2026-03-05T06:00:00+00:00", True),
        ("2026-03-05T06:00:01+00:00", False),
    ],
)
def test_report_to_national_after_24_hours(ignited_at, expected):
    ctx = make_ctx({"ignited_at": ignited_at}, now=NOW)
    assert ff.report_to_national(ctx) is expected


def test_bad_ignition_time_is_a_clear_error():
    with pytest.raises(ValueError, match="ignited_at must be an ISO 8601 time"):
        ff.report_to_national(make_ctx({"ignited_at": "yesterday"}, now=NOW))


def test_national_thresholds_are_configurable():
    ctx = make_ctx({"deaths": 2, "burning_hours": 13}, now=NOW)
    assert not ff.report_to_national(ctx)
    assert ff.report_to_national(ctx, deaths=2)
    assert ff.report_to_national(ctx, hours=12)


# -- fire-danger rating (LY/T 1172-1995, QX/T 77-2007) ------------------------


@pytest.mark.parametrize(
    ("index", "rating", "colour"),
    [
        (0, 1, "green"),
        (25, 1, "green"),
        (25.5, 2, "blue"),
        (26, 2, "blue"),
        (50, 2, "blue"),
        (51, 3, "yellow"),
        (72, 3, "yellow"),
        (73, 4, "orange"),
        (90, 4, "orange"),
        (90.5, 5, "red"),
        (91, 5, "red"),
        (100, 5, "red"),
    ],
)
def test_danger_rating(index, rating, colour):
    assert rules.danger_rating(index) == rating
    assert rules.danger_colour(rating) == colour


@pytest.mark.parametrize(
    ("index", "warning"),
    [(None, False), (50, False), (51, True), (72, True), (91, True)],
)
def test_danger_warning_from_level_3(index, warning):
    facts = {} if index is None else {"danger_index": index}
    assert ff.danger_warning(make_ctx(facts)) is warning


@pytest.mark.parametrize(
    ("index", "rating", "expected"),
    [(72, 4, False), (73, 4, True), (74, 4, True), (90, 5, False), (91, 5, True)],
)
def test_danger_at_least(index, rating, expected):
    assert ff.danger_at_least(make_ctx({"danger_index": index}), rating=rating) is expected


@pytest.mark.parametrize("rating", [0, 6, "3", True])
def test_danger_at_least_rejects_bad_rating(rating):
    with pytest.raises(ValueError, match="rating must be 1–5"):
        ff.danger_at_least(make_ctx({"danger_index": 50}), rating=rating)


def test_danger_colour_zh():
    assert [rules.danger_colour(r, "zh") for r in range(1, 6)] == [
        "绿色",
        "蓝色",
        "黄色",
        "橙色",
        "红色",
    ]


# -- crew safety ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "safe"),
    [
        ({}, True),
        ({"crew_on_line": True}, True),  # wind not recorded
        ({"crew_on_line": True, "wind_force": 4}, True),
        ({"crew_on_line": True, "wind_force": 5}, False),
        ({"crew_on_line": True, "wind_force": 6}, False),
        (
            {
                "crew_on_line": True,
                "wind_force": 5,
                "withdrawal_route": "沿防火道向东撤至3号安全区",
            },
            True,
        ),
        ({"crew_on_line": True, "wind_force": 5, "withdrawal_route": "  "}, False),
        ({"crew_on_line": False, "wind_force": 8}, True),
    ],
)
def test_crew_safety(facts, safe):
    assert ff.crew_safety(make_ctx(facts)) is safe


def test_crew_safety_limit_is_configurable():
    facts = {"crew_on_line": True, "wind_force": 5}
    assert ff.crew_safety(make_ctx(facts), limit=6)
    assert not ff.crew_safety(make_ctx({**facts, "wind_force": 4}), limit=4)
    config = {"forest_fire": {"wind_force_limit": 6}}
    assert ff.crew_safety(make_ctx(facts, config=config))
    assert not ff.crew_safety(make_ctx({**facts, "wind_force": 6}, config=config))


def test_withdraw_crews_action():
    ctx = make_ctx({"crew_on_line": True, "wind_force": 6})
    ff.withdraw_crews(ctx, roles=["fire_line", "commander"])
    [(kind, data)] = ctx.effects
    assert kind == "notify"
    assert data["roles"] == ["fire_line", "commander"]
    assert "风力6级" in data["message"]
    ctx = make_ctx({"crew_on_line": True, "wind_force": 6, "withdrawal_route": "向东"})
    ff.withdraw_crews(ctx)
    assert ctx.effects == []


# -- response level ------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, None),
        ({"burned_area_ha": 0.99}, "IV"),
        ({"burned_area_ha": 1}, "III"),
        ({"burned_area_ha": 100}, "II"),
        ({"burned_area_ha": 1000}, "I"),
        ({"burned_area_ha": 0.5, "deaths": 10}, "II"),
        ({"danger_index": 95}, None),  # danger rating never sets the response level
    ],
)
def test_response_level(facts, expected):
    assert ff.response_level(make_ctx(facts)) == expected


def test_response_level_options():
    assert ff.response_level(make_ctx({}), default="IV") == "IV"
    small_but_reportable = {"burned_area_ha": 0.5, "threatens_residents": True}
    assert ff.response_level(make_ctx(small_but_reportable, now=NOW)) == "IV"
    assert ff.response_level(make_ctx(small_but_reportable, now=NOW), national="II") == "II"
    ctx = make_ctx({"burned_area_ha": 5}, levels=("blue", "red"))
    with pytest.raises(ValueError, match="give args.map"):
        ff.response_level(ctx)
    assert ff.response_level(ctx, map={"一般": "blue", "较大": "red"}) == "red"
    with pytest.raises(ValueError, match="not one of the plan's levels"):
        ff.response_level(ctx, map={"large": "purple"})


@pytest.mark.parametrize(
    ("hours_open", "expected"),
    [(23.99, False), (24, True), (30, True)],
)
def test_without_an_ignition_time_the_24_hour_rule_counts_from_the_report(hours_open, expected):
    """森林防火条例 Art. 32: not out after 24 h; the fire burned at least since it was reported."""
    opened = datetime(2026, 4, 1, 8, 0, tzinfo=timezone.utc)
    ctx = make_ctx({"area_ha": 0.5}, now=opened + timedelta(hours=hours_open), opened_at=opened)
    assert ff.report_to_national(ctx) is expected

"""Scores, grades and ratings at and around every bound of DESIGN.md's default rule.

One timed step of 10 minutes, done after `took` seconds: points are 100 within
the limit, 100 x (1 - late/limit) floored at 0 when late; the rating is P
within the limit, S within 1.25x, M within 1.5x, U later; grades are >= 90
优秀, >= 75 良好, >= 60 合格, else 不合格 (local practice, DESIGN.md "Drills").
"""

from __future__ import annotations

from datetime import timedelta

import pytest

ONE_STEP = """\
id: timing
title: One timed step
version: 1
lang: en
timezone: Asia/Shanghai
roles:
  office: {title: Office}
initial: alarm
phases:
  alarm:
    steps:
      - {id: report, role: office, within: 10m}
    on:
      - {event: stand_down, to: closed}
  closed: {final: true}
"""


def _score_after(env, took):
    env.start(plan=env.plan(ONE_STEP, "timing.yaml"), at="10:00")
    done = env.dt(env.t("10:00")) + timedelta(seconds=took)
    env.ok("done", "INC-1", "report", "--at", done.isoformat())
    out = env.json("drill", "score", "INC-1")
    [step] = out["steps"]
    assert (step["limit_seconds"], step["took_seconds"]) == (600, took)
    return out, step


@pytest.mark.parametrize(
    ("took", "points", "rating", "met", "grade"),
    [
        (599, 100, "P", True, "优秀"),
        (600, 100, "P", True, "优秀"),  # exactly at the limit: on time
        (601, 99.8, "S", False, "优秀"),  # 1 s late: 100 x (1 - 1/600) = 99.83
        (660, 90, "S", False, "优秀"),  # 90 is 优秀
        (666, 89, "S", False, "良好"),  # 89 is not
        (750, 75, "S", False, "良好"),  # 1.25x is still S; 75 is 良好
        (751, 74.8, "M", False, "合格"),  # past 1.25x: M; below 75
        (756, 74, "M", False, "合格"),
        (840, 60, "M", False, "合格"),  # 60 is 合格
        (846, 59, "M", False, "不合格"),  # 59 is not
        (900, 50, "M", False, "不合格"),  # 1.5x is still M
        (901, 49.8, "U", False, "不合格"),  # past 1.5x: U
        (1200, 0, "U", False, "不合格"),  # late by the whole limit: 0
        (1500, 0, "U", False, "不合格"),  # later still: floored at 0, not -50
        (1800, 0, "U", False, "不合格"),  # not -100
    ],
)
def test_points_rating_met_and_grade_at_each_bound(env, took, points, rating, met, grade):
    out, step = _score_after(env, took)
    assert (step["points"], step["rating"], step["met"]) == (points, rating, met)
    assert step["late_seconds"] == max(0, took - 600)
    assert (out["score"], out["grade"]) == (points, grade)


def test_a_step_never_done_scores_0_and_is_u(env):
    env.start(plan=env.plan(ONE_STEP, "timing.yaml"), at="10:00")
    env.ok("event", "INC-1", "stand_down", "--at", env.t("10:30"))
    out = env.json("drill", "score", "INC-1")
    [step] = out["steps"]
    assert (step["points"], step["rating"], step["met"], step["took_seconds"]) == (0, "U", False, None)
    assert (out["score"], out["grade"], out["grade_en"]) == (0, "不合格", "fail")


MUSTER = """\
id: muster
title: One muster
version: 1
lang: en
timezone: Asia/Shanghai
roles:
  team: {title: Team, muster: true, strength: 10}
initial: alarm
phases:
  alarm:
    steps:
      - {id: gather, role: team, muster: true, within: 15m}
    on:
      - {event: stand_down, to: closed}
  closed: {final: true}
"""


@pytest.mark.parametrize(("took", "met", "rating"), [(899, True, "P"), (900, True, "P"), (901, False, "S")])
def test_a_muster_at_full_strength_exactly_at_its_limit_is_met(env, took, met, rating):
    env.start(plan=env.plan(MUSTER, "muster.yaml"), at="10:00")
    full = env.dt(env.t("10:00")) + timedelta(seconds=took)
    env.ok("checkin", "INC-1", "team", "--count", "10", "--at", full.isoformat())
    out = env.json("drill", "score", "INC-1")
    [muster] = out["musters"]
    assert (muster["limit_seconds"], muster["took_seconds"], muster["met"]) == (900, took, met)
    [step] = out["steps"]
    assert (step["met"], step["rating"]) == (met, rating)

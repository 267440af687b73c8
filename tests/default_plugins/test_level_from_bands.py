"""`core.level_from_bands`: bounds include the figure ("以上"), the highest band reached wins,
below every band or an unrecorded fact gives no level (the plan's default)."""

from __future__ import annotations

import pytest

from planengine.default_plugins.core import level_from_bands
from planengine.testing import make_ctx

# listed out of order on purpose: the check sorts by bound
BANDS = {"II": 100, "IV": 10, "III": 50, "I": 500}


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (-1, None),
        (0, None),
        (9, None),  # below every band
        (9.99, None),
        (10, "IV"),  # the bound itself is in its band
        (49, "IV"),
        (49.9, "IV"),
        (50, "III"),
        (99, "III"),
        (100, "II"),
        (499, "II"),
        (500, "I"),
        (10**9, "I"),  # above the highest bound: the highest band
    ],
)
def test_each_bound_belongs_to_its_own_band(value, level):
    assert level_from_bands(make_ctx({"crowd": value}), "crowd", BANDS) == level


def test_an_unrecorded_fact_gives_no_level_even_with_a_band_from_zero():
    bands = {"IV": 0, "III": 50}
    assert level_from_bands(make_ctx({}), "crowd", bands) is None
    assert level_from_bands(make_ctx({"crowd": None}), "crowd", bands) is None


def test_a_band_starting_at_zero_holds_at_zero():
    assert level_from_bands(make_ctx({"crowd": 0}), "crowd", {"IV": 0, "III": 50}) == "IV"


PLAN = """\
id: banded
title: Levels from bands
version: 1
lang: en
timezone: Asia/Shanghai
facts:
  crowd: {type: integer, min: 0}
levels: [IV, III, II, I]
level:
  check: core.level_from_bands
  args: {fact: crowd, bands: {IV: 10, III: 50, II: 100}}
  default: IV
roles:
  office: {title: Office}
initial: open
phases:
  open:
    steps:
      - {id: report, role: office, within: 10m}
    on:
      - {event: stand_down, to: closed}
  closed: {final: true}
"""


def test_plan_levels_follow_the_bands_through_the_cli(env):
    env.start(plan=env.plan(PLAN, "banded.yaml"))
    assert env.status()["level"] == "IV"  # no crowd recorded: the default
    crowds = (49, 50, 99, 100, 5)
    levels = [
        env.json("set", "INC-1", f"crowd={n}", "--at", env.t(f"10:0{i + 1}"))["level"] for i, n in enumerate(crowds)
    ]
    assert levels == ["IV", "III", "III", "II", "IV"]  # 5 is below every band: the default again

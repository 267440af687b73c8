"""Forest-fire grading rules, as pure functions of numbers.

Boundaries follow Chinese legal usage: "以上" includes the figure and "以下"
excludes it, so every grade is a half-open interval [lo, hi).
"""

from __future__ import annotations

import math

# 森林防火条例 (2008 rev.) Art. 40: forest-fire grades, lowest first.
GRADES = ("一般", "较大", "重大", "特别重大")
GRADE_RANK = {g: i + 1 for i, g in enumerate(GRADES)}
GRADE_ALIASES = {
    **{g: g for g in GRADES},
    "general": "一般",
    "large": "较大",
    "major": "重大",
    "especially_major": "特别重大",
}

# Art. 40, lower bounds per grade (以上 includes, 以下 excludes):
#   burned forest area: 一般 < 1 ha (or other woodland on fire), 较大 1–100 ha,
#                       重大 100–1000 ha, 特别重大 ≥ 1000 ha;
#   deaths:             一般 1–3, 较大 3–10, 重大 10–30, 特别重大 ≥ 30;
#   serious injuries:   一般 1–10, 较大 10–50, 重大 50–100, 特别重大 ≥ 100.
AREA_HA_BOUNDS = (("特别重大", 1000.0), ("重大", 100.0), ("较大", 1.0))
DEATH_BOUNDS = (("特别重大", 30), ("重大", 10), ("较大", 3), ("一般", 1))
INJURY_BOUNDS = (("特别重大", 100), ("重大", 50), ("较大", 10), ("一般", 1))

# 森林防火条例 Art. 32: the provincial command reports at once to the national
# command a fire that (三) kills 3 or more or seriously injures 10 or more, or
# (五) still has open flame after 24 hours; also (一) near the national border,
# (二) 重大 or 特别重大, (四) threatening residential areas or important
# facilities, (六) in undeveloped primeval forest, (七) dangerous and on a
# provincial border, (八) needing national support.
NATIONAL_DEATHS = 3
NATIONAL_INJURIES = 10
NATIONAL_HOURS = 24.0
NATIONAL_FLAGS = {
    "near_border": "国界附近的森林火灾 (Art. 32(1))",
    "threatens_residents": "威胁居民区或者重要设施 (Art. 32(4))",
    "primeval_forest": "未开发原始林区 (Art. 32(6))",
    "provincial_border": "省级交界地区危险性大 (Art. 32(7))",
    "needs_national_support": "需要国家支援扑救 (Art. 32(8))",
}

# Fire-danger rating from the index, LY/T 1172-1995 bands: 1 ≤ 25, 2 = 26–50,
# 3 = 51–72, 4 = 73–90, 5 ≥ 91. Upper bounds of levels 1–4, inclusive; a
# fractional index above a band's upper bound belongs to the next level.
DANGER_UPPER = (25.0, 50.0, 72.0, 90.0)
# Colours per QX/T 77-2007: green, blue, yellow, orange, red. Warning signals
# are issued only for levels 3–5 (yellow, orange, red). Fire-danger level 5 is
# not the general 一级预警 of 突发事件应对法 Art. 63.
DANGER_COLOURS = ("green", "blue", "yellow", "orange", "red")
DANGER_COLOURS_ZH = ("绿色", "蓝色", "黄色", "橙色", "红色")
DANGER_WARNING_FROM = 3

# Crew safety: no crew on the fire line at wind force 5 or more (Beaufort)
# without a recorded withdrawal route. No national law or standard fixes this
# figure (it is not among the centres' rules in shared DOMAIN.md either): it is
# a site-configuration default, local practice, set per centre as
# forest_fire.wind_force_limit in planengine.yaml.
DEFAULT_WIND_FORCE_LIMIT = 5


def _count(value, what: str) -> float:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number, got {value!r}")
    if math.isnan(value) or value < 0:
        raise ValueError(f"{what} must be a non-negative number, got {value!r}")
    return value


def canonical_grade(name) -> str:
    try:
        return GRADE_ALIASES[name]
    except (KeyError, TypeError):
        known = ", ".join(GRADE_ALIASES)
        raise ValueError(f"unknown fire grade {name!r}; expected one of: {known}") from None


def _grade_from(value, bounds):
    for grade, lower in bounds:
        if value >= lower:
            return grade
    return None


def fire_grade(area_ha=None, deaths=None, serious_injuries=None) -> str:
    """Grade of a forest fire per 森林防火条例 Art. 40, the highest criterion applying.

    Area: 较大 [1, 100) ha, 重大 [100, 1000), 特别重大 [1000, ∞), below 1 ha 一般.
    Deaths: 一般 [1, 3), 较大 [3, 10), 重大 [10, 30), 特别重大 [30, ∞).
    Serious injuries: 一般 [1, 10), 较大 [10, 50), 重大 [50, 100), 特别重大 [100, ∞).
    Any forest fire is at least 一般.
    """
    found = [
        _grade_from(_count(area_ha, "burned area (ha)"), AREA_HA_BOUNDS),
        _grade_from(_count(deaths, "deaths"), DEATH_BOUNDS),
        _grade_from(_count(serious_injuries, "serious injuries"), INJURY_BOUNDS),
    ]
    return max((g for g in found if g), key=GRADE_RANK.__getitem__, default="一般")


def danger_rating(index) -> int:
    """Fire-danger rating 1–5 from the index (LY/T 1172-1995): ≤ 25 → 1,
    26–50 → 2, 51–72 → 3, 73–90 → 4, ≥ 91 → 5."""
    value = _count(index, "fire-danger index")
    for rating, upper in enumerate(DANGER_UPPER, start=1):
        if value <= upper:
            return rating
    return 5


def danger_colour(rating: int, lang: str = "en") -> str:
    """Colour of a fire-danger rating (QX/T 77-2007): green, blue, yellow, orange, red."""
    if isinstance(rating, bool) or rating not in (1, 2, 3, 4, 5):
        raise ValueError(f"fire-danger rating must be 1–5, got {rating!r}")
    return (DANGER_COLOURS_ZH if lang == "zh" else DANGER_COLOURS)[rating - 1]


def national_report_reasons(
    deaths=None,
    serious_injuries=None,
    hours_burning=None,
    flame_out=False,
    grade=None,
    flags=(),
    min_deaths=NATIONAL_DEATHS,
    min_injuries=NATIONAL_INJURIES,
    hours=NATIONAL_HOURS,
) -> list[str]:
    """Why a fire must be reported to the national command (Art. 32), if at all."""
    reasons = []
    if grade is not None and GRADE_RANK[canonical_grade(grade)] >= GRADE_RANK["重大"]:
        reasons.append(f"{grade}森林火灾 (Art. 32(2))")
    if _count(deaths, "deaths") >= min_deaths:
        reasons.append(f"死亡{deaths}人 ≥ {min_deaths} (Art. 32(3))")
    if _count(serious_injuries, "serious injuries") >= min_injuries:
        reasons.append(f"重伤{serious_injuries}人 ≥ {min_injuries} (Art. 32(3))")
    if not flame_out and hours_burning is not None and _count(hours_burning, "hours") >= hours:
        reasons.append(f"{hours:g}小时尚未扑灭明火 (Art. 32(5))")
    reasons.extend(NATIONAL_FLAGS[f] for f in flags)
    return reasons


def crew_unsafe(crew_on_line, wind_force, withdrawal_route, limit=DEFAULT_WIND_FORCE_LIMIT) -> bool:
    """Crew on the fire line at wind force ≥ ``limit`` with no withdrawal route recorded."""
    if not crew_on_line or wind_force is None:
        return False
    if _count(wind_force, "wind force") < _count(limit, "wind force limit"):
        return False
    route_recorded = withdrawal_route is True or (isinstance(withdrawal_route, str) and bool(withdrawal_route.strip()))
    return not route_recorded

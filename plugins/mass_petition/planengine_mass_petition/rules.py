"""Mass-petition rules, as pure functions.

Boundaries follow Chinese legal usage: "以上" includes the figure and "以下"
excludes it, so every band is a half-open interval [lo, hi).
"""

from __future__ import annotations

from datetime import date, datetime

# 信访工作条例 (in force 2022-05-01) Art. 20: a group visiting in person on a
# common matter elects representatives, not more than 5. Centre rule (shared
# DOMAIN.md [centre]): large groups elect 3–5 representatives, so at least 3
# (never more than the group itself).
NATIONAL_MAX_REPRESENTATIVES = 5
MIN_REPRESENTATIVES = 3
# Zhejiang provincial rule (and a common local variant): not more than 3
# representatives for a group of up to 10 people, not more than 5 above.
ZHEJIANG_SMALL_GROUP = 10
ZHEJIANG_SMALL_GROUP_MAX = 3

VARIANTS = {
    "national": {
        "max": NATIONAL_MAX_REPRESENTATIVES,
        "small_group": None,
        "small_group_max": None,
    },
    "zhejiang": {
        "max": NATIONAL_MAX_REPRESENTATIVES,
        "small_group": ZHEJIANG_SMALL_GROUP,
        "small_group_max": ZHEJIANG_SMALL_GROUP_MAX,
    },
}

# Crowd-size bands: there is no national standard (DOMAIN.md [std]: "plan
# configuration"). These defaults — III from 50 people, II from 100, I from
# 500, the lowest level below 50 — are placeholders a plan should override
# with ``args: {bands: {...}}``; 50 matches the minimum strength of a
# mass-incident team (centre rule: counter-terror, mass-incident and militia
# teams ≥ 50), so a crowd the size of one team is no longer the lowest level.
DEFAULT_BANDS = {"III": 50, "II": 100, "I": 500}


def _int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise TypeError(f"{what} must be a whole number, got {value!r}")
    if value < 0:
        raise ValueError(f"{what} cannot be negative, got {value!r}")
    return value


def max_representatives(crowd_size, variant="national", maximum=None, small_group=None, small_group_max=None) -> int:
    """The most representatives a group may elect.

    national (信访工作条例 Art. 20): 5. zhejiang: 3 for a group of up to 10
    people (10 included), 5 above. Any figure can be overridden.
    """
    try:
        rule = dict(VARIANTS[variant])
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown representatives variant {variant!r}; expected one of: {', '.join(VARIANTS)}"
        ) from None
    if maximum is not None:
        rule["max"] = _int(maximum, "max")
    if small_group is not None:
        rule["small_group"] = _int(small_group, "small_group")
    if small_group_max is not None:
        rule["small_group_max"] = _int(small_group_max, "small_group_max")
    crowd = _int(crowd_size, "crowd_size")
    if rule["small_group"] is not None and rule["small_group_max"] is not None and crowd <= rule["small_group"]:
        return rule["small_group_max"]
    return rule["max"]


def representatives_problem(crowd_size, representatives, minimum=MIN_REPRESENTATIVES, **variant) -> str | None:
    """Why the number of representatives is not acceptable, or None when it is.

    At least ``minimum`` (3, centre rule), or the whole group when it is
    smaller; not more than :func:`max_representatives` (信访工作条例 Art. 20).
    """
    reps = _int(representatives, "representatives")
    crowd = _int(crowd_size, "crowd_size")
    low = max(1, min(_int(minimum, "min"), crowd))  # a group of 2 cannot elect 3
    high = max_representatives(crowd, **variant)
    if reps < low:
        return f"{reps} representatives: at least {low} needed (centre rule: a group elects 3 to 5)"
    if reps > high:
        return f"{reps} representatives: not more than {high} for a group of {crowd} (信访工作条例 Art. 20)"
    if reps > crowd:
        return f"{reps} representatives for a group of {crowd}"
    return None


def band_level(crowd_size, levels, bands=None) -> str:
    """The level for a crowd: the highest level whose lower bound (以上,
    included) the crowd reaches; the lowest level below every bound."""
    crowd = _int(crowd_size, "crowd_size")
    if not levels:
        raise ValueError("the plan declares no levels")
    bands = DEFAULT_BANDS if bands is None else bands
    if not isinstance(bands, dict):
        raise TypeError(f"bands must map a level to its lowest crowd size, got {bands!r}")
    level = levels[0]
    for name, lower in bands.items():
        if name not in levels:
            raise ValueError(f"band level {name!r} is not one of the plan's levels {list(levels)}")
        if crowd >= _int(lower, f"band {name}") and levels.index(name) > levels.index(level):
            level = name
    return level


def raise_level(level, levels, steps=1):
    """``level`` raised by ``steps``, capped at the highest of ``levels``."""
    if level is None or level not in levels:
        return level
    return levels[min(len(levels) - 1, levels.index(level) + steps)]


def _as_date(value, what: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{what} must be a date such as 2026-03-03, got {value!r}")


def active_periods(periods, today: date) -> list[str]:
    """Names of the sensitive periods ``[{from, to, name}]`` covering ``today``
    (both dates included: a calendar period from 03-03 to 03-15 includes both)."""
    if periods is None:
        return []
    if not isinstance(periods, (list, tuple)):
        raise TypeError(f"sensitive_periods must be a list of {{from, to, name}}, got {periods!r}")
    names = []
    for i, period in enumerate(periods):
        if not isinstance(period, dict) or "from" not in period:
            raise ValueError(f"sensitive_periods[{i}] needs at least 'from' (and 'to', 'name'), got {period!r}")
        start = _as_date(period["from"], f"sensitive_periods[{i}].from")
        end = _as_date(period.get("to", period["from"]), f"sensitive_periods[{i}].to")
        if end < start:
            raise ValueError(f"sensitive_periods[{i}] ends ({end}) before it starts ({start})")
        if start <= today <= end:
            names.append(str(period.get("name") or f"{start}–{end}"))
    return names

"""Flood and rainstorm grading rules, as pure functions of numbers.

Boundaries follow Chinese legal usage: "以上" includes the figure and "以下"
excludes it, so every grade is a half-open interval [lo, hi).
"""

from __future__ import annotations

import math

# GB/T 28592-2012 《降水量等级》, 24-hour totals:
#   暴雨 50.0–99.9 mm, 大暴雨 100.0–249.9 mm, 特大暴雨 ≥ 250.0 mm.
# Lower bounds of each class, highest first; below 50.0 mm is no rainstorm.
RAINFALL_CLASSES_24H = (
    ("特大暴雨", 250.0),
    ("大暴雨", 100.0),
    ("暴雨", 50.0),
)
RAINFALL_CLASS_ALIASES = {
    "rainstorm": "暴雨",
    "heavy_rainstorm": "大暴雨",
    "extreme_rainstorm": "特大暴雨",
    "暴雨": "暴雨",
    "大暴雨": "大暴雨",
    "特大暴雨": "特大暴雨",
}
RAINFALL_CLASS_RANK = {"暴雨": 1, "大暴雨": 2, "特大暴雨": 3}

# Warning colours in rising order. 突发事件应对法 (2024) Art. 63: 一级–四级
# warnings are red / orange / yellow / blue, 一级 the highest.
COLOURS = ("blue", "yellow", "orange", "red")
COLOUR_RANK = {c: i + 1 for i, c in enumerate(COLOURS)}
COLOUR_NAMES_ZH = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
COLOUR_ALIASES = {
    **{c: c for c in COLOURS},
    **{zh: c for c, zh in COLOUR_NAMES_ZH.items()},
    "蓝": "blue",
    "黄": "yellow",
    "橙": "orange",
    "红": "red",
}

# Rainstorm warning signals (暴雨预警信号), 气象灾害预警信号发布与传播办法
# (中国气象局令第16号, 2007), annex 暴雨预警信号:
#   blue   ≥ 50 mm within 12 h,  yellow ≥ 50 mm within 6 h,
#   orange ≥ 50 mm within 3 h,   red    ≥ 100 mm within 3 h.
# (colour, window in hours, threshold in mm), highest colour first.
RAINSTORM_SIGNALS = (
    ("red", 3, 100.0),
    ("orange", 3, 50.0),
    ("yellow", 6, 50.0),
    ("blue", 12, 50.0),
)

# "Approaching 警戒水位" (blue water-level warning) has no national figure; this
# margin below the station's 警戒水位 is a local default, override it per site.
DEFAULT_BLUE_MARGIN_M = 0.5


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number, got {value!r}")
    if math.isnan(value):
        raise ValueError(f"{what} must be a number, got NaN")
    return float(value)


def canonical_rainfall_class(name: str) -> str:
    try:
        return RAINFALL_CLASS_ALIASES[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(RAINFALL_CLASS_ALIASES))
        raise ValueError(f"unknown rainfall class {name!r}; expected one of: {known}") from None


def canonical_colour(name: str) -> str:
    try:
        return COLOUR_ALIASES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown warning colour {name!r}; expected one of: {', '.join(COLOURS)}") from None


def rainfall_class(mm_24h) -> str | None:
    """Rainfall class of a 24-hour total per GB/T 28592-2012.

    暴雨 [50.0, 100.0), 大暴雨 [100.0, 250.0), 特大暴雨 [250.0, ∞); below
    50.0 mm returns None (no rainstorm class).
    """
    mm = _number(mm_24h, "24-hour rainfall")
    if mm < 0:
        raise ValueError(f"24-hour rainfall cannot be negative, got {mm_24h!r}")
    for name, lower in RAINFALL_CLASSES_24H:
        if mm >= lower:
            return name
    return None


def rainstorm_warning(amounts: dict) -> str | None:
    """Rainstorm warning colour from rainfall amounts keyed by window in hours.

    ``amounts`` maps 3, 6 and 12 (hours) to mm observed or forecast within that
    window; missing windows are ignored. Rain that fell within 3 h also fell
    within 6 h and 12 h, so each window counts the largest amount of any shorter
    window. Thresholds (气象灾害预警信号发布与传播办法, 2007): blue ≥ 50 mm in
    12 h, yellow ≥ 50 mm in 6 h, orange ≥ 50 mm in 3 h, red ≥ 100 mm in 3 h.
    """
    clean = {}
    for hours, value in amounts.items():
        if value is None:
            continue
        mm = _number(value, f"{hours}-hour rainfall")
        if mm < 0:
            raise ValueError(f"{hours}-hour rainfall cannot be negative, got {value!r}")
        clean[hours] = mm
    for colour, window, threshold in RAINSTORM_SIGNALS:
        within = [mm for hours, mm in clean.items() if hours <= window]
        if within and max(within) >= threshold:
            return colour
    return None


def river_warning(
    level_m,
    warning_m=None,
    guarantee_m=None,
    historic_high_m=None,
    blue_margin_m=DEFAULT_BLUE_MARGIN_M,
) -> str | None:
    """Water-level warning colour (水情预警) at one gauging station.

    blue: approaching 警戒水位 (within ``blue_margin_m`` below it, a local
    setting); yellow: ≥ 警戒水位; orange: ≥ 保证水位; red: ≥ the station's
    historic high. The station levels are facts or site configuration, never
    constants; a level that is not given is simply not tested.
    """
    level = _number(level_m, "water level")
    margin = _number(blue_margin_m, "blue_margin_m")
    if margin < 0:
        raise ValueError(f"blue_margin_m cannot be negative, got {blue_margin_m!r}")
    if historic_high_m is not None and level >= _number(historic_high_m, "historic high level"):
        return "red"
    if guarantee_m is not None and level >= _number(guarantee_m, "保证水位"):
        return "orange"
    if warning_m is not None:
        warning = _number(warning_m, "警戒水位")
        if level >= warning:
            return "yellow"
        if level >= round(warning - margin, 6):  # no float noise at the figure
            return "blue"
    return None


def parse_names(value) -> list[str]:
    """A list of names from a list, or a string separated by , ， 、 ; or newlines."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [str(v) for v in value]
    elif isinstance(value, str):
        text = value
        for sep in ("，", "、", ";", "；", "\n"):
            text = text.replace(sep, ",")
        items = text.split(",")
    else:
        raise TypeError(f"expected a comma-separated string or a list, got {value!r}")
    return [item.strip() for item in items if item.strip()]


def villages_not_evacuated(villages, evacuated) -> list[str]:
    """Villages listed in ``villages`` that are not reported in ``evacuated``."""
    done = set(parse_names(evacuated))
    return [v for v in parse_names(villages) if v not in done]

"""planengine-flood: rainfall, rainstorm-warning, river-warning, response-level
and evacuation checks for flood plans.

Written only against the public hook API (``from planengine import hookimpl``),
exactly as a third-party plugin would be. Facts read by default (declare the
ones a plan needs under ``facts:``):

=====================  ===================================================
``rain_24h_mm``        24-hour rainfall, mm (GB/T 28592-2012 class)
``rain_3h_mm``         rainfall observed/forecast within 3 h, mm
``rain_6h_mm``         ... within 6 h, mm
``rain_12h_mm``        ... within 12 h, mm
``water_level_m``      current level at the gauging station, m
``warning_level_m``    the station's 警戒水位, m
``guarantee_level_m``  the station's 保证水位, m
``historic_high_m``    the station's historic high, m
``station``            gauging-station name (selects site configuration)
``villages``           villages to evacuate, "A,B,C" (also ， 、 ;)
``evacuated``          villages reported evacuated, same format
``declared_level``     a response level declared by the headquarters
=====================  ===================================================

Station levels may instead come from the site configuration
(``planengine.yaml``)::

    flood:
      blue_margin_m: 0.5          # "approaching 警戒水位"
      station: 城关站             # default station
      stations:
        城关站: {warning_level_m: 12.5, guarantee_level_m: 14.0, historic_high_m: 15.2}
"""

from __future__ import annotations

from planengine import hookimpl

from . import rules

__all__ = ["hookimpl", "rules"]

PLUGIN = "flood"

RAIN_WINDOW_FACTS = {3: "rain_3h_mm", 6: "rain_6h_mm", 12: "rain_12h_mm"}
STATION_KEYS = ("warning_level_m", "guarantee_level_m", "historic_high_m")

# Default response level per warning colour: 突发事件应对法 (2024) Art. 63 ranks
# warnings 一级 red > 二级 orange > 三级 yellow > 四级 blue, and Art. 71 grades
# responses 一级–四级 the same way, so red -> I, orange -> II, yellow -> III,
# blue -> IV (positions 4..1 in a plan's ``levels``, lowest first).
#
# 24-hour rainfall class -> rank: no national mapping exists; this default
# (暴雨 -> IV, 大暴雨 -> III, 特大暴雨 -> II) is a local choice, override it
# with the ``rainfall`` argument or site configuration ``flood.rainfall_levels``.
DEFAULT_RAINFALL_RANK = {"暴雨": 1, "大暴雨": 2, "特大暴雨": 3}


# -- reading facts and settings ---------------------------------------------


def _settings(ctx) -> dict:
    getter = getattr(ctx, "settings", None)
    return dict(getter(PLUGIN)) if callable(getter) else {}


def _station_value(ctx, key):
    """A station figure: the fact first, then the site configuration."""
    value = ctx.facts.get(key)
    if value is not None:
        return value
    settings = _settings(ctx)
    station = ctx.facts.get("station") or settings.get("station")
    stations = settings.get("stations") or {}
    if station and isinstance(stations, dict) and isinstance(stations.get(station), dict):
        value = stations[station].get(key)
        if value is not None:
            return value
    return settings.get(key)


def _blue_margin(ctx, margin):
    if margin is None:
        margin = _settings(ctx).get("blue_margin_m", rules.DEFAULT_BLUE_MARGIN_M)
    return margin


def _level_for_rank(ctx, rank: int, mapping=None):
    """The plan level for a colour rank (1 = blue ... 4 = red)."""
    if rank <= 0:
        return None
    if mapping:
        colour = rules.COLOURS[rank - 1]
        level = mapping.get(colour)
        if level is not None and ctx.levels and level not in ctx.levels:
            raise ValueError(f"level {level!r} for {colour} is not one of the plan's levels {list(ctx.levels)}")
        return level
    if len(ctx.levels) != 4:
        raise ValueError(
            "flood.response_level maps blue/yellow/orange/red onto four levels; "
            f"this plan has {list(ctx.levels)}: give args.map {{blue: ..., red: ...}}"
        )
    return ctx.levels[rank - 1]


def current_rainstorm_warning(ctx):
    amounts = {hours: ctx.facts.get(fact) for hours, fact in RAIN_WINDOW_FACTS.items()}
    return rules.rainstorm_warning(amounts)


def current_river_warning(ctx, blue_margin_m=None):
    level = ctx.facts.get("water_level_m")
    if level is None:
        return None
    return rules.river_warning(
        level,
        _station_value(ctx, "warning_level_m"),
        _station_value(ctx, "guarantee_level_m"),
        _station_value(ctx, "historic_high_m"),
        _blue_margin(ctx, blue_margin_m),
    )


# -- checks --------------------------------------------------------------------


def rainfall_at_least(ctx, grade="暴雨"):
    """24-hour rainfall (fact ``rain_24h_mm``) is at least ``grade``.

    GB/T 28592-2012: 暴雨 50.0–99.9 mm, 大暴雨 100.0–249.9 mm, 特大暴雨
    ≥ 250.0 mm (grades: 暴雨/rainstorm, 大暴雨/heavy_rainstorm,
    特大暴雨/extreme_rainstorm). False while the fact is not recorded.
    """
    wanted = rules.canonical_rainfall_class(grade)
    mm = ctx.facts.get("rain_24h_mm")
    if mm is None:
        return False
    got = rules.rainfall_class(mm)
    return got is not None and rules.RAINFALL_CLASS_RANK[got] >= rules.RAINFALL_CLASS_RANK[wanted]


def rainstorm_warning(ctx, at_least="blue"):
    """The rainstorm warning signal is ``at_least`` this colour.

    From facts ``rain_3h_mm``/``rain_6h_mm``/``rain_12h_mm`` (observed or
    forecast); 气象灾害预警信号发布与传播办法 (2007): blue ≥ 50 mm in 12 h,
    yellow ≥ 50 mm in 6 h, orange ≥ 50 mm in 3 h, red ≥ 100 mm in 3 h.
    """
    wanted = rules.canonical_colour(at_least)
    got = current_rainstorm_warning(ctx)
    return got is not None and rules.COLOUR_RANK[got] >= rules.COLOUR_RANK[wanted]


def river_warning(ctx, at_least="yellow", blue_margin_m=None):
    """The water-level warning (水情预警) at the station is ``at_least`` this colour.

    blue: within ``blue_margin_m`` (default 0.5 m, a local setting) below
    警戒水位; yellow: ≥ 警戒水位; orange: ≥ 保证水位; red: ≥ historic high.
    The station's levels are facts or site configuration.
    """
    wanted = rules.canonical_colour(at_least)
    got = current_river_warning(ctx, blue_margin_m)
    return got is not None and rules.COLOUR_RANK[got] >= rules.COLOUR_RANK[wanted]


def emergency_period(ctx, margin_m=None):
    """防洪法 Art. 41: an emergency flood period may be declared when the water
    level approaches the 保证水位. True when ``water_level_m`` ≥ 保证水位 −
    ``margin_m`` (default: the blue margin, 0.5 m, a local setting).
    """
    level = ctx.facts.get("water_level_m")
    guarantee = _station_value(ctx, "guarantee_level_m")
    if level is None or guarantee is None:
        return False
    margin = rules._number(_blue_margin(ctx, margin_m), "margin_m")
    threshold = round(rules._number(guarantee, "保证水位") - margin, 6)
    return rules._number(level, "water level") >= threshold


def response_level(ctx, map=None, rainfall=None, default=None, blue_margin_m=None):
    """Flood response level for ``level:``, from rain and water-level warnings.

    The highest of

    * the rainstorm warning colour (red -> I ... blue -> IV),
    * the river water-level warning colour (same mapping),
    * the 24-hour rainfall class (default 暴雨 -> IV, 大暴雨 -> III,
      特大暴雨 -> II; a local choice, no national mapping),
    * a level declared by the headquarters (fact ``declared_level``),

    or ``default`` (None: no level) when nothing applies. Colours map onto the
    plan's four ``levels`` (突发事件应对法 Art. 63/71: red = 一级); ``map``
    overrides it, e.g. ``{blue: IV, yellow: III, orange: II, red: I}``.
    """
    settings = _settings(ctx)
    mapping = map if map is not None else settings.get("levels")
    if mapping is not None and not isinstance(mapping, dict):
        raise ValueError(f"flood.response_level: map must be a mapping colour -> level, got {mapping!r}")
    rain_rank = rainfall if rainfall is not None else settings.get("rainfall_levels")
    if rain_rank is None:
        rain_rank = DEFAULT_RAINFALL_RANK
    elif not isinstance(rain_rank, dict):
        raise ValueError(f"flood.response_level: rainfall must map a class to a colour, got {rain_rank!r}")
    else:
        rain_rank = {
            rules.canonical_rainfall_class(k): rules.COLOUR_RANK[rules.canonical_colour(v)]
            for k, v in rain_rank.items()
        }

    ranks = [0]
    for colour in (
        current_rainstorm_warning(ctx),
        current_river_warning(ctx, blue_margin_m),
    ):
        if colour:
            ranks.append(rules.COLOUR_RANK[colour])
    mm = ctx.facts.get("rain_24h_mm")
    if mm is not None:
        cls = rules.rainfall_class(mm)
        if cls is not None:
            ranks.append(rain_rank.get(cls, 0))
    level = _level_for_rank(ctx, max(ranks), mapping)

    declared = ctx.facts.get("declared_level")
    if declared:
        if declared not in ctx.levels:
            raise ValueError(f"declared_level {declared!r} is not one of the plan's levels {list(ctx.levels)}")
        if level is None or ctx.levels.index(declared) > ctx.levels.index(level):
            level = declared
    if level is None and default is not None:
        if ctx.levels and default not in ctx.levels:
            raise ValueError(f"default level {default!r} is not one of the plan's levels {list(ctx.levels)}")
        level = default
    return level


def evacuation_complete(ctx, villages=None, evacuated="evacuated"):
    """Every village to evacuate is reported evacuated.

    ``villages`` (fact name, default ``villages``; or the site configuration
    ``flood.villages``) and ``evacuated`` are comma-separated strings. With no
    village listed the evacuation is *not* complete: an empty list means the
    list has not been made, not that nobody is at risk.
    """
    listed = ctx.facts.get(villages or "villages")
    if listed is None and villages is None:
        listed = _settings(ctx).get("villages")
    names = rules.parse_names(listed)
    explain = getattr(ctx, "explain", None) or (lambda text: None)
    if not names:
        explain(
            f"no villages listed to evacuate (plan set INC {villages or 'villages'}=村A,村B,"
            " or flood.villages in planengine.yaml)"
        )
        return False
    pending = rules.villages_not_evacuated(names, ctx.facts.get(evacuated))
    if pending:
        explain(f"villages not reported evacuated: {'、'.join(pending)} (plan set INC {evacuated}=...)")
    return not pending


# -- actions -------------------------------------------------------------------


def remind_evacuation(ctx, roles=("evacuation",), message=None):
    """Notify ``roles`` of the villages not yet reported evacuated."""
    listed = ctx.facts.get("villages") or _settings(ctx).get("villages")
    pending = rules.villages_not_evacuated(listed, ctx.facts.get("evacuated"))
    if not pending:
        ctx.note("所有村庄已报告转移完毕" if not message else message)
        return
    text = message or "尚未报告转移完毕的村庄"
    ctx.notify(
        list(roles) if not isinstance(roles, str) else [roles],
        f"{text}：{'、'.join(pending)}",
    )


# -- hooks ---------------------------------------------------------------------


CHECKS = {
    "rainfall_at_least": rainfall_at_least,
    "rainstorm_warning": rainstorm_warning,
    "river_warning": river_warning,
    "emergency_period": emergency_period,
    "response_level": response_level,
    "evacuation_complete": evacuation_complete,
}


@hookimpl
def register_checks(register):
    for name, fn in CHECKS.items():
        register(f"{PLUGIN}.{name}", fn)


@hookimpl
def register_actions(register):
    register(f"{PLUGIN}.remind_evacuation", remind_evacuation)


EVACUATION_WORDS = ("evacuat", "转移", "撤离", "疏散")


@hookimpl
def lint_plan(plan):
    if PLUGIN not in plan.uses:
        return []
    warnings = []
    evacuation = [
        step for step in plan.steps() if any(word in f"{step.id} {step.title}".lower() for word in EVACUATION_WORDS)
    ]
    top = plan.levels[-1] if plan.levels else "I"
    if not evacuation:
        warnings.append(
            f"flood plan has no evacuation step (id or title mentioning evacuation/转移/撤离) for level {top}"
        )
    elif not any(f"{PLUGIN}.evacuation_complete" in step.checks_used() for step in evacuation):
        # name the step most plainly about evacuation: by id before by title
        step = min(evacuation, key=lambda s: "evacuat" not in s.id)
        message = (
            f"evacuation step {step.id!r} does not check "
            "flood.evacuation_complete: it can be marked done with villages "
            "still unreported"
        )
        warnings.append((message, step))
    river = {"flood.river_warning", "flood.emergency_period"} & plan.checks_used()
    if river and "water_level_m" not in plan.facts:
        warnings.append(f"plan calls {', '.join(sorted(river))} but declares no fact water_level_m")
    return warnings


@hookimpl
def report_sections(incident, lang):
    facts = getattr(incident, "facts", None)
    if facts is None and isinstance(incident, dict):
        facts = incident.get("facts")
    facts = facts or {}
    lines = []
    zh = lang != "en"
    mm = facts.get("rain_24h_mm")
    try:
        if mm is not None:
            cls = rules.rainfall_class(mm)
            label = cls or ("未达暴雨" if zh else "below rainstorm")
            lines.append(f"{'24小时降雨量' if zh else '24-hour rainfall'}: {mm} mm ({label})")
        colour = rules.rainstorm_warning({h: facts.get(f) for h, f in RAIN_WINDOW_FACTS.items()})
        if colour:
            shown = rules.COLOUR_NAMES_ZH[colour] if zh else colour
            lines.append(f"{'暴雨预警信号' if zh else 'Rainstorm warning'}: {shown}")
        if facts.get("water_level_m") is not None:
            river = rules.river_warning(
                facts["water_level_m"],
                facts.get("warning_level_m"),
                facts.get("guarantee_level_m"),
                facts.get("historic_high_m"),
            )
            shown = rules.COLOUR_NAMES_ZH.get(river, "无") if zh else river or "none"
            lines.append(
                f"{'水位' if zh else 'Water level'}: {facts['water_level_m']} m "
                f"({'水情预警' if zh else 'water-level warning'}: {shown})"
            )
        pending = rules.villages_not_evacuated(facts.get("villages"), facts.get("evacuated"))
    except ValueError:
        return []
    if facts.get("villages"):
        if pending:
            lines.append(f"{'未报告转移的村庄' if zh else 'Villages not reported evacuated'}: {'、'.join(pending)}")
        else:
            lines.append("所有村庄已报告转移" if zh else "All villages reported evacuated")
    if not lines:
        return []
    return [
        {
            "title": "雨情水情" if zh else "Rain and water",
            "body": "\n".join(f"- {line}" for line in lines),
        }
    ]


@hookimpl
def register_plans(register):
    """The plans this plugin ships (package data), so `plan start flood` works from any directory."""
    import glob
    import os

    for path in sorted(glob.glob(os.path.join(os.path.dirname(__file__), "plans", "*.yaml"))):
        register(path)

"""planengine-forest-fire: fire grade, national-report trigger, fire-danger
rating, crew safety and response-level checks for forest-fire plans.

Written only against the public hook API (``from planengine import hookimpl``),
exactly as a third-party plugin would be. Facts read (declare the ones a plan
needs under ``facts:``):

==========================  ==============================================
``burned_area_ha``          burned forest area, ha (受害森林面积)
``deaths``                  deaths
``serious_injuries``        seriously injured
``flame_out``               open flame extinguished (明火已扑灭)
``ignited_at``              ignition time, ISO 8601 (plan timezone if naive)
``burning_hours``           hours burning (instead of ``ignited_at``)
``near_border`` ...         Art. 32 flags: near_border, threatens_residents,
                            primeval_forest, provincial_border,
                            needs_national_support (booleans)
``danger_index``            fire-danger index (LY/T 1172-1995)
``wind_force``              wind force on the fire line, Beaufort
``crew_on_line``            crews are working on the fire line
``withdrawal_route``        the recorded withdrawal route (避险撤离路线)
==========================  ==============================================

Site configuration (``planengine.yaml``)::

    forest_fire:
      wind_force_limit: 5     # crews need a withdrawal route at this force (local practice: no national figure)
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from planengine import hookimpl

from . import rules

__all__ = ["hookimpl", "rules"]

PLUGIN = "forest_fire"


def _settings(ctx) -> dict:
    getter = getattr(ctx, "settings", None)
    return dict(getter(PLUGIN)) if callable(getter) else {}


def current_grade(ctx) -> str | None:
    """The Art. 40 grade from the facts, or None before anything is recorded."""
    facts = ctx.facts
    keys = ("burned_area_ha", "deaths", "serious_injuries")
    if all(facts.get(k) is None for k in keys):
        return None
    return rules.fire_grade(*(facts.get(k) for k in keys))


def hours_burning(ctx) -> float | None:
    """Hours since ignition: fact ``burning_hours``, else ``ctx.now`` − ``ignited_at``,
    else since the incident opened (the fire burned at least that long)."""
    hours = ctx.facts.get("burning_hours")
    if hours is not None:
        return rules._count(hours, "burning_hours")
    ignited = ctx.facts.get("ignited_at")
    if not ignited:
        opened = getattr(ctx, "opened_at", None)
        return None if opened is None else max(0.0, (ctx.now - opened).total_seconds() / 3600)
    try:
        at = datetime.fromisoformat(str(ignited).strip())
    except ValueError:
        raise ValueError(f"ignited_at must be an ISO 8601 time such as 2026-03-05T14:30, got {ignited!r}") from None
    if at.tzinfo is None:
        zone = getattr(getattr(ctx, "plan", None), "timezone", None) or "Asia/Shanghai"
        at = at.replace(tzinfo=ZoneInfo(zone))
    return max(0.0, (ctx.now - at).total_seconds() / 3600)


# -- checks --------------------------------------------------------------------


def fire_grade_at_least(ctx, grade="较大"):
    """The fire's grade (森林防火条例 Art. 40) is at least ``grade``.

    Area 一般 < 1 ha, 较大 1–100, 重大 100–1000, 特别重大 ≥ 1000; deaths 1–3 /
    3–10 / 10–30 / ≥ 30; serious injuries 1–10 / 10–50 / 50–100 / ≥ 100; the
    highest applies. Grades: 一般/general, 较大/large, 重大/major,
    特别重大/especially_major.
    """
    wanted = rules.GRADE_RANK[rules.canonical_grade(grade)]
    got = current_grade(ctx)
    return got is not None and rules.GRADE_RANK[got] >= wanted


def report_to_national(
    ctx,
    deaths=rules.NATIONAL_DEATHS,
    injuries=rules.NATIONAL_INJURIES,
    hours=rules.NATIONAL_HOURS,
):
    """The fire must be reported to the national command (森林防火条例 Art. 32).

    ≥ 3 dead or ≥ 10 seriously injured; open flame not out after 24 h; a 重大
    or 特别重大 fire; or any of the flags near_border, threatens_residents,
    primeval_forest, provincial_border, needs_national_support.
    """
    return bool(national_report_reasons(ctx, deaths, injuries, hours))


def national_report_reasons(
    ctx,
    deaths=rules.NATIONAL_DEATHS,
    injuries=rules.NATIONAL_INJURIES,
    hours=rules.NATIONAL_HOURS,
):
    facts = ctx.facts
    return rules.national_report_reasons(
        deaths=facts.get("deaths"),
        serious_injuries=facts.get("serious_injuries"),
        hours_burning=hours_burning(ctx),
        flame_out=bool(facts.get("flame_out")),
        grade=current_grade(ctx),
        flags=[f for f in rules.NATIONAL_FLAGS if facts.get(f)],
        min_deaths=deaths,
        min_injuries=injuries,
        hours=hours,
    )


def danger_at_least(ctx, rating=3):
    """The fire-danger rating from fact ``danger_index`` is at least ``rating``.

    LY/T 1172-1995 bands: 1 ≤ 25, 2 = 26–50, 3 = 51–72, 4 = 73–90, 5 ≥ 91
    (colours green, blue, yellow, orange, red per QX/T 77-2007).
    """
    if isinstance(rating, bool) or rating not in (1, 2, 3, 4, 5):
        raise ValueError(f"rating must be 1–5, got {rating!r}")
    index = ctx.facts.get("danger_index")
    return index is not None and rules.danger_rating(index) >= rating


def danger_warning(ctx):
    """A fire-danger warning signal is in force: rating 3–5 (yellow, orange, red;
    QX/T 77-2007 issues signals only from level 3)."""
    return danger_at_least(ctx, rules.DANGER_WARNING_FROM)


def crew_safety(ctx, limit=None):
    """Crew safety holds: no crew on the fire line at wind force ≥ ``limit``
    unless a withdrawal route is recorded (fact ``withdrawal_route``).

    The limit is a site setting (``forest_fire.wind_force_limit`` in
    planengine.yaml, or ``args: {limit: N}``): no national text fixes a wind
    force for withdrawing crews, so the default 5 is a local default, not a rule.
    True when safe; use ``{not: forest_fire.crew_safety}`` to trigger withdrawal.
    """
    setting = "args.limit"
    if limit is None:
        limit = _settings(ctx).get("wind_force_limit", rules.DEFAULT_WIND_FORCE_LIMIT)
        setting = "site setting forest_fire.wind_force_limit"
    facts = ctx.facts
    unsafe = rules.crew_unsafe(
        facts.get("crew_on_line"),
        facts.get("wind_force"),
        facts.get("withdrawal_route"),
        limit,
    )
    if unsafe and hasattr(ctx, "explain"):
        ctx.explain(
            f"crew on the fire line at wind force {facts.get('wind_force')} (limit {limit}, {setting})"
            " with no withdrawal route recorded: plan set INC withdrawal_route=... or withdraw the crew"
        )
    return not unsafe


def response_level(ctx, map=None, national=None, default=None):
    """Forest-fire response level for ``level:``, from the Art. 40 grade.

    Default mapping onto the plan's four ``levels`` (lowest first): 一般 -> IV,
    较大 -> III, 重大 -> II, 特别重大 -> I (the grade order of Art. 40 and the
    response order of 突发事件应对法 Art. 71; a local choice, override with
    ``map: {一般: IV, ...}``). ``national``: the level at least applied when the
    fire must be reported to the national command (Art. 32). The fire-danger
    rating never sets the response level (level 5 is not 一级). ``default``:
    the level before anything is recorded (None: no level).
    """
    levels = tuple(ctx.levels)

    def known(level, what):
        if levels and level not in levels:
            raise ValueError(f"{what} {level!r} is not one of the plan's levels {list(levels)}")
        return level

    grade = current_grade(ctx)
    level = None
    if grade is not None:
        if map is not None:
            if not isinstance(map, dict):
                raise ValueError(f"map must be a mapping grade -> level, got {map!r}")
            canon = {rules.canonical_grade(k): v for k, v in map.items()}
            level = canon.get(grade)
            if level is not None:
                known(level, f"level for {grade}")
        elif len(levels) == 4:
            level = levels[rules.GRADE_RANK[grade] - 1]
        else:
            raise ValueError(
                "forest_fire.response_level maps the four Art. 40 grades onto four levels; "
                f"this plan has {list(levels)}: give args.map"
            )
    if national is not None and report_to_national(ctx):
        known(national, "national")
        if level is None or levels.index(national) > levels.index(level):
            level = national
    if level is None and default is not None:
        level = known(default, "default")
    return level


# -- actions -------------------------------------------------------------------


def withdraw_crews(ctx, roles=("fire_line",), message=None):
    """Order crews off the fire line when crew safety does not hold."""
    if crew_safety(ctx):
        return
    force = ctx.facts.get("wind_force")
    text = message or f"风力{force}级且未明确避险撤离路线：扑火队伍立即撤离火线至安全地带"
    ctx.notify([roles] if isinstance(roles, str) else list(roles), text)


# -- hooks ---------------------------------------------------------------------


CHECKS = {
    "fire_grade_at_least": fire_grade_at_least,
    "report_to_national": report_to_national,
    "danger_at_least": danger_at_least,
    "danger_warning": danger_warning,
    "crew_safety": crew_safety,
    "response_level": response_level,
}


@hookimpl
def register_checks(register):
    for name, fn in CHECKS.items():
        register(f"{PLUGIN}.{name}", fn)


@hookimpl
def register_actions(register):
    register(f"{PLUGIN}.withdraw_crews", withdraw_crews)


@hookimpl
def lint_plan(plan):
    if PLUGIN not in plan.uses:
        return []
    used = plan.checks_used()
    warnings = []
    if f"{PLUGIN}.crew_safety" not in used:
        warnings.append(
            "forest-fire plan never checks forest_fire.crew_safety: nothing stops crews "
            "working the fire line in strong wind without a withdrawal route"
        )
    if f"{PLUGIN}.report_to_national" not in used:
        warnings.append("forest-fire plan never checks forest_fire.report_to_national (森林防火条例 Art. 32)")
    elif "ignited_at" not in plan.facts and "burning_hours" not in plan.facts:
        warnings.append(
            "plan checks forest_fire.report_to_national but declares neither fact ignited_at "
            "nor burning_hours: the 24-hour rule (Art. 32(5)) counts from when the incident opened"
        )
    for cond, level in plan.level.rules if plan.level is not None else ():
        danger = {name for name in cond.check_names() if name.startswith(f"{PLUGIN}.danger_")}
        if danger and plan.levels and level == plan.levels[-1]:
            message = (
                f"level rule maps {min(danger)} onto the top level {level}: "
                "fire-danger level 5 is not the general 一级 response"
            )
            warnings.append((message, cond))
    return warnings


@hookimpl
def report_sections(incident, lang):
    facts = getattr(incident, "facts", None)
    if facts is None and isinstance(incident, dict):
        facts = incident.get("facts")
    facts = facts or {}
    zh = lang != "en"
    lines = []
    try:
        keys = ("burned_area_ha", "deaths", "serious_injuries")
        grade = None
        if any(facts.get(k) is not None for k in keys):
            grade = rules.fire_grade(*(facts.get(k) for k in keys))
            lines.append(f"{'火灾等级' if zh else 'Fire grade'}: {grade}{'森林火灾' if zh else ''}")
        if facts.get("danger_index") is not None:
            rating = rules.danger_rating(facts["danger_index"])
            colour = rules.danger_colour(rating, "zh" if zh else "en")
            lines.append(f"{'森林火险等级' if zh else 'Fire-danger rating'}: {rating} ({colour})")
        reasons = rules.national_report_reasons(
            deaths=facts.get("deaths"),
            serious_injuries=facts.get("serious_injuries"),
            hours_burning=facts.get("burning_hours"),
            flame_out=bool(facts.get("flame_out")),
            grade=grade,
            flags=[f for f in rules.NATIONAL_FLAGS if facts.get(f)],
        )
    except (TypeError, ValueError):
        return []
    if reasons:
        head = "须报告国家森林防火指挥机构" if zh else "Reportable to the national command"
        lines.append(f"{head}: {'; '.join(reasons)}")
    if not lines:
        return []
    return [
        {
            "title": "森林火情" if zh else "Forest fire",
            "body": "\n".join(f"- {line}" for line in lines),
        }
    ]


@hookimpl
def register_plans(register):
    """The plans this plugin ships (package data), so `plan start forest_fire` works from any directory."""
    import glob
    import os

    for path in sorted(glob.glob(os.path.join(os.path.dirname(__file__), "plans", "*.yaml"))):
        register(path)

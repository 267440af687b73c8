"""planengine-mass-petition: representatives, skip-level escalation,
crowd-size response level and sensitive-period checks for mass-petition plans.

Written only against the public hook API (``from planengine import hookimpl``),
exactly as a third-party plugin would be. Facts read (declare the ones a plan
needs under ``facts:``):

====================  ====================================================
``crowd_size``        number of petitioners (上访人数)
``representatives``   number of representatives elected
``skip_level``        a skip-level petition (越级上访)
``beyond_county``     the group went beyond the county (to be escorted back)
``sensitive_period``  the duty officer declares a sensitive period
====================  ====================================================

Site configuration (``planengine.yaml``)::

    mass_petition:
      representatives: zhejiang        # or national (default)
      timezone: Asia/Shanghai          # if the plan gives none
      sensitive_periods:               # dates included at both ends
        - {from: 2026-03-03, to: 2026-03-15, name: 全国两会}
        - {from: 2026-10-01, to: 2026-10-07, name: 国庆假期}
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from planengine import hookimpl

from . import rules

__all__ = ["hookimpl", "rules"]

PLUGIN = "mass_petition"


def _settings(ctx) -> dict:
    getter = getattr(ctx, "settings", None)
    return dict(getter(PLUGIN)) if callable(getter) else {}


def _level_index(ctx, level):
    if level not in ctx.levels:
        raise ValueError(f"level {level!r} is not one of the plan's levels {list(ctx.levels)}")
    return ctx.levels.index(level)


def sensitive_periods_now(ctx) -> list[str]:
    """Names of the configured sensitive periods covering today (plan timezone)."""
    settings = _settings(ctx)
    zone = getattr(getattr(ctx, "plan", None), "timezone", None) or settings.get("timezone") or "Asia/Shanghai"
    today = ctx.now.astimezone(ZoneInfo(zone)).date()
    return rules.active_periods(settings.get("sensitive_periods"), today)


# -- checks --------------------------------------------------------------------


def representatives_ok(
    ctx,
    variant=None,
    max=None,
    min=rules.MIN_REPRESENTATIVES,
    small_group=None,
    small_group_max=None,
):
    """The group has elected an acceptable number of representatives.

    Centre rule: large groups elect 3 to 5 representatives (at least 3, or
    the whole group when it is smaller); 信访工作条例 Art. 20: not more than
    5. ``variant: zhejiang`` (or
    site setting ``mass_petition.representatives``): not more than 3 for a
    group of up to 10 people, 5 above. Facts ``crowd_size`` and
    ``representatives``; False until ``representatives`` is recorded.
    """
    facts = ctx.facts
    if facts.get("representatives") is None or facts.get("crowd_size") is None:
        ctx.explain("record crowd_size and representatives first (plan set INC representatives=N)")
        return False
    if variant is None:
        variant = _settings(ctx).get("representatives", "national")
    problem = rules.representatives_problem(
        facts["crowd_size"],
        facts["representatives"],
        minimum=min,
        variant=variant,
        maximum=max,
        small_group=small_group,
        small_group_max=small_group_max,
    )
    if problem is not None:
        ctx.explain(problem)
    return problem is None


def skip_level(ctx):
    """A skip-level petition (越级上访): fact ``skip_level``, or the group went
    beyond the county (``beyond_county``). 信访工作条例 Art. 25: major and
    urgent petition matters are reported at once to the Party committee and
    government and the petition office."""
    return bool(ctx.facts.get("skip_level")) or bool(ctx.facts.get("beyond_county"))


def escalate_to_county(ctx, level="II"):
    """The county takes over: a skip-level petition (越级上访), or the response
    level is ``level`` (default II) or higher."""
    if skip_level(ctx):
        return True
    return ctx.level is not None and ctx.level in ctx.levels and ctx.levels.index(ctx.level) >= _level_index(ctx, level)


def in_sensitive_period(ctx):
    """Today (plan timezone) is in a sensitive period from the site calendar
    (``mass_petition.sensitive_periods``), or fact ``sensitive_period`` is set.
    Centre rule: key periods (major meetings, holidays) raise the alert —
    24-hour duty and daily reports (the bundled plan's steps under this ``if``)."""
    return bool(ctx.facts.get("sensitive_period")) or bool(sensitive_periods_now(ctx))


def response_level(ctx, bands=None, sensitive_raise=0):
    """Response level for ``level:`` from the crowd size.

    ``bands`` maps a level to the lowest crowd size (以上, included) at which
    it applies, e.g. ``{III: 50, II: 100, I: 500}`` (the default; mass-incident
    size bands have no national standard, so set them in the plan); below every
    band the plan's lowest level. A sensitive period does not change the level
    by default: the centres' rule is 24-hour duty and daily reports, which a
    plan writes as steps under ``if: mass_petition.in_sensitive_period``. A site
    whose own rule raises the level sets ``sensitive_raise: N`` (local
    practice), capped at the highest level. None until ``crowd_size`` is recorded.
    """
    crowd = ctx.facts.get("crowd_size")
    if crowd is None:
        return None
    level = rules.band_level(crowd, tuple(ctx.levels), bands)
    steps = rules._int(sensitive_raise, "sensitive_raise")
    if steps and in_sensitive_period(ctx):
        level = rules.raise_level(level, tuple(ctx.levels), steps)
    return level


# -- actions -------------------------------------------------------------------


def announce_sensitive_period(ctx, roles=("leader",)):
    """Tell ``roles`` that a sensitive period is in force: 24-hour duty and daily
    reports (centre rule: key periods raise the alert)."""
    names = sensitive_periods_now(ctx)
    if not names and not ctx.facts.get("sensitive_period"):
        return
    label = "、".join(names) if names else "值班员确认"
    ctx.notify(
        [roles] if isinstance(roles, str) else list(roles),
        f"当前处于敏感时期（{label}）：落实24小时值班，每日报告稳控情况",
    )


# -- hooks ---------------------------------------------------------------------


CHECKS = {
    "representatives_ok": representatives_ok,
    "skip_level": skip_level,
    "escalate_to_county": escalate_to_county,
    "in_sensitive_period": in_sensitive_period,
    "response_level": response_level,
}


@hookimpl
def register_checks(register):
    for name, fn in CHECKS.items():
        register(f"{PLUGIN}.{name}", fn)


@hookimpl
def register_actions(register):
    register(f"{PLUGIN}.announce_sensitive_period", announce_sensitive_period)


# Centre rule: counter-terror, mass-incident and militia teams ≥ 50 people.
MASS_INCIDENT_TEAM_STRENGTH = 50


@hookimpl
def lint_plan(plan):
    if PLUGIN not in plan.uses:
        return []
    warnings = []
    if f"{PLUGIN}.representatives_ok" not in plan.checks_used():
        warnings.append(
            "petition plan has no step checking mass_petition.representatives_ok "
            "(信访工作条例 Art. 20: a group elects not more than 5 representatives)"
        )
    for role_id, role in plan.roles.items():
        if not role.muster:
            continue
        if role.strength is None or role.strength < MASS_INCIDENT_TEAM_STRENGTH:
            message = (
                f"muster role {role_id!r} has strength {role.strength}: a mass-incident team "
                f"needs at least {MASS_INCIDENT_TEAM_STRENGTH} (centre rule)"
            )
            warnings.append((message, role))
    check = plan.level.check if plan.level is not None else None
    if check is not None and check.name == f"{PLUGIN}.response_level":
        if "bands" not in dict(check.args):
            warnings.append(
                "mass_petition.response_level without args.bands uses placeholder crowd-size "
                "bands: there is no national standard, set the local ones in the plan"
            )
    return warnings


@hookimpl
def report_sections(incident, lang):
    facts = getattr(incident, "facts", None)
    if facts is None and isinstance(incident, dict):
        facts = incident.get("facts")
    facts = facts or {}
    if facts.get("crowd_size") is None:
        return []
    zh = lang != "en"
    lines = [f"{'上访人数' if zh else 'Crowd size'}: {facts['crowd_size']}"]
    reps = facts.get("representatives")
    if reps is not None:
        try:
            problem = rules.representatives_problem(facts["crowd_size"], reps)
        except (TypeError, ValueError) as e:
            problem = str(e)
        verdict = (
            ("3至5人，符合信访工作条例第二十条" if zh else "3 to 5, complies with Art. 20")
            if problem is None
            else problem
        )
        lines.append(f"{'推选代表' if zh else 'Representatives'}: {reps} ({verdict})")
    if facts.get("skip_level") or facts.get("beyond_county"):
        lines.append("越级上访" if zh else "Skip-level petition")
    if facts.get("sensitive_period"):
        lines.append("敏感时期" if zh else "Sensitive period")
    return [
        {
            "title": "上访情况" if zh else "Petition",
            "body": "\n".join(f"- {line}" for line in lines),
        }
    ]


@hookimpl
def register_plans(register):
    """The plans this plugin ships (package data), so `plan start mass_petition` works from any directory."""
    import glob
    import os

    for path in sorted(glob.glob(os.path.join(os.path.dirname(__file__), "plans", "*.yaml"))):
        register(path)

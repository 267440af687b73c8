"""The core's own checks and actions as plain functions, with the names they are registered under.

:mod:`planengine.default_plugins.core` registers them through the plugin manager
like any plugin's; a command whose plan uses no plugin takes them from here
without loading the plugin manager (:func:`planengine.plugins.registry_for`).
"""

from __future__ import annotations


def facts_present(ctx, facts):
    """Every listed fact has been recorded (e.g. time, place, people, cause)."""
    missing = [f for f in facts if ctx.facts.get(f) in (None, "")]
    if missing:
        ctx.explain(f"record {', '.join(missing)} first (plan set INC {missing[0]}=...)")
    return not missing


def level_from_bands(ctx, fact, bands):
    """Level from a numeric fact and ``{level: lower bound}`` bands.

    Bounds include the figure ("以上" in Chinese legal usage), so bands are
    half-open intervals [lo, next lo). The highest band reached wins; below
    every band gives no level.
    """
    value = ctx.facts.get(fact)
    if value is None:
        return None
    best = None
    for level, lower in sorted(bands.items(), key=lambda kv: kv[1]):
        if value >= lower:
            best = level
    return best


def count_at_least(ctx, step, count):
    """A muster step has at least ``count`` people checked in."""
    view = ctx.steps.get(step)
    return view is not None and (view.count or 0) >= count


def note(ctx, text):
    """Write a note into the incident log."""
    ctx.note(text)


CHECKS = {
    "core.facts_present": facts_present,
    "core.level_from_bands": level_from_bands,
    "core.count_at_least": count_at_least,
}
ACTIONS = {"core.note": note}

"""The core's own checks, actions and console notifier, registered like any plugin."""

from __future__ import annotations

from planengine.hookspecs import hookimpl


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


@hookimpl
def register_checks(register):
    register("core.facts_present", facts_present)
    register("core.level_from_bands", level_from_bands)
    register("core.count_at_least", count_at_least)


def note(ctx, text):
    """Write a note into the incident log."""
    ctx.note(text)


@hookimpl
def register_actions(register):
    register("core.note", note)


@hookimpl
def register_plans(register):
    """The core-only plans shipped in the package (planengine/plans/, links to the repository's plans/)."""
    import glob
    import os

    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "plans")
    for path in sorted(glob.glob(os.path.join(here, "*.yaml"))):
        register(path)


@hookimpl
def register_notifiers(register):
    from planengine.notifiers import command, console, dingtalk, email, webhook, wecom

    register("console", console.console, description="print to the operator's terminal (stderr)")
    register("webhook", webhook.webhook)
    register("dingtalk", dingtalk.dingtalk)
    register("wecom", wecom.wecom)
    register("email", email.email)
    register("command", command.command)

"""Hook specifications: the whole public plugin API.

A plugin module decorates functions with ``planengine.hookimpl`` and is listed
under the entry-point group ``planengine``. Every hook receives a ``register``
callable so a plugin can contribute several named things from one hook.
"""

import pluggy

PROJECT = "planengine"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_checks(register):
    """Register checks: ``register("flood.response_level", fn, description=...)``.

    ``fn(ctx, **args)`` returns a bool for conditions, or a level name (one of
    the plan's ``levels``, or None for "no level") when used under ``level:``.
    ``ctx`` has ``facts``, ``level``, ``levels``, ``steps``, ``now``,
    ``incident``, ``plan`` and ``config`` (the site configuration section named
    after the plugin, see ``ctx.settings``).
    """


@hookspec
def register_actions(register):
    """Register actions usable in ``enter:`` and ``overdue:``.

    ``register("flood.sound_siren", fn, description=...)``; ``fn(ctx, **args)``
    may call ``ctx.notify(roles, message)`` and ``ctx.note(text)``.
    """


@hookspec
def register_notifiers(register):
    """Register notification channels: ``register("webhook", factory)``.

    ``factory(**channel_config)`` returns ``send(message: dict)`` which raises
    on failure so delivery can be retried.
    """


@hookspec
def register_plans(register):
    """Register plan files a plugin ships: ``register(path)``."""


@hookspec
def lint_plan(plan):
    """Return domain warnings for a plan: strings, or ``(message, obj)``
    where ``obj`` is a model object (Step, Phase, Role) whose location is
    used."""


@hookspec
def report_sections(incident, lang):
    """Return extra after-action report sections: ``[{"title", "body"}]``."""

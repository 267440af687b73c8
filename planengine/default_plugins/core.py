"""The core's own checks, actions and console notifier, registered like any plugin."""

from __future__ import annotations

from planengine.default_plugins.builtins import (  # noqa: F401 - the core's checks, importable from here too
    ACTIONS,
    CHECKS,
    count_at_least,
    facts_present,
    level_from_bands,
    note,
)
from planengine.hookspecs import hookimpl


@hookimpl
def register_checks(register):
    for name, fn in CHECKS.items():
        register(name, fn)


@hookimpl
def register_actions(register):
    for name, fn in ACTIONS.items():
        register(name, fn)


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

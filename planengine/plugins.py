"""The plugin manager: the built-in plugin plus entry points in group ``planengine``.

Each installed plugin is loaded on its own, so one broken plugin costs a
warning, not the CLI.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

import pluggy

from planengine import hookspecs

HOOKS = ("register_checks", "register_actions", "register_notifiers", "register_plans")


@dataclass(frozen=True)
class Registered:
    name: str
    fn: object
    description: str
    plugin: str


@dataclass
class Registry:
    pm: pluggy.PluginManager
    checks: dict = field(default_factory=dict)
    actions: dict = field(default_factory=dict)
    notifiers: dict = field(default_factory=dict)
    plans: list = field(default_factory=list)
    plugins: dict = field(default_factory=dict)  # name -> distribution version (or "builtin")
    skipped: set = field(default_factory=set)  # installed but left out by PLANENGINE_LOAD_PLUGINS
    warnings: list = field(default_factory=list)

    def warn(self, message):
        message = "; ".join(line.strip() for line in str(message).splitlines() if line.strip())  # one line
        self.warnings.append(message)
        print(f"warning: {message}", file=sys.stderr)


def _wanted():
    raw = os.environ.get("PLANENGINE_LOAD_PLUGINS")
    if raw is None:
        return None
    return {x.strip() for x in raw.split(",") if x.strip()}


BUILTIN = "core"  # the built-in plugin's name: no installed plugin may take it


def _installed():
    """(name, load, version, where) of every entry point in group ``planengine``, one per
    plugin name; two different plugins with one name are reported, and the first kept.

    Distributions are walked without importlib's de-duplication by name, so a second copy of
    a distribution (another version elsewhere on sys.path) is seen and reported too.
    """
    from importlib.metadata import distributions

    found: dict = {}  # name -> (ep, dist)
    clashes = []
    for dist in distributions():
        try:
            eps = [ep for ep in dist.entry_points if ep.group == hookspecs.PROJECT]
        except Exception:  # a malformed dist-info: not a plugin we can load
            continue
        for ep in eps:
            first = found.get(ep.name)
            if first is None:
                found[ep.name] = (ep, dist)
                continue
            same = first[0].value == ep.value and _dist_name(first[1]) == _dist_name(dist)
            if not (same and first[1].version == dist.version):  # the same copy, seen twice on sys.path
                clashes.append((ep.name, first, (ep, dist)))
    out = [(name, ep.load, dist.version, _where(ep, dist)) for name, (ep, dist) in found.items()]
    return out, clashes


def _dist_name(dist) -> str:
    return (dist.metadata["Name"] or "?").lower().replace("_", "-")


def _where(ep, dist) -> str:
    return f"{dist.metadata['Name'] or '?'} {dist.version} ({ep.value})"


def build_registry(extra=()) -> Registry:
    """Load plugins and collect what they register. ``extra`` are plugin objects (tests).

    The built-in plugin is registered first under the reserved name ``core``.
    Each installed plugin is then imported and registered on its own: one that
    fails to import, has a hook with a wrong signature, or claims the name of
    another costs a warning naming it, never the command. Whatever plugins print
    while they load goes to stderr, so `--json` output stays JSON.
    """
    import contextlib

    from planengine.default_plugins import core as builtin

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    reg = Registry(pm)
    with contextlib.redirect_stdout(sys.stderr):
        _register(reg, BUILTIN, builtin, "builtin")
        wanted = _wanted()
        installed, clashes = _installed()
        for name, first, other in clashes:
            reg.warn(
                f"two plugins are named '{name}': {_where(*first)} and {_where(*other)}; only the first is loaded"
                " (uninstall one)"
            )
        candidates = []
        for name, load, version, where in installed:
            if wanted is not None and name not in wanted:
                reg.skipped.add(name)
                continue
            if name == BUILTIN:
                reg.warn(f"plugin '{BUILTIN}' from {where} not loaded: '{BUILTIN}' is the built-in plugin's name")
                continue
            candidates.append((name, load, version))
        for name in sorted((wanted or set()) - {i[0] for i in installed} - {BUILTIN}):
            reg.warn(f"PLANENGINE_LOAD_PLUGINS names '{name}', which is not installed")
        for obj in extra:
            name = getattr(obj, "__name__", type(obj).__name__).rsplit(".", 1)[-1]
            candidates.append((name, lambda o=obj: o, "test"))
        for name, load, version in candidates:
            if name in reg.plugins:
                reg.warn(f"plugin '{name}' is registered twice; keeping the first")
                continue
            try:
                module = load()
            except BaseException as e:  # SystemExit too: a plugin never ends the command
                reg.warn(f"plugin '{name}' failed to load: {type(e).__name__}: {e}")
                continue
            _register(reg, name, module, version)
        for hook in HOOKS:
            caller = getattr(pm.hook, hook)
            for impl in caller.get_hookimpls():
                _collect(reg, hook, impl)
    return reg


def _register(reg, name, module, version):
    pm = reg.pm
    try:
        pm.register(module, name=name)
        pm.check_pending()
    except (ValueError, pluggy.PluginValidationError) as e:
        # a hook with a wrong signature or name: the plugin is left out whole
        if pm.get_plugin(name) is module:
            pm.unregister(name=name)
        reg.warn(f"plugin '{name}' not loaded: {e}")
        return
    reg.plugins[name] = version


def _collect(reg, hook, impl):
    plugin = impl.plugin_name
    table = {
        "register_checks": reg.checks,
        "register_actions": reg.actions,
        "register_notifiers": reg.notifiers,
    }.get(hook)

    def register(name, fn=None, description=""):
        if table is None:  # register_plans
            reg.plans.append((plugin, str(name)))
            return
        if hook != "register_notifiers" and not str(name).startswith(plugin + "."):
            reg.warn(f"plugin '{plugin}' registered '{name}': names must start with '{plugin}.'")
            return
        if name in table:
            reg.warn(f"'{name}' is registered by both '{table[name].plugin}' and '{plugin}'; keeping the first")
            return
        if not description and fn is not None and fn.__doc__:
            description = " ".join(fn.__doc__.strip().split("\n\n")[0].split())  # first paragraph
        table[name] = Registered(name, fn, description, plugin)

    try:
        impl.function(register=register)
    except Exception as e:
        reg.warn(f"plugin '{plugin}' failed in {hook}: {type(e).__name__}: {e}")


_cached: Registry | None = None


def get_registry() -> Registry:
    global _cached
    if _cached is None:
        _cached = build_registry()
    return _cached


def lint_warnings(reg: Registry, plan):
    """Domain warnings from plugins that the plan uses: (message, obj-or-None)."""
    out = []
    for impl in reg.pm.hook.lint_plan.get_hookimpls():
        if impl.plugin_name != "core" and impl.plugin_name not in plan.uses:
            continue
        try:
            result = impl.function(plan=plan) or ()
        except Exception as e:
            reg.warn(f"plugin '{impl.plugin_name}' failed in lint_plan: {type(e).__name__}: {e}")
            continue
        for item in result:
            if isinstance(item, tuple):
                out.append((f"[{impl.plugin_name}] {item[0]}", item[1]))
            else:
                out.append((f"[{impl.plugin_name}] {item}", None))
    return out


def report_sections(reg: Registry, incident, lang) -> list:
    """Extra after-action report sections from every plugin, as ``{"title", "body", "plugin"}``.

    Each plugin is called on its own: one that raises or returns something
    other than a list of ``{"title", "body"}`` costs a warning, not the report.
    """
    out = []
    for impl in reversed(reg.pm.hook.report_sections.get_hookimpls()):  # registration order
        try:
            result = impl.function(incident=incident, lang=lang) or ()
            sections = [
                {"title": str(s["title"]), "body": str(s.get("body") or ""), "plugin": impl.plugin_name} for s in result
            ]
        except Exception as e:
            reg.warn(f"plugin '{impl.plugin_name}' failed in report_sections: {type(e).__name__}: {e}")
            continue
        out.extend(sections)
    return out

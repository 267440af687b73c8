"""The plugin manager: the built-in plugin plus entry points in group ``planengine``.

Each installed plugin is loaded on its own, so one broken plugin costs a
warning, not the CLI.

What is installed is read from the distributions' metadata once and kept in a
small cache file (see :func:`_installed`), so a command does not walk every
distribution on ``sys.path`` to find three entry points. A command that runs an
incident loads only the plugins its plan names in ``uses:``
(:func:`registry_for`); `plan validate`, `plan plugins` and the rest load every
installed plugin (:func:`get_registry`). Checks and actions are collected as the
plugins load; notifiers and shipped plans when first asked for, so a command
that never notifies never imports the notifiers.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

HOOKS = ("register_checks", "register_actions", "register_notifiers", "register_plans")
_TABLES = {"checks": "register_checks", "actions": "register_actions", "notifiers": "register_notifiers"}


class Registered:
    __slots__ = ("name", "fn", "description", "plugin")

    def __init__(self, name, fn, description, plugin):
        self.name, self.fn, self.description, self.plugin = name, fn, description, plugin

    def __repr__(self):
        return f"Registered({self.name!r}, plugin={self.plugin!r})"


class Registry:
    """The loaded plugins and what they register (``checks``, ``actions``, ``notifiers``, ``plans``),
    each table collected from its hook when first read."""

    def __init__(self, pm):
        self.pm = pm
        self.plugins: dict = {}  # name -> distribution version (or "builtin")
        self.skipped: set = set()  # installed but left out by PLANENGINE_LOAD_PLUGINS
        self.warnings: list = []
        self._tables: dict = {}

    def warn(self, message):
        message = "; ".join(line.strip() for line in str(message).splitlines() if line.strip())  # one line
        self.warnings.append(message)
        print(f"warning: {message}", file=sys.stderr)

    def _table(self, hook):
        table = self._tables.get(hook)
        if table is None:
            if self.pm is None:  # the core alone, taken without the plugin manager: load it now
                self.pm = build_registry(only=frozenset()).pm
            table = self._tables[hook] = [] if hook == "register_plans" else {}
            with contextlib.redirect_stdout(sys.stderr):  # what plugins print stays off stdout
                for impl in getattr(self.pm.hook, hook).get_hookimpls():
                    _collect(self, hook, impl, table)
        return table

    @property
    def checks(self) -> dict:
        return self._table("register_checks")

    @property
    def actions(self) -> dict:
        return self._table("register_actions")

    @property
    def notifiers(self) -> dict:
        return self._table("register_notifiers")

    @property
    def plans(self) -> list:
        return self._table("register_plans")


def _wanted():
    raw = os.environ.get("PLANENGINE_LOAD_PLUGINS")
    if raw is None:
        return None
    return {x.strip() for x in raw.split(",") if x.strip()}


BUILTIN = "core"  # the built-in plugin's name: no installed plugin may take it
CACHE_VERSION = 2
CACHE_ENTRIES = 8  # keys kept in the cache file (interpreters and sys.path variants of one environment)


def _scan():
    """Every entry point in group ``planengine``, one per plugin name, from the distributions'
    metadata: ``{"found": [[name, value, version, where]], "clashes": [[name, where, where]]}``;
    two different plugins with one name are reported, and the first kept.

    Distributions are walked without importlib's de-duplication by name, so a second copy of
    a distribution (another version elsewhere on sys.path) is seen and reported too.
    """
    from importlib.metadata import distributions

    from planengine import hookspecs

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
                clashes.append([ep.name, _where(*first), _where(ep, dist)])
    return {
        "found": [[name, ep.value, dist.version, _where(ep, dist)] for name, (ep, dist) in found.items()],
        "clashes": clashes,
    }


def _dist_name(dist) -> str:
    return (dist.metadata["Name"] or "?").lower().replace("_", "-")


def _where(ep, dist) -> str:
    return f"{dist.metadata['Name'] or '?'} {dist.version} ({ep.value})"


def _path_key() -> list:
    """What the scan reads: for every ``sys.path`` entry that holds distributions, its
    ``*.dist-info``/``*.egg-info`` directories (``EGG-INFO`` in an ``.egg``) with the time and
    size of each one's entry_points.txt; for a zip or other file on the path, its own.

    Installing, upgrading or removing a distribution adds, renames or removes such a
    directory (and rewrites its entry_points.txt), so any change the scan could see
    changes this key. Entries without distributions add nothing to the scan, so they
    are left out: `python -m planengine` from any directory has the key of `plan`.
    """
    key = []
    for entry in sys.path:
        path = entry or "."
        egg = path.lower().endswith(".egg")
        try:
            with os.scandir(path) as it:
                metas = []
                for child in it:
                    low = child.name.lower()
                    if low.endswith((".dist-info", ".egg-info")) or (egg and low == "egg-info"):
                        try:
                            st = os.stat(os.path.join(child.path, "entry_points.txt"))
                            stamp = [st.st_mtime_ns, st.st_size]
                        except OSError:
                            stamp = None
                        metas.append([child.name, stamp])
        except NotADirectoryError:
            try:
                st = os.stat(path)
                key.append([os.path.abspath(path), "file", st.st_mtime_ns, st.st_size])
            except OSError:
                pass  # gone: nothing to scan
            continue
        except OSError:
            continue  # missing or unreadable: nothing to scan
        if metas:
            key.append([os.path.abspath(path), sorted(metas)])
    return key


def _cache_file() -> str | None:
    """The entry-point cache of this Python environment (PLANENGINE_PLUGIN_CACHE=off: none)."""
    setting = os.environ.get("PLANENGINE_PLUGIN_CACHE")
    if setting is not None and setting.strip().lower() in ("", "0", "off", "no", "false"):
        return None
    if setting and setting.strip().lower() not in ("1", "on", "yes", "true"):
        return setting  # an explicit file
    from planengine.core.digest import sha256_hex

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "planengine", f"entry-points-{sha256_hex(sys.prefix.encode())[:8]}.json")


def _installed():
    """The scan's answer for the current ``sys.path``: from the cache file when one of its entries
    was made for what is on disk now (:func:`_path_key`), else scanned afresh and added to it.

    The file keeps the last few keys, so `plan` and `python -m planengine` (whose first
    ``sys.path`` entries differ) do not push each other out.
    """
    path = _cache_file()
    key = _path_key() if path else None
    entries = []
    if path:
        try:
            with open(path, encoding="utf-8") as fh:
                cached = json.load(fh)
            if cached.get("version") == CACHE_VERSION:
                entries = [e for e in cached["entries"] if isinstance(e, dict)]
            for e in entries:
                if e.get("key") == key:
                    return e["found"], e["clashes"]
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            entries = []  # missing, unreadable or not ours: scan
    scanned = _scan()
    if path:
        entries = [{"key": key, **scanned}] + entries[: CACHE_ENTRIES - 1]
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump({"version": CACHE_VERSION, "entries": entries}, fh)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only home: the cache is only a cache
    return scanned["found"], scanned["clashes"]


def _load_entry_point(value: str):
    """The object an entry point ``module[:attr]`` names (what importlib's EntryPoint.load does)."""
    import importlib

    target = value.split("[", 1)[0]  # extras are install-time only
    module, _, attr = target.partition(":")
    obj = importlib.import_module(module.strip())
    for part in filter(None, attr.strip().split(".")):
        obj = getattr(obj, part)
    return obj


def build_registry(extra=(), only=None) -> Registry:
    """Load plugins and collect what they register. ``extra`` are plugin objects (tests);
    ``only``, when given, names the installed plugins to load (the others are not imported).

    The built-in plugin is registered first under the reserved name ``core``.
    Each installed plugin is then imported and registered on its own: one that
    fails to import, has a hook with a wrong signature, or claims the name of
    another costs a warning naming it, never the command. Whatever plugins print
    while they load goes to stderr, so `--json` output stays JSON.
    """
    import pluggy

    from planengine import hookspecs
    from planengine.default_plugins import core as builtin

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    reg = Registry(pm)
    with contextlib.redirect_stdout(sys.stderr):
        _register(reg, BUILTIN, builtin, "builtin")
        wanted = _wanted()
        installed, clashes = _installed()
        concerned = (lambda name: True) if only is None else (lambda name: name in only)
        for name, first, other in clashes:
            if concerned(name):
                reg.warn(
                    f"two plugins are named '{name}': {first} and {other}; only the first is loaded (uninstall one)"
                )
        candidates = []
        for name, value, version, where in installed:
            if wanted is not None and name not in wanted:
                reg.skipped.add(name)
                continue
            if not concerned(name):
                continue
            if name == BUILTIN:
                reg.warn(f"plugin '{BUILTIN}' from {where} not loaded: '{BUILTIN}' is the built-in plugin's name")
                continue
            candidates.append((name, lambda v=value: _load_entry_point(v), version))
        for name in sorted((wanted or set()) - {i[0] for i in installed} - {BUILTIN}):
            if concerned(name):
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
    reg.checks, reg.actions  # noqa: B018 - collected now, so their warnings come as the plugins load
    return reg


def _register(reg, name, module, version):
    import pluggy

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


def _collect(reg, hook, impl, table):
    plugin = impl.plugin_name

    def register(name, fn=None, description=""):
        if hook == "register_plans":
            table.append((plugin, str(name)))
            return
        if hook != "register_notifiers" and not str(name).startswith(plugin + "."):
            reg.warn(f"plugin '{plugin}' registered '{name}': names must start with '{plugin}.'")
            return
        if name in table:
            reg.warn(f"'{name}' is registered by both '{table[name].plugin}' and '{plugin}'; keeping the first")
            return
        table[name] = Registered(name, fn, _description(fn, description), plugin)

    try:
        impl.function(register=register)
    except Exception as e:
        reg.warn(f"plugin '{plugin}' failed in {hook}: {type(e).__name__}: {e}")


def _description(fn, given=""):
    if not given and fn is not None and fn.__doc__:
        return " ".join(fn.__doc__.strip().split("\n\n")[0].split())  # first paragraph
    return given


_cached: Registry | None = None  # every installed plugin (tests may set it to a registry of their own)


def get_registry() -> Registry:
    global _cached
    if _cached is None:
        _cached = build_registry()
    return _cached


def registry_for(uses) -> Registry:
    """The core plugin and the installed plugins named in ``uses`` (a plan's ``uses:``), nothing else.

    What an incident's commands need: its plan's checks and actions (the engine
    keeps it with the plan's runner). When the full registry is already built (or
    set by a test), that one is used.
    """
    if _cached is not None:
        return _cached
    names = frozenset(uses) - {BUILTIN}
    return build_registry(only=names) if names else core_registry()


def core_registry() -> Registry:
    """The built-in plugin alone, its checks and actions taken from
    :mod:`planengine.default_plugins.builtins` without the plugin manager: what an incident
    whose plan uses no plugin runs with. Its other tables load the plugin manager when read."""
    from planengine.default_plugins import builtins

    reg = Registry(None)
    reg.plugins[BUILTIN] = "builtin"
    for hook, table in (("register_checks", builtins.CHECKS), ("register_actions", builtins.ACTIONS)):
        reg._tables[hook] = {n: Registered(n, fn, _description(fn), BUILTIN) for n, fn in table.items()}
    return reg


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

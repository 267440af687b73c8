"""The plan library: where plan files are found (`--plans`, PLANENGINE_PLANS, ./plans, then plugins).

Plugins (and the core's built-in plugin) ship their plans as package data and
register them with `register_plans`, so `plan start mass_petition` works from
any directory; a plan directory's ID.yaml overrides a shipped plan ID.
"""

from __future__ import annotations

import os


class PlanNotFound(Exception):
    pass


def plan_dirs(explicit=None) -> list:
    """Directories searched for plans, in order: explicit ones, PLANENGINE_PLANS, ./plans."""
    dirs = []
    if explicit:
        dirs.extend(explicit if isinstance(explicit, (list, tuple)) else [explicit])
    env = os.environ.get("PLANENGINE_PLANS")
    if env:
        dirs.extend(d for d in env.split(os.pathsep) if d)
    dirs.append("plans")
    return dirs


def plan_files(dirs, registered) -> list:
    """(path, origin) of every plan in ``dirs``, then ``registered`` [(plugin, path)] plans."""
    import glob

    seen = set()
    out = []
    for d in dirs:
        for path in sorted(glob.glob(os.path.join(d, "*.yaml")) + glob.glob(os.path.join(d, "*.yml"))):
            if os.path.realpath(path) not in seen:
                seen.add(os.path.realpath(path))
                out.append((path, d))
    stems = {_stem(p) for p, _ in out}
    for plugin, path in registered:
        # a shipped plan that a plan directory overrides (or holds, in the repository) is not listed twice
        if os.path.realpath(path) not in seen and _stem(path) not in stems:
            seen.add(os.path.realpath(path))
            stems.add(_stem(path))
            out.append((path, f"plugin {plugin}"))
    return out


def _stem(path) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def resolve_plan(ref: str, dirs, registered) -> str:
    """The file a PLAN argument names: a path, or a plan id on the plan path, then among plugin plans."""
    if ref.endswith((".yaml", ".yml")):
        if not os.path.isfile(ref):
            raise PlanNotFound(f"no plan file {_short(ref)}")
        return ref
    if os.path.sep in ref or os.path.isfile(ref) or not ref:
        # only YAML files are ever read as plans: `plan: /etc/passwd` is not opened
        raise PlanNotFound(f"{_short(ref)} is not a plan: name a plan id on the plan path or a .yaml/.yml file")
    for d in dirs:
        for ext in (".yaml", ".yml"):
            path = os.path.join(d, ref + ext)
            if os.path.isfile(path):
                return path
    for _plugin, path in registered:
        if os.path.splitext(os.path.basename(path))[0] == ref:
            return path
    from planengine.core.plan.source import did_you_mean

    known = [os.path.splitext(os.path.basename(p))[0] for p, _ in plan_files(dirs, registered)]
    raise PlanNotFound(f"no plan {_short(ref)} on the plan path ({', '.join(dirs)}){did_you_mean(ref, known)}")


def _short(text) -> str:
    from planengine.core.plan.source import short

    return short(text)

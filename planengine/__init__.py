"""planengine: emergency plans and drills as YAML state machines.

The public API, for plugins, scripts and tests::

    from planengine import Engine, hookimpl, load_plan, SimClock

Names are resolved lazily so that importing the package (every `plan`
command does) stays cheap.
"""

__version__ = "0.1.0"

_API = {
    "Engine": "planengine.core.engine",
    "Batch": "planengine.core.engine",
    "PlanNotFound": "planengine.core.plan.library",
    "Refused": "planengine.core.incident.commands",
    "StoreError": "planengine.core.store",
    "load_config": "planengine.core.engine",
    "load_plan": "planengine.core.plan.loader",
    "SourceError": "planengine.core.plan.source",
    "Plan": "planengine.core.plan.model",
    "IncidentState": "planengine.core.incident.state",
    "fold": "planengine.core.incident.state",
    "status_dict": "planengine.core.incident.status",
    "SimClock": "planengine.core.incident.clock",
    "WallClock": "planengine.core.incident.clock",
    "CheckContext": "planengine.core.incident.context",
    "hookimpl": "planengine.hookspecs",
    "hookspec": "planengine.hookspecs",
}

__all__ = ["__version__", *_API]


def __getattr__(name):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'planengine' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)

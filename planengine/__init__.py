"""planengine: emergency plans and drills as YAML state machines.

Importing the package stays cheap (`plan --version`, `plan status` must start
fast), so `hookimpl` is resolved lazily.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl"]


def __getattr__(name):
    if name == "hookimpl":
        from planengine.core.hookspecs import hookimpl

        return hookimpl
    raise AttributeError(f"module 'planengine' has no attribute {name!r}")

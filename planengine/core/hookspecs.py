"""Kept so plugins written against 0.1 (`from planengine.core.hookspecs import hookimpl`) still load."""

from planengine.hookspecs import PROJECT, hookimpl, hookspec  # noqa: F401

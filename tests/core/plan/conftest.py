"""Helpers shared by the plan tests."""

from __future__ import annotations


def value_paths(data, prefix=()):
    """Every path into ``data`` (dict keys and list indexes), the empty path first."""
    yield prefix
    if isinstance(data, dict):
        for k, v in data.items():
            yield from value_paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from value_paths(v, prefix + (i,))

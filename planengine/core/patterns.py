"""Regular expressions compiled when first used.

Compiling a pattern costs about 0.1 ms; a module that compiles its patterns at
import makes every command that imports it pay, whether it reads a typed time,
a duration or a number or not (`plan status` reads none of them).
"""

from __future__ import annotations

import re

_METHODS = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer")


class LazyPattern:
    """Stands for ``re.compile(pattern, flags)``; compiled at the first method call, whose bound
    methods then sit on the instance (later calls cost what the compiled pattern's do)."""

    def __init__(self, pattern: str, flags: int = 0):
        self.pattern, self.flags = pattern, flags

    def __getattr__(self, name):
        if name not in _METHODS:
            raise AttributeError(name)
        compiled = re.compile(self.pattern, self.flags)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)

    def __repr__(self):
        return f"LazyPattern({self.pattern!r}, {self.flags!r})"


def lazy(pattern: str, flags: int = 0) -> LazyPattern:
    return LazyPattern(pattern, flags)

"""Typed facts: coercion of what the duty officer types, and of plan literals."""

from __future__ import annotations

import math
import re

from planengine.core.patterns import lazy

_TRUE = {"true", "yes", "y", "1", "是", "on"}
_FALSE = {"false", "no", "n", "0", "否", "off"}


class FactError(ValueError):
    pass


# What a duty officer types for a number: ASCII digits after NFKC, so the full-width
# digits of a Chinese input method (１５, －３, ２．５) are the numbers they show.
# `1_000` (Python's separator) and `1,000` are refused: write 1000.
_INTEGER = lazy(r"[+-]?[0-9]+", re.ASCII)
_NUMBER = lazy(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


def _digits(name, value, pattern) -> str:
    import unicodedata  # only when a typed figure is read

    text = unicodedata.normalize("NFKC", str(value)).strip()
    if len(text) > 40 or not pattern.fullmatch(text):
        if "_" in text or "," in text:
            raise FactError(f"fact '{name}': {_short(value)}: write the digits alone, e.g. 1000")
        raise ValueError
    return text


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:76] + "...'"


def coerce_value(name, ftype, value, enum=None, strict=True, lo=None, hi=None):
    """Return ``value`` as the fact's type or raise FactError naming the fact.

    ``value`` may be a string from the command line or a YAML scalar.
    """
    try:
        if ftype == "integer":
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            out = value if isinstance(value, int) else int(_digits(name, value, _INTEGER))
            if abs(out) > 2**63 - 1:  # an SQLite INTEGER, and exact in every JSON reader that matters
                raise FactError(f"fact '{name}': {_short(value)} is too large")
        elif ftype == "number":
            if isinstance(value, bool):
                raise ValueError
            out = value if isinstance(value, (int, float)) else float(_digits(name, value, _NUMBER))
            if isinstance(out, float) and not math.isfinite(out):  # inf, nan, 1e400: not JSON
                raise ValueError
            if out == 0:
                out = 0 * out if isinstance(out, int) else 0.0  # -0 and -0.0 are 0
        elif ftype == "boolean":
            if isinstance(value, bool):
                out = value
            else:
                s = str(value).strip().lower()
                if s in _TRUE:
                    out = True
                elif s in _FALSE:
                    out = False
                else:
                    raise ValueError
        else:
            out = value if isinstance(value, str) else str(value)
    except FactError:
        raise
    except (TypeError, ValueError):
        article = "an" if ftype[0] in "aeiou" else "a"
        raise FactError(f"fact '{name}': {_short(value)} is not {article} {ftype}") from None
    if enum and out not in enum:
        raise FactError(f"fact '{name}': {_short(out)} is not one of {', '.join(map(str, enum))}")
    if lo is not None or hi is not None:
        # bounds apply to integer and number facts only (the loader refuses them on
        # others); never let a bad plan turn into a TypeError at `plan set` time
        if not all(_is_num(x) for x in (out, lo, hi) if x is not None):
            raise FactError(f"fact '{name}': min and max apply only to integer and number facts")
        if lo is not None and out < lo:
            raise FactError(f"fact '{name}': {out!r} is below the minimum {lo}")
        if hi is not None and out > hi:
            raise FactError(f"fact '{name}': {out!r} is above the maximum {hi}")
    return out


def _is_num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def coerce_fact(plan, name, value):
    """Coerce a fact for a plan; unknown facts are refused with a suggestion."""
    fact = plan.facts.get(name)
    if fact is None:
        from planengine.core.plan.source import did_you_mean

        raise FactError(f"unknown fact '{name}'{did_you_mean(name, list(plan.facts))}")
    return coerce_value(name, fact.type, value, enum=fact.enum, lo=fact.min, hi=fact.max)

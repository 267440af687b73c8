"""Durations as planners write them: ``45s``, ``30m``, ``1h30m``, ``7d``, ``PT30M``."""

from __future__ import annotations

import re

_COMPACT = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_ISO = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_UNITS = (86400, 3600, 60, 1)


class DurationError(ValueError):
    pass


def parse(text) -> int:
    """Seconds in a duration; raises DurationError with the accepted forms."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise DurationError(f"bad duration {text!r}: write e.g. 45s, 30m, 1h30m, 7d or PT30M")
    if isinstance(text, int):
        if text == 0:
            return 0
        raise DurationError(f"bad duration {text!r}: give a unit, e.g. {text}m or {text}s")
    s = text.strip()
    m = _COMPACT.match(s) if s and not s.startswith("P") else _ISO.match(s)
    if not s or not m or not any(m.groups()) or s in ("P", "PT") or s.endswith("T"):
        raise DurationError(f"bad duration {text!r}: write e.g. 45s, 30m, 1h30m, 7d or PT30M")
    return sum(int(g) * u for g, u in zip(m.groups(), _UNITS) if g)


def format(seconds: int) -> str:
    """``5400`` -> ``1h30m``; the inverse of parse for the compact form."""
    seconds = int(seconds)
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    out = []
    for unit, name in zip(_UNITS, "dhms"):
        q, seconds = divmod(seconds, unit)
        if q:
            out.append(f"{q}{name}")
    return sign + "".join(out)

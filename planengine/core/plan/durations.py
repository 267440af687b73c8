"""Durations as planners write them: ``45s``, ``30m``, ``1h30m``, ``7d``, ``PT30M``."""

from __future__ import annotations

import re

from planengine.core.patterns import lazy

# ASCII digits only (`re.ASCII`): the JSON Schema's DURATION_PATTERN says the same, so an
# editor and the loader agree; full-width digits (１５m) are refused with a hint.
_COMPACT = lazy(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$", re.ASCII)
_ISO = lazy(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$", re.ASCII)
_UNITS = (86400, 3600, 60, 1)

# No time limit in a contingency plan comes near ten years: the longest in the
# statutes the bundled plans cite, 信访工作条例 (2022), is 60 days to handle a
# petition, extendable by at most 30.
# Anything longer is a typo, and would overflow datetime arithmetic
# (timedelta stops at 999999999 days) long before it meant anything.
MAX_DAYS = 3660
MAX_SECONDS = MAX_DAYS * 86400


HINT = "write e.g. 45s, 30m, 1h30m, 7d or PT30M (ASCII digits)"


class DurationError(ValueError):
    pass


def parse(text) -> int:
    """Seconds in a duration; raises DurationError with the accepted forms."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise DurationError(f"bad duration {_short(text)}: {HINT}")
    if isinstance(text, int):
        if text == 0:  # also `-0`, which YAML reads as the number 0
            return 0
        raise DurationError(f"bad duration {_short(text)}: give a unit, e.g. {text}m or {text}s")
    s = text
    m = _COMPACT.match(s) if s and not s.startswith("P") else _ISO.match(s)
    if not s or not m or not any(m.groups()) or s in ("P", "PT") or s.endswith("T"):
        raise DurationError(f"bad duration {_short(text)}: {HINT}")
    groups = [(g.lstrip("0") or "0", u) for g, u in zip(m.groups(), _UNITS) if g]
    if any(len(g) > 12 for g, _ in groups):  # int() of thousands of digits is itself refused
        seconds = MAX_SECONDS + 1
    else:
        seconds = sum(int(g) * u for g, u in groups)
    if seconds > MAX_SECONDS:
        raise DurationError(
            f"duration {_short(s)} is longer than {MAX_DAYS} days (about ten years): no contingency-plan"
            " time limit is that long (信访工作条例's longest is 60 days + 30)"
        )
    return seconds


def _short(s) -> str:
    s = str(s)
    return repr(s if len(s) <= 24 else s[:20] + "...")


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

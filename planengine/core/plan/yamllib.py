"""PyYAML, imported without compiling a regular expression that libyaml's parser never uses.

PyYAML's pure-Python reader (yaml/reader.py) compiles, when yaml is imported, the
class of characters YAML does not allow, written as a negated class spanning
U+00A0-U+D7FF, U+E000-U+FFFD and U+10000-U+10FFFF. Python's regular-expression
compiler walks such ranges one code point at a time: about 60,000 steps, a
quarter of what `plan validate` of ten plans costs in all. planengine parses
with libyaml (``CSafeLoader``), which checks characters itself, so that reader
runs only where libyaml is missing.

So before PyYAML is first imported, the same class written the other way round
(the few ranges it excludes, cheap to compile) is put in :mod:`re`'s cache under
PyYAML's pattern text, and PyYAML's ``re.compile`` finds it there. Both match
exactly the same characters (tests/core/plan/test_yamllib.py compares them on
every code point). Should the cache ever not be a dict keyed this way, nothing
is seeded and PyYAML compiles its own pattern, as it always did.
"""

import re
import sys

# the pattern of yaml/reader.py's Reader.NON_PRINTABLE (PyYAML 3.x-6.x)
PYYAML_NON_PRINTABLE = "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
# the characters it matches, listed: C0 controls but tab, LF and CR; DEL and C1 controls but NEL;
# surrogates; U+FFFE and U+FFFF
NON_PRINTABLE = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]"

if "yaml" not in sys.modules:
    _cache = getattr(re, "_cache", None)
    if isinstance(_cache, dict):
        _cache.setdefault((str, PYYAML_NON_PRINTABLE, 0), re.compile(NON_PRINTABLE))

import yaml  # noqa: E402 - after the cache is seeded

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeLoader

__all__ = ["yaml", "SafeLoader"]

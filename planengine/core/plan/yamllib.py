"""PyYAML, imported without compiling the regular expressions its modules make at import.

PyYAML's modules compile about ten patterns when ``yaml`` is imported: the YAML 1.1
implicit types of its resolver (yaml/resolver.py), the timestamp of its constructor
(yaml/constructor.py) and the class of characters its pure-Python reader refuses
(yaml/reader.py). planengine never uses one of them: it parses with libyaml
(``CSafeLoader``, which checks characters itself), composes nodes with its own
YAML 1.2 core-schema resolver (planengine/core/plan/source.py) and constructs no
Python objects with PyYAML's constructors. Compiling them was about a tenth of what
`plan validate` of ten plans costs in all (the reader's class alone spans
U+00A0-U+10FFFF, which Python's compiler walks one code point at a time).

So while ``yaml`` is first imported, the modules of the ``yaml`` package that import
:mod:`re` get a stand-in whose ``compile`` returns a
:class:`planengine.core.patterns.LazyPattern`: the same pattern, compiled when first
matched. Any other module that imports ``re`` meanwhile gets the real module, and
``re`` itself is restored as soon as the import is done. PyYAML's own loaders
(``yaml.safe_load``) resolve exactly as before, compiling the patterns they use on
their first use (tests/core/plan/test_yamllib.py).

The reader's class, should PyYAML's pure-Python reader ever run (libyaml missing), is
compiled in an equivalent form: the same characters listed the other way round (the
few ranges it excludes, cheap to compile); the tests compare both on every code point.
"""

import re
import sys
import types

from planengine.core.patterns import LazyPattern

# the pattern of yaml/reader.py's Reader.NON_PRINTABLE (PyYAML 3.x-6.x)
PYYAML_NON_PRINTABLE = "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
# the characters it matches, listed: C0 controls but tab, LF and CR; DEL and C1 controls but NEL;
# surrogates; U+FFFE and U+FFFF
NON_PRINTABLE = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]"
_EQUIVALENT = {PYYAML_NON_PRINTABLE: NON_PRINTABLE}


class _ReForYaml(types.ModuleType):
    """:mod:`re` as the modules of the ``yaml`` package see it: ``compile`` is lazy for them
    (and for them only: a pattern compiled from anywhere else is compiled at once)."""

    def __getattr__(self, name):
        return getattr(re, name)

    @staticmethod
    def compile(pattern, flags=0):
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller == "yaml" or caller.startswith("yaml."):
            return LazyPattern(_EQUIVALENT.get(pattern, pattern), flags)
        return re.compile(pattern, flags)


def _import_yaml():
    real = sys.modules.get("re")
    if "yaml" in sys.modules or real is not re:
        import yaml  # imported already (or `re` is not ours to stand in for): as it is

        return yaml
    sys.modules["re"] = _ReForYaml("re", re.__doc__)
    try:
        import yaml
    finally:
        sys.modules["re"] = real
    return yaml


yaml = _import_yaml()

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeLoader

__all__ = ["yaml", "SafeLoader"]

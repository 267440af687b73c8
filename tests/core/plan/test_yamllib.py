"""The regular expression seeded for PyYAML's reader matches what PyYAML's own would."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from planengine.core.plan import yamllib

EVERY_CODE_POINT = "".join(map(chr, range(sys.maxunicode + 1)))


def _fresh_python(code: str) -> str:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_seeded_class_matches_exactly_the_characters_of_pyyamls_pattern():
    theirs = re.compile(yamllib.PYYAML_NON_PRINTABLE).findall(EVERY_CODE_POINT)
    ours = re.compile(yamllib.NON_PRINTABLE).findall(EVERY_CODE_POINT)
    assert ours == theirs
    assert len(ours) == 29 + 32 + 2048 + 2  # C0 but tab/LF/CR, DEL and C1 but NEL, surrogates, U+FFFE/U+FFFF


def test_pyyamls_reader_gets_the_seeded_pattern_and_refuses_the_same_characters():
    code = (
        "from planengine.core.plan.yamllib import yaml, NON_PRINTABLE\n"
        "Reader = yaml.reader.Reader\n"
        "print(Reader.NON_PRINTABLE.pattern == NON_PRINTABLE)\n"
        "for bad in ('\\x00', '\\x1b', '\\x7f', '\\x9f', '\\ud800', '\\ufffe'):\n"
        "    try:\n"
        "        Reader('ok: ' + bad)\n"
        "        print('accepted', hex(ord(bad)))\n"
        "    except yaml.reader.ReaderError as e:\n"
        "        print(e.character == ord(bad))\n"
        "print(Reader('a: \\t\\x85\\xa0\\u4e2d\\U0001f600').buffer.startswith('a: '))\n"
    )
    assert _fresh_python(code).split() == ["True"] * 8


def test_the_pattern_seeded_is_the_one_pyyaml_compiles():
    code = (
        "import yaml\n"  # PyYAML first: its own pattern
        "from planengine.core.plan import yamllib\n"
        "print(yaml.reader.Reader.NON_PRINTABLE.pattern == yamllib.PYYAML_NON_PRINTABLE)\n"
    )
    assert _fresh_python(code) == "True"


def test_pyyamls_import_time_patterns_wait_until_first_used_and_re_is_restored():
    code = (
        "import re, sys\n"
        "from planengine.core.plan.yamllib import yaml\n"
        "from planengine.core.patterns import LazyPattern\n"
        "resolvers = [r for rs in yaml.resolver.Resolver.yaml_implicit_resolvers.values() for _, r in rs]\n"
        "lazy = [yaml.reader.Reader.NON_PRINTABLE, yaml.constructor.SafeConstructor.timestamp_regexp, *resolvers]\n"
        "print(all(type(p) is LazyPattern and 'match' not in vars(p) for p in lazy))\n"
        "print(sys.modules['re'] is re, type(re.compile('a+')) is re.Pattern)\n"
    )
    assert _fresh_python(code).split() == ["True", "True", "True"]


def test_the_stand_in_compiles_at_once_for_any_module_but_pyyamls():
    stand_in = yamllib._ReForYaml("re")
    assert type(stand_in.compile("a+")) is re.Pattern  # called from here, not from yaml.*
    assert stand_in.X == re.X and stand_in.escape is re.escape
    theirs = eval("re.compile('[0-9]+', re.X)", {"__name__": "yaml.resolver", "re": stand_in})  # noqa: S307
    assert type(theirs) is not re.Pattern and theirs.fullmatch("12") and not theirs.fullmatch("1a")


PYYAML_TYPES = (
    "a: yes\nb: 0x1F\nc: 2001-12-14\nd: ~\ne: 1_000\nf: .5\ng: 2001-12-14t21:59:43.10-05:00\n"
    "h: 190:20:30\ni: 0b101\nj: .NaN\nk: -.inf\nl: 'x'\nm: 0o17\nn: 012\no: Off\np: 6.8523015e+5\n"
)


def test_pyyamls_own_loaders_resolve_as_they_did_when_imported_plainly():
    load = (
        f"doc = {PYYAML_TYPES!r}\n"
        "print(repr([yaml.safe_load(doc), yaml.load(doc, Loader=yaml.SafeLoader), yaml.load(doc, yaml.CSafeLoader)]))\n"
    )
    ours = _fresh_python("from planengine.core.plan.yamllib import yaml\n" + load)
    plain = _fresh_python("import yaml\n" + load)
    assert ours == plain
    assert "datetime.date(2001, 12, 14)" in ours and "'o': False" in ours and "'b': 31" in ours

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

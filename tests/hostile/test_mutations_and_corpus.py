"""Mutated plans, drills and site configurations (hypothesis), and the corpus of inputs that once failed.

The mutations start from a bundled plan, its drill and the documented site
configuration and apply a few edits each: a hostile value for some key, bytes
inserted anywhere (NUL, invalid UTF-8, BOM, tab, anchors, aliases, merge keys,
tags, brackets), lines deleted, duplicated or re-indented, the file cut short.
Seeded; `--hypothesis-profile long` runs many more and every command. A failing
input belongs in tests/corpus/KIND/ (see its README) once fixed, so it is run on
every test run from then on.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, note, seed
from hypothesis import strategies as st

_here = sys.modules["tests.hostile.conftest"]
CORPUS, FILE, SEEDS = (
    _here.CORPUS,
    _here.FILE,
    {
        "plan": _here.SEED_PLAN,
        "drill": _here.SEED_DRILL,
        "config": _here.SEED_CONFIG,
    },
)

TOKENS = [
    "1e400", "-1e400", ".nan", ".inf", "-.inf", "9" * 4400, "0x" + "f" * 300, "-0", "-1", "0", "1.5",
    "1e400m", "PT1e400S", "-5m", "0s", "P99999999Y", "'١m'", "''", "~", "[]", "{}", "[[[[[[]]]]]]",
    "true", "'{{ 7*7 }}'", "&x [*x]", "*undefined", "!!binary aGk=", "!!python/object/apply:os.system [id]",
    "!!timestamp 2026-01-01", "2026-02-30", "'9999-12-31T23:59:59+14:00'", "'0001-01-01T00:00:00Z'",
    '"\\x1b[2J\\0"', "'" + "x" * 5000 + "'", "{<<: *undefined}", "'25:61-99:00'", "../../etc/passwd",
    "'FREQ=SECONDLY'", "[a, *b]", "&y {a: *y}", "!!set {a}", "'\\u202e'",
]  # fmt: skip
BYTES = [
    b"\x00", b"\xff", b"\xc0\xaf", b"\t", b"\xef\xbb\xbf", b"&a ", b"*a ", b"<<: *a\n", b"!!python/object:os.system ",
    b"{", b"}", b"[", b"]", b"'", b'"', b"\n", b"%YAML 1.1\n", b"#", b"? ", b"- ", b": ", b"---\n", b"\r", b"\x1b[2J",
    b"\xe2\x80\xa8", b"!!", b"|\n", b">-\n", b"\\",
]  # fmt: skip
VALUE = re.compile(rb"(?m)^(\s*(?:- )?[\w.]+: )(\S.*)$")
FLOW = re.compile(rb"([{,] *[\w.]+: )([^,{}\[\]\n]+)")

mutation = st.one_of(
    st.tuples(st.just("value"), st.integers(0, 10_000), st.sampled_from(TOKENS)),
    st.tuples(st.just("flow"), st.integers(0, 10_000), st.sampled_from(TOKENS)),
    st.tuples(st.just("insert"), st.integers(0, 10_000), st.sampled_from(BYTES)),
    st.tuples(st.just("delete_line"), st.integers(0, 10_000), st.just(None)),
    st.tuples(st.just("duplicate_line"), st.integers(0, 10_000), st.just(None)),
    st.tuples(st.just("indent"), st.integers(0, 10_000), st.sampled_from([b" ", b"  ", b"\t", b"-"])),
    st.tuples(st.just("truncate"), st.integers(0, 10_000), st.just(None)),
)


def mutate(data: bytes, edits) -> bytes:
    for op, n, arg in edits:
        if op in ("value", "flow"):
            spans = list((VALUE if op == "value" else FLOW).finditer(data))
            if spans:
                m = spans[n % len(spans)]
                data = data[: m.start(2)] + arg.encode() + data[m.end(2) :]
        elif op in ("insert", "truncate"):
            at = n % (len(data) + 1)
            data = data[:at] + arg + data[at:] if op == "insert" else data[:at]
        else:
            lines = data.split(b"\n")
            i = n % len(lines)
            if op == "delete_line":
                del lines[i]
            elif op == "duplicate_line":
                lines.insert(i, lines[i])
            else:
                lines[i] = arg + lines[i]
            data = b"\n".join(lines)
    return data


# Under the ci profile: the command that reads the most of each kind (`start` validates, compiles
# and runs a plan; `drill run` validates and runs a drill; `start` and `tick` read the whole site).
FIRST = {"plan": [2], "drill": [1], "config": [0, 1]}


@pytest.mark.parametrize("kind", ["plan", "drill", "config"])
@seed(20261201)
@given(edits=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_files_are_refused_with_a_position_or_accepted(hostile, kind, edits):
    data = mutate(SEEDS[kind], edits)
    note(f"{kind} edits {edits!r}")
    hostile.assert_handled(kind, data, only=FIRST[kind])


def test_mutations_change_the_file_and_some_are_refused(hostile):
    """The generator is not vacuous: its edits land, and the commands refuse what they make."""
    edits = [("value", 3, "1e400"), ("insert", 40, b"\x00")]
    changed = mutate(SEEDS["plan"], edits)
    assert changed != SEEDS["plan"] and b"1e400" in changed
    answer = hostile.worker.run(hostile.tmp.mktemp("m"), {"p.yaml": changed}, ["validate", "p.yaml"])
    assert answer["exit"] == 1 and re.match(r"p\.yaml:\d+:\d+: error: ", answer["stderr"])


CORPUS_FILES = sorted(p for p in CORPUS.glob("*/*") if p.parent.name in FILE and p.name != "README.md")


def test_the_corpus_is_not_empty():
    assert {p.parent.name for p in CORPUS_FILES} == {"plan", "drill", "config"}


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[f"{p.parent.name}/{p.name}" for p in CORPUS_FILES])
def test_inputs_that_once_failed_stay_handled(hostile, path: Path):
    hostile.assert_handled(path.parent.name, path.read_bytes())

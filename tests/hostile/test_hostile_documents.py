"""Generated hostile documents (bombs, encodings, tags, sizes, numbers) through every command that reads them.

Each document goes to `plan validate`, `plan lint` and `plan start` as a plan,
to `plan validate` and `plan drill run` as a drill, and to `plan start`,
`plan tick`, `plan status`, `plan schedule list` and `plan roster show` as the
site configuration (`--config`); see conftest.py for what every answer must be.
"""

from __future__ import annotations

import re
import sys

import pytest

_here = sys.modules["tests.hostile.conftest"]
SEED_CONFIG, SEED_DRILL, SEED_PLAN, long_run = _here.SEED_CONFIG, _here.SEED_DRILL, _here.SEED_PLAN, _here.long_run

KINDS = ("plan", "drill", "config")
HUGE_CPU_S = 10.0


def _billion_laughs(levels=9, width=10) -> str:
    lines = ['l0: &l0 "lol"']
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def _merge_bomb(levels=9, width=10) -> str:
    lines = ["m0: &m0 {k0: lol}"]
    for i in range(1, levels + 1):
        refs = ", ".join([f"*m{i - 1}"] * width)
        lines.append(f"m{i}: &m{i} {{<<: [{refs}], k{i}: [{refs}]}}")
    return "\n".join(lines) + "\n"


def _block_mapping(depth: int) -> str:
    return "".join("  " * i + "a:\n" for i in range(depth)) + "  " * depth + "x\n"


# Documents that are hostile whatever file they are: (name, bytes).
YAML_LEVEL = [
    ("billion_laughs", _billion_laughs()),
    ("billion_laughs_wide", _billion_laughs(levels=4, width=400)),
    (
        "billion_laughs_in_keys",
        "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n? [*b, *b, *b]\n: 1\n",
    ),
    ("recursive_sequence", "a: &a [*a]\n"),
    ("recursive_mapping", "a: &a {b: *a}\n"),
    ("recursive_merge", "a: &a {<<: *a}\n"),
    ("recursive_key", "&a [*a]: 1\n"),
    ("merge_bomb", _merge_bomb()),
    ("merge_key_plain", "base: &b {id: x, title: y}\nid: x\n<<: *b\n"),
    ("merge_undefined", "<<: *nothing\n"),
    ("alias_undefined", "id: *nothing\n"),
    ("anchor_redefined", "a: &a 1\nb: &a 2\nc: *a\n"),
    ("flow_nesting_10000", "a: " + "[" * 10_000 + "]" * 10_000 + "\n"),
    ("flow_mapping_nesting_5000", "a: " + "{a: " * 5_000 + "1" + "}" * 5_000 + "\n"),
    ("block_nesting_150", _block_mapping(150)),
    ("block_sequence_nesting_3000", "a: " + "- " * 3_000 + "x\n"),
    ("unclosed_flow_5000", "a: " + "[" * 5_000 + "\n"),
    ("huge_scalar", "id: x\ntitle: " + "标" * 300_000 + "\n"),
    ("huge_key", "k" * 900_000 + ": 1\n"),
    ("too_big_file", "# " + "x" * 1_100_000 + "\nid: x\n"),
    ("many_keys", "".join(f"k{i}: {i}\n" for i in range(60_000))),
    ("many_duplicate_keys", "".join("id: x\n" for _ in range(20_000))),
    ("one_long_line", "a: [" + ", ".join(["1"] * 150_000) + "]\n"),
    ("latin1_bytes", b"id: caf\xe9\ntitle: x\n"),
    ("utf16_with_bom", "id: x\ntitle: y\n".encode("utf-16")),
    ("utf8_bom_then_bom", b"\xef\xbb\xbf\xef\xbb\xbfid: x\n"),
    ("bom_in_the_middle", "id: x\n\ufefftitle: y\n"),
    ("overlong_utf8", b"id: \xc0\xaf\n"),
    ("encoded_surrogate", b"id: \xed\xa0\x80\n"),
    ("truncated_utf8", "id: 标题".encode()[:-1]),
    ("tab_indentation", "phases:\n\ta:\n\t\tfinal: true\n"),
    ("tab_after_dash", "injects:\n-\t{at: 1m, say: hi}\n"),
    ("nul_in_value", "id: a\x00b\ntitle: x\n"),
    ("nul_at_start", "\x00id: x\n"),
    ("nul_in_key", "i\x00d: x\n"),
    ("escaped_nul", 'id: "a\\0b"\ntitle: "\\x00\\x1b[2J"\n'),
    ("escape_sequence_value", 'title: "\\e[2J\\e]0;pwned\\a"\nid: 5\n'),
    ("carriage_returns", "id: x\r\rtitle: y\r"),
    ("line_separators", "id: x\u2028title: y\u0085lang: en\n"),
    ("noncharacters", "id: x\ntitle: \ufffe\uffff\n"),
    ("python_object_apply", "id: !!python/object/apply:os.system ['touch pwned']\n"),
    ("python_name", "id: !!python/name:os.system\n"),
    ("python_object_new", "id: !!python/object/new:subprocess.Popen [[touch, pwned]]\n"),
    ("python_module", "id: !!python/module:os\n"),
    ("python_tag_on_mapping", "!!python/object:__main__.X {id: x}\n"),
    ("python_tag_on_key", "!!python/tuple [a, b]: 1\n"),
    ("binary", "id: !!binary aGVsbG8=\n"),
    ("set", "id: !!set {a, b}\n"),
    ("omap", "id: !!omap [{a: 1}, {b: 2}]\n"),
    ("timestamp", "id: !!timestamp 2026-01-01\nstart: !!timestamp 99999-01-01\n"),
    ("custom_tag", "id: !pwn x\n"),
    ("verbatim_tag", "id: !<tag:evil.example,2026:x> y\n"),
    ("tag_directive", "%TAG !e! tag:evil.example,2026:\n---\nid: !e!x y\n"),
    ("yaml_11_directive", "%YAML 1.1\n---\nid: x\nflag: yes\n"),
    ("yaml_future_directive", "%YAML 9.9\n---\nid: x\n"),
    ("two_documents", "id: x\n---\nid: y\n"),
    ("empty", ""),
    ("only_whitespace", " \n\t\n  \n"),
    ("only_comments", "# nothing\n# here\n"),
    ("document_end_only", "...\n"),
    ("null_document", "~\n"),
    ("top_level_list", "- id: x\n- title: y\n"),
    ("top_level_scalar", "just a string\n"),
    ("top_level_number", "1e400\n"),
    ("complex_keys", "? [a, b]\n: 1\n? {c: d}\n: 2\n"),
    ("null_and_bool_keys", "~: 1\ntrue: 2\n1e400: 3\n.nan: 4\n"),
]

NUMBERS = ["1e400", "-1e400", ".nan", ".inf", "-.inf", "9" * 4200, "0x" + "f" * 400, "-0", "1e-400", "!!float 1e400"]
DURATIONS = ["1e400m", "PT1e400S", "nanm", "P99999999999Y", "-5m", "0m", "1h-1m", "١m", "PT", "P", "9" * 30 + "d", ""]


def _replace(seed: bytes, pattern: bytes, value: str) -> bytes:
    out, n = re.subn(pattern, lambda m: m.group(1) + value.encode(), seed, count=1)
    assert n == 1, pattern
    return out


def _plan_cases():
    cases = []
    for v in NUMBERS:
        cases.append((f"version={v[:12]}", _replace(SEED_PLAN, rb"(\nversion: )\S+", v)))
    for v in NUMBERS + DURATIONS:
        cases.append((f"within={v[:12]}", _replace(SEED_PLAN, rb"(within: )\w+", f"'{v}'" if v == "" else v)))
        cases.append((f"within_day={v[:12]}", _replace(SEED_PLAN, rb"(within: \{day: )\w+", f"'{v}'")))
    for v in [
        "25:00-07:00",
        "07:00-07:00",
        "7-19",
        "24:00-24:00",
        "07:00-19:00-20:00",
        "1e400",
        ".nan",
        "'٠٧:00-19:00'",
    ]:
        cases.append((f"daytime={v[:12]}", _replace(SEED_PLAN, rb"(\ndaytime: )\S+", v)))
    for v in ["../../../etc/passwd", "Mars/Olympus", "''", "1e400", ".nan", "[Asia/Shanghai]", "UTC\x00", "posixrules"]:
        cases.append((f"timezone={v[:12]}", _replace(SEED_PLAN, rb"(\ntimezone: )\S+", v)))
    for v in ["1e400", ".nan", "9" * 4200, "[]", "{}", "~"]:
        cases.append((f"lang={v[:12]}", _replace(SEED_PLAN, rb"(\nlang: )\S+", v)))
    return cases


def _big_plan(steps=0, phases=0, facts=0, roles=0) -> bytes:
    out = ["id: big", "title: Big", "version: 1", "lang: en", "timezone: Asia/Shanghai", "roles:", "  r: {title: R}"]
    out += [f"  r{i}: {{title: R{i}}}" for i in range(roles)]
    if facts:
        out.append("facts:")
        out += [f"  f{i}: {{type: integer, min: 0}}" for i in range(facts)]
    out += ["initial: p0", "phases:"]
    for p in range(max(phases, 1)):
        out.append(f"  p{p}:")
        out.append("    steps:")
        out.append("      - {id: s, role: r, within: 10m}")
        if p == 0:
            out += [f"      - {{id: s{i}, role: r, within: {1 + i % 50}m, needs: [s]}}" for i in range(steps)]
        out.append(f"    on: [{{event: go, to: p{p + 1}}}]")
    out.append(f"  p{max(phases, 1)}: {{final: true}}")
    return ("\n".join(out) + "\n").encode()


def _drill_cases():
    cases = []
    for v in ["9999-12-31T23:59:59+14:00", "0000-01-01T00:00:00Z", "2090-02-30T10:00:00+08:00", "2090-13-01",
              "2090-01-01T25:00:00+08:00", "2090-01-01T10:00:00+99:00", "1e400", ".nan", "'2090-01-01T10:00'",
              "2090-01-01T10:00:00.99999999999+08:00", "'  '", "[]"]:  # fmt: skip
        cases.append((f"start={v[:14]}", _replace(SEED_DRILL, rb"(\nstart: )\S+", v)))
    for v in NUMBERS + DURATIONS:
        cases.append((f"at={v[:12]}", _replace(SEED_DRILL, rb"(\{at: )\w+", f"'{v}'" if v == "" else v)))
        cases.append((f"set={v[:12]}", _replace(SEED_DRILL, rb"(set: \{injured: )\w+", v)))
    many = b"".join(b"  - {at: %dm, say: x%d}\n" % (i % 6000, i) for i in range(10_000))
    cases.append(("10000_injects", SEED_DRILL.split(b"injects:\n")[0] + b"injects:\n" + many))
    cases.append(("plan_parent_dir", _replace(SEED_DRILL, rb"(\nplan: )\S+", "../../../../etc/passwd")))
    cases.append(("plan_absolute", _replace(SEED_DRILL, rb"(\nplan: )\S+", "/etc/passwd")))
    cases.append(("plan_directory", _replace(SEED_DRILL, rb"(\nplan: )\S+", "/")))
    cases.append(("plan_itself", _replace(SEED_DRILL, rb"(\nplan: )\S+", "d.yaml")))
    cases.append(("plan_dev_zero", _replace(SEED_DRILL, rb"(\nplan: )\S+", "/dev/zero")))
    cases.append(("plan_nul", _replace(SEED_DRILL, rb"(\nplan: )\S+", '"plan.yaml\\0"')))
    return cases


def _config_cases():
    cases = []
    subs = {
        rb"(\ntimezone: )\S+": ["1e400", ".nan", "''", "../../../etc/localtime", "[]", "Mars/Olympus", "'UTC\\0'"],
        rb"(port: )\d+": NUMBERS + ["99999", "-1", "'25'", "[]"],
        rb"(argv: )\[[^\]]*\]": ["1e400", "[]", "[1e400]", "'echo hi'", "[[a]]", "[~]", "['']"],
        rb"(shift: )\w+": DURATIONS + NUMBERS,
        rb"(rrule: )\"[^\"]*\"": [
            '"FREQ=SECONDLY"',
            '"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"',
            '"FREQ=MINUTELY;BYSECOND=0;COUNT=99999999"',
            '"FREQ=DAILY;UNTIL=19000101T000000Z"',
            '"FREQ=YEARLY;BYYEARDAY=366;BYMONTH=2"',
            '"FREQ=WEEKLY;BYDAY=+53MO"',
            '"FREQ=DAILY;INTERVAL=0"',
            '"FREQ=DAILY;INTERVAL=99999999999999999999"',
            '"DTSTART:20900101T000000\\nRRULE:FREQ=DAILY"',
            "1e400",
            '""',
        ],
        rb"(holidays: )\[[^\]]*\]": [
            "[2090-10-07..2090-10-01]",
            "[1970-01-01..2999-12-31]",
            "[0001-01-01..9999-12-31]",
            "[2090-02-30]",
            "[1e400]",
            "2090-10-01",
            "[..]",
        ],
        rb"(drill_every: \{sudden_event: )\w+": DURATIONS + NUMBERS,
        rb"(?m)(^lang: )\w+": ["1e400", "[]", "xx", "~"],
        rb"(  duty: \{rotation: )\[[^\]]*\]": ["[]", "1e400", "[[a]]", "[~]", "[" + ", ".join(["a"] * 20000) + "]"],
        rb"(start: )\"[^\"]*\"": [
            '"9999-12-31T23:59+14:00"',
            '"0001-01-01T00:00Z"',
            '"2090-02-30T08:00+08:00"',
            "1e400",
        ],
    }
    for pattern, values in subs.items():
        label = re.search(r"(\w+): \)", pattern.decode().replace("\\n", " ")).group(1)
        for v in values:
            cases.append((f"{label}={v[:14]}", _replace(SEED_CONFIG, pattern, v)))
    for section in (b"notifiers", b"routes", b"people", b"schedules", b"calendar", b"roster", b"reports"):
        for v in (b"1e400", b"[]", b"x", b"~", b"[[]]", b".nan"):
            text = re.sub(
                rb"(?m)^" + section + rb":\n(?:  .*\n|             .*\n)*", section + b": " + v + b"\n", SEED_CONFIG
            )
            assert text != SEED_CONFIG
            cases.append((f"{section.decode()}={v.decode()}", text))
    return cases


# The commands (indexes into COMMANDS["config"]) that read each part under the ci profile.
READERS = {"schedules": [3], "rrule": [3], "holidays": [3], "calendar": [3], "roster": [4], "shift": [4]}
READERS.update(duty=[4], start=[3, 4], drill_every=[0], reports=[0], timezone=[1, 3])


def _ids(cases):
    return [name for name, _ in cases]


def test_the_seeds_run_cleanly_so_the_harness_can_tell_good_from_bad(hostile):
    for kind, seed in (("plan", SEED_PLAN), ("drill", SEED_DRILL), ("config", SEED_CONFIG)):
        assert hostile.check(kind, seed) == []
    bad = hostile.worker.run(hostile.tmp.mktemp("bad"), {"p.yaml": b"id: [\n"}, ["validate", "p.yaml"])
    assert bad["exit"] == 1 and bad["stderr"].startswith("p.yaml:2:1: error: YAML syntax")


# Under the ci profile each document is read by one kind of file in turn (the reader is shared);
# `--hypothesis-profile long` gives every document to every kind and every command.
YAML_CASES = [(KINDS[i % 3], name, text) for i, (name, text) in enumerate(YAML_LEVEL)]


@pytest.mark.parametrize("kind, name, text", YAML_CASES, ids=[f"{n}-{k}" for k, n, _ in YAML_CASES])
def test_hostile_yaml_is_refused_with_a_position_in_every_kind_of_file(hostile, kind, name, text):
    data = text if isinstance(text, bytes) else text.encode()
    for other in KINDS if long_run() else (kind,):
        hostile.assert_handled(other, data, only=[0])


@pytest.mark.parametrize("name, data", _plan_cases(), ids=_ids(_plan_cases()))
def test_hostile_numbers_durations_and_names_in_a_plan(hostile, name, data):
    hostile.assert_handled("plan", data, only=[2])  # `plan start` validates, compiles and runs it


@pytest.mark.parametrize(
    "name, data",
    [
        ("10000_steps", _big_plan(steps=10_000)),
        ("3000_phases", _big_plan(phases=3_000)),
        ("10000_facts", _big_plan(facts=10_000)),
        ("10000_roles", _big_plan(roles=10_000)),
    ],
    ids=["10000_steps", "3000_phases", "10000_facts", "10000_roles"],
)
def test_huge_plans_validate_lint_and_start_within_the_budget(hostile, name, data):
    # Legitimately big files (each about 0.5 MB) get HUGE_CPU_S: a guard against a hang or a
    # quadratic pass, not a speed figure (JSON Schema validation alone is ~1.5 s CPU here).
    hostile.assert_handled("plan", data, cpu_seconds=HUGE_CPU_S, only=[1, 2])


def _big_with_one_mistake():
    steps = _big_plan(steps=10_000)
    many = b"".join(b"  - {at: %dm, say: x%d}\n" % (i % 6000, i) for i in range(10_000))
    injects = SEED_DRILL.split(b"injects:\n")[0] + b"injects:\n" + many
    return [
        ("plan", "10000_steps_one_unknown_key", steps.replace(b"\nphases:", b"\nversoin: 2\nphases:", 1)),
        (
            "plan",
            "10000_steps_one_bad_step",
            steps.replace(b"{id: s5000, role: r, within:", b"{id: s5000, role: r, withn:", 1),
        ),
        ("drill", "10000_injects_plan_null", _replace(injects, rb"(\nplan: )\S+", "!!null x")),
        ("drill", "10000_injects_one_bad_inject", injects + b"  - {at: 1m, sya: x}\n"),
        ("drill", "10000_bad_injects", injects.split(b"  - {at: 0m")[0] + b"  - {at: soon, done: reprot}\n" * 10_000),
    ]


@pytest.mark.parametrize("kind, name, data", _big_with_one_mistake(), ids=[c[1] for c in _big_with_one_mistake()])
def test_a_big_file_with_one_mistake_is_explained_within_the_default_budget(hostile, kind, name, data):
    # JSON Schema explains only the values that do not fit (source._skipping_what_fits): the
    # 9,999 good steps or injects cost no more than when the file is valid.
    assert data != _big_plan(steps=10_000)
    hostile.assert_handled(kind, data, only=[0])


@pytest.mark.parametrize("name, data", _drill_cases(), ids=_ids(_drill_cases()))
def test_hostile_values_in_a_drill(hostile, name, data):
    cpu = HUGE_CPU_S if name.startswith("10000") else 2.0
    hostile.assert_handled("drill", data, cpu_seconds=cpu, only=[1])  # `plan drill run` validates and runs it


@pytest.mark.parametrize("name, data", _config_cases(), ids=_ids(_config_cases()))
def test_hostile_values_in_the_site_configuration(hostile, name, data):
    hostile.assert_handled("config", data, only=READERS.get(name.split("=")[0], [0, 1]))

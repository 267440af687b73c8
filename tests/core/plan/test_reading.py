"""Reading plan files: positions found on demand, the shape checks, the core-schema tags, no cycles.

The reader builds plain data in one pass and finds a value's position only when
asked (planengine/core/plan/source.py). These tests compare it with what a
full table of positions, built node by node from the same composed YAML, says,
and with the shape pass every document used to go through first.
"""

from __future__ import annotations

import gc
import glob
import math
import os

import pytest

from planengine.core.plan import source
from planengine.core.plan.source import CoreSchemaLoader, SourceError, read, yaml
from tests.core.plan.conftest import value_paths

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUNDLED = sorted(glob.glob(os.path.join(REPO, "plans", "*.yaml")) + glob.glob(os.path.join(REPO, "drills", "*.yaml")))

CRAFTED = {
    "aliases": "roles: &r {a: {title: A}, b: {title: B}}\nagain: *r\nlist: &l [1, [2, 3], {x: y}]\nmore: [*l, *l]\n",
    "scalar_keys": "1: one\n0x1F: hex\ntrue: yes\nnull: nothing\n~: tilde\n1.5: half\n.nan: nan\n.inf: inf\n",
    "nested": "a:\n  - b: [1, 2, {c: [d, e], x: {y: 1}}]\n  - [[x], [y, [z]]]\n  - {}\n  - []\n",
    "top_list": "- a\n- {b: c}\n- [d]\n",
    "top_scalar": "just text\n",
}


def _table(text):
    """Every value's and key's position, as a full table built node by node (the reader's old way)."""
    root = yaml.compose(text, Loader=CoreSchemaLoader)
    positions = {}

    def mark(node):
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def walk(node, path):
        positions[path] = mark(node)
        if isinstance(node, yaml.MappingNode):
            for knode, vnode in node.value:
                key = source._scalar(knode)
                if isinstance(key, bool) or key is None:
                    key = knode.value
                positions[("key",) + path + (key,)] = mark(knode)
                walk(vnode, path + (key,))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, path + (i,))

    walk(root, ())
    return positions


def _cases():
    for path in BUNDLED:
        with open(path, encoding="utf-8") as fh:
            yield os.path.basename(path), fh.read()
    yield from CRAFTED.items()


@pytest.mark.parametrize("name,text", list(_cases()), ids=[c[0] for c in _cases()])
def test_a_position_found_on_demand_is_the_one_a_full_table_has(name, text):
    src = read(name, text)
    table = _table(text)
    paths = list(value_paths(src.data))
    assert len(paths) > 1 or name == "top_scalar"
    for path in paths:
        assert src.pos(path) == table[path], path
        assert src.pos(path, key=True) == table.get(("key",) + path, table[path]), path
    # a path that is not there: its nearest parent that is
    for path in paths:
        for missing in (path + ("no such key",), path + (10_000,), path + (-1,), path + ("no such key", "y")):
            assert src.pos(missing) == table[path] and src.pos(missing, key=True) == table[path]


def test_a_nan_key_is_found_by_the_data_s_own_key():
    src = read("f.yaml", CRAFTED["scalar_keys"])
    nan = next(k for k in src.data if isinstance(k, float) and math.isnan(k))
    assert src.pos((nan,), key=True) == (7, 1)


DEEP = [
    "a: " + "[" * 99 + "]" * 99,  # 100 levels: fine
    "a: " + "[" * 100 + "]" * 100,  # 101
    "a: " + "[" * 101 + "]" * 101,
    "a: " + "[" * 460 + "]" * 460,
    "".join("  " * i + f"k{i}:\n" for i in range(120)),
    "a: [" + ",".join(["1"] * 200_001) + "]",
    "a: [" + ",".join(["[1]"] * 100_000) + "]",
    "? [1]\n: " + "[" * 150 + "]" * 150 + "\n",  # too deep under a key the builder refuses
    "a: !foo x\nb: " + "[" * 150 + "]" * 150 + "\n",  # and beside a value it refuses
    "a: !foo x\nb: [" + ",".join(["1"] * 200_001) + "]",
    "a: &x {b: *x}",
    "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e, *e, *e]\n",
]


@pytest.mark.parametrize("text", DEEP, ids=range(len(DEEP)))
def test_a_document_too_deep_or_too_big_is_reported_as_the_shape_pass_reports_it(text):
    bad = source._shape_problem(yaml.compose(text, Loader=CoreSchemaLoader))
    try:
        read("f.yaml", text)
    except SourceError as e:
        got = [(p.line, p.col, p.message) for p in e.problems]
    else:
        got = []
    if bad is None:
        assert all("deeper" not in m and "expands" not in m for _, _, m in got)
    else:
        assert got == [(*source._mark(bad[0]), bad[1])]


VALUES = [
    "", "~", "null", "Null", "NULL", "nul", "true", "True", "TRUE", "tRue", "false", "yes", "no", "on", "off",
    "0", "12", "-3", "+4", "012", "0o17", "0x1F", "0x", "1_000", "1.5", "-.5", ".5", "1e3", "1.0e-3", "1e",
    ".inf", "-.inf", "+.Inf", ".nan", ".NaN", "<<", "< <", "1:30", "07:00-19:00", "30m", "PT30M", "标题",
    "title", "notify", "-", "+", ".", "- a", "<", "2026-01-01", "true\n", "12\n",
]  # fmt: skip


@pytest.mark.parametrize("value", VALUES)
def test_the_reader_tags_a_plain_or_quoted_scalar_as_pyyaml_s_resolver_does(value):
    loader = CoreSchemaLoader("")
    try:
        for implicit in ((True, False), (False, True), (False, False)):
            expected = yaml.resolver.BaseResolver.resolve(loader, yaml.ScalarNode, value, implicit)
            assert loader.resolve(yaml.ScalarNode, value, implicit) == expected
        for kind in (yaml.SequenceNode, yaml.MappingNode):
            assert loader.resolve(kind, None, (True, False)) == yaml.resolver.BaseResolver.resolve(
                loader, kind, None, (True, False)
            )
    finally:
        loader.dispose()


@pytest.mark.parametrize("lint", [False, True])
def test_checking_the_bundled_plans_and_drills_makes_no_reference_cycles(env, lint):
    """`plan validate` pauses the cyclic collector while it checks files: that holds only while a
    check leaves nothing for the collector to find."""
    from planengine.core.engine import Engine

    eng = Engine(db=env.db, plans=os.path.join(REPO, "plans"))
    for path in BUNDLED:  # warm: imports and caches made once are not the checks' garbage
        eng.check_file(path, lint=lint)
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for path in BUNDLED:
            eng.check_file(path, lint=lint)
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()


def test_the_reader_s_loader_refuses_path_resolvers_it_would_not_apply():
    with pytest.raises(TypeError):
        CoreSchemaLoader.add_path_resolver("tag:yaml.org,2002:str", ["a"])
    assert not CoreSchemaLoader.yaml_path_resolvers


def test_plan_validate_freezes_what_it_loaded_only_in_a_plan_process(env, tmp_path):
    """The `plan` executable froze its start-up and exits after the command: validate freezes
    what it loaded too (the collections at exit skip it). In-process, nothing is frozen."""
    import subprocess
    import sys

    from click.testing import CliRunner

    from planengine.cli import cli

    files = [os.path.join(REPO, "plans", f"{name}.yaml") for name in ("daily_summary", "dispute_mediation")]
    before = gc.get_freeze_count()
    result = CliRunner().invoke(cli, ["validate", *files])
    assert result.exit_code == 0, result.output
    assert gc.get_freeze_count() == before and gc.isenabled()
    code = (
        "import gc, sys\n"
        "from planengine.entry import main\n"
        "import planengine.cli.planner as planner\n"
        "counts = []\n"
        "orig = planner._check_files\n"
        "def probe(*a, **k):\n"
        "    counts.append(gc.get_freeze_count())\n"
        "    return orig(*a, **k)\n"
        "planner._check_files = probe\n"
        "sys.argv = ['plan', 'validate', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        "print(code, gc.isenabled(), gc.get_freeze_count() > counts[0] > 1000)\n"
    )
    environ = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run(
        [sys.executable, "-c", code, *files], cwd=tmp_path, env=environ, capture_output=True, text=True
    )
    assert out.stdout.split()[-3:] == ["0", "True", "True"], out.stdout + out.stderr

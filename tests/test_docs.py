"""Docs that cannot drift: every command and option of `plan`, every plugin hook and every
plan and drill key is documented, and docs/cli.md is what `cog -r docs/cli.md` would write."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import click
import pytest
from cogapp import Cog

from planengine import hookspecs
from planengine.cli import cli
from planengine.core.plan import schema

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
REGENERATE = "docs/cli.md is stale: run `cog -r docs/cli.md` from the repository root"


def _commands(group=cli, path=()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if cmd is None or cmd.hidden:
            continue
        yield path + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, path + (name,))


COMMANDS = list(_commands())
OPTIONS = [(path, opt) for path, cmd in COMMANDS for opt in cmd.params if isinstance(opt, click.Option)]


def _prose() -> str:
    """The hand-written docs: README.md and docs/*.md except the generated reference."""
    texts = [(REPO / "README.md").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")) if p.name != "cli.md"]
    return "\n".join(texts)


def _code(text: str) -> str:
    """The code in a Markdown text: fenced blocks and inline spans, where keys are written."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.M | re.S)
    rest = re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.M | re.S)
    return "\n".join(blocks + re.findall(r"`([^`\n]+)`", rest))


def _keys(node, acc=None) -> set:
    """Every property name anywhere in a JSON Schema."""
    acc = set() if acc is None else acc
    if isinstance(node, dict):
        for key, sub in (node.get("properties") or {}).items():
            acc.add(key)
            _keys(sub, acc)
        for key, sub in node.items():
            if key != "properties":
                _keys(sub, acc)
    elif isinstance(node, list):
        for sub in node:
            _keys(sub, acc)
    return acc


# -- the generated CLI reference ---------------------------------------------------


def test_cli_reference_is_what_cog_generates(isolated, capsys):
    status = Cog().main(["cog", "--check", "--check-fail-msg", REGENERATE, str(DOCS / "cli.md")])
    out = capsys.readouterr()
    assert status == 0, f"{REGENERATE}\n{out.out}{out.err}"


def test_the_cog_check_fails_on_a_stale_reference(isolated, capsys):
    stale = isolated / "cli.md"
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    stale.write_text(text.replace("Show this message and exit.", "Show help.", 1), encoding="utf-8")
    assert Cog().main(["cog", "--check", str(stale)]) != 0
    capsys.readouterr()


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_every_command_is_in_the_cli_reference_and_named_in_the_guides(path):
    name = "plan " + " ".join(path)
    assert f"## {name}\n" in (DOCS / "cli.md").read_text(encoding="utf-8"), REGENERATE
    assert name in _prose(), f"`{name}` is not mentioned in README.md or docs/*.md"


@pytest.mark.parametrize(("path", "option"), OPTIONS, ids=[" ".join(p) + " " + o.opts[-1] for p, o in OPTIONS])
def test_every_option_has_help_in_the_cli_reference(path, option):
    cmd = dict(COMMANDS)[path]
    assert (cmd.help or "").strip(), f"plan {' '.join(path)} has no help text"
    if option.name in ("help", "version"):
        return
    assert (option.help or "").strip(), f"plan {' '.join(path)} {option.opts[-1]} has no help text"
    reference = (DOCS / "cli.md").read_text(encoding="utf-8")
    section = reference.split(f"## plan {' '.join(path)}\n", 1)[-1].split("\n## ", 1)[0]
    assert option.opts[-1] in section, REGENERATE


# -- plugin hooks ------------------------------------------------------------------

HOOKS = [
    (name, fn)
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, hookspecs.PROJECT + "_spec")
]


def test_the_hook_list_is_not_empty():
    assert {name for name, _ in HOOKS} >= {"register_checks", "lint_plan"}


@pytest.mark.parametrize(("name", "fn"), HOOKS, ids=[n for n, _ in HOOKS])
def test_every_hook_has_a_section_with_its_signature_in_the_plugin_guide(name, fn):
    guide = (DOCS / "plugins.md").read_text(encoding="utf-8")
    args = ", ".join(inspect.signature(fn).parameters)
    assert f"### `{name}({args})`" in guide, f"docs/plugins.md has no section `### \\`{name}({args})\\``"


# -- plan and drill keys -------------------------------------------------------------

PLAN_KEYS = sorted(_keys(schema.PLAN_SCHEMA))
DRILL_KEYS = sorted(_keys(schema.DRILL_SCHEMA))


def test_the_schemas_have_the_keys_a_plan_and_a_drill_start_with():
    assert {"id", "phases", "steps", "within", "scoring"} <= set(PLAN_KEYS)
    assert {"drill", "injects", "at"} <= set(DRILL_KEYS)


@pytest.mark.parametrize("key", PLAN_KEYS)
def test_every_plan_key_is_documented(key):
    # plan-language.md documents the plan file; its `scoring:` block is documented with drills
    text = _code((DOCS / "plan-language.md").read_text(encoding="utf-8"))
    text += _code((DOCS / "drills.md").read_text(encoding="utf-8"))
    assert re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", text), f"plan key {key!r} is not in docs/plan-language.md"


@pytest.mark.parametrize("key", DRILL_KEYS)
def test_every_drill_key_is_documented(key):
    text = _code((DOCS / "drills.md").read_text(encoding="utf-8"))
    assert re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", text), f"drill key {key!r} is not in docs/drills.md"

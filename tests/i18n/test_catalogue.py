"""The interface speaks zh or en: one catalogue, every message in both, the language chosen in a fixed order."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from planengine import i18n
from planengine.i18n.catalogue import MESSAGES

PKG = Path(__file__).resolve().parents[2] / "planengine"


def _fields(text):
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_exists_in_zh_and_en_with_the_same_fields(key):
    m = MESSAGES[key]
    assert set(m) == {"zh", "en"}
    assert m["zh"].strip() and m["en"].strip()
    assert _fields(m["zh"]) == _fields(m["en"]), key


def _core_templates():
    """Every constant template the core raises with parameters: Refused("...", k=v) / StoreError(...)."""
    out = []
    for path in (PKG / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", ""))
                in ("Refused", "StoreError", "AccountError")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.keywords
            ):
                out.append(node.args[0].value)
    return out


def test_every_templated_refusal_of_the_core_is_in_the_catalogue():
    english = {m["en"] for m in MESSAGES.values()}
    missing = [t for t in _core_templates() if t not in english]
    assert len(_core_templates()) >= 15
    assert missing == []


def test_language_order_is_flag_then_environment_then_site_then_zh(monkeypatch):
    monkeypatch.delenv("PLANENGINE_LANG", raising=False)
    i18n.choose(None)
    assert i18n.current() == "zh"
    i18n.use_site(lambda: "en")
    assert i18n.current() == "en"
    monkeypatch.setenv("PLANENGINE_LANG", "zh")
    assert i18n.current() == "zh"
    i18n.choose("en")
    assert i18n.current() == "en"
    i18n.choose(None)


def test_refusals_are_said_in_chinese_with_the_same_exit_status(env):
    env.start()
    at = ("--at", env.t("10:02"))
    r = env.run("done", "INC-1", "report_up", "--lang", "zh", *at)
    assert r.exit_code == 0
    r = env.run("done", "INC-1", "report_up", "--lang", "zh", *at)
    assert r.exit_code == 1
    assert r.stderr.strip() == "error: 步骤 'report_up' 已经完成"
    r = env.run("done", "INC-1", "report_up", "--lang", "en", *at)
    assert r.stderr.strip() == "error: step 'report_up' is already done"


def test_site_lang_applies_when_neither_flag_nor_environment_chooses(env, monkeypatch):
    env.start()
    monkeypatch.delenv("PLANENGINE_LANG")
    env.write("site.yaml", "lang: en\n")
    r = env.run("status", "INC-1", "--config", str(env.root / "site.yaml"))
    assert " phase " in r.stdout and "阶段" not in r.stdout
    r = env.run("status", "INC-1")
    assert "阶段" in r.stdout and "级别 Ⅳ级" in r.stdout


def test_chinese_board_shows_titles_yes_no_and_roman_levels(env, monkeypatch):
    plan = env.plan(
        env.PLAN.replace(
            "casualties: {type: integer, min: 0, default: 0}",
            "casualties: {type: integer, min: 0, default: 0, title: 伤亡人数}",
        ).replace(
            "location:   {type: string}",
            "location:   {type: string}\n  urgent: {type: boolean, default: false, title: 紧急}",
        )
    )
    env.start("crowd_size=6", "casualties=3", plan=plan)
    out = env.ok("status", "INC-1", "--lang", "zh").stdout
    assert "阶段 Reported" in out  # the phase's title, not its id
    assert "级别 Ⅲ级" in out
    assert "伤亡人数=3" in out and "紧急=否" in out and "Crowd size=6" in out
    assert "时限 03-05 10:10" in out  # local time


def test_plan_errors_keep_their_prefix_in_chinese(env):
    path = env.plan(env.PLAN.replace("initial: reported", "initial: nowhere"))
    r = env.run("validate", path, "--lang", "zh", db=False)
    assert r.exit_code == 1
    assert f"{path}:" in r.stderr and ": error: " in r.stderr


def test_help_is_chinese_by_default(env, monkeypatch):
    monkeypatch.delenv("PLANENGINE_LANG")
    r = env.run("done", "--help", db=False)
    assert "标记事件的步骤" in r.stdout and "六分钟前" in r.stdout


def _all_commands():
    import click

    from planengine.cli import cli

    def walk(group, path):
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            yield path + (name,), cmd
            if isinstance(cmd, click.Group):
                yield from walk(cmd, path + (name,))

    return list(walk(cli, ()))


def _han(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("path", [p for p, _ in _all_commands()], ids=".".join)
def test_every_command_and_option_explains_itself_in_chinese(env, monkeypatch, path):
    monkeypatch.delenv("PLANENGINE_LANG")
    out = env.run(*path, "--help", db=False).stdout
    description = out.split("Options:")[0].split("\n", 1)[1]
    assert _han(description), out
    options = out.split("Options:")[1].split("Commands:")[0]
    for line in options.splitlines():
        if line.startswith("  -") and "--help" not in line:  # click's own -h/--help says itself
            assert _han(line) or not line.split("  ", 2)[-1].strip(), line


def test_an_option_that_means_something_else_keeps_its_own_help(env, monkeypatch):
    monkeypatch.setenv("PLANENGINE_LANG", "en")
    en = env.run("report", "--help", db=False).stdout
    assert "Report as of this time" in en and "Report language" in en and "six minutes ago" not in en
    monkeypatch.setenv("PLANENGINE_LANG", "zh")
    zh = env.run("report", "--help", db=False).stdout
    assert "报告截至此时" in zh and "报告语言" in zh and "六分钟前" not in zh
    assert "六分钟前" in env.run("done", "--help", db=False).stdout

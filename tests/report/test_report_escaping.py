"""Plan and operator text is data in every format: a hostile plan prints as text, never as markup."""

from __future__ import annotations

import html
import subprocess

import pytest
from markdown_it import MarkdownIt

HOSTILE_TITLE = "<script>alert(1)</script>预案"
HOSTILE_STEP = '<img src=x onerror="alert(2)"> 报告 | *要* [链接](http://example.com) `code` _x_'
HOSTILE_NOTE = "# 标题 <b>加粗</b> & 1. 列表"

PLAN = f"""\
id: hostile
title: '{HOSTILE_TITLE}'
version: 1
lang: zh
timezone: Asia/Shanghai
roles:
  duty: {{title: "<i>值班室</i>"}}
initial: open
phases:
  open:
    title: "<u>接报</u>"
    steps:
      - id: report_up
        title: '{HOSTILE_STEP}'
        role: duty
        within: 10m
    on:
      - {{event: done, to: closed}}
  closed: {{final: true}}
"""


@pytest.fixture
def hostile(env):
    plan = env.plan(PLAN, name="hostile.yaml")
    env.ok("start", plan, "--id", "INC-X", "--at", env.t("10:00"))
    env.ok("note", "INC-X", HOSTILE_NOTE, "--at", env.t("10:05"))
    env.ok("done", "INC-X", "report_up", "--by", "<b>王</b>", "--at", env.t("10:20"))
    env.ok("event", "INC-X", "done", "--at", env.t("10:30"))
    return env


def _visible_text(html_text: str) -> str:
    """Text a browser would show, roughly: tags dropped, entities decoded (a real browser test is in
    test_report_browser.py)."""
    import re

    body = re.sub(r"<style.*?</style>", "", html_text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def test_html_report_escapes_plan_and_operator_text(hostile):
    out = hostile.ok("report", "INC-X", "--format", "html").stdout
    assert "<script>alert" not in out and "<img src=x" not in out and "<b>加粗" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    text = _visible_text(out)
    for s in (HOSTILE_TITLE, HOSTILE_STEP, HOSTILE_NOTE, "<i>值班室</i>", "<b>王</b>"):
        assert s in text


def test_markdown_report_reads_as_plain_text(hostile):
    md = hostile.ok("report", "INC-X").stdout
    rendered = MarkdownIt("commonmark").enable("table").render(md)
    # nothing of the plan's text became a tag, a link, emphasis or code
    assert "<script>" not in rendered and "<img" not in rendered and "<a href" not in rendered
    assert "<em>" not in rendered and "<code>" not in rendered and "<b>" not in rendered
    text = html.unescape(rendered)
    for s in (HOSTILE_TITLE, HOSTILE_STEP, HOSTILE_NOTE):
        assert s in text
    # the improvement plan's table keeps its nine columns although the step title has a "|"
    table = rendered.split("整改措施清单", 1)[1].split("</table>", 1)[0]
    rows = [r for r in table.split("<tr>")[1:] if "<td" in r]
    assert len(rows) == 1 and rows[0].count("<td") == 9


def test_pdf_report_prints_hostile_text_as_text(hostile, tmp_path):
    out = tmp_path / "x.pdf"
    hostile.ok("report", "INC-X", "--format", "pdf", "-o", out)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True).stdout
    assert "<script>alert(1)</script>" in text
    assert '<img src=x onerror="alert(2)">' in text

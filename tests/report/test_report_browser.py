"""What a person sees: the HTML report in a real headless Chromium (Debian's, driven by Playwright).

Screenshots go to the test's tmp dir; their paths are printed (pytest -s shows them).
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
A4_WIDTH_PX = 794  # 210 mm at 96 px/in
MARGINS_PX = 2 * 18 / 25.4 * 96  # the stylesheet's 18 mm side margins


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Debian chromium is needed (make test installs it)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1000, "height": 1400}, java_script_enabled=True)
    pg = ctx.new_page()
    requests = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.requests = requests
    yield pg
    ctx.close()


def _open(page, path):
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page


def test_drill_report_shows_every_step_the_score_and_its_charts(drill_ws, fire, page, tmp_path):
    out = tmp_path / "drill.html"
    drill_ws.ok("report", drill_ws.drill_id, "--format", "html", "-o", out)
    _open(page, out)
    text = page.inner_text("body")
    for title in fire.TITLES:
        assert title in text
    score = drill_ws.json("drill", "score", drill_ws.drill_id)
    assert f"{score['score']}" in page.inner_text("#score") and score["grade"] in page.inner_text("#score")
    for heading in ("一、演练基本情况", "九、评估结论", "整改措施清单", "编制人", "审核人", "日期"):
        assert heading in text
    # the charts are drawn: one Gantt per phase, one muster chart, each a sized SVG with marks in it
    charts = page.query_selector_all("svg.chart")
    assert len(charts) == 3
    for svg in charts:
        box = svg.bounding_box()
        assert box["width"] > 300 and box["height"] > 40
    late = page.query_selector_all(".gantt svg rect.late")
    assert len(late) == 3  # report_up, muster (late) and notify_county (overdue, never done)
    assert page.query_selector_all(".gantt svg path.done")  # completion diamonds
    assert len(page.query_selector_all(".muster svg circle.arrival")) == 2
    assert page.query_selector(".muster svg line.strength") and page.query_selector(".muster svg line.limit")
    rows = page.query_selector_all("table.improvement tbody tr")
    assert sorted(r.get_attribute("data-step") for r in rows) == sorted(fire.FINDINGS)
    assert page.requests == [out.as_uri()]  # self-contained: no other request
    shot = tmp_path / "drill-report.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")


def test_print_layout_fits_a4(drill_ws, page, tmp_path):
    out = tmp_path / "drill.html"
    drill_ws.ok("report", drill_ws.drill_id, "--format", "html", "-o", out)
    page.set_viewport_size({"width": A4_WIDTH_PX, "height": 1123})
    _open(page, out)
    page.emulate_media(media="print")
    content = A4_WIDTH_PX - MARGINS_PX
    widths = page.evaluate(
        """() => [document.documentElement.scrollWidth,
                  ...[...document.querySelectorAll('table, svg.chart, pre')]
                       .map(e => e.getBoundingClientRect().right)]"""
    )
    assert widths[0] <= A4_WIDTH_PX
    assert max(widths[1:]) <= A4_WIDTH_PX  # nothing runs off the page
    pdf = tmp_path / "chromium.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    import subprocess

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "(A4)" in info
    print(f"chromium print: {pdf}; content width {content:.0f}px")


def test_hostile_plan_text_shows_as_text_and_runs_nothing(env, page, tmp_path):
    plan = env.plan(
        """\
id: hostile
title: '<script>window.pwned = 1</script>预案'
version: 1
lang: zh
timezone: Asia/Shanghai
roles: {duty: {title: '<img src=x onerror="window.pwned=2">值班'}}
initial: open
phases:
  open:
    steps:
      - {id: a, title: '<b>步骤</b><script>window.pwned=3</script>', role: duty, within: 5m}
    on: [{event: done, to: closed}]
  closed: {final: true}
""",
        name="hostile.yaml",
    )
    env.ok("start", plan, "--id", "INC-H", "--at", env.t("10:00"))
    env.ok("done", "INC-H", "a", "--at", env.t("10:09"))
    out = tmp_path / "h.html"
    env.ok("report", "INC-H", "--format", "html", "-o", out)
    _open(page, out)
    assert page.evaluate("() => window.pwned") is None
    text = page.inner_text("body")
    assert "<script>window.pwned = 1</script>预案" in text
    assert "<b>步骤</b><script>window.pwned=3</script>" in text
    assert page.query_selector("b") is None and page.query_selector("img") is None
    svg_title = page.inner_html(".gantt svg g title")
    assert "&lt;b&gt;" in svg_title
    shot = tmp_path / "hostile.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")


def test_printable_checklist_in_the_browser(env, fire, page, tmp_path):
    plan = env.plan(fire.PLAN, name="town_fire.yaml")
    out = tmp_path / "checklist.html"
    env.ok("show", plan, "--format", "html", "-o", out)
    _open(page, out)
    text = page.inner_text("body")
    for title in fire.TITLES + ["王焰", "13900000001"]:
        assert title in text
    assert len(page.query_selector_all(".checkbox")) == len(fire.TITLES)
    shot = tmp_path / "checklist.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    assert shutil.which("pdfinfo")

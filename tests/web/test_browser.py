"""The wall board and console in a real browser: Debian's Chromium driven by Playwright, against
`plan serve` started in its own process on a free port (and stopped after).

Screenshots of the board (1920x1080) go to the test's tmp dir; their paths are printed (pytest -s shows them).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from tests.web.conftest import HOSTILE

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 5000  # changes must show within 2 s; the margin is for a loaded test machine


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plan_cli(site, *args, input=None):
    env = dict(os.environ, PLANENGINE_DB=site.db, PLANENGINE_LANG="zh")
    return subprocess.run(
        [sys.executable, "-m", "planengine", *args], env=env, input=input, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def served(site):
    """`plan serve` in a subprocess on a free port, with ten open incidents (one a drill)."""
    plan = site.root / "petition.yaml"
    for i in range(2, 11):
        at = site.t(f"10:{i:02d}")
        extra = ["--set", f"casualties={i % 4 * 4}", "--set", f"crowd_size={i * 7}"]
        r = plan_cli(site, "start", str(plan), "--id", f"INC-{i}", "--at", at, *extra)
        assert r.returncode == 0, r.stderr
    plan_cli(site, "checkin", "INC-3", "team", "--count", "6", "--at", site.t("10:20"))
    port = free_port()
    env = dict(os.environ, PLANENGINE_DB=site.db, PLANENGINE_LANG="zh")
    proc = subprocess.Popen(
        [sys.executable, "-m", "planengine", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while True:  # wait until it listens (not a sleep: each try is a connect)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "plan serve did not start"
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Debian chromium is needed (make test installs it)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def new_page(browser, viewport=(1920, 1080)):
    ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = ctx.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    return page


def log_in(page, base, name):
    page.goto(base + "/login")
    page.fill("input[name=user]", name)
    page.fill("input[name=password]", f"pw-{name}")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def card(page, incident):
    return page.locator(f'article[data-incident="{incident}"]')


def test_an_officer_logs_in_sees_the_board_and_marks_a_step_done_from_the_console(served, browser, site, tmp_path):
    page = new_page(browser)
    log_in(page, served, "wang")
    assert page.locator("article.card").count() == 10
    inc1 = card(page, "INC-1")
    assert inc1.locator('[data-step="report_up"]').count() == 1
    shot = tmp_path / "board-1920x1080.png"
    page.screenshot(path=str(shot))
    print(f"board screenshot: {shot}")
    page.goto(served + "/incidents/INC-1")
    page.fill("#form-done input[name=step]", "1")
    page.fill("#form-done input[name=at]", site.t("10:05"))
    page.click("#form-done button")
    page.wait_for_url("**/incidents/INC-1?ok=done")
    page.goto(served + "/")
    assert card(page, "INC-1").locator('[data-step="report_up"]').count() == 0
    assert card(page, "INC-1").locator('[data-step="convene"]').count() == 1
    assert page.errors == [], page.errors  # no CSP violation, no script error


def test_a_cli_command_in_another_process_reaches_the_open_board_without_reload(served, browser, site):
    page = new_page(browser)
    log_in(page, served, "li")
    page.wait_for_function("document.querySelector('[sse-connect]') !== null")
    page.evaluate("window.__same_page = 1")
    assert card(page, "INC-2").locator('[data-step="report_up"]').count() == 1
    r = plan_cli(site, "done", "INC-2", "report_up", "--by", "王焰", "--at", site.t("10:30"))
    assert r.returncode == 0, r.stderr
    card(page, "INC-2").locator('[data-step="convene"]').wait_for(timeout=WAIT_MS)
    assert card(page, "INC-2").locator('[data-step="report_up"]').count() == 0
    assert page.evaluate("window.__same_page") == 1, "the page was not reloaded"


def test_a_viewer_cannot_write(served, browser, site):
    before = site.count("events")
    page = new_page(browser)
    log_in(page, served, "li")
    page.goto(served + "/incidents/INC-1")
    assert page.locator("#form-done").count() == 0
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    r = page.request.post(served + "/incidents/INC-1/done", form={"step": "report_up", "csrf": csrf})
    assert r.status == 403
    assert site.count("events") == before


def test_a_form_without_its_csrf_token_is_refused(served, browser, site):
    before = site.count("events")
    page = new_page(browser)
    log_in(page, served, "wang")
    page.goto(served + "/incidents/INC-1")
    page.evaluate("document.querySelector('#form-note input[name=csrf]').remove()")
    page.fill("#form-note input[name=text]", "no token")
    page.click("#form-note button")
    assert "CSRF" in page.locator("#refusal").inner_text()
    assert site.count("events") == before


def test_hostile_plan_text_shows_as_text(served, browser):
    page = new_page(browser)
    log_in(page, served, "wang")
    assert HOSTILE[:20] in card(page, "INC-1").inner_text()
    page.goto(served + "/incidents/INC-1")
    assert HOSTILE[:20] in page.locator("table.steps-table").inner_text()
    assert page.dialogs == []
    assert page.locator("img[src=x]").count() == 0


def test_a_drill_carries_the_watermark(served, browser, site):
    from planengine.core.engine import Engine

    eng = Engine(db=site.db)
    eng.start(str(site.root / "petition.yaml"), incident_id="DRL-1", kind="drill", at=site.t("10:40"))
    eng.store.close()
    page = new_page(browser)
    log_in(page, served, "wang")
    drill = card(page, "DRL-1")
    assert drill.locator(".watermark").inner_text() == "演练"
    assert card(page, "INC-1").locator(".watermark").count() == 0


def test_the_board_warns_when_its_data_may_be_stale(served, browser):
    page = new_page(browser)
    log_in(page, served, "wang")
    assert page.locator("#stale").is_hidden()
    page.route("**/events", lambda route: route.abort())
    page.reload()
    page.locator("#stale").wait_for(state="visible", timeout=WAIT_MS)
    assert "过期" in page.locator("#stale").inner_text()

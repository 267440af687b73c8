"""An instant drill pauses Python's cyclic collector for its one transaction (its events live
until the write and make no cycles), and leaves the collector as it found it."""

from __future__ import annotations

import gc
import threading

from planengine.core.collector import collector_paused
from planengine.core.drill.run import run_drill
from planengine.core.drill.script import load_drill
from planengine.core.engine import Engine

PLAN = """\
id: pause
title: Pause
version: 1
lang: en
timezone: Asia/Shanghai
roles:
  office: {title: Office}
initial: alarm
phases:
  alarm:
    steps:
      - {id: report, role: office, within: 10m}
    on:
      - {event: stand_down, to: closed}
  closed: {final: true}
"""

DRILL = """\
drill: pause
plan: pause.yaml
start: 2090-05-12T10:00:00+08:00
injects:
  - {at: 1m, done: report, by: Li}
  - {at: 2m, event: stand_down}
"""


def test_the_collector_waits_during_an_instant_drill_and_runs_again_after(tmp_path):
    (tmp_path / "pause.yaml").write_text(PLAN, encoding="utf-8")
    (tmp_path / "drill.yaml").write_text(DRILL, encoding="utf-8")
    eng = Engine(db=str(tmp_path / "t.db"))
    seen = []
    assert gc.isenabled()
    run = run_drill(
        eng, load_drill(str(tmp_path / "drill.yaml"), eng), on_inject=lambda *a: seen.append(gc.isenabled())
    )
    assert seen == [False, False]  # both injects applied while it waited
    assert gc.isenabled() and run.state.closed_at


def test_a_drill_that_fails_still_gives_the_collector_back(tmp_path):
    (tmp_path / "pause.yaml").write_text(PLAN, encoding="utf-8")
    (tmp_path / "drill.yaml").write_text(DRILL, encoding="utf-8")
    eng = Engine(db=str(tmp_path / "t.db"))

    def boom(*a):
        raise KeyboardInterrupt  # an officer's Ctrl-C in the middle of a run

    try:
        run_drill(eng, load_drill(str(tmp_path / "drill.yaml"), eng), on_inject=boom)
    except KeyboardInterrupt:
        pass
    assert gc.isenabled()
    assert eng.store.conn.execute("SELECT COUNT(*) FROM incidents").fetchone()[0] == 0  # rolled back


def test_overlapping_pauses_end_with_the_collector_as_it_was():
    """Two drills at once (threads of `plan serve`): the collector runs again only when both end,
    and a collector someone else had switched off stays off."""
    first_in, second_done = threading.Event(), threading.Event()
    states = []

    def second():
        first_in.wait()
        with collector_paused():
            pass
        states.append(gc.isenabled())  # the first pause is still on
        second_done.set()

    t = threading.Thread(target=second)
    t.start()
    with collector_paused():
        first_in.set()
        second_done.wait()
    t.join()
    assert states == [False] and gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()

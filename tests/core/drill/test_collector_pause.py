"""An instant drill pauses Python's cyclic collector for its one transaction (its events live
until the write and make no cycles), and leaves the collector as it found it."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest

from planengine import testing
from planengine.core.collector import collector_paused
from planengine.core.drill.run import run_drill
from planengine.core.drill.script import load_drill
from planengine.core.engine import Engine

ROOT = Path(__file__).resolve().parents[3]
DRILL = ROOT / "drills" / "dispute_mediation.yaml"  # a bundled drill that needs no plugin


def _engine(tmp_path, monkeypatch):
    testing.isolate(monkeypatch, tmp_path, load_plugins="")
    eng = Engine(db=str(tmp_path / "t.db"), plans=str(ROOT / "plans"))
    return eng, load_drill(str(DRILL), eng)


def test_the_collector_waits_during_an_instant_drill_and_runs_again_after(tmp_path, monkeypatch):
    eng, drill = _engine(tmp_path, monkeypatch)
    seen = []
    assert gc.isenabled()
    run = run_drill(eng, drill, on_inject=lambda kind, *a: kind == "applied" and seen.append(gc.isenabled()))
    assert seen and not any(seen)  # every inject applied while it waited
    assert gc.isenabled() and len(seen) == len(run.applied)


def test_a_drill_that_fails_still_gives_the_collector_back(tmp_path, monkeypatch):
    eng, drill = _engine(tmp_path, monkeypatch)

    def boom(*a):
        raise KeyboardInterrupt  # an officer's Ctrl-C in the middle of a run

    with pytest.raises(KeyboardInterrupt):
        run_drill(eng, drill, on_inject=boom)
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

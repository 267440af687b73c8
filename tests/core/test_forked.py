"""A function mapped over jobs in a forked child: results in order, a child that stops early
leaves the rest to the caller, and no child where one may not be forked."""

from __future__ import annotations

import os
import threading

import pytest

from planengine.core import forked


@pytest.fixture
def forkable(monkeypatch):
    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    monkeypatch.setattr(forked, "usable", lambda: True)  # whatever threads pytest runs


def test_results_come_back_in_order_from_another_process(forkable):
    parent = os.getpid()
    results = forked.fork_map(lambda job: ([job, os.getpid() != parent, "值" * job], b"\x00" * job), [1, 2, 3])
    assert list(results) == [
        ([1, True, "值"], b"\x00"),
        ([2, True, "值值"], b"\x00\x00"),
        ([3, True, "值值值"], b"\x00" * 3),
    ]


def test_a_child_that_stops_early_hands_over_what_it_sent_then_says_so(forkable):
    def work(job):
        if job == 3:
            raise RuntimeError("stops here")
        return {"job": job}, b""

    results = forked.fork_map(work, [1, 2, 3, 4])
    assert next(results) == ({"job": 1}, b"") and next(results) == ({"job": 2}, b"")
    with pytest.raises(forked.ChildFailed):
        next(results)


def test_a_result_left_unread_stops_the_child(forkable):
    results = forked.fork_map(lambda job: (job, b"x" * (1 << 20)), range(50))  # more than a pipe holds
    assert next(results) == (0, b"x" * (1 << 20))
    results.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(results.pid, os.WNOHANG)  # reaped


def test_no_child_beside_other_threads():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert forked.usable() is False
        assert forked.fork_map(lambda job: (job, b""), [1]) is None
    finally:
        stop.set()
        other.join()

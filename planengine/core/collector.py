"""Pausing Python's cyclic garbage collector over work that makes no reference cycles.

An instant drill keeps every event it makes (hundreds of thousands of small records) until its
one write; a command's imports live until the process exits. Each pass of the collector walks
all of them and frees none: reference counting frees what is dropped. The collector runs again
as soon as the last pause ends, and collects whatever cycles anything else made meanwhile.
"""

from __future__ import annotations

import gc
from _thread import allocate_lock  # threading's own lock, without importing threading
from contextlib import contextmanager

_lock = allocate_lock()
_paused = 0  # pauses in progress (threads of `plan serve` may run drills at once)
_was_enabled = False  # the collector's state when the first of them began


@contextmanager
def collector_paused():
    global _paused, _was_enabled
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()

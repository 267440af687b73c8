"""Shared helpers for the benchmarks: figures, interleaved A/B timing, whole-process timing.

A benchmark module is a file ``bench/bench_*.py`` with a function
``figures(quick: bool, tmp: str)`` that yields figure dicts made by
``figure()``. ``bench/run.py`` runs them all and prints one JSON line each.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PLAN_BIN = os.path.join(os.path.dirname(sys.executable), "plan")


def figure(name, value, unit, target, baseline=None, ratio=None, met=None, note=""):
    """One result line. ``target`` is a string such as "<= 1.2" applied to ``ratio`` (or ``value``
    when there is no baseline); ``met`` is computed from it unless given."""
    if baseline is not None and ratio is None and baseline:
        ratio = value / baseline
    if met is None and target:
        op, _, bound = target.partition(" ")
        x = ratio if ratio is not None else value
        met = {"<=": x <= float(bound), ">=": x >= float(bound), "<": x < float(bound), ">": x > float(bound)}[op]
    out = {"name": name, "value": _round(value), "unit": unit, "baseline": _round(baseline)}
    out.update(ratio=_round(ratio), target=target, met=met)
    if note:
        out["note"] = note
    return out


def _round(x):
    if isinstance(x, float):
        return float(f"{x:.4g}")
    return x


def interleaved(a, b, rounds):
    """Run ``a`` and ``b`` alternately ``rounds`` times (A B A B ...); medians of their durations.

    Interleaving spreads the machine's other load over both sides, so their
    ratio holds even when absolute times drift between runs.
    """
    ta, tb = [], []
    for _ in range(rounds):
        for fn, out in ((a, ta), (b, tb)):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return statistics.median(ta), statistics.median(tb)


def process(argv, env=None, cwd=None):
    """A callable that runs ``argv`` as a whole process (its output discarded), failing loudly."""
    full_env = dict(os.environ, **(env or {}))

    def run():
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=full_env, cwd=cwd)

    return run


BASELINE_PROCESS = [sys.executable, "-c", "import click, sqlite3"]


def on_disk(path=None):
    """Write a benchmark's setup out before timing what reads it: the file at ``path`` (a copy
    made for one round), or everything (a database just built). Otherwise the kernel writes it
    back while the figure is taken, and a command that commits with fsync waits for that too
    (a fresh 40 MB copy made `plan done` look 1.3 times slower than on a small database)."""
    if path is None:
        os.sync()
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def progress(message):
    """Progress for a person at a terminal; silent when stderr is not one."""
    if sys.stderr.isatty():
        sys.stderr.write(f"\r\033[K{message}")
        sys.stderr.flush()

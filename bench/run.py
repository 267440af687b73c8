"""Run every benchmark and print one JSON line per figure.

    python bench/run.py            # full sizes (under 10 minutes on a 2-core machine)
    python bench/run.py --quick    # smaller sizes, the same ratios
    python bench/run.py --only core,drill

Each line: ``name``, ``value``, ``unit``, the ``baseline`` measured in the
same run (interleaved A/B rounds), the ``ratio``, the ``target`` and ``met``.
Benchmarks live in ``bench/bench_*.py`` (a ``figures(quick, tmp)`` generator
each); bench/RESULTS.md keeps the latest table.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import on_disk, progress  # noqa: E402


def modules(only=None):
    """The benchmark modules, imported one at a time as the run reaches them."""
    for name in sorted(os.listdir(HERE)):
        if not (name.startswith("bench_") and name.endswith(".py")):
            continue
        short = name[len("bench_") : -3]
        if only and short not in only:
            continue
        yield short, os.path.join(HERE, name)


def load(short, path):
    spec = importlib.util.spec_from_file_location(f"bench_{short}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_module(short, quick):
    """Print the figures of benchmark ``short``, one JSON line each, in a temporary directory."""
    mod = load(short, os.path.join(HERE, f"bench_{short}.py"))
    if not hasattr(mod, "figures"):
        return 0
    progress(f"bench {short} ...")
    with tempfile.TemporaryDirectory() as tmp:
        for fig in mod.figures(quick, tmp):
            progress("")
            print(json.dumps({"bench": short, **fig}, ensure_ascii=False), flush=True)
    return 0


def compile_bytecode():
    """Byte-compile the project's sources, as installing a package does (pip compiles what it
    installs), so the start-up figures measure the commands and not the compiling of an editable
    checkout in an environment with PYTHONDONTWRITEBYTECODE set."""
    import compileall

    root = os.path.dirname(HERE)
    return all(compileall.compile_dir(os.path.join(root, d), quiet=1) for d in ("planengine", "plugins"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a minute or two)")
    ap.add_argument("--only", help="comma-separated benchmark names (core, drill, ...)")
    ap.add_argument("--module", help=argparse.SUPPRESS)  # one benchmark, in the process run.py starts for it
    args = ap.parse_args(argv)
    if args.module:
        return run_module(args.module, args.quick)
    only = set(args.only.split(",")) if args.only else None
    machine = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "date": time.strftime("%Y-%m-%d"),
        "quick": args.quick,
        "bytecode": compile_bytecode(),
    }
    print(json.dumps({"run": machine}, ensure_ascii=False), flush=True)
    missed = 0
    t0 = time.perf_counter()
    for short, _path in modules(only):
        # Each benchmark in a process of its own: what one leaves in memory (the heap of 10,000
        # incidents built, imported modules, caches) cannot move the next one's figures.
        child = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--module", short] + (["--quick"] if args.quick else []),
            stdout=subprocess.PIPE,
            text=True,
        )
        for line in child.stdout.splitlines():
            fig = json.loads(line)
            missed += fig.get("met") is False
            print(json.dumps(fig, ensure_ascii=False), flush=True)
        if child.returncode != 0:
            print(json.dumps({"bench": short, "error": f"exit status {child.returncode}"}), flush=True)
            missed += 1
        on_disk()  # the next benchmark starts with this one's files written out
    progress("")
    print(json.dumps({"done": True, "seconds": round(time.perf_counter() - t0, 1), "missed": missed}), flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

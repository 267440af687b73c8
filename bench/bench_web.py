"""`plan serve` speed (issue 11): python bench/bench_web.py

- the board with 1,000 open incidents renders server-side in < 200 ms (warm: after the first fold);
- a change made by another process reaches an open page's event stream in < 2 s;
- `plan serve` idle with 10 pages open uses < 2% of one core.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "mass_petition.yaml"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_db(path, n):
    from planengine.core.engine import Engine

    eng = Engine(db=path)
    plan = eng.load_plan(str(PLAN))
    with eng.instant():
        for i in range(n):
            eng.start(
                str(PLAN), {"crowd_size": 10 + i % 200, "location": f"地点{i}"}, incident_id=f"B-{i:04d}", plan=plan
            )
    eng.add_user("bench", "officer", "bench-pw")
    return eng.new_token("bench")


def board_render(path):
    from starlette.testclient import TestClient

    from planengine.web.app import create_app

    with TestClient(create_app(path, lang="zh")) as c:
        page = c.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        c.post("/login", data={"user": "bench", "password": "bench-pw", "csrf": csrf})
        t0 = time.perf_counter()
        r = c.get("/board")
        cold = time.perf_counter() - t0
        assert r.status_code == 200 and "B-0999" in r.text, r.status_code
        warm = []
        for _ in range(5):
            t0 = time.perf_counter()
            c.get("/board")
            warm.append(time.perf_counter() - t0)
    return cold, min(warm)


def serve(path, port):
    """`plan serve` in the background; its own output (the banner, the server's log of the streams
    cut at the end) goes to a file, shown only if it does not start."""
    env = dict(os.environ, PLANENGINE_DB=path)
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "planengine", "serve", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    log.seek(0)
    raise RuntimeError("plan serve did not start: " + log.read().decode(errors="replace")[-2000:])


def stream(port, token, on_event, stop):
    import httpx2 as httpx

    try:
        with httpx.stream(
            "GET", f"http://127.0.0.1:{port}/events", headers={"Authorization": f"Bearer {token}"}, timeout=None
        ) as r:
            for line in r.iter_lines():
                if stop.is_set():
                    return
                if line.startswith("event: "):
                    on_event(line[7:], time.perf_counter())
    except httpx.HTTPError:
        if not stop.is_set():  # the server went away before the figure was taken
            raise


def change_latency(path, port, token):
    got = []
    ev = threading.Event()
    stop = threading.Event()

    def on_event(kind, at):
        if kind == "changed":
            got.append(at)
            ev.set()

    threading.Thread(target=stream, args=(port, token, on_event, stop), daemon=True).start()
    time.sleep(1)
    out = []
    for i in range(5):
        ev.clear()
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "planengine", "note", "B-0001", f"bench {i}", "--db", path],
            check=True,
            capture_output=True,
        )
        t_commit = time.perf_counter()
        ev.wait(10)
        out.append(got[-1] - t_commit if got else float("inf"))
        del t0
    stop.set()
    return max(out)


def idle_cpu(proc, port, token, seconds=20):
    stop = threading.Event()
    for _ in range(10):
        threading.Thread(target=stream, args=(port, token, lambda k, a: None, stop), daemon=True).start()
    time.sleep(2)

    def cpu():
        with open(f"/proc/{proc.pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")

    c0, t0 = cpu(), time.perf_counter()
    time.sleep(seconds)
    share = (cpu() - c0) / (time.perf_counter() - t0)
    stop.set()
    return share


def figures(quick, tmp):
    """For bench/run.py: the same figures, in its one-line-per-figure form."""
    from common import figure

    path = os.path.join(tmp, "bench.db")
    token = make_db(path, 1000)
    cold, warm = board_render(path)
    port = free_port()
    proc = serve(path, port)
    try:
        latency = change_latency(path, port, token)
        cpu = idle_cpu(proc, port, token, seconds=10 if quick else 20)
    finally:
        proc.terminate()
        proc.wait()
    yield figure("board with 1,000 open incidents, server-side render, warm", warm, "s", "< 0.2")
    yield figure("board with 1,000 open incidents, server-side render, cold", cold, "s", None)
    yield figure("a CLI change reaches an open page (worst of 5)", latency, "s", "< 2")
    yield figure("plan serve idle with 10 pages open, share of one core", cpu, "share", "< 0.02")


def main():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bench.db")
        token = make_db(path, 1000)
        cold, warm = board_render(path)
        port = free_port()
        proc = serve(path, port)
        try:
            latency = change_latency(path, port, token)
            cpu = idle_cpu(proc, port, token)
        finally:
            proc.terminate()
            proc.wait()
    figures = [
        ("board_1000_open_render_s_warm", warm, 0.2),
        ("board_1000_open_render_s_cold", cold, None),
        ("change_to_open_page_s_max_of_5", latency, 2.0),
        ("serve_idle_10_pages_core_share", cpu, 0.02),
    ]
    for name, value, target in figures:
        met = None if target is None else value < target
        print(json.dumps({"bench": name, "value": round(value, 4), "target": target, "met": met}))


if __name__ == "__main__":
    main()

"""Delivery and `plan watch` benchmarks (issue 9).

    python bench/bench_notify.py            # 1,000 notifications; watch over 10,000 open incidents
    python bench/bench_notify.py --quick    # the same 1,000; watch over 2,000 incidents

- 1,000 notifications queued at once reach a local webhook receiver (a real
  HTTP server on 127.0.0.1, in this process) within 5 s: routing, claiming,
  sending, settling and writing every outcome into the incidents' logs, as
  `plan tick` does (in process, after the site configuration is checked).
- `plan watch --interval 1` with 10,000 open incidents and nothing due uses
  under 2% of one core: the process's own CPU time (utime + stime from
  /proc) over 20 s once its first board is drawn (the start-up fold of every
  incident is not counted: it happens once).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("PLANENGINE_LOAD_PLUGINS", "")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import figure  # noqa: E402

from planengine.core.engine import Engine  # noqa: E402
from planengine.notifiers.delivery import Deliverer  # noqa: E402

PLAN = """\
id: bench_notify
title: 通知基准测试预案
version: 1
lang: zh
timezone: Asia/Shanghai
roles:
  leader: {title: 指挥长, people: [{name: 陈英, phone: "13900000000"}]}
  team: {title: 抢险队, people: [{name: 王五, phone: "13900000001"}]}
initial: open
phases:
  open:
    enter:
%s
    steps:
      - {id: report, role: leader, within: 7d}
      - {id: muster, role: team, within: 7d}
    on:
      - {event: end, to: closed}
  closed: {final: true}
"""


def plan_text(notices):
    return PLAN % "\n".join(f"      - {{notify: [leader], message: 第{i}号指令}}" for i in range(notices))


class Sink:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.want = 0
        sink = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with sink.lock:
                    sink.count += 1
                    if sink.count >= sink.want:
                        sink.done.set()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def bench_delivery(tmp):
    sink = Sink()
    sink.want = 1000
    cfg = os.path.join(tmp, "planengine.yaml")
    with open(cfg, "w", encoding="utf-8") as f:
        f.write(f"notifiers:\n  hook: {{type: webhook, url: '{sink.url}'}}\nroutes:\n  leader: [hook]\n")
    plan = os.path.join(tmp, "bench_notify.yaml")
    with open(plan, "w", encoding="utf-8") as f:
        f.write(plan_text(10))
    eng = Engine(db=os.path.join(tmp, "notify.db"), config=cfg)
    with eng.instant():
        for i in range(100):  # 100 incidents x 10 notifications, queued at once
            eng.start(plan, incident_id=f"INC-{i:03d}")
    t = time.perf_counter()
    cpu = time.process_time()
    delivered = Deliverer(eng).run()
    wall = time.perf_counter() - t
    cpu = time.process_time() - cpu
    sink.server.shutdown()
    assert delivered == 1000 and sink.count == 1000, (delivered, sink.count)
    yield figure(
        "1,000 queued notifications reach a local webhook",
        wall,
        "s",
        "< 5",
        note=f"{cpu:.2f} s CPU; routed, claimed, sent, settled and recorded in the logs",
    )


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_watch(tmp, incidents, seconds=20):
    plan = os.path.join(tmp, "idle.yaml")
    with open(plan, "w", encoding="utf-8") as f:
        f.write(plan_text(0).replace("    enter:\n\n", ""))
    db = os.path.join(tmp, "idle.db")
    eng = Engine(db=db)
    now = datetime.now(timezone.utc) - timedelta(minutes=1)
    with eng.instant():
        for i in range(incidents):
            eng.start(plan, incident_id=f"IDLE-{i:05d}", at=now.isoformat())
    board = os.path.join(tmp, "board.txt")
    with open(board, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "planengine", "watch", "--interval", "1", "--db", db],
            cwd=tmp,
            stdout=out,
            stderr=subprocess.DEVNULL,
        )
    try:
        t0 = time.monotonic()
        while os.path.getsize(board) == 0:
            assert proc.poll() is None, "plan watch exited"
            assert time.monotonic() - t0 < 600, "no board after 10 minutes"
            time.sleep(0.2)
        startup = time.monotonic() - t0
        time.sleep(2)  # the first ticks after the first board
        c0, w0 = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(seconds)
        c1, w1 = cpu_seconds(proc.pid), time.monotonic()
    finally:
        proc.terminate()
        proc.wait(30)
    share = (c1 - c0) / (w1 - w0) * 100
    yield figure(
        f"plan watch, {incidents:,} open incidents, nothing due, 1 s tick: CPU",
        share,
        "% of one core",
        "< 2",
        note=f"over {w1 - w0:.0f} s after its first board (start-up fold of every incident: {startup:.1f} s)",
    )


def figures(quick, tmp):
    yield from bench_delivery(tmp)
    yield from bench_watch(tmp, 2000 if quick else 10_000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for fig in figures(args.quick, tmp):
            print(json.dumps(fig, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()

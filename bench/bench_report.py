"""Report benchmarks: the after-action report of a 10,000-event incident.

    python bench/bench_report.py            # 10,000 events
    python bench/bench_report.py --quick    # 2,000 events

Targets (issue 10): the HTML report renders in under 2 s; its PDF (WeasyPrint
over the same HTML, Chinese fonts embedded) in under 10 s. Both are measured
in process from an Engine on the SQLite file (fold, score, model, templates,
charts; then layout and PDF writing), after one warm-up render so the
one-off imports (jinja2, WeasyPrint, fontconfig) are not counted. Wall time and
this process's CPU time are both given: on a shared 2-core machine the CPU
time is the figure that does not depend on other people's work.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("PLANENGINE_LOAD_PLUGINS", "")

from planengine.core.engine import Engine  # noqa: E402
from planengine.report import incident_report  # noqa: E402

PLAN = """\
id: bench_flood
title: 防汛抢险应急处置预案（基准测试）
version: 1
lang: zh
timezone: Asia/Shanghai
facts:
  water_level_m: {type: number, title: 水位, unit: m}
  villages: {type: string, title: 转移村庄}
roles:
  duty: {title: 防汛值班室, people: [{name: 王焰, phone: "13900000001"}]}
  leader: {title: 防汛抗旱指挥部指挥长}
  team: {title: 防汛抢险队, muster: true, strength: 50}
initial: alert
phases:
  alert:
    title: 预警与响应
    steps:
%(steps)s
    after:
      - {after: 1h, notify: [leader], message: 抢险已超过1小时，请续报}
    on:
      - {event: receded, to: closed}
  closed: {title: 结束, final: true}
"""


def build(db: str, events: int) -> str:
    steps = "\n".join(
        f"      - {{id: s{i:02d}, title: 第{i}项抢险任务：巡查堤段并报告险情, role: {'team' if i % 3 else 'duty'},"
        f" within: {10 + i}m{', muster: true' if i == 0 else ''}}}"
        for i in range(20)
    )
    path = os.path.join(os.path.dirname(db), "bench_flood.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(PLAN % {"steps": steps})
    eng = Engine(db=db)
    t0 = 1_800_000_000  # a fixed start: the same report every run
    from datetime import datetime, timezone

    def at(sec):
        return datetime.fromtimestamp(t0 + sec, timezone.utc).isoformat()

    state = eng.start(path, facts={"water_level_m": 101.2}, at=at(0), incident_id="BENCH-1")
    with eng.instant():
        batch = eng.batch(state, bulk=True)
        sec = 0
        i = 0
        while state.seq < events - 30:
            sec += 7
            i += 1
            if i % 50 == 0:
                state = batch.command(
                    state, "set", {"facts": {"water_level_m": 101 + (i % 300) / 100}}, at(sec), "水文站"
                )
            elif i % 5 == 0:
                state = batch.command(state, "checkin", {"role": "team", "count": 1, "by": "抢险队"}, at(sec), "抢险队")
            else:
                text = f"第{i}次巡查：K{i % 40}+{i % 1000:03d} 堤段渗水情况正常，继续监测"
                state = batch.command(state, "note", {"text": text, "by": "巡堤人员"}, at(sec), "巡堤人员")
            if i % 400 == 0:
                k = (i // 400) % 20
                if f"s{k:02d}" in state.steps and state.steps[f"s{k:02d}"].status == "pending":
                    state = batch.command(state, "done", {"step": f"s{k:02d}", "by": "王焰"}, at(sec), "王焰")
        state = batch.command(state, "event", {"name": "receded"}, at(sec + 60), "指挥长")
        batch.flush(state)
    return "BENCH-1", eng.state("BENCH-1").seq


def measure(eng, incident, fmt):
    incident_report(eng, incident, fmt=fmt)  # warm-up: imports, fonts, template compilation
    w, c = time.perf_counter(), time.process_time()
    out = incident_report(eng, incident, fmt=fmt)
    return time.perf_counter() - w, time.process_time() - c, len(out)


def figures(quick, tmp):
    from common import figure, progress

    n = 2_000 if quick else 10_000
    progress(f"bench report: building a {n:,}-event incident ...")
    incident, events = build(os.path.join(tmp, "report.db"), n)
    eng = Engine(db=os.path.join(tmp, "report.db"), create=False)
    progress("bench report: html ...")
    wall, cpu, size = measure(eng, incident, "html")
    yield figure(
        f"HTML report of a {events:,}-event incident ({size / 1e6:.1f} MB), CPU seconds (wall {wall:.2f} s)",
        cpu,
        "s",
        "< 2",
    )
    progress("bench report: pdf ...")
    wall, cpu, size = measure(eng, incident, "pdf")
    yield figure(
        f"PDF report of a {events:,}-event incident ({size / 1e6:.1f} MB), CPU seconds (wall {wall:.2f} s)",
        cpu,
        "s",
        "< 10",
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2,000 events")
    args = ap.parse_args(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as tmp:
        for fig in figures(args.quick, tmp):
            print(fig)


if __name__ == "__main__":
    main()

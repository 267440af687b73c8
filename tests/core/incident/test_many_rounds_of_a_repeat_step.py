"""A repeat step keeps its rounds (`prev`, for reopen and scoring): a step repeated every
30 minutes for a month has about 1,500 of them. The snapshot holds them as a flat list, so
an incident with more rounds than Python's or JSON's recursion limit (about 1,000) is
written, read, verified and replayed like any other (it was an internal error)."""

from __future__ import annotations

import json
import sqlite3


def test_a_step_done_1200_times_is_snapshotted_verified_and_replayed(env):
    drill = (env.REPO / "drills" / "sudden_event_day.yaml").read_text(encoding="utf-8")
    rounds = "".join(f"  - {{at: {780 + i * 10}s, done: progress_report, by: 办公室}}\n" for i in range(1200))
    drill = drill.replace("  - {at: 25m, say:", rounds + "  - {at: 25m, say:", 1)
    drill = drill.replace("plan: sudden_event\n", "plan: plan.yaml\n", 1)
    assert drill.count("done: progress_report") > 1200
    env.write("plan.yaml", (env.REPO / "plans" / "sudden_event.yaml").read_text(encoding="utf-8"))
    env.write("d.yaml", drill)
    result = env.run("drill", "run", "d.yaml")
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(env.db)
    ((incident,),) = conn.execute("SELECT id FROM incidents").fetchall()
    conn.close()
    status = json.loads(env.run("status", incident, "--json").stdout)
    assert status["id"] == incident
    assert env.run("verify", incident).exit_code == 0
    assert env.run("replay", incident).exit_code == 0

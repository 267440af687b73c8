"""The bundled sudden_event plan and day drill keep the centres' clocks: arrival counts from call-out."""

from __future__ import annotations


def _rows(score):
    return {(r["id"], r.get("round")): r for r in score["steps"]}


def test_the_day_drill_scores_a_late_arrival_late(env):
    # dispatch 09:38, arrival 10:11: 33 min after call-out against the 20-minute day standard
    score = env.json("drill", "run", env.REPO / "drills" / "sudden_event_day.yaml", "--plans", env.REPO / "plans")
    arrive = _rows(score)[("arrive", None)]
    assert arrive["limit_seconds"] == 20 * 60
    assert arrive["took_seconds"] == 33 * 60 and arrive["late_seconds"] == 13 * 60
    assert arrive["rating"] == "U" and arrive["met"] is False
    assert arrive["points"] == 35  # 100 x (1 - 13/20)
    assert score["score"] < 100
    assert "arrive" in [f["step"] for f in score["findings"]]


DRILL = """\
drill: reviewer_like
plan: sudden_event
start: 2090-03-05T18:40:00+08:00
facts: {{place: 东门, people: 5, cause: 斗殴, event_class: 治安}}
injects:
  - {{at: 2m, done: report_up}}
  - {{at: {dispatch}, done: dispatch}}
  - {{at: {arrive}, done: arrive}}
"""


def test_an_arrival_is_timed_from_dispatch_with_day_or_night_by_the_dispatch_time(env):
    plans = env.REPO / "plans"
    # dispatched 18:55 (day: 20 min); responding starts at once, arrival 19:20 = 25 min: late
    path = env.write("d1.yaml", DRILL.format(dispatch="15m", arrive="40m"))
    arrive = _rows(env.json("drill", "run", path, "--plans", plans))[("arrive", None)]
    assert (arrive["limit_seconds"], arrive["took_seconds"], arrive["rating"]) == (1200, 1500, "S")
    # dispatched 19:01 (night: 30 min); arrival 19:29 = 28 min: on time
    path = env.write("d2.yaml", DRILL.format(dispatch="21m", arrive="49m"))
    arrive = _rows(env.json("drill", "run", path, "--plans", plans))[("arrive", None)]
    assert (arrive["limit_seconds"], arrive["took_seconds"], arrive["rating"]) == (1800, 1680, "P")

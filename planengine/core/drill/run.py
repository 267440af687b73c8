"""Running a drill: injects become the commands the CLI issues, on drill time.

Timers fire between injects at their own due times, in due order, exactly as
``plan tick`` would fire them. An instant run goes through one bulk
``Engine.batch`` in one transaction; a paced run (``--speed``) applies each
inject when its moment arrives, in its own transaction, so players can act on
the same incident through the CLI meanwhile.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from planengine.core.drill.script import Drill
from planengine.core.incident import clock as clocks
from planengine.core.incident.runner import Refused


def paced_now(pace: dict, wall_now) -> str:
    """Drill time of a live-paced run at wall time ``wall_now``: sim0 + (wall - wall0) x speed."""
    wall0 = clocks.from_iso(pace["wall0"])
    elapsed = (wall_now - wall0).total_seconds() * float(pace["speed"])
    return clocks.to_iso(clocks.from_iso(pace["sim0"]) + timedelta(seconds=int(elapsed // 1)))


def _wall_for(pace: dict, sim_iso: str):
    """Wall-clock moment at which drill time ``sim_iso`` arrives."""
    offset = (clocks.from_iso(sim_iso) - clocks.from_iso(pace["sim0"])).total_seconds() / float(pace["speed"])
    return clocks.from_iso(pace["wall0"]) + timedelta(seconds=offset)


@dataclass
class DrillRun:
    incident: str
    state: object
    start: str
    end: str
    applied: list = field(default_factory=list)  # (inject, at)
    skipped: list = field(default_factory=list)  # contingency injects not needed: (inject, at)
    refused: list = field(default_factory=list)  # (inject, at, message)
    fired: list = field(default_factory=list)  # (key, due_at)


def _next_timer(state, before, inclusive=False):
    due = [(d, k) for k, d in state.timers.items() if d < before or (inclusive and d == before)]
    return min(due) if due else None


def run_drill(
    engine,
    drill: Drill,
    start=None,
    speed=None,
    on_inject=None,
    incident_id=None,
    sleep=time.sleep,
    on_wait=None,
) -> DrillRun:
    """Run ``drill`` into ``engine``'s store as an incident of kind ``drill``.

    ``start`` (ISO) shifts the whole exercise (day script by night). Without
    ``speed`` the run is instant: the whole drill is one transaction on drill
    time. With ``speed`` N, drill time runs N times faster than ``engine.clock``
    (wall time): each inject and timer is applied when its moment arrives, each
    in its own transaction, so players can act on the same incident through
    the ordinary CLI meanwhile (their commands are stamped with drill time).

    ``on_inject(kind, inject_or_key, at, detail)`` reports progress: kind is
    applied / skipped / refused / timer. ``on_wait(state, sim_now)`` is called
    while a paced run waits (a live board).
    """
    plan = drill.plan
    tz = ZoneInfo(plan.timezone)
    t0 = drill.start if start is None else clocks.to_iso(clocks.parse_user_time(start, tz))
    t0_dt = clocks.from_iso(t0)
    end = clocks.to_iso(t0_dt + timedelta(seconds=drill.duration))
    info = {"id": drill.id}
    if drill.title:
        info["title"] = drill.title
    if drill.objectives:  # the drill evaluation report lists them
        info["objectives"] = list(drill.objectives)
    if drill.description:
        info["description"] = drill.description
    if drill.not_exercised:
        info["not_exercised"] = list(drill.not_exercised)  # scoring reads them from the record
    pace = None
    if speed:
        pace = {"speed": speed, "sim0": t0, "wall0": clocks.to_iso(engine.clock.now())}
        info["pace"] = pace
    report = on_inject or (lambda *a: None)
    run = DrillRun(incident="", state=None, start=t0, end=end)
    w = None  # the engine batch commands go through (bulk when instant)

    def fire_until(state, limit, inclusive):
        while True:
            nxt = _next_timer(state, limit, inclusive)
            if nxt is None:
                return state
            due, key = nxt
            if pace is not None:
                state = _wait(state, due)
                if _next_timer(state, limit, inclusive) != nxt:  # players acted meanwhile
                    continue
            state = w.command(state, "fire", {"key": key}, due, "timer")
            run.fired.append((key, due))
            report("timer", key, due, None)

    def _wait(state, sim_iso):
        """Paced runs: sleep until drill time ``sim_iso``, refreshing the state and the board."""
        target = _wall_for(pace, sim_iso)
        while True:
            now = engine.clock.now()
            left = (target - now).total_seconds()
            state = engine.state(run.incident)
            if on_wait is not None:
                on_wait(state, paced_now(pace, now))
            if left <= 0:
                return state
            sleep(min(left, 1.0))

    times: dict = {}  # inject offset -> ISO time

    def body():
        nonlocal w
        state = engine.start(
            drill.plan_ref,
            facts=drill.facts,
            at=t0,
            incident_id=incident_id,
            kind="drill",
            actor=drill.by,
            plan=plan,
            drill=info,
        )
        run.incident = state.id
        w = engine.batch(state, bulk=pace is None)
        command, applied = w.command, run.applied
        for inj in drill.injects:
            at = times.get(inj.at)
            if at is None:
                at = times[inj.at] = clocks.add_seconds(t0, inj.at)
            if state.timers and min(state.timers.values()) < at:  # a timer falls due before the inject
                state = fire_until(state, at, inclusive=False)
            if pace is not None:
                state = _wait(state, at)
                state = fire_until(state, at, inclusive=False)
            if inj.if_not_done:
                st = state.steps.get(inj.if_not_done)
                if st is not None and st.status == "done":
                    run.skipped.append((inj, at))
                    report("skipped", inj, at, f"{inj.if_not_done} is done")
                    continue
            try:
                state = command(state, inj.command, inj.args, at, inj.by)
            except Refused as e:
                run.refused.append((inj, at, str(e)))
                report("refused", inj, at, str(e))
                state = w.refold()
                continue
            applied.append((inj, at))
            if on_inject is not None:
                on_inject("applied", inj, at, None)
        if pace is not None:
            state = _wait(state, end)
        state = fire_until(state, end, inclusive=True)
        state = w.flush(state)
        run.state = state

    if pace is None:
        with engine.instant():
            body()
    else:
        body()
    return run

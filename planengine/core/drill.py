"""Drills: scripted injects through the very same engine (scoring.py scores them, replay.py audits).

A drill script is a Master Scenario Events List (MSEL): timed injects that
become the commands the CLI issues, applied at ``start + at`` on a SimClock.
Timers fire between injects at their own due times, in due order, exactly as
``plan tick`` would fire them. The result is an ordinary incident of kind
``drill``, so ``plan status --drills``, ``plan log`` and ``plan replay`` read
it like any other.

"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from planengine.core import clock as clocks
from planengine.core.yamlsrc import Checker, SourceError, did_you_mean, read, schema_problems

VERBS = ("say", "done", "checkin", "set", "event", "note", "close", "ack", "decide")
META = ("to", "channel", "expect", "objective")


# -- the script -------------------------------------------------------------


@dataclass(frozen=True)
class Inject:
    at: int  # seconds after the drill's start
    verb: str  # one of VERBS
    command: str  # engine command name
    args: dict
    by: str | None = None
    to: tuple = ()
    channel: str | None = None
    expect: str | None = None
    objective: str | None = None
    if_not_done: str | None = None  # contingency: only if this step is not done by then
    index: int = 0  # position in the file
    loc: tuple = (0, 0)

    def describe(self) -> str:
        a = self.args
        if self.verb in ("say", "note"):
            text = a["text"]
        elif self.verb in ("done", "ack"):
            text = a["step"] or ""
        elif self.verb == "checkin":
            text = a["role"] + (f" x{a['count']}" if a.get("count") is not None else "")
        elif self.verb == "set":
            text = ", ".join(f"{k}={v}" for k, v in a["facts"].items())
        elif self.verb == "event":
            text = a["name"]
        elif self.verb == "decide":
            text = f"{a['step']} -> {a['answer']}"
        else:
            text = a.get("outcome") or ""
        who = f" by {self.by}" if self.by else ""
        return f"{self.verb} {text}{who}".rstrip()


@dataclass
class Drill:
    id: str
    plan: object  # model.Plan
    plan_ref: str
    start: str  # UTC ISO
    injects: list
    title: str = ""
    description: str = ""
    facts: dict = field(default_factory=dict)
    end: int | None = None  # ENDEX offset in seconds
    by: str | None = None
    objectives: tuple = ()
    path: str = ""

    @property
    def duration(self) -> int:
        last = max((i.at for i in self.injects), default=0)
        return max(last, self.end or 0)


def _resolve_plan(ref, drill_path, engine):
    """A path relative to the drill file, a plan id on the plan path, or a plan file next to the drill."""
    from planengine.core.engine import PlanNotFound

    here = os.path.join(os.path.dirname(os.path.abspath(drill_path)), ref)
    if (os.sep in ref or ref.endswith((".yaml", ".yml"))) and os.path.isfile(here):
        return here
    try:
        return engine.resolve_plan(ref)
    except PlanNotFound:
        if os.path.isfile(here + ".yaml"):
            return here + ".yaml"
        raise


def load_drill(path, engine, text=None, plan=None) -> Drill:
    """Read and check a drill file against its plan; raises SourceError (file:line:col).

    ``plan`` (a loaded Plan) skips looking the plan up on the plan path.
    """
    src = read(path, text)
    if not isinstance(src.data, dict):
        raise SourceError([src.problem((), "a drill file is a mapping with drill, plan, start, injects")])
    problems = schema_problems(src, _schema())
    if problems:
        raise SourceError(problems)
    d = src.data
    from planengine.core.engine import PlanNotFound
    from planengine.core.loader import load_plan

    try:
        if plan is None:
            plan = load_plan(_resolve_plan(d["plan"], path, engine), engine.registry)
    except PlanNotFound as e:
        raise SourceError([src.problem(("plan",), str(e))]) from None
    except SourceError as e:
        first = e.problems[0] if e.problems else None
        raise SourceError(
            [src.problem(("plan",), f"plan '{d['plan']}' has errors (first: {first})")] + e.problems
        ) from None
    return _DrillBuilder(src, plan, d["plan"]).build()


def _schema():
    from planengine.core.schema import DRILL_SCHEMA

    return DRILL_SCHEMA


class _DrillBuilder(Checker):
    def __init__(self, src, plan, plan_ref):
        super().__init__(src)
        self.plan, self.plan_ref = plan, plan_ref
        self.events = sorted({t.event for ph in plan.phases.values() for t in ph.on if t.event})

    def build(self) -> Drill:
        d, plan = self.src.data, self.plan
        tz = ZoneInfo(plan.timezone)
        start = None
        try:
            start = clocks.to_iso(clocks.parse_user_time(d["start"], tz))
        except (ValueError, TypeError):
            self.err(("start",), f"start {d['start']!r} is not an ISO 8601 time (e.g. 2026-03-05T21:00:00+08:00)")
        facts = self.facts(d.get("facts") or {}, ("facts",))
        end = self.duration(d["end"], ("end",)) if "end" in d else None
        injects = []
        for i, raw in enumerate(d["injects"]):
            inj = self.inject(i, raw, ("injects", i))
            if inj is not None:
                injects.append(inj)
        if not d["injects"]:
            self.err(("injects",), "a drill needs at least one inject")
        if self.problems:
            raise SourceError(sorted(self.problems, key=lambda p: (p.line, p.col)))
        injects.sort(key=lambda x: (x.at, x.index))  # stable: same-time injects keep file order
        return Drill(
            id=d["drill"],
            plan=plan,
            plan_ref=self.plan_ref,
            start=start,
            injects=injects,
            title=d.get("title", ""),
            description=d.get("description", ""),
            facts=facts,
            end=end,
            by=d.get("by"),
            objectives=tuple(d.get("objectives") or ()),
            path=self.src.file,
        )

    def facts(self, raw, path):
        from planengine.core.facts import FactError, coerce_fact

        out = {}
        for k, v in raw.items():
            try:
                out[k] = coerce_fact(self.plan, k, v)
            except FactError as e:
                self.err(path + (k,), str(e), key=k not in self.plan.facts)
        return out

    def step(self, sid, path):
        spec = self.plan.step(sid)
        if spec is None:
            ids = [s.id for s in self.plan.steps()]
            self.err(path, f"unknown step '{sid}' in plan '{self.plan.id}'{did_you_mean(sid, ids)}")
        return spec

    def inject(self, i, raw, path):
        verbs = [v for v in VERBS if v in raw]
        if verbs == ["done", "note"]:
            verbs = ["done"]  # `note:` with `done:` is the remark recorded with the step
        if len(verbs) != 1:
            what = f"has {', '.join(verbs)}" if verbs else "has none"
            self.err(path, f"an inject needs exactly one of {', '.join(VERBS)} ({what})")
            return None
        verb = verbs[0]
        at = self.duration(raw["at"], path + ("at",))
        by = raw.get("by")
        for extra, owner in (("count", "checkin"), ("answer", "decide")):
            if extra in raw and verb != owner:
                self.err(path + (extra,), f"`{extra}:` goes with `{owner}:`, not `{verb}:`", key=True)
        value = raw[verb]
        vpath = path + (verb,)
        meta = {k: raw[k] for k in ("channel", "expect", "objective") if k in raw}
        to = raw.get("to")
        to = (to,) if isinstance(to, str) else tuple(to or ())
        if verb in ("say", "note"):
            command, args = "note", {"text": value, "by": by}
            if verb == "say":
                args["say"] = True
            if to:
                args["to"] = list(to)
            args.update(meta)
        elif verb == "done":
            spec = self.step(value, vpath)
            if spec is not None and spec.decision:
                self.err(vpath, f"step '{value}' is a decision: write `decide: {value}` with `answer:`")
            command, args = "done", {"step": value, "note": raw.get("note"), "by": by}
        elif verb == "ack":
            if value is not None:  # `ack: null`: an order that names no step (`plan ack INC --by X`)
                self.step(value, vpath)
            command, args = "ack", {"step": value, "by": by}
        elif verb == "decide":
            if isinstance(value, dict):
                sid, answer, apath = value["step"], value["answer"], vpath + ("answer",)
                spath = vpath + ("step",)
            else:
                sid, answer, apath, spath = value, raw.get("answer"), path + ("answer",), vpath
            spec = self.step(sid, spath)
            if answer is None:
                self.err(path, f"`decide: {sid}` needs `answer:`")
            elif spec is not None:
                if not spec.decision:
                    self.err(spath, f"step '{sid}' is not a decision step (use `done:`)")
                elif answer not in spec.decision:
                    self.err(apath, f"answer '{answer}' is not one of {', '.join(spec.decision)}")
            command, args = "decide", {"step": sid, "answer": answer, "by": by}
        elif verb == "checkin":
            if value not in self.plan.roles:
                self.err(
                    vpath,
                    f"unknown role '{value}' in plan '{self.plan.id}'{did_you_mean(value, list(self.plan.roles))}",
                )
            command, args = "checkin", {"role": value, "count": raw.get("count"), "by": by}
        elif verb == "set":
            if not value:
                self.err(vpath, "`set:` needs at least one fact")
            command, args = "set", {"facts": self.facts(value, vpath)}
        elif verb == "event":
            if value not in self.events:
                known = ", ".join(self.events) or "none"
                self.err(vpath, f"unknown event '{value}' in plan '{self.plan.id}' (its events: {known})")
            command, args = "event", {"name": value}
        else:  # close
            outcome = value if isinstance(value, str) else None
            command, args = "close", {"outcome": outcome}
        if "if_not_done" in raw:
            self.step(raw["if_not_done"], path + ("if_not_done",))
        return Inject(
            at=at,
            verb=verb,
            command=command,
            args=args,
            by=by,
            to=to,
            channel=raw.get("channel"),
            expect=raw.get("expect"),
            objective=raw.get("objective"),
            if_not_done=raw.get("if_not_done"),
            index=i,
            loc=self.src.pos(path),
        )


# -- running ----------------------------------------------------------------


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
    from planengine.core.runner import Refused

    plan = drill.plan
    tz = ZoneInfo(plan.timezone)
    t0 = drill.start if start is None else clocks.to_iso(clocks.parse_user_time(start, tz))
    t0_dt = clocks.from_iso(t0)
    end = clocks.to_iso(t0_dt + timedelta(seconds=drill.duration))
    info = {"id": drill.id}
    if drill.title:
        info["title"] = drill.title
    pace = None
    if speed:
        pace = {"speed": speed, "sim0": t0, "wall0": clocks.to_iso(engine.clock.now())}
        info["pace"] = pace
    report = on_inject or (lambda *a: None)
    store = engine.store
    run = DrillRun(incident="", state=None, start=t0, end=end)
    w = None  # how commands reach the store: _Batched (instant) or _Direct (paced)

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
        w = _Direct(engine, state.id) if pace is not None else _Batched(engine, state)
        for inj in drill.injects:
            at = times.get(inj.at)
            if at is None:
                at = times[inj.at] = clocks.to_iso(t0_dt + timedelta(seconds=inj.at))
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
                state = w.command(state, inj.command, inj.args, at, inj.by)
            except Refused as e:
                run.refused.append((inj, at, str(e)))
                report("refused", inj, at, str(e))
                state = w.refold()
                continue
            run.applied.append((inj, at))
            report("applied", inj, at, None)
        if pace is not None:
            state = _wait(state, end)
        state = fire_until(state, end, inclusive=True)
        state = w.flush(state)
        run.state = state

    if pace is None:
        with store.regenerable(), store.transaction():
            body()
    else:
        body()
    return run


class _Direct:
    """Paced runs: each command is its own transaction through Engine.command (players write too)."""

    def __init__(self, engine, incident):
        self.engine, self.incident = engine, incident

    def command(self, state, name, args, at, actor):
        return self.engine.command(self.incident, name, args, at=at, actor=actor, state=state)

    def refold(self):
        return self.engine.state(self.incident)

    def flush(self, state):
        return state


class _Batched:
    """Instant runs: the runner works in memory and the store takes the whole drill in one bulk write.

    The rows are exactly those Engine.command would write one command at a time
    (Store.append_many); the caller holds the transaction.
    """

    def __init__(self, engine, state):
        self.store = engine.store
        self.runner = engine.runner(engine.plan_for(state.plan_sha))
        self.incident = state.id
        self.batch = []
        self.base = (state.seq, state.last_hash, dict(state.timers))

    def command(self, state, name, args, at, actor):
        from planengine.core.runner import Command

        cmd = Command(name, at, actor, dict(args or {}))
        events = self.runner.execute(state, cmd)  # on Refused the state is dirty: refold()
        self.batch.append((cmd, events))
        return state

    def refold(self):
        from planengine.core.incident import apply, fold

        state = fold(self.store.event_rows(self.incident), self.incident)
        for _cmd, events in self.batch:
            for ev in events:
                apply(state, ev["seq"], ev["at"], ev["kind"], ev["actor"], ev["data"])
        return state

    def flush(self, state):
        seq, prev_hash, timers = self.base
        state.last_hash = self.store.append_many(state, self.batch, seq, prev_hash, timers)
        self.batch = []
        self.base = (state.seq, state.last_hash, dict(state.timers))
        return state

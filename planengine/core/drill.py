"""Drills: scripted injects through the very same engine, scoring, replay and extraction.

A drill script is a Master Scenario Events List (MSEL): timed injects that
become the commands the CLI issues, applied at ``start + at`` on a SimClock.
Timers fire between injects at their own due times, in due order, exactly as
``plan tick`` would fire them. The result is an ordinary incident of kind
``drill``, so ``plan status``, ``plan log``, ``plan report`` and
``plan replay`` read it like any other.

Scoring reads only the incident's state and the plan's ``scoring:`` block:
DESIGN.md's default rule, HSEEP ratings (P/S/M/U) and findings (不足项 /
整改项 / 改进项, 突发事件应急预案管理办法 2013 Art. 23).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from planengine.core import clock as clocks
from planengine.core import durations
from planengine.core.views import local, zone
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


# -- scoring ----------------------------------------------------------------

DEFAULT_GRADES = ((90, "优秀"), (75, "良好"), (60, "合格"))
FAIL_GRADE = "不合格"
GRADE_EN = {"优秀": "excellent", "良好": "good", "合格": "pass", "不合格": "fail"}
DEFAULT_RATINGS = {"S": 1.25, "M": 1.5}
FINDING = {"U": "不足项", "M": "整改项", "S": "改进项"}
FINDING_EN = {"不足项": "deficiency", "整改项": "corrective action", "改进项": "improvement"}


def _round1(x: Fraction) -> float:
    """Round half up to one decimal, exactly (87.25 -> 87.3)."""
    tenths = (x * 10 + Fraction(1, 2)).__floor__()
    return tenths / 10


def _num(x: Fraction):
    r = _round1(x)
    return int(r) if r == int(r) else r


def _secs(a, b):
    return None if a is None or b is None else clocks.seconds_between(a, b)


def scoring_rule(plan) -> dict:
    """The effective rule: DESIGN.md defaults overlaid with the plan's ``scoring:`` block."""
    cfg = dict(getattr(plan, "scoring", None) or {}) if plan is not None else {}
    grades = cfg.get("grades")
    if grades:
        grades = sorted(((g["min"], g["grade"]) for g in grades), reverse=True)
    else:
        grades = list(DEFAULT_GRADES)
    return {
        "muster_weight": cfg.get("muster_weight", 2),
        "step_weight": cfg.get("step_weight", 1),
        "weights": dict(cfg.get("weights") or {}),
        "grades": [{"min": m, "grade": g} for m, g in grades],
        "fail_grade": cfg.get("fail_grade", FAIL_GRADE),
        "ratings": {**DEFAULT_RATINGS, **(cfg.get("ratings") or {})},
    }


def _rating(took, limit, ratings):
    if took is None:
        return "U"
    if took <= limit:
        return "P"
    if took <= limit * ratings["S"]:
        return "S"
    if took <= limit * ratings["M"]:
        return "M"
    return "U"


def score(state, plan=None) -> dict:
    """Score an incident (a drill or a live one) from its folded state. Pure.

    Default rule (DESIGN.md): each timed step that became active scores 100 if
    done within its limit, 100 x (1 - late/limit) floored at 0 if late, 0 if
    never done (skipped by a phase change or closing included); muster steps
    weigh 2, others 1; the score is the weighted mean rounded half up to one
    decimal. Grades: >= 90 优秀, >= 75 良好, >= 60 合格, else 不合格. HSEEP
    ratings: P within the limit, S within 1.25x, M within 1.5x, U later or never.
    """
    rule = scoring_rule(plan)
    ratings = rule["ratings"]
    lang = getattr(plan, "lang", "zh") if plan is not None else "zh"
    steps_out, musters, findings = [], [], []
    total_w = Fraction(0)
    total = Fraction(0)
    counts = {"P": 0, "S": 0, "M": 0, "U": 0}
    tz = zone(state.timezone)  # times print in the plan's timezone, as `plan status` does
    ordered = sorted(state.steps.values(), key=lambda s: (s.activation_seq, s.id))
    for st in ordered:
        if st.muster:
            musters.append(_muster(state, st, tz))
        limit = st.limit_seconds
        if limit is None or st.activated_at is None:
            continue
        took = _secs(st.activated_at, st.done_at) if st.status == "done" else None
        if took is None:
            points = Fraction(0)
        elif took <= limit:
            points = Fraction(100)
        else:
            points = max(Fraction(0), 100 * (1 - Fraction(took - limit, limit))) if limit else Fraction(0)
        weight = rule["weights"].get(st.id, rule["muster_weight"] if st.muster else rule["step_weight"])
        weight = Fraction(weight)
        total_w += weight
        total += weight * points
        rating = _rating(took, limit, ratings)
        counts[rating] += 1
        late = max(0, took - limit) if took is not None else None
        status = "skipped" if st.status == "skipped" else ("done" if took is not None else "not done")
        steps_out.append(
            {
                "id": st.id,
                "title": st.title,
                "phase": st.phase,
                "role": st.role,
                "muster": bool(st.muster),
                "activated_at": local(st.activated_at, tz),
                "done_at": local(st.done_at, tz),
                "limit_seconds": limit,
                "took_seconds": took,
                "late_seconds": late,
                "status": status,
                "met": took is not None and took <= limit,
                "points": _num(points),
                "weight": _num(weight),
                "rating": rating,
            }
        )
        if rating != "P":
            findings.append(_finding(st, rating, took, limit, late, lang))
    value = _round1(total / total_w) if total_w else None
    grade = None
    if value is not None:
        grade = next((g["grade"] for g in rule["grades"] if value >= g["min"]), rule["fail_grade"])
    return {
        "incident": state.id,
        "plan": state.plan,
        "plan_version": state.plan_version,
        "kind": state.kind,
        "drill": (state.drill or {}).get("id"),
        "opened_at": local(state.opened_at, tz),
        "closed_at": local(state.closed_at, tz),
        "score": value,
        "grade": grade,
        "grade_en": GRADE_EN.get(grade, grade),
        "ratings": counts,
        "steps": steps_out,
        "musters": musters,
        "findings": findings,
        "rule": rule,
    }


def _muster(state, st, tz) -> dict:
    full_at = st.strength_at or (st.done_at if st.status == "done" else None)
    took = _secs(st.activated_at, full_at)
    first = _secs(st.activated_at, st.first_arrival_at)
    limit = st.limit_seconds
    return {
        "role": st.role,
        "step": st.id,
        "limit_seconds": limit,
        "took_seconds": took,
        "met": took is not None and (limit is None or took <= limit),
        "first_arrival_seconds": first,
        "strength": st.strength,
        "count": st.count if st.counted else None,
        "first_arrival_at": local(st.first_arrival_at, tz),
        "full_strength_at": local(full_at, tz),
    }


def _finding(st, rating, took, limit, late, lang):
    cls = FINDING[rating]
    name = st.title or st.id
    role = f"（{st.role}）" if st.role and lang == "zh" else (f" ({st.role})" if st.role else "")
    lim = durations.format(limit)
    if lang == "zh":
        if took is None:
            text = f"{name}{role}未在演练中完成（时限{lim}）"
        else:
            text = f"{name}{role}超时{durations.format(late)}（时限{lim}，用时{durations.format(took)}）"
    else:
        if took is None:
            text = f"{name}{role} was not done (limit {lim})"
        else:
            text = f"{name}{role} was {durations.format(late)} late (limit {lim}, took {durations.format(took)})"
    return {
        "class": cls,
        "class_en": FINDING_EN[cls],
        "step": st.id,
        "role": st.role,
        "rating": rating,
        "limit_seconds": limit,
        "took_seconds": took,
        "text": text,
    }


# -- replay -----------------------------------------------------------------


def replay(engine, incident_id) -> dict:
    """Re-apply an incident's stored commands to its stored plan in a fresh state.

    Returns {"incident", "ok", "commands", "events", "problems"}: problems lists
    every difference between the recomputed log (hash chain included) and the
    stored one, plus the stored chain's own integrity problems.
    """
    from planengine.core.runner import Command, Runner
    from planengine.core.store import canonical, event_hash

    store = engine.store
    row = store.require_incident(incident_id)
    plan = engine.plan_for(row["plan_sha"])
    runner = Runner(plan, engine.registry, legacy_settings=engine.settings())
    state = runner.new_state(incident_id)
    problems = []
    replayed = []
    prev = ""
    commands = store.commands(incident_id)
    for c in commands:
        cmd = Command(c["name"], c["at"], c["actor"], c["args"])
        try:
            events = runner.execute(state, cmd)
        except Exception as e:  # a refusal on replay is itself a difference
            problems.append(f"command {c['n']} ({c['name']} at {c['at']}) is refused on replay: {e}")
            break
        if events and (events[0]["seq"], events[-1]["seq"]) != (c["first_seq"], c["last_seq"]):
            problems.append(
                f"command {c['n']} ({c['name']}): replay gives events {events[0]['seq']}-{events[-1]['seq']},"
                f" the store has {c['first_seq']}-{c['last_seq']}"
            )
        for ev in events:
            ev["prev_hash"] = prev
            ev["hash"] = prev = event_hash(prev, ev)
            replayed.append(ev)
    stored = store.events(incident_id)
    for i in range(max(len(stored), len(replayed))):
        s = stored[i] if i < len(stored) else None
        r = replayed[i] if i < len(replayed) else None
        if s is None:
            problems.append(f"event {r['seq']} ({r['kind']}) is missing from the stored log")
            continue
        if r is None:
            problems.append(f"event {s['seq']} ({s['kind']}) is in the stored log but replay does not produce it")
            continue
        for k in ("seq", "at", "kind", "actor"):
            if s[k] != r[k]:
                problems.append(f"event {s['seq']}: {k} is {s[k]!r} in the store, replay gives {r[k]!r}")
        if canonical(s["data"]) != canonical(r["data"]):
            problems.append(
                f"event {s['seq']} ({s['kind']}): data differs: stored {canonical(s['data'])},"
                f" replay gives {canonical(r['data'])}"
            )
        if s["prev_hash"] != r["prev_hash"] or s["hash"] != r["hash"]:
            problems.append(
                f"event {s['seq']} ({s['kind']}): hash differs (stored {s['hash'][:12]}, replay {r['hash'][:12]})"
            )
    for p in store.verify(incident_id):
        msg = f"hash chain: {p}"
        if msg not in problems:
            problems.append(msg)
    return {
        "incident": incident_id,
        "ok": not problems,
        "commands": len(commands),
        "events": len(replayed),
        "stored_events": len(stored),
        "last_hash": prev,
        "problems": problems,
    }


# -- extract ----------------------------------------------------------------


def _source_sha(path):
    """sha256 of a plan file as the loader computes it (BOM dropped), or None if unreadable."""
    import hashlib

    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plan_ref(engine, plan, stored_path, drill_path):
    """``(ref, comment lines)``: a ``plan:`` value that load_drill resolves to the very source ``plan`` was.

    First the plan id, when the plan path finds this very source; then the file
    the incident was started from (relative to the drill file, else absolute),
    when it still holds this source. Otherwise the id, with a warning comment:
    the drill will run against whatever the plan path holds.
    """
    from planengine.core.engine import PlanNotFound

    def resolves(ref):
        try:
            return _resolve_plan(ref, drill_path, engine)
        except PlanNotFound:
            return None

    on_path = resolves(plan.id)
    if on_path is not None and _source_sha(on_path) == plan.sha256:
        return plan.id, []
    if stored_path and _source_sha(stored_path) == plan.sha256:
        target = os.path.abspath(stored_path)
        refs = []
        try:
            refs.append(os.path.relpath(target, os.path.dirname(os.path.abspath(drill_path))))
        except ValueError:  # another drive (Windows)
            pass
        refs.append(target)
        for ref in refs:
            found = resolves(ref)
            if found is not None and _source_sha(found) == plan.sha256:
                return ref, []
    ran = f"v{plan.version}, sha256 {plan.sha256[:12]}"
    if on_path is not None:
        try:
            version = read(on_path).data.get("version", "?")
        except (SourceError, AttributeError):
            version = "?"
        now = f"{on_path} (v{version}, sha256 {(_source_sha(on_path) or '?')[:12]})"
        why = f"plan '{plan.id}' on disk is now {now}"
    else:
        why = f"plan '{plan.id}' was not found on the plan path"
    why = " ".join(f"{why}, not the source this incident ran ({ran}, from {stored_path or '?'}).".splitlines())
    return plan.id, [
        f"# WARNING: {why}",
        "# The drill runs against the plan on disk; restore that version to re-enact the incident exactly.",
    ]


def extract(engine, incident_id, drill_id=None, output=None) -> str:
    """A drill script (YAML text) that re-enacts a recorded incident's commands.

    ``output`` is where the script will be written (None or "-": stdout, read
    from the working directory); a plan file is named relative to it.
    """
    import yaml

    from planengine.core.facts import FactError, coerce_fact

    store = engine.store
    row = store.require_incident(incident_id)
    plan = engine.plan_for(row["plan_sha"])
    stored_path = store.plan_source(row["plan_sha"])[0]
    drill_path = output if output and output != "-" else "<extract>"
    plan_ref, warning = _plan_ref(engine, plan, stored_path, drill_path)
    commands = store.commands(incident_id)
    start_cmd = commands[0]
    t0 = start_cmd["at"]
    tz = ZoneInfo(plan.timezone)

    def typed(facts):
        out = {}
        for k, v in facts.items():
            try:
                out[k] = coerce_fact(plan, k, v)
            except FactError:
                out[k] = v
        return out

    def flow(obj):
        # inside a list, so that scalars come out without YAML's document-end marker
        text = yaml.safe_dump([obj], default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**9)
        return text.strip()[1:-1]

    injects = []
    last = 0
    for c in commands[1:]:
        offset = max(0, clocks.seconds_between(t0, c["at"]))
        last = max(last, offset)
        a, name = c["args"], c["name"]
        inj = {"at": durations.format(offset)}
        if name == "note":
            inj["say" if a.get("say") else "note"] = a["text"]
            for k in META:
                if a.get(k) is not None:
                    inj[k] = a[k]
        elif name == "done":
            inj["done"] = a["step"]
            if a.get("note"):
                inj["note"] = a["note"]
        elif name == "checkin":
            inj["checkin"] = a["role"]
            if a.get("count") is not None:
                inj["count"] = a["count"]
        elif name == "set":
            inj["set"] = typed(a["facts"])
        elif name == "event":
            inj["event"] = a["name"]
        elif name == "close":
            inj["close"] = a.get("outcome")
        elif name == "ack":
            inj["ack"] = a.get("step")  # None (`ack: null`): an order that names no step
        elif name == "decide":
            inj["decide"] = a["step"]
            inj["answer"] = a["answer"]
        else:  # fire, deliver: timers and notifications happen by themselves
            continue
        by = a.get("by") or c["actor"]
        if by:
            inj["by"] = by
        injects.append(inj)
    start_local = clocks.from_iso(t0).astimezone(tz).isoformat()
    did = drill_id or incident_id.lower().replace("-", "_")
    title = f"{plan.title}（据 {incident_id} 复盘）" if plan.lang == "zh" else f"{plan.title} (from {incident_id})"
    lines = [
        f"# Extracted from incident {incident_id} (plan {plan.id} v{plan.version}, sha256 {plan.sha256[:12]}).",
        "# Times are offsets from the incident's opening; timers and notifications are not injects:",
        "# the engine fires them again by itself. Use --start to shift the exercise.",
        *warning,
        f"drill: {flow(did)}",
        f"plan: {flow(plan_ref)}",
        f"title: {flow(title)}",
        f"start: {flow(start_local)}",
    ]
    if start_cmd["actor"]:
        lines.append(f"by: {flow(start_cmd['actor'])}")
    facts = typed(start_cmd["args"].get("facts") or {})
    if facts:
        lines.append(f"facts: {flow(facts)}")
    final = clocks.seconds_between(t0, commands[-1]["at"]) if commands else 0
    if final > last:
        lines.append(f"end: {durations.format(final)}")
    lines.append("injects:")
    for inj in injects:
        lines.append(f"  - {flow(inj)}")
    if not injects:
        lines.append(f"  - {flow({'at': '0s', 'say': f'{incident_id} opened'})}")
    return "\n".join(lines) + "\n"

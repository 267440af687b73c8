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
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from planengine.core.drill.verbs import EXTRAS
from planengine.core.drill.verbs import VERBS as VERB_COMMANDS
from planengine.core.incident import clock as clocks
from planengine.core.plan.library import PlanNotFound
from planengine.core.plan.schema import INJECT_VERBS
from planengine.core.plan.source import Checker, SourceError, did_you_mean, merge_problems, read, schema_problems, short

VERBS = INJECT_VERBS  # the schema's list, from the one verb table (core/drill/verbs.py)
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
        elif self.verb in ("done", "ack", "waive", "reopen"):
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
    not_exercised: tuple = ()  # step ids the drill does not rehearse: N/A, out of the score
    path: str = ""

    @property
    def duration(self) -> int:
        last = self.injects[-1].at if self.injects else 0  # injects are in time order (load_drill sorts them)
        return max(last, self.end or 0)


def _resolve_plan(ref, drill_path, engine):
    """A path relative to the drill file, a plan id on the plan path, or a plan file next to the drill."""
    here = os.path.join(os.path.dirname(os.path.abspath(drill_path)), ref)
    if ref.endswith((".yaml", ".yml")) and os.path.isfile(here):  # only YAML files are read as plans
        return here
    try:
        return engine.resolve_plan(ref)
    except PlanNotFound:
        if os.path.isfile(here + ".yaml"):
            return here + ".yaml"
        raise


def load_drill(path, engine, text=None, plan=None, src=None) -> Drill:
    """Read and check a drill file against its plan; raises SourceError (file:line:col).

    ``plan`` (a loaded Plan) skips looking the plan up on the plan path; ``src``: the file already read.
    """
    src = src if src is not None else read(path, text)
    if not isinstance(src.data, dict):
        raise SourceError([src.problem((), "a drill file is a mapping with drill, plan, start, injects")])
    problems = schema_problems(src, _schema())
    d = src.data
    if problems and not isinstance(d.get("plan"), str):
        raise SourceError(problems)
    try:
        if plan is None:
            plan = engine.load_plan(_resolve_plan(d["plan"], path, engine))
    except PlanNotFound as e:
        missing = [src.problem(("plan",), str(e))]
        raise SourceError(merge_problems(problems, lambda: missing)) from None
    except SourceError as e:
        first = e.problems[0] if e.problems else None
        raise SourceError(
            problems + [src.problem(("plan",), f"plan {short(d['plan'])} has errors (first: {first})")] + e.problems
        ) from None
    if problems:
        raise SourceError(merge_problems(problems, lambda: _DrillBuilder(src, plan, d["plan"]).build()))
    return _DrillBuilder(src, plan, d["plan"]).build()


def _schema():
    from planengine.core.plan.schema import DRILL_SCHEMA

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
        except clocks.TimeError as e:
            self.err(("start",), str(e))
        except (ValueError, TypeError):
            self.err(("start",), f"start {d['start']!r} is not an ISO 8601 time (e.g. 2026-03-05T21:00:00+08:00)")
        facts = self.facts(d.get("facts") or {}, ("facts",))
        for i, sid in enumerate(d.get("not_exercised") or ()):
            self.step(sid, ("not_exercised", i))
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
            not_exercised=tuple(dict.fromkeys(d.get("not_exercised") or ())),
            path=self.src.file,
        )

    def facts(self, raw, path):
        from planengine.core.plan.facts import FactError, coerce_fact

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
        for extra, owner in EXTRAS.items():
            if extra in raw and verb != owner and not (extra == "reason" and verb in ("waive", "reopen")):
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
        elif verb in ("waive", "reopen"):
            if value is not None or verb == "waive":
                self.step(value, vpath)
            for need in ("by", "reason"):
                if not raw.get(need):
                    self.err(path, f"`{verb}:` needs `{need}:` (it goes on the record)")
            command, args = verb, {"step": value, "by": by, "reason": raw.get("reason")}
        else:  # close
            outcome = value if isinstance(value, str) else None
            command, args = "close", {"outcome": outcome}
        command = VERB_COMMANDS[verb][0]  # the one table (verbs.py) names the command
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

"""YAML plan files -> frozen model, with every rule of the plan language checked.

Structure is checked by the JSON Schema in schema.py; references, durations,
cycles, checks and types are checked here. Every problem carries file:line:col.
"""

from __future__ import annotations

import dataclasses
import os
import re

from planengine.core.digest import sha256_hex
from planengine.core.plan import durations
from planengine.core.plan import settings as local_settings
from planengine.core.plan.facts import FactError, coerce_value
from planengine.core.plan.model import (
    Action,
    Condition,
    Fact,
    LevelRule,
    Person,
    Phase,
    PhaseTimer,
    Plan,
    Role,
    Setting,
    Step,
    Transition,
    Within,
)
from planengine.core.plan.schema import PLAN_SCHEMA
from planengine.core.plan.source import (
    Checker,
    Located,
    SourceError,
    did_you_mean,
    merge_problems,
    read,
    schema_problems,
)

BUILTIN_CONDITIONS = ("all_done", "any_overdue")
CMP_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "in")
STEP_STATES = ("done", "overdue", "pending", "skipped", "late", "active", "waived")
FROM_MOMENTS = ("activation", "opened", "phase")  # `from:` besides a step id
_DAYTIME = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def install_hint(plugin: str) -> str:
    return f"pip install planengine-{plugin.replace('_', '-')}"


def not_loaded(plugin: str, registry) -> str:
    """Why a plugin a plan names is absent, with what to do about it."""
    if plugin in getattr(registry, "skipped", ()):
        return (
            f"plugin '{plugin}' is not loaded: PLANENGINE_LOAD_PLUGINS leaves it out ({install_hint(plugin)} elsewhere)"
        )
    return f"plugin '{plugin}' is not installed ({install_hint(plugin)})"


def load_plan(path: str, registry=None, text: str | None = None, check_schema: bool = True, src=None) -> Plan:
    """Read and check a plan file; raises SourceError listing every problem.

    ``check_schema=False`` is for plan sources stored with an incident, which
    passed the schema when it started (it saves importing jsonschema per command).
    ``src`` is the file already read (:func:`planengine.core.plan.source.read`), so it is parsed once.
    """
    if src is None:
        src = read(path, text)
    else:
        text = src.text
    problems = schema_problems(src, PLAN_SCHEMA) if check_schema else []
    if problems:
        raise SourceError(merge_problems(problems, lambda: _Builder(src, registry).build()[1]))
    plan, problems = _Builder(src, registry).build()
    if problems:
        raise SourceError(sorted(problems, key=lambda p: (p.line, p.col)))
    if text is None:
        # an incident stores the path with the source: make it mean the same file from any directory
        plan = dataclasses.replace(plan, path=os.path.abspath(path))
    return plan


class _Builder(Checker):
    def __init__(self, src: Located, registry):
        super().__init__(src)
        self.registry = registry
        self.d = src.data
        self.facts = set((self.d.get("facts") or {}).keys())
        self.roles = set((self.d.get("roles") or {}).keys())
        self.phases = set(self.d["phases"].keys())
        # levels may be written as integers ([1, 2, 3]); they are names, compared as strings
        self.levels = tuple(str(x) for x in self.d.get("levels") or ())
        for i, lvl in enumerate(self.levels):
            if lvl in self.levels[:i]:
                self.err(("levels", i), f"duplicate level '{lvl}'")
        self.fact_enums: dict = {}  # fact id -> enum values as the fact's type
        self.step_ids: dict = {}
        for pid, ph in self.d["phases"].items():
            for i, s in enumerate((ph or {}).get("steps") or []):
                if s["id"] in self.step_ids:
                    self.err(("phases", pid, "steps", i, "id"), f"duplicate step id '{s['id']}'")
                else:
                    self.step_ids[s["id"]] = (pid, i)
        self.uses = tuple(self.d.get("uses") or ())
        self.settings = self.d.get("settings") or {}  # local figures: id -> {default, title, source}
        self.duration_settings: dict = {}  # setting id -> Within of its default (used as a `within:`)
        self.plain_settings: dict = {}  # setting id -> its uses as a plain duration (`repeat`, `remind`...)
        self.plain_refused: set = set()  # settings whose default was refused as a plain duration

    def loc(self, path, key=False):
        return self.src.pos(path, key=key)

    # -- references -------------------------------------------------------

    def ref(self, kind, name, known, path):
        if name not in known:
            self.err(path, f"unknown {kind} '{name}'{did_you_mean(name, known)}")
            return False
        return True

    def check_name(self, name, path, what="check"):
        plugin = name.split(".", 1)[0] if "." in name else None
        if plugin is None:
            known = list(BUILTIN_CONDITIONS) if what == "check" else []
            if self.registry is not None:
                known += list(self.registry.checks if what == "check" else self.registry.actions)
            hint = did_you_mean(name, known) or f" ({what}s are named plugin.name, e.g. core.facts_present)"
            self.err(path, f"unknown {what} '{name}'{hint}")
            return
        if plugin != "core" and plugin not in self.uses:
            self.err(path, f"{what} '{name}' belongs to plugin '{plugin}': add it to `uses:`")
        if self.registry is None:
            return
        table = self.registry.checks if what == "check" else self.registry.actions
        if name in table:
            return
        if plugin != "core" and plugin not in self.registry.plugins:
            self.err(path, f"{what} '{name}': {not_loaded(plugin, self.registry)}")
        else:
            self.err(path, f"unknown {what} '{name}'{did_you_mean(name, list(table))}")

    # -- conditions -------------------------------------------------------

    def cond(self, raw, path) -> Condition:
        loc = self.loc(path)
        if isinstance(raw, str):
            if raw in BUILTIN_CONDITIONS:
                return Condition(raw, loc=loc)
            self.check_name(raw, path)
            return Condition("check", name=raw, loc=loc)
        if not isinstance(raw, dict) or not raw:
            self.err(path, "a condition is a check name or a mapping such as {fact: x, gte: 1}")
            return Condition("all", loc=loc)
        keys = set(raw)
        if "check" in keys:
            self._only(raw, path, {"check", "args"})
            self.check_name(raw["check"], path + ("check",))
            return Condition("check", name=raw["check"], args=self.args(raw.get("args"), path), loc=loc)
        if "fact" in keys:
            ops = [k for k in keys if k in CMP_OPS]
            self._only(raw, path, {"fact", *CMP_OPS})
            if len(ops) != 1:
                self.err(path, f"fact condition needs exactly one of {', '.join(CMP_OPS)}")
                return Condition("all", loc=loc)
            op = ops[0]
            name = raw["fact"]
            value = raw[op]
            if self.ref("fact", name, self.facts, path + ("fact",)):
                value = self._fact_operand(name, op, value, path + (op,))
            return Condition("fact", name=name, cmp=op, value=value, loc=loc)
        if "level_at_least" in keys:
            self._only(raw, path, {"level_at_least"})
            lvl = str(raw["level_at_least"])
            if not self.levels:
                self.err(path, "level_at_least needs `levels:` in the plan")
            else:
                self.ref("level", lvl, self.levels, path + ("level_at_least",))
            return Condition("level_at_least", name=lvl, loc=loc)
        if "step" in keys:
            self._only(raw, path, {"step", "is", "answer"})
            self.ref("step", raw["step"], self.step_ids, path + ("step",))
            if "answer" in raw:
                return Condition("step", name=raw["step"], cmp="answer", value=str(raw["answer"]), loc=loc)
            state = raw.get("is", "done")
            if state not in STEP_STATES:
                self.err(path + ("is",), f"step state '{state}' is not one of {', '.join(STEP_STATES)}")
            return Condition("step", name=raw["step"], cmp="is", value=state, loc=loc)
        for op in ("all", "any"):
            if op in keys:
                self._only(raw, path, {op})
                items = raw[op]
                if not isinstance(items, list) or not items:
                    self.err(path + (op,), f"'{op}' takes a non-empty list of conditions")
                    return Condition(op, loc=loc)
                kids = tuple(self.cond(c, path + (op, i)) for i, c in enumerate(items))
                return Condition(op, children=kids, loc=loc)
        if "not" in keys:
            self._only(raw, path, {"not"})
            return Condition("not", children=(self.cond(raw["not"], path + ("not",)),), loc=loc)
        key = next(iter(raw))
        allowed = ["check", "fact", "level_at_least", "step", "all", "any", "not"]
        self.err(path + (key,), f"unknown condition '{key}'{did_you_mean(key, allowed)}", key=True)
        return Condition("all", loc=loc)

    def _only(self, raw, path, allowed):
        for k in raw:
            if k not in allowed:
                self.err(path + (k,), f"unknown key '{k}' in condition{did_you_mean(k, allowed)}", key=True)

    def _fact_operand(self, name, op, value, path):
        fact = self.d["facts"][name] or {}
        ftype = fact.get("type", "string")
        if op == "in":
            if not isinstance(value, list):
                self.err(path, f"'in' takes a list of {ftype} values")
                return ()
            return tuple(self._typed(fact, name, v, path + (i,)) for i, v in enumerate(value))
        if op in ("gt", "gte", "lt", "lte") and ftype not in ("integer", "number"):
            self.err(path, f"fact '{name}' is {ftype}: '{op}' compares numbers only")
            return value
        return self._typed(fact, name, value, path)

    def _typed(self, fact, name, value, path):
        try:
            enum = self.fact_enums.get(name)
            return coerce_value(name, fact.get("type", "string"), value, enum=enum, strict=False)
        except FactError as e:
            self.err(path, str(e))
            return value

    # -- actions ----------------------------------------------------------

    def actions(self, raw, path, links=False) -> tuple:
        """Actions; ``links``: an `overdue:` chain, whose actions may carry `after:`."""
        if raw is None:
            return ()
        items = [(raw, path)] if isinstance(raw, dict) else [(a, path + (i,)) for i, a in enumerate(raw)]
        out = []
        for a, p in items:
            action = self.action({k: v for k, v in a.items() if k != "after"} if links else a, p)
            if links and "after" in a:
                after, name = self.duration_or_setting(a["after"], p + ("after",), "overdue.after")
                action = dataclasses.replace(action, after=after, after_setting=name)
            out.append(action)
        return tuple(out)

    def action(self, raw, path) -> Action:
        loc = self.loc(path)
        kinds = [k for k in ("notify", "action", "note") if k in raw]
        if len(kinds) != 1:
            self.err(path, "an action has exactly one of notify, action, note")
            return Action("note", loc=loc)
        kind = kinds[0]
        if kind == "notify":
            roles = raw["notify"]
            roles = (roles,) if isinstance(roles, str) else tuple(roles)
            for i, r in enumerate(roles):
                self.ref(
                    "role",
                    r,
                    self.roles,
                    path + ("notify",) if isinstance(raw["notify"], str) else path + ("notify", i),
                )
            return Action("notify", roles=roles, message=raw.get("message", ""), loc=loc)
        if kind == "action":
            name = raw["action"]
            self.check_name(name, path + ("action",), what="action")
            return Action("action", name=name, args=self.args(raw.get("args"), path), loc=loc)
        return Action("note", message=raw["note"], loc=loc)

    # -- local figures (`settings:`) ------------------------------------------

    def args(self, raw, path) -> tuple:
        """Check or action arguments, frozen; every `{setting: NAME}` in them must name a declared setting."""
        if isinstance(raw, dict):
            self._setting_refs(raw, path + ("args",))
        return _frozen_args(raw)

    def _setting_refs(self, obj, path):
        # a method, not a closure: a recursive closure is a reference cycle that keeps the
        # whole file read (nodes and data) alive until the cyclic collector runs
        name = local_settings.ref(obj)
        if name is not None:
            self.ref("setting", name, self.settings, path + ("setting",))
        elif isinstance(obj, dict):
            for k, v in obj.items():
                self._setting_refs(v, path + (k,))
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                self._setting_refs(v, path + (i,))

    def setting_within(self, name, path):
        """`within: {setting: NAME}`: the Within of the setting's default, marked with its name."""
        if not self.ref("setting", name, self.settings, path + ("setting",)):
            return Within(0, 0)  # the unknown name is the one error to report
        if name not in self.duration_settings:
            default = (self.settings[name] or {}).get("default")
            try:
                self.duration_settings[name] = local_settings.within_of(default)
            except ValueError as e:
                self.err(("settings", name, "default"), f"setting '{name}' is used as `within:`: {e}")
                self.duration_settings[name] = Within(0, 0)
        w = self.duration_settings[name]
        return Within(w.day, w.night, setting=name)

    def duration_or_setting(self, raw, path, use) -> tuple:
        """A plain duration, or `{setting: NAME}` standing for one (``use``: a key of
        settings.PLAIN_USES): (seconds, NAME or None), the seconds of the plan's default."""
        if not (isinstance(raw, dict) and "setting" in raw):
            return self.duration(raw, path), None
        name = raw["setting"]
        if not isinstance(name, str) or not self.ref("setting", name, self.settings, path + ("setting",)):
            return 0, None  # the unknown name is the one error to report
        uses = self.plain_settings.setdefault(name, [])
        if use not in uses:
            uses.append(use)
        default = (self.settings[name] or {}).get("default")
        if name not in self.plain_refused:
            why = local_settings.plain_problem(name, default, (use,), line=self.loc(path)[0])
            if why:
                self.plain_refused.add(name)
                self.err(("settings", name, "default"), why)
        try:
            return durations.parse(default), name
        except ValueError:
            return 0, name

    def _settings(self) -> dict:
        out = {}
        for sid, raw in self.settings.items():
            raw = raw or {}
            out[sid] = Setting(
                id=sid,
                default=raw.get("default"),
                duration=sid in self.duration_settings,
                plain=tuple(self.plain_settings.get(sid, ())),
                title=str(raw.get("title", "")),
                source=str(raw.get("source", "")),
                description=str(raw.get("description", "")),
                loc=self.loc(("settings", sid), key=True),
            )
        return out

    # -- the plan ---------------------------------------------------------

    def build(self):
        d = self.d
        self._uses()
        facts = {k: self._fact(k, v or {}) for k, v in (d.get("facts") or {}).items()}
        roles = {k: self._role(k, v or {}) for k, v in (d.get("roles") or {}).items()}
        level = self._level(d.get("level"))
        self.ref("phase", d["initial"], self.phases, ("initial",))
        phases = {pid: self._phase(pid, ph or {}) for pid, ph in d["phases"].items()}
        if not any(p.final for p in phases.values()):
            self.err(("phases",), "the plan has no final phase (add `final: true` to its closing phase)", key=True)
        self._needs_cycles(phases)
        daytime = self._daytime(d.get("daytime", "07:00-19:00"))
        tz = d.get("timezone", "Asia/Shanghai")
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(tz)
        except Exception:
            self.err(("timezone",), f"unknown timezone '{tz}' (e.g. Asia/Shanghai)")
        src = self.src
        plan = Plan(
            id=d["id"],
            title=d["title"],
            version=d["version"],
            phases=phases,
            initial=d["initial"],
            lang=d.get("lang", "zh"),
            timezone=tz,
            daytime=daytime,
            uses=self.uses,
            description=d.get("description", ""),
            facts=facts,
            levels=self.levels,
            level=level,
            roles=roles,
            scoring=d.get("scoring") or {},
            settings=self._settings(),
            source=src.text,
            sha256=sha256_hex(src.text.encode("utf-8")),
            path=src.file,
        )
        return plan, self.problems

    def _uses(self):
        for i, name in enumerate(self.uses):
            if self.registry is not None and name not in self.registry.plugins:
                self.err(("uses", i), not_loaded(name, self.registry))

    def _fact(self, fid, raw):
        path = ("facts", fid)
        ftype = raw.get("type", "string")
        lo, hi = raw.get("min"), raw.get("max")
        if ftype not in ("integer", "number"):
            for key in ("min", "max"):
                if raw.get(key) is not None:
                    article = "an" if ftype[0] in "aeiou" else "a"
                    self.err(
                        path + (key,),
                        f"fact '{fid}' is {article} {ftype}: `{key}:` applies to integer or number facts only",
                    )
            lo = hi = None
        elif lo is not None and hi is not None and lo > hi:
            self.err(path + ("min",), f"fact '{fid}': min {lo} is above max {hi}")
        enum = self._enum(fid, ftype, raw.get("enum") or (), lo, hi, path + ("enum",))
        self.fact_enums[fid] = enum
        default = raw.get("default")
        if default is not None:
            try:
                default = coerce_value(fid, ftype, default, enum=enum, strict=False, lo=lo, hi=hi)
            except FactError as e:
                self.err(path + ("default",), str(e))
        return Fact(
            id=fid,
            type=ftype,
            title=raw.get("title", ""),
            min=lo,
            max=hi,
            enum=enum,
            default=default,
            required=bool(raw.get("required", False)),
            unit=raw.get("unit", ""),
            loc=self.loc(path, key=True),
        )

    def _enum(self, fid, ftype, items, lo, hi, path) -> tuple:
        """The enum's values as the fact's type, so `--set k=1` matches `enum: [1]` on a string fact."""
        out = []
        for i, item in enumerate(items):
            if ftype == "string" and (item is None or isinstance(item, bool)):
                # YAML reads yes/no/on/off/null as booleans or null, not the words
                self.err(path + (i,), f"fact '{fid}': enum value {item!r} is not a string: write it in quotes")
                continue
            try:
                value = coerce_value(fid, ftype, item, strict=False, lo=lo, hi=hi)
            except FactError as e:
                self.err(path + (i,), f"{e} (enum value)")
                continue
            if value in out:
                self.err(path + (i,), f"fact '{fid}': duplicate enum value {value!r}")
                continue
            out.append(value)
        return tuple(out)

    def _role(self, rid, raw):
        people = tuple(
            Person(name=str(p["name"]), phone=str(p.get("phone", "")), email=p.get("email", ""))
            for p in raw.get("people") or ()
        )
        return Role(
            id=rid,
            title=raw.get("title", ""),
            people=people,
            muster=bool(raw.get("muster", False)),
            strength=raw.get("strength"),
            description=raw.get("description", ""),
            loc=self.loc(("roles", rid), key=True),
        )

    def _level(self, raw):
        if raw is None:
            return None
        path = ("level",)
        if not self.levels:
            self.err(path, "`level:` needs `levels:` (lowest first, e.g. [IV, III, II, I])", key=True)
        notify = self._level_notify(raw, path)
        if "check" in raw:
            self.check_name(raw["check"], path + ("check",))
            check = Condition("check", name=raw["check"], args=self.args(raw.get("args"), path), loc=self.loc(path))
            return LevelRule(
                check=check,
                default=self._level_name(raw.get("default"), path + ("default",)),
                notify=notify,
                message=raw.get("message", ""),
            )
        if "rules" not in raw:
            self.err(path, "`level:` needs either `check:` or `rules:`")
            return None
        rules = []
        for i, rule in enumerate(raw["rules"]):
            rules.append(
                (
                    self.cond(rule["if"], path + ("rules", i, "if")),
                    self._level_name(rule["level"], path + ("rules", i, "level")),
                )
            )
        return LevelRule(
            rules=tuple(rules),
            default=self._level_name(raw.get("default"), path + ("default",)),
            notify=notify,
            message=raw.get("message", ""),
        )

    def _level_notify(self, raw, path) -> tuple:
        roles = raw.get("notify") or ()
        if isinstance(roles, str):
            self.ref("role", roles, self.roles, path + ("notify",))
            return (roles,)
        for i, r in enumerate(roles):
            self.ref("role", r, self.roles, path + ("notify", i))
        return tuple(roles)

    def _level_name(self, value, path):
        if value is None:
            return None
        value = str(value)
        if self.levels:
            self.ref("level", value, self.levels, path)
        return value

    def _phase(self, pid, raw):
        path = ("phases", pid)
        steps = tuple(self._step(pid, s, path + ("steps", i)) for i, s in enumerate(raw.get("steps") or ()))
        after = tuple(self._timer(t, path + ("after", i)) for i, t in enumerate(raw.get("after") or ()))
        on = []
        for i, t in enumerate(raw.get("on") or ()):
            tp = path + ("on", i)
            self.ref("phase", t["to"], self.phases, tp + ("to",))
            if ("event" in t) == ("when" in t):
                self.err(tp, "a transition has exactly one of `event:` or `when:`")
                continue
            on.append(
                Transition(
                    to=t["to"],
                    event=t.get("event"),
                    when=self.cond(t["when"], tp + ("when",)) if "when" in t else None,
                    if_=self.cond(t["if"], tp + ("if",)) if "if" in t else None,
                    loc=self.loc(tp),
                )
            )
        final = bool(raw.get("final", False))
        if final and (steps or on):
            self.err(path + ("final",), f"final phase '{pid}' cannot have steps or transitions")
        return Phase(
            id=pid,
            title=raw.get("title", ""),
            final=final,
            description=raw.get("description", ""),
            enter=self.actions(raw.get("enter"), path + ("enter",)),
            steps=steps,
            after=after,
            on=tuple(on),
            loc=self.loc(path, key=True),
        )

    def _timer(self, raw, path):
        seconds, name = self.duration_or_setting(raw["after"], path + ("after",), "after")
        return PhaseTimer(
            after=seconds,
            actions=self.actions({k: v for k, v in raw.items() if k != "after"}, path),
            setting=name,
            loc=self.loc(path),
        )

    def _step(self, pid, raw, path):
        role = raw.get("role")
        if role is not None:
            self.ref("role", role, self.roles, path + ("role",))
        within = None
        if "within" in raw:
            w = raw["within"]
            if isinstance(w, dict) and "setting" in w:
                within = self.setting_within(w["setting"], path + ("within",))
            elif isinstance(w, dict) and "days" in w:
                days = w["days"] if isinstance(w["days"], int) and not isinstance(w["days"], bool) else 0
                hh, _, mm = str(w.get("by", "24:00")).partition(":")
                by = int(hh) * 60 + int(mm) if hh.isdigit() and mm.isdigit() else 1440
                span = days * 86400 + by * 60  # the longest it can be (lint, plan show)
                within = Within(span, span, days=days, by=by)
            elif isinstance(w, dict):
                within = Within(
                    self.duration(w["day"], path + ("within", "day")),
                    self.duration(w["night"], path + ("within", "night")),
                )
            else:
                s = self.duration(w, path + ("within",))
                within = Within(s, s)
        needs = tuple(raw.get("needs") or ())
        for i, n in enumerate(needs):
            self.ref("step", n, self.step_ids, path + ("needs", i))
        check = None
        if "check" in raw:
            c = raw["check"]
            c = {"check": c} if isinstance(c, str) else c
            check = self.cond(c, path + ("check",))
        muster = bool(raw.get("muster", False))
        if muster and role is None:
            self.err(path + ("muster",), f"muster step '{raw['id']}' needs a `role:` (the team that checks in)")
        sid = raw["id"]
        decision = tuple(raw.get("decision") or ())
        from_ = raw.get("from", "activation")
        if "from" in raw:
            if from_ == sid:
                self.err(path + ("from",), f"step '{sid}' cannot count its deadline from itself")
            elif from_ not in FROM_MOMENTS and from_ not in self.step_ids:
                known = [*FROM_MOMENTS, *self.step_ids]
                self.err(
                    path + ("from",),
                    f"`from: {from_}` is neither {', '.join(FROM_MOMENTS)} nor a step of this plan"
                    f"{did_you_mean(from_, known)}",
                )
            if within is None:
                self.err(
                    path + ("from",), f"step '{sid}': `from:` says when a deadline starts: add `within:`", key=True
                )
        repeat = repeat_setting = None
        if "repeat" in raw:
            before = len(self.problems)
            repeat, repeat_setting = self.duration_or_setting(raw["repeat"], path + ("repeat",), "repeat")
            if repeat <= 0 and len(self.problems) == before:
                self.err(path + ("repeat",), f"step '{sid}': `repeat:` needs a period longer than 0")
                repeat = repeat_setting = None
            if within is None:
                self.err(
                    path + ("repeat",),
                    f"step '{sid}': `repeat:` needs `within:` (the first round's deadline)",
                    key=True,
                )
            if decision or muster:
                what = "a decision" if decision else "a muster"
                self.err(path + ("repeat",), f"step '{sid}' is {what}: `repeat:` is for report rounds (续报)", key=True)
        default = raw.get("default")
        if default is not None:
            if not decision:
                self.err(
                    path + ("default",),
                    f"step '{sid}': `default:` is the answer of a decision step: add `decision:`",
                    key=True,
                )
            elif default not in decision:
                self.err(path + ("default",), f"default '{default}' is not one of the answers {', '.join(decision)}")
            if within is None:
                self.err(
                    path + ("default",),
                    f"step '{sid}': `default:` is recorded at the deadline: add `within:`",
                    key=True,
                )
        remind, remind_settings = self._remind(raw, within, path)
        return Step(
            id=raw["id"],
            phase=pid,
            title=raw.get("title", ""),
            role=role,
            within=within,
            needs=needs,
            if_=self.cond(raw["if"], path + ("if",)) if "if" in raw else None,
            check=check,
            muster=muster,
            overdue=self.actions(raw.get("overdue"), path + ("overdue",), links=True),
            remind=remind,
            remind_settings=remind_settings,
            decision=decision,
            description=raw.get("description", ""),
            from_=from_,
            required=bool(raw.get("required", False)),
            repeat=repeat,
            repeat_setting=repeat_setting,
            default=default,
            loc=self.loc(path),
        )

    def _remind(self, raw, within, path) -> tuple:
        """`remind:` durations before the deadline, each shorter than it (by the plan's defaults),
        longest first: (seconds, the setting of each or () when none is a setting)."""
        if "remind" not in raw:
            return (), ()
        value = raw["remind"]
        items = (
            [(v, path + ("remind", i)) for i, v in enumerate(value)]
            if isinstance(value, list)
            else [(value, path + ("remind",))]
        )
        if within is None:
            self.err(
                path + ("remind",), f"step '{raw['id']}': `remind:` comes before a deadline: add `within:`", key=True
            )
            return (), ()
        out = []
        for v, p in items:
            before = len(self.problems)
            seconds, name = self.duration_or_setting(v, p, "remind")
            if len(self.problems) > before:
                continue
            shown = f"{durations.format(seconds)} (setting {name})" if name else v
            if seconds <= 0:
                self.err(p, f"step '{raw['id']}': a reminder must come some time before the deadline")
            elif seconds >= min(within.day, within.night):
                self.err(
                    p,
                    f"step '{raw['id']}': a reminder {shown} before the deadline would come before its clock starts",
                )
            elif (seconds, name) not in out:
                out.append((seconds, name))
        out.sort(key=lambda x: (-x[0], x[1] or ""))
        names = tuple(n for _, n in out)
        return tuple(s for s, _ in out), (names if any(names) else ())

    def _needs_cycles(self, phases):
        """Report each `needs` cycle; iterative, so chains of thousands of steps are fine."""
        graph = {s.id: s.needs for p in phases.values() for s in p.steps}
        state: dict = {}
        for root in graph:
            if state.get(root):
                continue
            trail = [root]
            state[root] = 1
            stack = [iter(graph.get(root, ()))]
            while stack:
                nxt = next(stack[-1], None)
                if nxt is None:
                    state[trail.pop()] = 2
                    stack.pop()
                    continue
                node = trail[-1]
                if state.get(nxt) == 1:
                    cycle = trail[trail.index(nxt) :] + [nxt]
                    pid, i = self.step_ids[node]
                    self.err(("phases", pid, "steps", i, "needs"), f"`needs` cycle: {' -> '.join(cycle)}")
                elif nxt in graph and not state.get(nxt):
                    state[nxt] = 1
                    trail.append(nxt)
                    stack.append(iter(graph.get(nxt, ())))

    def _daytime(self, text):
        m = _DAYTIME.match(str(text))
        if not m:
            self.err(("daytime",), f"daytime {text!r} must look like 07:00-19:00")
            return (420, 1140)
        h1, m1, h2, m2 = (int(x) for x in m.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h1 * 60 + m1) >= (h2 * 60 + m2):
            self.err(("daytime",), f"daytime {text!r}: start must be a time before end")
            return (420, 1140)
        return (h1 * 60 + m1, h2 * 60 + m2)


def _frozen_args(args) -> tuple:
    return tuple(sorted((args or {}).items()))

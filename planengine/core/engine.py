"""The library API the CLI is a thin skin over: plans, incidents, commands, timers.

Each public method that changes an incident is one store transaction: the
state is folded inside it, the runner decides, the store appends, and any
refusal rolls everything back.
"""

from __future__ import annotations

import glob
import os
import re
from zoneinfo import ZoneInfo

from planengine.core import clock as clocks
from planengine.core.incident import fold
from planengine.core.runner import Command, Refused, Runner
from planengine.core.store import Store, StoreError

INCIDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
SITE_ONLY_KEYS = ("notifiers", "routes", "people", "timezone")


class PlanNotFound(Exception):
    pass


def plan_dirs(explicit=None):
    dirs = []
    if explicit:
        dirs.extend(explicit if isinstance(explicit, (list, tuple)) else [explicit])
    env = os.environ.get("PLANENGINE_PLANS")
    if env:
        dirs.extend(d for d in env.split(os.pathsep) if d)
    dirs.append("plans")
    return dirs


def load_config(path=None) -> dict:
    """Site configuration (planengine.yaml): notifiers, routes, people, local thresholds."""
    path = path or os.environ.get("PLANENGINE_CONFIG") or "planengine.yaml"
    if not os.path.exists(path):
        return {}
    from planengine.core.yamlsrc import SourceError, read

    data = read(path).data
    if not isinstance(data, dict):
        raise SourceError([])
    return data


class Engine:
    def __init__(self, db=None, plans=None, config=None, clock=None, registry=None, create=True):
        self.db_path = db or os.environ.get("PLANENGINE_DB") or "planengine.db"
        self.plans_arg = plans
        self.config_path = config
        self.clock = clock or clocks.WallClock()
        self._registry = registry
        self._config = None
        self._store = None
        self._create = create
        self._plans: dict = {}  # sha -> Plan
        self._runners: dict = {}
        self.tick_errors: dict = {}

    # -- lazily built pieces ----------------------------------------------

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.db_path, create=self._create)
        return self._store

    @property
    def registry(self):
        if self._registry is None:
            from planengine.core.plugins import get_registry

            self._registry = get_registry()
        return self._registry

    @property
    def config(self) -> dict:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    def settings(self, plan=None) -> dict:
        """The site configuration checks may read: the sections of the plugins ``plan`` uses
        (all sections but delivery ones without a plan). Nothing else enters the log."""
        if plan is not None:
            return {k: self.config[k] for k in plan.uses if k in self.config}
        return {k: v for k, v in self.config.items() if k not in SITE_ONLY_KEYS}

    def timezone(self):
        """The site's timezone for times typed without an offset where no plan applies (`plan tick --now`)."""
        name = str(self.config.get("timezone") or "Asia/Shanghai")
        try:
            return ZoneInfo(name)
        except Exception:
            raise Refused(f"planengine.yaml: unknown timezone {name!r} (e.g. Asia/Shanghai)") from None

    # -- plans ------------------------------------------------------------

    def plan_files(self):
        """(path, origin) of every plan on the plan path, then plugin plans."""
        seen = set()
        out = []
        for d in plan_dirs(self.plans_arg):
            for path in sorted(glob.glob(os.path.join(d, "*.yaml")) + glob.glob(os.path.join(d, "*.yml"))):
                if path not in seen:
                    seen.add(path)
                    out.append((path, d))
        for plugin, path in self.registry.plans:
            if path not in seen:
                seen.add(path)
                out.append((path, f"plugin {plugin}"))
        return out

    def resolve_plan(self, ref: str) -> str:
        if os.path.sep in ref or ref.endswith((".yaml", ".yml")) or os.path.isfile(ref):
            if not os.path.isfile(ref):
                raise PlanNotFound(f"no plan file {ref}")
            return ref
        for d in plan_dirs(self.plans_arg):
            for ext in (".yaml", ".yml"):
                path = os.path.join(d, ref + ext)
                if os.path.isfile(path):
                    return path
        for _plugin, path in self.registry.plans:
            if os.path.splitext(os.path.basename(path))[0] == ref:
                return path
        from planengine.core.yamlsrc import did_you_mean

        known = [os.path.splitext(os.path.basename(p))[0] for p, _ in self.plan_files()]
        raise PlanNotFound(
            f"no plan '{ref}' on the plan path ({', '.join(plan_dirs(self.plans_arg))}){did_you_mean(ref, known)}"
        )

    def load_plan(self, ref: str):
        from planengine.core.loader import load_plan

        plan = load_plan(self.resolve_plan(ref), self.registry)
        self._plans.setdefault(plan.sha256, plan)
        return plan

    def plan_for(self, sha: str):
        """The exact plan an incident ran, from the source stored with it."""
        plan = self._plans.get(sha)
        if plan is None:
            from planengine.core.loader import load_plan

            path, source = self.store.plan_source(sha)
            plan = load_plan(path, self.registry, text=source, check_schema=False)
            self._plans[sha] = plan
        return plan

    def runner(self, plan) -> Runner:
        r = self._runners.get(plan.sha256)
        if r is None:
            r = self._runners[plan.sha256] = Runner(plan, self.registry, legacy_settings=self.settings())
        return r

    # -- time -------------------------------------------------------------

    def at(self, value, tz_name: str) -> str:
        if value is None:
            return clocks.to_iso(self.clock.now())
        return clocks.to_iso(clocks.parse_user_time(value, ZoneInfo(tz_name)))

    # -- incidents --------------------------------------------------------

    def state(self, incident_id: str):
        self.store.require_incident(incident_id)
        return fold(self.store.event_rows(incident_id), incident_id)

    def start(self, plan_ref, facts=None, at=None, incident_id=None, kind="live", actor=None, plan=None, drill=None):
        plan = plan or self.load_plan(plan_ref)
        runner = self.runner(plan)
        at_iso = self.at(at, plan.timezone)
        store = self.store
        with store.transaction():
            if incident_id is None:
                day = clocks.from_iso(at_iso).astimezone(ZoneInfo(plan.timezone)).strftime("%Y%m%d")
                incident_id = store.next_incident_id(f"{'DRL' if kind == 'drill' else 'INC'}-{day}-")
            elif not INCIDENT_ID.fullmatch(incident_id):
                raise Refused(f"incident id {incident_id!r}: use letters, digits and - _ . : (e.g. INC-2026-017)")
            elif store.incident_row(incident_id) is not None:
                raise Refused(f"incident '{incident_id}' already exists")
            state = runner.new_state(incident_id)
            args = {"facts": dict(facts or {}), "kind": kind}
            if drill:  # drill id/title, and the pace of a live-paced run (see core/drill.py)
                args["drill"] = drill
            args["settings"] = self.settings(plan)  # checks read these; kept so replay is exact
            cmd = Command("start", at_iso, actor, args)
            events = runner.execute(state, cmd)
            store.save_plan(plan, at_iso)
            state.last_hash = store.append(state, cmd, events, 0, "", {}, new=True)
        return state

    def command(self, incident_id, name, args=None, at=None, actor=None, state=None):
        """Apply one command to an incident in its own transaction; returns the new state.

        ``state`` may be a cached fold (drills, benchmarks); it is refolded if the
        store has moved on, and must be dropped by the caller if this raises.
        """
        store = self.store
        # An incident's plan never changes: load it before taking the write lock.
        plan = self.plan_for(store.require_incident(incident_id)["plan_sha"])
        runner = self.runner(plan)
        with store.transaction():
            row = store.require_incident(incident_id)
            if state is None or state.seq != row["last_seq"]:
                state = fold(store.event_rows(incident_id), incident_id)
            if at is None and state.drill and state.drill.get("pace"):
                from planengine.core.drill import paced_now

                at = paced_now(state.drill["pace"], self.clock.now())  # a live-paced drill runs on drill time
            at_iso = self.at(at, plan.timezone)
            cmd = Command(name, at_iso, actor, dict(args or {}))
            prev_seq, prev_hash, timers = state.seq, state.last_hash, dict(state.timers)
            events = runner.execute(state, cmd)
            state.last_hash = store.append(state, cmd, events, prev_seq, prev_hash, timers)
        return state

    def tick(self, now=None, max_rounds=100):
        """Fire every due timer once; returns [(incident, key, due_at)] fired.

        An incident whose timer cannot fire (a plugin action fails) is left as
        it was and reported in ``self.tick_errors``; the others still fire.
        """
        now_iso = clocks.to_iso(now) if now is not None else clocks.to_iso(self.clock.now())
        store = self.store
        fired = []
        self.tick_errors = {}
        for _ in range(max_rounds):
            due = store.due_timers(now_iso)
            if not due:
                break
            by_incident: dict = {}
            for key, incident, due_at in due:
                by_incident.setdefault(incident, []).append((due_at, key))
            progressed = False
            for incident, items in by_incident.items():
                if incident in self.tick_errors:
                    continue
                try:
                    done = self._fire(incident, sorted(items))
                except Refused as e:
                    self.tick_errors[incident] = str(e)
                    continue
                fired.extend(done)
                progressed = True
            if not progressed:
                break
        return fired

    def _fire(self, incident, items):
        store = self.store
        out = []
        with store.transaction():
            row = store.incident_row(incident)
            if row is None:
                for _, key in items:
                    store.drop_timer(incident, key)
                return out
            state = fold(store.event_rows(incident), incident)
            plan = self.plan_for(row["plan_sha"])
            runner = self.runner(plan)
            for due_at, key in items:
                if key not in state.timers:
                    store.drop_timer(incident, key)
                    continue
                cmd = Command("fire", due_at, "timer", {"key": key})
                prev_seq, prev_hash, timers = state.seq, state.last_hash, dict(state.timers)
                events = runner.execute(state, cmd)
                state.last_hash = store.append(state, cmd, events, prev_seq, prev_hash, timers)
                out.append((incident, key, due_at))
        return out


__all__ = ["Engine", "PlanNotFound", "Refused", "StoreError", "load_config"]

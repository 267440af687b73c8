"""The unit of work: every read and every write of plans and incidents goes through an Engine.

The CLI, the web console, reports and notifiers hold an Engine and nothing
else of the core. Each method that changes an incident is one store
transaction: the state is folded inside it, the runner decides (it is the only
producer of events), the store appends (it is the only writer of rows), and
any refusal rolls everything back.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager

from planengine.core.incident import clock as clocks
from planengine.core.incident.commands import Command, Refused, events_of
from planengine.core.incident.state import SNAPSHOT_FORMAT, apply, fold, from_snapshot, snapshot_text, to_snapshot
from planengine.core.patterns import lazy
from planengine.core.plan import library
from planengine.core.plan.library import PlanNotFound
from planengine.core.store import StaleHead, StoreError, canonical, check_path, event_hash

# A tick holds the write lock at most about TX_BUDGET_S per transaction, and yields it for YIELD_S
# after every TX_BUDGET_S of work, so an officer's command waits about that long at worst.
TX_BUDGET_S = 0.05
YIELD_S = 0.003
SNAPSHOT_EVERY = 16  # events: a command folds at most this many after loading the incident's snapshot
LIST_CHUNK = 500  # incidents `plan status --json` folds at a time (one query for their snapshots and events)
PARALLEL_MIN = 1000  # incidents to fold before `plan status --json` forks a child to fold most of them
INCIDENT_ID = lazy(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
SITE_ONLY_KEYS = ("notifiers", "routes", "people", "timezone", "schedules", "roster", "calendar", "settings")
STEP_ARGS = ("done", "decide", "ack", "waive", "reopen")  # commands whose step an officer may type by number or title
NAMED_ARGS = frozenset((*STEP_ARGS, "checkin"))  # the commands whose arguments Engine._named resolves
ROSTER_STREAM = "@roster"  # roster swaps: a hash-chained stream of their own (see docs/routine.md)
SCHEDULE_STREAM = "@schedules"  # when each schedule was first seen by a ticker


def _state_problem(state):
    """wellformed.state_problem, imported with the first fold it checks: a status read from its
    cached text (`plan status INC --json`) folds nothing."""
    global _state_problem
    from planengine.core.incident.wellformed import state_problem as _state_problem

    return _state_problem(state)


def _is_time(value) -> bool:
    """wellformed.is_time, imported with its first use (as _state_problem)."""
    global _is_time
    from planengine.core.incident.wellformed import is_time as _is_time

    return _is_time(value)


def read_config(path=None, explicit=None):
    """The site configuration file (planengine.yaml) as a located source, or None when there is none.

    ``path`` (``--config``) or PLANENGINE_CONFIG name a file that must exist;
    ./planengine.yaml is optional. Its top level must be a mapping.
    """
    given = path or os.environ.get("PLANENGINE_CONFIG")
    path = given or "planengine.yaml"
    if not os.path.exists(path):
        if given:
            raise Refused(f"site configuration {path}: no such file (--config / PLANENGINE_CONFIG)")
        return None
    from planengine.core.plan.source import Problem, SourceError, read  # the YAML reader, only for a file

    src = read(path)
    if not isinstance(src.data, dict):
        what = "empty" if src.data is None else f"a {type(src.data).__name__}"
        line, col = src.pos(())
        raise SourceError(
            [
                Problem(
                    path,
                    line,
                    col,
                    f"the site configuration is {what}: write a mapping (lang:, notifiers:, routes:, people: ...)",
                )
            ]
        )
    return src


def load_config(path=None) -> dict:
    """Site configuration (planengine.yaml): notifiers, routes, people, local thresholds."""
    src = read_config(path)
    return src.data if src is not None else {}


class Engine:
    def __init__(self, db=None, plans=None, config=None, clock=None, registry=None, create=True, read_only=False):
        """``create`` False: the database must exist; ``read_only``: open it read-only (read commands)."""
        self.db_path = db if db is not None else (os.environ.get("PLANENGINE_DB") or "planengine.db")
        self.plans_arg = plans
        self.config_path = config
        self.clock = clock or clocks.WallClock()
        self._registry = registry
        self._config = None
        self._config_src = False
        self._routine = None
        self._store = None
        self._mode = "read" if read_only else "create" if create else "write"
        self._plans: dict = {}  # sha -> Plan
        self._runners: dict = {}
        self._plan_shas: dict = {}  # incident -> plan sha (never changes)
        self.unreadable: dict = {}  # incident -> why a list left it out (an edited log: one line each)
        self._snap_seq: dict = {}  # incident -> seq of its stored snapshot, as far as this engine knows
        self._owners: dict = {}  # incident -> ((seq, hash) of the log's head, its owner then): on_duty
        self.tick_errors: list = []
        self.last_events: list = []
        self.opened: list = []  # schedule occurrences opened by the last tick()

    # -- lazily built pieces ----------------------------------------------

    @property
    def store(self):
        if self._store is None:
            from planengine.core.store import Store  # SQLite loads with the first database opened

            self._store = Store(self.db_path, mode=self._mode)
        return self._store

    def database_exists(self) -> bool:
        """Whether the database file exists (an empty name or ':memory:' is refused)."""
        check_path(self.db_path)
        return os.path.exists(self.db_path)

    @property
    def registry(self):
        if self._registry is None:
            from planengine.plugins import get_registry

            self._registry = get_registry()
        return self._registry

    @property
    def config(self) -> dict:
        if self._config is None:
            src = self.config_source
            self._config = src.data if src is not None else {}
        return self._config

    @property
    def config_source(self):
        """planengine.yaml as read, with the line and column of every value (None: there is none)."""
        if self._config_src is False:
            self._config_src = read_config(self.config_path)
        return self._config_src

    def settings(self, plan=None) -> dict:
        """The site configuration checks may read: the sections of the plugins ``plan`` uses
        (all sections but delivery ones without a plan). Nothing else enters the log."""
        if plan is not None:
            return {k: self.config[k] for k in plan.uses if k in self.config}
        return {k: v for k, v in self.config.items() if k not in SITE_ONLY_KEYS}

    def local_settings(self, plan) -> dict:
        """The values of the local figures ``plan`` declares, as this site sets them:
        {name: {"value", "from": "plan" | "site"}} (SourceError with planengine.yaml:line:col)."""
        from planengine.core.plan.settings import effective

        return effective(plan, self.config_source)

    def timezone(self):
        """The site's timezone for times typed without an offset where no plan applies (`plan tick --now`)."""
        from zoneinfo import ZoneInfo

        name = str(self.config.get("timezone") or "Asia/Shanghai")
        try:
            return ZoneInfo(name)
        except Exception:
            from planengine.core.plan.source import SourceError, short

            src = self.config_source
            raise SourceError(
                [src.problem(("timezone",), f"unknown timezone {short(name)} (e.g. Asia/Shanghai)")]
            ) from None

    # -- plans ------------------------------------------------------------

    def plan_dirs(self) -> list:
        return library.plan_dirs(self.plans_arg)

    def plan_files(self):
        """(path, origin) of every plan on the plan path, then plugin plans."""
        return library.plan_files(self.plan_dirs(), self.registry.plans)

    def resolve_plan(self, ref: str) -> str:
        return library.resolve_plan(ref, self.plan_dirs(), self.registry.plans)

    def load_plan(self, ref: str, text=None, src=None):
        """The plan ``ref`` names (an id or a path), or the file ``ref`` whose ``text`` (or parsed
        ``src``) is given."""
        from planengine.core.plan.loader import load_plan

        path = ref if text is not None or src is not None else self.resolve_plan(ref)
        plan = load_plan(path, self.registry, text=text, src=src)
        self._plans.setdefault(plan.sha256, plan)
        return plan

    def plan_for(self, sha: str):
        """The exact plan an incident ran: its compiled form stored with it, else its stored source."""
        plan = self._plans.get(sha)
        if plan is not None:
            return plan
        from planengine.core.plan import compiled

        path, source, packed, fmt = self.store.plan_source(sha)
        plan, edited = None, False
        if packed and fmt == compiled.FORMAT:
            try:
                plan = compiled.loads(packed)
            except Exception:  # noqa: BLE001 - an edited compiled form (`plan verify` names it): the source
                edited = True
        if plan is None:  # stored by another version of the model: build it once and keep the result
            from planengine.core.plan.loader import load_plan

            plan = load_plan(path, self.registry, text=source, check_schema=False)
            if not self.store.read_only and not edited:  # read commands never write; an edited form stays
                try:
                    self.store.save_compiled(sha, compiled.dumps(plan), compiled.FORMAT)
                except Exception:  # the cache is only a cache
                    pass
        self._plans[sha] = plan
        return plan

    def incident_plan(self, incident_id: str):
        """The plan ``incident_id`` runs (its stored source)."""
        sha = self._plan_shas.get(incident_id)
        if sha is None:
            sha = self._plan_shas[incident_id] = self.store.require_incident(incident_id)["plan_sha"]
        try:
            return self.plan_for(sha)
        except StoreError:  # an edited incidents row
            raise StoreError(
                f"{incident_id}: the plan {str(sha)[:12]!r} its row names is not stored; `plan verify"
                f" {incident_id}` lists what is wrong with the record"
            ) from None

    def load_drill(self, path, text=None, plan=None, src=None):
        from planengine.core.drill.script import load_drill

        return load_drill(path, self, text=text, plan=plan, src=src)

    def check_file(self, path, lint=False) -> list:
        """Problems of one plan or drill file (errors first, then warnings when ``lint``); a bare
        plan id that is no file here names the plan on the plan path, as `plan show` takes it."""
        from planengine.core.plan.source import Problem, SourceError, read

        if path and os.path.sep not in path and not path.endswith((".yaml", ".yml")) and not os.path.exists(path):
            try:
                path = self.resolve_plan(path)
            except PlanNotFound as e:
                return [Problem(path, 1, 1, f"no such file, and {e}")]
        try:
            src = read(path)
        except SourceError as e:
            return e.problems
        try:
            if isinstance(src.data, dict) and "drill" in src.data:
                self.load_drill(path, text=src.text, src=src)
                return []
            plan = self.load_plan(path, src=src)
        except SourceError as e:
            return e.problems
        if not lint:
            return []
        from planengine.core.plan.lint import lint_plan
        from planengine.plugins import lint_warnings

        out = [Problem(path, *loc, msg, sev[0] if sev else "warning") for msg, loc, *sev in lint_plan(plan)]
        for msg, obj in lint_warnings(self.registry, plan):
            loc = getattr(obj, "loc", None) or (1, 1)
            out.append(Problem(path, *loc, msg, "warning"))
        out.sort(key=lambda p: (p.line, p.col))
        return out

    def plugins_for(self, plan):
        """The plugins ``plan`` runs with: the core and those its ``uses:`` names (only these are
        imported), or the engine's own registry when it was given one."""
        if self._registry is not None:
            return self._registry
        from planengine.plugins import registry_for

        return registry_for(plan.uses)

    def runner(self, plan):
        r = self._runners.get(plan.sha256)
        if r is None:
            from planengine.core.incident.runner import Runner

            r = self._runners[plan.sha256] = Runner(plan, self.plugins_for(plan))
        return r

    # -- time -------------------------------------------------------------

    def at(self, value, tz_name: str) -> str:
        if value is None:
            return clocks.to_iso(self.clock.now())
        stored = clocks.stored_form(value)  # already as the log keeps it: no parsing twice
        if stored is not None:
            return stored
        return clocks.to_iso(clocks.parse_user_time(value, clocks.zone(tz_name), now=self.clock.now()))

    # -- reads --------------------------------------------------------------

    canonical = staticmethod(canonical)  # the form events are hashed in (replay compares with it)
    event_hash = staticmethod(event_hash)

    def state(self, incident_id: str):
        self.store.require_incident(incident_id)
        return self._fold(incident_id)

    def cached_status(self, incident_id: str, now_iso: str):
        """One incident's status object at ``now_iso`` as status_texts() lists it (the UTF-8 of
        its JSON text), from the text `plan tick` and `plan watch` cache at the head of its log;
        None where there is none of this code's format (the caller folds). Reading it needs
        neither the fold nor the timezone database."""
        from planengine.core.incident import status

        store = self.store
        row = store.require_incident(incident_id)
        fmt = status.text_format()
        cached = store.status_texts([incident_id], fmt).get(incident_id) if fmt else None
        if cached is None:
            return None
        rows = store.notifications(incident_id) if row["kind"] != "drill" else None
        try:
            return status.from_text(incident_id, *cached, rows, status.Clock(now_iso))
        except Exception:  # noqa: BLE001 - an edited text that cannot be filled in (`plan verify` names it)
            return None

    def _fold(self, incident_id: str):
        """The incident's state: its snapshot (when it matches the log) plus the events after it."""
        store = self.store
        return self._resume(
            incident_id, store.snapshot(incident_id), lambda after: store.event_rows(incident_id, after)
        )

    def _resume(self, incident_id, snap, newer):
        if snap is not None and snap[2] == SNAPSHOT_FORMAT:
            import json

            seq = snap[0]
            try:
                base = from_snapshot(json.loads(snap[3]))
                base.seq, base.last_hash = seq, snap[1]  # the snapshot is written before its head is hashed
                state = fold(newer(seq), incident_id, state=base)
                if _state_problem(state) is not None:
                    raise ValueError("an edited snapshot or newer event")
            except Exception:  # noqa: BLE001 - an edited snapshot that cannot be read
                # (`plan verify` names it): the log alone
                state, seq = self._fold_log(incident_id), 0
        else:  # no snapshot, or one of another format (an older planengine's): the whole log
            seq = 0
            state = fold(newer(0) if snap is None else self.store.event_rows(incident_id), incident_id)
            if _state_problem(state) is not None:
                state = self._fold_log(incident_id)
        self._snap_seq[incident_id] = seq
        return state

    def _fold_log(self, incident_id):
        """The fold of the whole log, which must be a state the commands and views can read: an
        edited event (a time that is not one, data no command writes) is one refusal naming it."""
        state = fold(self.store.event_rows(incident_id), incident_id)
        why = _state_problem(state)
        if why is not None:
            for seq, at, *_rest in self.store.event_rows(incident_id):
                if not _is_time(at):
                    raise Refused(
                        "{incident}: event {seq}: its time {at} is not a time; `plan verify {incident}` lists what"
                        " is wrong with the record",
                        incident=incident_id,
                        seq=seq,
                        at=repr(at)[:40],
                    )
            raise Refused(
                "{incident}: the log folds to a state that cannot be read ({error}); `plan verify {incident}`"
                " lists what is wrong with the record",
                incident=incident_id,
                error=why,
            )
        return state

    def incidents(self, open_only=True, drills=False) -> list:
        """States of the incidents, oldest first: open ones only, and live ones only unless ``drills``."""
        ids = self.store.incident_ids(open_only=open_only, drills=drills)
        states = self.states(ids)
        return [states[i] for i in ids if i in states]

    def status_texts(self, now_iso, open_only=True, drills=False, keep=False):
        """`plan status --json` of many incidents: an iterator of each one's status object as the UTF-8 of its
        JSON text (as status.encode(status_dict(...)) prints it), oldest first, open ones only and
        live ones only unless ``drills``. An incident whose cached status text is at the head of
        its log is read from it, with its steps' clock and its delivery rows filled in; every
        other is folded from its snapshot and the events after it, LIST_CHUNK incidents at a
        time (the folds of 10,000 incidents are never all in memory at once).

        ``keep``: a read-through cache. The texts of the live incidents it had to fold are
        rendered, listed from, and stored as the list goes (from a thread of its own: SQLite
        writes without holding the interpreter), best effort (see Store.cache_writer), so the
        next list reads them even where no `plan tick` or `plan watch` runs. Where PARALLEL_MIN
        incidents or more must be folded, a forked child folds and renders three chunks of them
        in five (planengine/core/forked.py: none on one CPU, without fork, or beside other
        threads such as a web server's)."""
        from planengine.core.forked import ChildFailed
        from planengine.core.incident import status

        store = self.store
        ids = store.incident_ids(open_only=open_only, drills=drills)
        fmt = status.text_format()
        cached = store.status_texts(ids, fmt) if fmt else {}
        at = status.Clock(now_iso)
        render_text = keep and fmt is not None
        chunks = [ids[start : start + LIST_CHUNK] for start in range(0, len(ids), LIST_CHUNK)]
        aside = None  # the child's texts of three chunks in five, in order (this process also reads the
        # rows, fills in, prints and stores every text: callgrind puts the two about even so)
        if render_text and len(ids) - len(cached) >= PARALLEL_MIN:
            aside = self._render_aside([[i for i in p if i not in cached] for k, p in enumerate(chunks) if _aside(k)])

        def render():
            nonlocal aside
            keeper = _Keeper(store) if render_text else None
            try:
                for k, part in enumerate(chunks):
                    done = {}  # {id: (seq, hash, format, text as UTF-8, holes, meta)} the child rendered
                    if aside is not None and _aside(k):
                        try:
                            done = _unpack_texts(*next(aside))
                        except (ChildFailed, StopIteration, ValueError, TypeError):
                            aside = None  # this process renders the rest
                    folded = self.states([i for i in part if i not in cached and i not in done])
                    part = [i for i in part if i in cached or i in done or i in folded]  # unreadable: left out
                    rows = store.notifications_many([i for i in part if i not in folded or folded[i].kind != "drill"])
                    kept: list = []  # (incident, seq, hash, (format, text, holes, meta)) rendered from a fold
                    for i in part:
                        c = cached.pop(i, None)
                        if c is None and i in done:
                            seq, h, f, text, holes, meta = done[i]
                            kept.append((i, seq, h, (f, text, holes, meta)))
                            c = (text, holes, meta)
                        elif c is None and render_text:
                            st = folded[i]
                            text = _status_text(status, st)  # None for a drill
                            if text is not None:
                                c = (text[1].encode(), text[2], text[3])
                                kept.append((i, st.seq, st.last_hash, (text[0], c[0], c[1], c[2])))
                        if c is not None:
                            try:
                                text = status.from_text(i, c[0], c[1], c[2], rows.get(i), at)
                            except Exception:  # noqa: BLE001 - StopIteration too
                                text = None  # an edited text that cannot be filled in (`plan verify` names it)
                            if text is not None:
                                yield text
                                continue
                            folded[i] = self.states([i]).get(i)
                            if folded[i] is None:
                                continue
                        yield status.encode(status.status_dict(folded[i], now_iso, rows.get(i))).encode()
                    if kept:
                        keeper.put(kept)
            finally:
                if aside is not None:
                    aside.close()
                if keeper is not None:
                    keeper.close()

        return render()

    def _render_aside(self, parts):
        """The status texts of the incidents in ``parts`` (lists of ids), each part's as rows and
        their texts end to end (_unpack_texts), rendered by a forked child from rows read here
        before the fork; an incident it could not render is left out (this process folds it).
        None where no child can be forked."""
        from planengine.core import forked
        from planengine.core.incident import status

        if not any(parts) or not forked.usable():
            return None
        found = self.store.snapshots_and_events([i for part in parts for i in part])

        def work(part):
            rows, texts = [], []
            for i in part:
                snap, newer = found.pop(i)
                try:
                    state = _fold_rows(i, snap, newer)
                    text = _status_text(status, state)
                except Exception:  # noqa: BLE001 - an unreadable snapshot or event: the parent's fold says
                    continue
                if text is not None:
                    texts.append(text[1].encode())
                    rows.append((i, state.seq, state.last_hash, text[0], len(texts[-1]), text[2], text[3]))
            return rows, b"".join(texts)

        results = forked.fork_map(work, parts)
        found.clear()  # the child has its own copy
        return results

    def states(self, ids) -> dict:
        """{id: state} of many incidents with one query for their snapshots and one for newer events."""
        found = self.store.snapshots_and_events(list(ids))
        out = {}
        for i, (snap, rows) in found.items():
            try:
                out[i] = self._resume(i, snap, lambda _after, rows=rows: rows)
            except Refused as e:  # an edited log no view can read: left out of the list, named in ``unreadable``
                self.unreadable[i] = str(e)
        return out

    def refresh_caches(self, limit=2000, chunk=100) -> int:
        """Bring the snapshot and cached status text of open live incidents whose log has moved past
        them up to the head, ``chunk`` incidents a short transaction, at most ``limit``; returns how
        many were written. `plan tick` and `plan watch` call it after firing timers, so `plan status
        --json` reads one text per incident instead of folding it (commands write snapshots every
        SNAPSHOT_EVERY events, and no text). A command written meanwhile wins (head check)."""

        from planengine.core.incident.status import status_text, text_format

        fmt = text_format()
        store = self.store
        if not fmt or store.read_only:
            return 0
        written = 0
        behind = store.behind_caches(fmt, limit)
        for start in range(0, len(behind), chunk):
            states = self.states(behind[start : start + chunk])
            work = [
                (
                    st,
                    (snapshot_text(st), SNAPSHOT_FORMAT),
                    status_text(st),
                )
                for st in states.values()
            ]
            with store.regenerable(), store.transaction():  # caches: one lost is folded again
                for st, snapshot, status in work:
                    if store.save_caches(st.id, st.seq, st.last_hash, snapshot, status):
                        self._snap_seq[st.id] = st.seq
                        written += 1
        return written

    def advance(self, state):
        """``state`` (a fold of the incident up to state.seq) with the events written since folded in."""
        return fold(self.store.event_rows(state.id, state.seq), state.id, state=state)

    def count_incidents(self, open_only=True, drills=False) -> int:
        return len(self.store.incident_ids(open_only=open_only, drills=drills))

    def events(self, incident_id: str, times=True) -> list:
        """The incident's events in order. With ``times`` (views that read them as times) an event whose
        time was edited into something else is one refusal naming it; `plan log` and replay show it as recorded."""
        self.store.require_incident(incident_id)
        events = self.store.events(incident_id)
        if times:
            is_time = _is_time
            bad = next((e for e in events if not is_time(e["at"]) or e["data"].__class__ is not dict), None)
            if bad is not None and bad["data"].__class__ is not dict:
                raise Refused(
                    "{incident}: event {seq}: its data cannot be folded ({error}); `plan verify {incident}` lists"
                    " what is wrong with the record",
                    incident=incident_id,
                    seq=bad["seq"],
                    error=f"a {type(bad['data']).__name__}, not an object",
                )
            if bad is not None:
                raise Refused(
                    "{incident}: event {seq}: its time {at} is not a time; `plan verify {incident}` lists what"
                    " is wrong with the record",
                    incident=incident_id,
                    seq=bad["seq"],
                    at=repr(bad["at"])[:40],
                )
        return events

    def commands(self, incident_id: str) -> list:
        """The incident's commands in order (replay, extract, reports); a record that cannot be read
        is one clear error (`plan verify` lists it with whatever else is wrong)."""
        self.store.require_incident(incident_id)
        commands = self.store.commands(incident_id)
        bad = next((c for c in commands if "unreadable" in c), None)
        if bad is not None:
            raise StoreError(
                f"{incident_id}: event {bad['first_seq']}: the command recorded on it cannot be read"
                f" ({bad['unreadable']}); `plan verify {incident_id}` lists what is wrong with the record"
            )
        return commands

    def verify(self, incident_id: str, head=None) -> list:
        """Problems in the incident's record: [] when intact.

        The hash chain first (the first bad event named first), then what a forger
        who recomputed the chain leaves behind: the commands against the log, the
        stored plan against the sha256 in the `started` event, the incidents row and
        the snapshot and the cached status text against the fold of the log; and with ``head`` (seq, hash) as an
        auditor recorded it outside the database, the log against that head.
        """
        import json

        from planengine.core.incident import audit

        store = self.store
        row = store.require_incident(incident_id)
        problems = store.verify(incident_id)
        rows = store.event_rows(incident_id).fetchall()
        if any(type(r[0]) is not int for r in rows):  # an edited seq: the chain's problems say it
            return problems
        last_seq = rows[-1][0] if rows else 0
        if head is not None:
            problems += audit.check_head(head, {r[0]: r[5] for r in rows}, last_seq)
        commands = store.commands(incident_id)
        structure = audit.check_commands(commands, last_seq)
        problems += structure
        is_time = _is_time
        problems += [f"event {r[0]}: its time {str(r[1])[:40]!r} is not a time" for r in rows if not is_time(r[1])]
        snap = store.snapshot_row(incident_id)
        cut = snap[0] if snap is not None and type(snap[0]) is int and 0 < snap[0] <= last_seq else None
        try:  # one fold of the log, which stops at the snapshot's event to take what the snapshot must hold
            if cut is None:
                state, at_cut = fold(rows, incident_id), None
            else:
                state = fold([r for r in rows if r[0] <= cut], incident_id)
                at_cut = json.loads(json.dumps(to_snapshot(state)))  # a copy: the fold goes on
                state = fold([r for r in rows if r[0] > cut], incident_id, state=state)
        except Exception as e:  # edited data the fold cannot read
            return problems + [f"the log cannot be folded: {type(e).__name__}: {e}"]
        why = _state_problem(state)
        if why is not None:  # no command or view can read it: what is built from it cannot be checked
            return problems + [f"the log folds to a state that cannot be read ({why})"]
        started = next((r for r in rows if r[0] == 1 and r[2] == "started"), None)
        started = json.loads(started[4]) if started is not None else None
        plan_row = store.plan_row((started or {}).get("plan_sha", ""))
        plan_problems = audit.check_plan(started, row, plan_row, lambda: self._recompiled(plan_row))
        problems += plan_problems
        if not structure and not plan_problems and plan_row is not None:  # commands re-run on a sound plan
            problems += self._command_differences(incident_id, started["plan_sha"], commands, rows)
        problems += audit.check_row(row, state)
        problems += audit.check_timers(store.timers_of(incident_id), state)
        problems += audit.check_snapshot(incident_id, snap, rows, last_seq, at_cut)
        problems += audit.check_status_text(store.status_text_row(incident_id), state)
        return problems

    def _command_differences(self, incident_id, sha, commands, rows) -> list:
        """The recorded commands re-run on the incident's stored plan against the log (see
        replay.command_differences); nothing when the plan cannot be built here (a plugin it uses
        is not installed: the other checks stand alone)."""
        from planengine.core.drill.replay import command_differences

        try:
            plan = self.plan_for(sha)
        except Exception:  # noqa: BLE001 - not buildable here
            return []
        return command_differences(self, incident_id, plan, commands, rows)

    def _recompiled(self, plan_row):
        """The compiled form of a stored plan's source, or None when it cannot be rebuilt here."""
        from planengine.core.plan import compiled
        from planengine.core.plan.loader import load_plan

        source, packed, fmt, path = plan_row[0], plan_row[1], plan_row[2], plan_row[3]
        if packed is None or fmt != compiled.FORMAT:
            return None
        try:
            return compiled.dumps(load_plan(path, self.registry, text=source, check_schema=False))
        except Exception:  # a plugin it uses is not installed here: the sha256 check stands alone
            return None

    def head(self, incident_id: str):
        """(seq, hash) of the last event in the incident's log: what an auditor records."""
        self.store.require_incident(incident_id)
        return self.store.log_head(incident_id)

    def replay(self, incident_id: str) -> dict:
        from planengine.core.drill.replay import replay

        return replay(self, incident_id)

    def score(self, incident_id: str, rule_plan=None) -> dict:
        from planengine.core.drill.scoring import score

        state = self.state(incident_id)
        return score(state, self.load_plan(rule_plan) if rule_plan else self.plan_for(state.plan_sha))

    def report_sections(self, state, lang: str) -> list:
        """Plugin sections for the after-action report of ``state`` (`report_sections` hook)."""
        from planengine.plugins import report_sections

        return report_sections(self.registry, state, lang)

    def extract(self, incident_id: str, drill_id=None, output=None) -> str:
        from planengine.core.drill.extract import extract

        return extract(self, incident_id, drill_id=drill_id, output=output)

    # -- writes -------------------------------------------------------------

    def _append(self, state, batch, prev_seq, prev_hash, timers_before, new=False):
        """Persist commands' events. Drills run on drill time, driven by their runner: their
        timers never reach `plan tick` and their notifications never reach real people.
        Every SNAPSHOT_EVERY events (and at close, and when a live incident starts) the state is
        stored as a snapshot too, for the next command's fold and the list of open incidents (a
        new incident's opening events are folded once, not by every list until its 16th event).
        The status text the list reads is not written here: `plan tick` and `plan watch` bring
        it to the head of each log (refresh_caches), so a command does not render a status it
        does not print."""
        snapshot = None
        if state.seq - self._snap_seq.get(state.id, 0) >= SNAPSHOT_EVERY or (state.closed_at and batch):
            snapshot = (snapshot_text(state), SNAPSHOT_FORMAT)
        elif new and state.kind != "drill":
            snapshot = (snapshot_text(_as_logged(state.id, batch)), SNAPSHOT_FORMAT)
        h = (self._store or self.store).append_many(
            state, batch, prev_seq, prev_hash, timers_before, state.kind != "drill", new, snapshot
        )
        if snapshot is not None:
            self._snap_seq[state.id] = state.seq
        return h

    def start(
        self,
        plan_ref,
        facts=None,
        at=None,
        incident_id=None,
        kind="live",
        actor=None,
        plan=None,
        drill=None,
        routine=None,
    ):
        plan = plan or self.load_plan(plan_ref)
        runner = self.runner(plan)
        at_iso = self.at(at, plan.timezone)
        store = self.store
        with store.transaction():
            if incident_id is None:
                day = clocks.from_iso(at_iso).astimezone(clocks.zone(plan.timezone)).strftime("%Y%m%d")
                incident_id = store.next_incident_id(f"{'DRL' if kind == 'drill' else 'INC'}-{day}-")
            elif not INCIDENT_ID.fullmatch(incident_id):
                raise Refused(f"incident id {incident_id!r}: use letters, digits and - _ . : (e.g. INC-2026-017)")
            elif store.incident_row(incident_id) is not None:
                raise Refused(f"incident '{incident_id}' already exists")
            state = runner.new_state(incident_id)
            args = {"facts": dict(facts or {}), "kind": kind}
            if drill:  # drill id/title, and the pace of a live-paced run (see core/drill/run.py)
                args["drill"] = drill
            args["settings"] = self.settings(plan)  # checks read these; kept so replay is exact
            if plan.settings:  # the plan's local figures in force (planengine.yaml `settings:`), ditto
                args["local_settings"] = self.local_settings(plan)
            if routine:
                args["routine"] = routine
            cmd = Command("start", at_iso, actor, args)
            events = runner.run(state, cmd)
            if not store.has_plan(plan.sha256):  # stored once per database: compiled only then
                from planengine.core.plan import compiled

                store.save_plan(plan, at_iso, compiled.dumps(plan), compiled.FORMAT)
            state.last_hash = self._append(state, [(cmd, events)], 0, "", {}, new=True)
        return state

    def command(self, incident_id, name, args=None, at=None, actor=None, state=None):
        """Apply one command to an incident in its own transaction; returns the new state.

        ``state`` may be a cached fold (drills, the web console, benchmarks). It is trusted
        without reading the head first: the store writes only while the log's head is still the
        state's (StaleHead otherwise, before anything is written), and then the incident is
        folded again and the command run once more. The caller must drop ``state`` if this raises.
        """
        store = self._store if self._store is not None else self.store
        # An incident's plan never changes: load it before taking the write lock (the plan and its
        # runner of an incident this engine has seen are two dict reads).
        plan = self._plans.get(self._plan_shas.get(incident_id))
        if plan is None:
            plan = self.incident_plan(incident_id)
        runner = self._runners.get(plan.sha256) or self.runner(plan)
        cached = state.seq if state is not None else None
        from_log = False
        try:
            return self._command(store, plan, runner, incident_id, name, args, at, actor, state)
        except StaleHead:
            pass
        except (Refused, StoreError):  # refused on the cached state: only a refusal on the log's own head stands
            if cached is None or store.log_head(incident_id)[0] == cached:
                raise
        except Exception:  # noqa: BLE001 - a fault on a state resumed from a snapshot (an edited one the
            # shape checks let through): the snapshot is never trusted over the log, so the log alone decides
            if state is None and not self._snap_seq.get(incident_id):
                raise
            from_log = True
        return self._command(store, plan, runner, incident_id, name, args, at, actor, None, from_log)

    def _command(self, store, plan, runner, incident_id, name, args, at, actor, state, from_log=False):
        with store.transaction():
            if from_log:
                state = self._fold_log(incident_id)
                self._snap_seq[incident_id] = 0  # the command writes a snapshot of the log's fold over it
            elif state is None:
                state = self._fold(incident_id)
            if at is None and state.drill and state.drill.get("pace"):
                from planengine.core.drill.run import paced_now

                at = paced_now(state.drill["pace"], self.clock.now())  # a live-paced drill runs on drill time
            at_iso = clocks.stored_form(at) or self.at(at, plan.timezone)
            args = dict(args or {})
            cmd = Command(name, at_iso, actor, self._named(state, plan, name, args) if name in NAMED_ARGS else args)
            prev_seq, prev_hash, timers = state.seq, state.last_hash, dict(state.timers)
            events = runner.run(state, cmd)
            state.last_hash = self._append(state, [(cmd, events)], prev_seq, prev_hash, timers)
        self.last_events = events_of(state.id, events)  # what it recorded (the CLI lists the steps it skipped)
        return state

    def _named(self, state, plan, name, args) -> dict:
        """Steps and roles as an officer types them, resolved to ids before the command is recorded."""
        if name in STEP_ARGS and args.get("step") is not None:
            args["step"] = self.step_named(state, plan, str(args["step"]))
        if name == "checkin" and args.get("role") is not None:
            args["role"] = self.role_named(plan, str(args["role"]))
        return args

    def step_named(self, state, plan, ref: str) -> str:
        """A step by id, by its number on the board (``3``) or by a unique prefix of its title or id."""
        ref = ref.strip()
        if plan.step(ref) is not None:
            return ref
        from planengine.core.incident.status import ordered_steps

        if ref.isdigit():
            steps = ordered_steps(state)
            n = int(ref)
            if 1 <= n <= len(steps):
                return steps[n - 1].id
            raise Refused(
                "no step {n} on the board of {incident} (steps 1-{count})", n=n, incident=state.id, count=len(steps)
            )
        matches = [s for s in plan.steps() if ref and ((s.title or "").startswith(ref) or s.id.startswith(ref))]
        # the steps that can be acted on now win over the others of the plan
        for tier in (
            [s for s in matches if s.id in state.steps and state.steps[s.id].status == "pending"],
            [s for s in matches if s.id in state.steps],
            matches,
        ):
            ids = list(dict.fromkeys(s.id for s in tier))
            if len(ids) == 1:
                return ids[0]
            if len(ids) > 1:
                raise Refused("'{ref}' could be any of {steps}: type more of it", ref=ref, steps=", ".join(ids))
        return ref  # unknown: the runner refuses it with a suggestion

    def role_named(self, plan, ref: str) -> str:
        """A role by id or by a unique prefix of its title or id."""
        ref = ref.strip()
        if ref in plan.roles:
            return ref
        ids = [r.id for r in plan.roles.values() if ref and ((r.title or "").startswith(ref) or r.id.startswith(ref))]
        if len(ids) > 1:
            raise Refused("'{ref}' could be any of {roles}: type more of it", ref=ref, roles=", ".join(ids))
        return ids[0] if ids else ref

    # -- the current incident (`plan use`) --------------------------------------

    def _use_path(self) -> str:
        return os.path.abspath(self.db_path) + ".current"

    def use(self, incident_id: str) -> None:
        """Make ``incident_id`` the current incident of this database (kept in a file beside it)."""
        self.store.require_incident(incident_id)
        path = self._use_path()
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(incident_id + "\n")
        os.replace(tmp, path)

    def current_incident(self):
        """The incident set by `plan use`, or None."""
        try:
            with open(self._use_path(), encoding="utf-8") as f:
                return f.read().strip() or None
        except OSError:
            return None

    # -- for `plan serve` ----------------------------------------------------------

    def incident_heads(self, open_only=True, drills=True) -> dict:
        return self.store.incident_heads(open_only=open_only, drills=drills)

    def recent_events(self, limit=20, open_only=True) -> list:
        return self.store.recent_events(limit, open_only=open_only)

    def add_user(self, name, role, password) -> None:
        from planengine.core import accounts

        name, role = accounts.check_name(name), accounts.check_role(role)
        if not password:
            raise accounts.AccountError("a password is needed")
        digest = accounts.hash_password(password)
        with self.store.transaction():
            self.store.save_user(name, role, digest, clocks.to_iso(self.clock.now()))

    def new_token(self, name) -> str:
        """A new API token for ``name`` (the old one stops working); only its hash is kept."""
        from planengine.core import accounts

        token = accounts.new_token()
        with self.store.transaction():
            if self.store.user(name) is None:
                raise accounts.AccountError("no user {name!r} (plan user add)", name=name)
            self.store.set_token_hash(name, accounts.token_hash(token))
        return token

    def login(self, name, password):
        """The account {name, role, session} when the password is right, else None; ``session``
        is the stamp a browser session keeps and hands back to :meth:`user`."""
        from planengine.core import accounts

        user = self.store.user(name)
        if user is None:
            accounts.check_password(password, accounts.hash_password("x"))  # same cost: names stay secret
            return None
        if not accounts.check_password(password, user["password_hash"]):
            return None
        return {"name": user["name"], "role": user["role"], "session": accounts.session_stamp(user["password_hash"])}

    def user(self, name, session=None):
        """The account {name, role}; with ``session``, only while the password it began under holds."""
        user = self.store.user(name)
        if user is None:
            return None
        if session is not None:
            from planengine.core import accounts

            if not accounts.session_holds(session, user["password_hash"]):
                return None
        return {"name": user["name"], "role": user["role"]}

    def token_user(self, token):
        from planengine.core import accounts

        user = self.store.user_by_token(accounts.token_hash(token)) if token else None
        return {"name": user["name"], "role": user["role"]} if user else None

    def users(self) -> list:
        return self.store.users()

    @contextmanager
    def instant(self):
        """One transaction, committed without fsync, for work a script regenerates (instant drills).

        A power cut can lose only the run in progress, which re-running the
        drill script regenerates byte for byte. Live commands keep synchronous=FULL.
        The cyclic garbage collector waits meanwhile: every event of the run lives until its
        one write and none is part of a cycle, so its passes over them would find nothing.
        """
        from planengine.core.collector import collector_paused  # drills only: no command needs it

        with collector_paused(), self.store.regenerable(), self.store.transaction():
            yield

    def batch(self, state, bulk=True) -> Batch:
        """Commands on one incident: ``bulk`` ones are applied in memory and written at flush()
        (inside ``instant()``), others each in their own transaction through command()."""
        return Batch(self, state, bulk)

    def tick(self, now=None, schedules=True):
        """Open due schedule occurrences (``self.opened``), then fire every due timer once;
        returns [(incident, key, due_at)] fired.

        A timer whose consequences fail (a plugin action raises, a check it
        leads to fails) still fires: the failure is recorded in the log
        (``action_failed`` / ``timer_failed``), shown by `plan status`, and listed
        in ``self.tick_errors`` as {incident, key, error}; every other timer fires.
        """
        now_iso = clocks.to_iso(now) if now is not None else clocks.to_iso(self.clock.now())
        store = self.store
        fired = []
        self.tick_errors = []
        self.opened = self.open_schedules(clocks.from_iso(now_iso)) if schedules else []
        worked_since = time.monotonic()
        done: set = set()  # (incident, key, due_at) this tick fired or dropped
        dropped: set = set()
        unusable: set = set()  # incidents whose plan cannot be loaded (an edited row): named in tick_errors
        while True:
            due = [d for d in store.due_timers(now_iso, limit=2000) if d[1] not in unusable]
            if not due:
                break
            again = [d for d in due if (d[1], d[0], d[2]) in done]
            if again:  # handled, yet its row is still due (an edited row or snapshot: a key or incident
                # that is NULL, a close the log does not have): dropped, or every tick would loop on it
                if dropped.issuperset(again):
                    break  # not even that: left as they are (`plan verify` names what was edited)
                with store.transaction():
                    for key, incident, _due in again:
                        store.drop_timer(incident, key)
                dropped.update(again)
                continue
            by_incident: dict = {}
            for key, incident, due_at in due:
                by_incident.setdefault(incident, []).append((due_at, key))
            for incident, items in by_incident.items():
                try:
                    now_fired = self._fire(incident, sorted(items, key=lambda i: (str(i[0]), str(i[1]))), done)
                except StoreError as e:  # its plan is not stored: the other incidents' timers still fire
                    unusable.add(incident)
                    self.tick_errors.append({"incident": incident, "key": None, "error": str(e)})
                    continue
                fired.extend(now_fired)
                if time.monotonic() - worked_since > TX_BUDGET_S:
                    time.sleep(YIELD_S)  # let a waiting command take the write lock
                    worked_since = time.monotonic()
        return fired

    def refuse_early_tick(self, now):
        """`tick --now` later than the clock would fire live deadlines early: send 逾期 before
        anything is late and write events out of time order. Refused when a timer it would fire
        belongs to an incident running in real time (its last event not after the clock);
        incidents recorded ahead of the clock (`--at` in the future: exercises, tests) may be driven."""
        now_iso, wall = clocks.to_iso(now), clocks.to_iso(self.clock.now())
        if now_iso <= wall:
            return
        early = dict.fromkeys(incident for _key, incident, due in self.store.due_timers(now_iso) if due > wall)
        tz = self.timezone()

        def shown(iso):
            return clocks.from_iso(iso).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")

        for incident in early:
            if type(incident) is not str or self.store.incident_row(incident) is None:
                continue  # a timer row of no incident (an edited row): the tick drops it
            state = self._fold(incident)
            if not state.closed_at and state.last_at and state.last_at <= wall:
                raise Refused(
                    f"--now {shown(now_iso)} is later than the clock ({shown(wall)}): it would fire deadlines of"
                    f" live incident {incident} before they fall due; leave out --now (plan tick)"
                )

    def _fire(self, incident, items, handled=None):
        """Fire one incident's due timers, oldest first, in one transaction of at most TX_BUDGET_S;
        timers left over stay due and fire in the next one. ``handled`` (a set) gets the
        (incident, key, due_at) of each timer fired or dropped."""
        handled = set() if handled is None else handled
        store = self.store
        out = []
        row = store.incident_row(incident)
        # the plan, its plugins and its Machine are loaded before the write lock is taken
        runner = self.runner(self.incident_plan(incident)) if row is not None else None
        started = time.monotonic()
        with store.transaction():
            if runner is None:
                for due_at, key in items:
                    store.drop_timer(incident, key)
                    handled.add((incident, key, due_at))
                return out
            state = self._fold(incident)
            for due_at, key in items:
                if time.monotonic() - started > TX_BUDGET_S:
                    break
                handled.add((incident, key, due_at))
                if key not in state.timers or not _is_time(due_at):  # stale, or an edited row
                    store.drop_timer(incident, key)
                    continue
                prev_seq, prev_hash, timers = state.seq, state.last_hash, dict(state.timers)
                cmd = Command("fire", due_at, "timer", {"key": key})
                try:
                    events = runner.run(state, cmd)
                except Refused as e:  # nothing of it was written; record the failure instead
                    state = self._fold(incident)
                    cmd = Command("fire", due_at, "timer", {"key": key, "error": str(e)})
                    events = runner.run(state, cmd)
                if not events:  # nothing fires (the state is closed): a stale row, dropped
                    store.drop_timer(incident, key)
                    continue
                state.last_hash = self._append(state, [(cmd, events)], prev_seq, prev_hash, timers)
                out.append((incident, key, due_at))
                for _seq, _at, kind, _actor, data, _text in events:
                    if kind in ("action_failed", "timer_failed"):
                        self.tick_errors.append({"incident": incident, "key": key, "error": _failure(data)})
        return out

    # -- routine work (core/schedule) ------------------------------------------

    @property
    def routine(self):
        """Schedules, rotations and the calendar of the site configuration (SourceError with line:col)."""
        if self._routine is None:
            from planengine.core.schedule import site

            src = self.config_source
            if src is not None and any(k in self.config for k in ("schedules", "roster", "calendar")):
                self._routine = site.parse(src, self.timezone())
            else:
                self._routine = site.Routine(timezone=self.timezone())
        return self._routine

    def open_schedules(self, now=None) -> list:
        """Open the due occurrences of every schedule, each exactly once however many processes tick.

        Per schedule, in one transaction: occurrences since the later of the last one
        opened and the moment a ticker first saw the schedule, up to ``now``; the latest
        is opened as a `routine` incident at its own time, older ones (downtime) are
        recorded on it as a `schedule_missed` event. The incident id is the
        occurrence key, so a second ticker finds it taken. Errors go to tick_errors.
        """
        from planengine.core.schedule.schedules import occurrences

        routine = self.routine
        now_dt = now if now is not None else self.clock.now()
        now_iso = clocks.to_iso(now_dt)
        store = self.store
        opened = []
        for name, sched in routine.schedules.items():
            try:
                plan = self.load_plan(sched.plan)
            except Exception as e:  # a schedule naming a missing or broken plan does not stop the others
                self.tick_errors.append(_schedule_error(name, str(e).splitlines()[0]))
                continue
            tz = routine.timezone
            try:
                with store.transaction():
                    seen = self._schedule_seen(name, now_iso)
                    if now_iso < seen:
                        continue
                    last_id = store.last_incident_id(f"{name}-")
                    last = _occurrence_time(name, last_id, tz)
                    since, inclusive = clocks.from_iso(seen), True
                    if last is not None and last >= since:
                        since, inclusive = last, False
                    due = occurrences(sched, routine.calendar, since, now_dt, inclusive=inclusive)
                    if not due:
                        continue
                    latest = due[-1]
                    incident_id = sched.occurrence_id(latest)
                    if store.incident_row(incident_id) is not None:
                        continue
                    info = {
                        "schedule": name,
                        "occurrence": clocks.to_iso(latest),
                        "missed": [clocks.to_iso(t) for t in due[:-1]],
                    }
                    self.start(
                        sched.plan,
                        facts=sched.facts,
                        at=clocks.to_iso(latest),
                        incident_id=incident_id,
                        kind="routine",
                        actor="schedule",
                        plan=plan,
                        routine=info,
                    )
                    opened.append({"incident": incident_id, **info})
            except Refused as e:
                self.tick_errors.append(_schedule_error(name, str(e)))
        return opened

    def _schedule_seen(self, name, now_iso) -> str:
        """When a ticker first evaluated schedule ``name``: occurrences before it were never due
        to this centre (installing a schedule does not open last month's meetings)."""
        for ev in self.store.stream_events(SCHEDULE_STREAM):
            if ev["kind"] == "schedule_seen" and ev["data"].get("schedule") == name:
                return ev["at"]
        self.store.append_stream(SCHEDULE_STREAM, now_iso, "schedule_seen", "schedule", {"schedule": name})
        return now_iso

    def schedule_list(self, now=None, count=3) -> list:
        """Each schedule with its next ``count`` occurrences (local ISO times)."""
        from planengine.core.schedule.schedules import upcoming

        routine = self.routine
        now_dt = now if now is not None else self.clock.now()
        out = []
        for name, sched in routine.schedules.items():
            nxt = upcoming(sched, routine.calendar, now_dt, count)
            out.append(
                {
                    "schedule": name,
                    "plan": sched.plan,
                    "rrule": sched.rrule,
                    "workdays_only": sched.workdays_only,
                    "next": [t.isoformat() for t in nxt],
                    "next_ids": [sched.occurrence_id(t) for t in nxt],
                }
            )
        return out

    # -- rosters ---------------------------------------------------------------

    def roster(self):
        """The site's rotations with every swap recorded so far."""
        from planengine.core.schedule.roster import Swap

        swaps = []
        if os.path.exists(self.db_path) or self._store is not None:
            for ev in self.store.stream_events(ROSTER_STREAM):
                if ev["kind"] == "roster_swap":
                    d = ev["data"]
                    swaps.append(
                        Swap(
                            d["role"],
                            clocks.from_iso(d["from"]),
                            clocks.from_iso(d["to"]),
                            d["name"],
                            d.get("by") or "",
                            ev["at"],
                        )
                    )
        return self.routine.roster(swaps)

    def who_is_on(self, role: str, at=None):
        """The person filling ``role`` at ``at`` (default now) by the roster, or None."""
        from planengine.core.schedule.roster import who_is_on

        when = at if at is not None else self.clock.now()
        if isinstance(when, str):
            when = clocks.from_iso(when)
        if role not in self.routine.rotations:
            return None
        return who_is_on(self.roster(), role, when)

    def on_duty(self, incident_id: str, roles, at=None) -> list:
        """Whom a notification of ``incident_id`` to ``roles`` reaches at ``at`` (default now): the
        rostered person of each role with a rotation, then the case's owner; each
        {name, role, phone, email} ("owner" as the owner's role). For delivery, at send time."""
        from planengine.core.schedule.roster import on_duty

        when = at if at is not None else self.clock.now()
        if isinstance(when, str):
            when = clocks.from_iso(when)
        owner = self._owner(incident_id) if incident_id else None
        rostered = [r for r in roles if r in self.routine.rotations]
        if not rostered and not owner:
            return []
        return on_duty(self.roster(), rostered, when, self.config.get("people") or {}, owner)

    def _owner(self, incident_id: str):
        """The incident's owner (`plan assign`), folded once per head of its log: a tick delivering
        1,000 notifications of one incident folds it once, not once per notification."""
        head = self.store.log_head(incident_id)
        hit = self._owners.get(incident_id)
        if hit is None or hit[0] != head:
            hit = self._owners[incident_id] = (head, self.state(incident_id).owner)
        return hit[1]

    def person(self, name: str) -> dict:
        """Addresses of ``name`` from the site configuration's `people:` ({} when unknown)."""
        people = self.config.get("people") or {}
        entry = people.get(name) if isinstance(people, dict) else None
        return dict(entry) if isinstance(entry, dict) else {}

    def roster_swap(self, role: str, when, name: str, by: str, at=None) -> dict:
        """Put ``name`` on duty for ``role`` in the slot of ``when`` (a date or datetime), as an event."""
        from datetime import date as _date
        from datetime import datetime as _datetime

        from planengine.core.schedule.roster import swap_slot

        rotation = self.routine.rotations.get(role)
        if rotation is None:
            known = ", ".join(self.routine.rotations) or "none configured"
            raise Refused(f"no roster for role '{role}' in planengine.yaml (rosters: {known})")
        name = (name or "").strip()
        if not name:
            raise Refused("roster swap: name the person going on duty")
        if not by:
            raise Refused("roster swap: say who records it with --by NAME")
        if isinstance(when, str):
            text = when.strip()
            try:
                when = _date.fromisoformat(text) if len(text) == 10 else clocks.parse_user_time(text, self.timezone())
            except ValueError:
                raise Refused(f"bad date {text!r}: write 2026-10-01 or 2026-10-01T20:00") from None
        if not isinstance(when, (_date, _datetime)):
            raise Refused(f"bad date {when!r}")
        begin, end = swap_slot(rotation, when)
        replaced = self.who_is_on(role, begin)
        data = {
            "role": role,
            "from": clocks.to_iso(begin),
            "to": clocks.to_iso(end),
            "name": name,
            "replaces": replaced,
            "by": by,
        }
        at_iso = self.at(at, str(self.config.get("timezone") or "Asia/Shanghai"))
        with self.store.transaction():
            ev = self.store.append_stream(ROSTER_STREAM, at_iso, "roster_swap", by, data)
        return ev

    def roster_events(self) -> list:
        return self.store.stream_events(ROSTER_STREAM) if os.path.exists(self.db_path) else []

    def roster_day(self, day) -> list:
        """Who holds each rostered role over one local day: [{role, name, from, to, swapped}]."""
        from datetime import datetime as _datetime
        from datetime import time as _time
        from datetime import timedelta

        routine = self.routine
        tz = routine.timezone
        roster = self.roster()
        begin = _datetime.combine(day, _time(0, 0)).replace(tzinfo=tz)
        end = begin + timedelta(days=1)
        out = []
        for role, rotation in routine.rotations.items():
            # the moments the holder may change that day: hand-overs and swap edges
            cuts = {begin}
            n = rotation.index_at(begin)
            n = 0 if n is None else n
            while True:
                b, _e = rotation.shift_bounds(n)
                if b >= end:
                    break
                if b > begin:
                    cuts.add(b)
                n += 1
            for sw in roster.swaps:
                if sw.role == role:
                    cuts.update(t for t in (sw.begin, sw.end) if begin < t < end)
            points = sorted(cuts) + [end]
            for a, b in zip(points, points[1:]):
                from planengine.core.schedule.roster import who_is_on

                name = who_is_on(roster, role, a)
                swapped = name is not None and name != rotation.rostered(a)
                if out and out[-1]["role"] == role and out[-1]["name"] == name and out[-1]["to"] == a.isoformat():
                    out[-1]["to"] = b.isoformat()
                    continue
                out.append({"role": role, "name": name, "from": a.isoformat(), "to": b.isoformat(), "swapped": swapped})
        return out

    # -- the outbox -----------------------------------------------------------
    # Delivery logic lives in planengine/notifiers/; these are its reads and writes.

    def unrouted_notifications(self, limit=5000):
        """(key, incident, roles, queued_at) of queued notifications not yet given their channels."""
        from planengine.core.store.sqlite import read_roles

        return [(k, i, read_roles(r), at) for k, i, r, at in self.store.unrouted_notifications(limit)]

    def route_notifications(self, rows):
        """[(key, incident, queued_at, {channel: [roles]})]: one delivery row per (key, channel)."""
        import json

        out, keys = [], []
        for key, incident, queued_at, channels in rows:
            keys.append((key,))
            out.extend(
                (key, ch, incident, json.dumps(roles, ensure_ascii=False), queued_at) for ch, roles in channels.items()
            )
        if keys:
            self.store.route_notifications(out, keys)

    def claim_deliveries(self, channel, token, now, wall, lease, limit, rate=None):
        """Claim due deliveries of one channel: dicts with key, channel, incident, roles, attempts,
        queued_at, message and meta (step, phase, due_at, reason, level)."""
        import json

        rows = self.store.claim_deliveries(channel, token, clocks.to_iso(now), wall, lease, limit, rate)
        return [
            {
                "key": k,
                "channel": ch,
                "incident": inc,
                "roles": json.loads(r),
                "attempts": a,
                "queued_at": q,
                "message": m,
                "meta": json.loads(meta) if meta else {},
            }
            for k, ch, inc, r, a, q, m, meta in rows
        ]

    def settle_delivery(self, key, channel, token, status, error=None, next_at=None, now=None):
        import time

        now_iso = clocks.to_iso(now or self.clock.now())
        self.store.settle_delivery(
            key, channel, token, status, error, clocks.to_iso(next_at) if next_at else None, now_iso, time.time()
        )

    def release_deliveries(self, pairs, token):
        if pairs:
            self.store.release_deliveries(pairs, token)

    def record_deliveries(self, now=None) -> int:
        """Write the outcome of every settled delivery into its incident's log (notify_delivered /
        notify_failed, one per (key, channel)); one transaction per incident. Returns how many."""
        import json

        now_iso = clocks.to_iso(now or self.clock.now())
        incidents = sorted({r[0] for r in self.store.unrecorded_deliveries()})
        n = 0
        for inc in incidents:
            store = self.store
            with store.transaction():
                items = [
                    (key, ch, json.loads(roles), status, attempts, error, queued_at)
                    for _i, key, ch, roles, status, attempts, error, _done, queued_at in store.unrecorded_deliveries(
                        incident=inc
                    )
                ]
                if not items:
                    continue  # another sender recorded them first
                row = store.incident_row(inc)
                if row is None:
                    store.mark_recorded([(k, ch) for k, ch, *_ in items])
                    continue
                state = self._fold(inc)
                runner = self.runner(self.plan_for(row["plan_sha"]))
                prev_seq, prev_hash, timers = state.seq, state.last_hash, dict(state.timers)
                batch = []
                for key, ch, roles, status, attempts, error, queued_at in items:
                    args = {
                        "key": key,
                        "channel": ch,
                        "roles": roles,
                        "ok": status == "delivered",
                        "attempts": attempts,
                    }
                    if error:
                        args["error"] = error
                    # never before it was queued, whatever clock the caller passed (`tick --now`)
                    at = max(now_iso, queued_at, state.last_at or "")
                    cmd = Command("deliver", at, "notifier", args)
                    batch.append((cmd, runner.run(state, cmd)))
                state.last_hash = self._append(state, batch, prev_seq, prev_hash, timers)
                n += len(items)
        return n

    def notifications(self, incident_id) -> list:
        """Delivery state of one incident's notifications, per (key, channel)."""
        return self.store.notifications(incident_id)

    def notifications_many(self, states) -> dict:
        """notifications() of many incidents at once: {id: rows}; drills (which never send) get None."""
        found = self.store.notifications_many([s.id for s in states if s.kind != "drill"])
        return {s.id: found.get(s.id) for s in states}

    def delivery_failures(self):
        """(incident, key, channel, error, status) of open incidents' failed or retrying deliveries."""
        return self.store.delivery_failures()

    def data_version(self) -> int:
        return self.store.data_version()

    def open_heads(self, drills=False) -> dict:
        """{incident: last_seq} of open incidents (live ones, and drills when ``drills``)."""
        return self.store.open_heads(drills)

    def known_roles(self) -> set:
        """Role ids of every plan on the plan path and of every plan an incident ran (site routes name them)."""
        from planengine.core.plan.source import SourceError

        roles = set()
        for path, _origin in self.plan_files():
            try:
                roles |= set(self.load_plan(str(path)).roles)
            except (SourceError, Exception):  # a broken plan is `plan validate`'s business
                continue
        if os.path.exists(self.db_path):
            for sha in self.store.plan_shas():
                try:
                    roles |= set(self.plan_for(sha).roles)
                except Exception:
                    continue
        return roles

    def incident_row(self, incident_id):
        return self.store.incident_row(incident_id)


def _fold_rows(incident_id, snap, newer):
    """Engine._resume of rows already read, for a process that may not query (a forked child):
    raises where the snapshot cannot be read or is of another format (the parent folds it)."""
    if snap is None:
        return fold(newer, incident_id)
    if snap[2] != SNAPSHOT_FORMAT:
        raise ValueError("a snapshot of another format")
    import json

    base = from_snapshot(json.loads(snap[3]))
    base.seq, base.last_hash = snap[0], snap[1]
    return fold(newer, incident_id, state=base)


def _aside(k) -> bool:
    """Whether a forked child renders the list's chunk ``k``: three in five."""
    return k % 5 in (1, 2, 4)


def _unpack_texts(rows, blob) -> dict:
    """{id: (seq, hash, format, text as UTF-8, holes, meta)} of a forked child's rows [(id, seq,
    hash, format, length of its text, holes, meta)] and their texts, end to end in ``blob``."""
    out, at = {}, 0
    for i, seq, h, fmt, n, holes, meta in rows:
        out[i] = (seq, h, fmt, blob[at : at + n], holes, meta)
        at += n
    if at != len(blob):
        raise ValueError("the texts do not add up")
    return out


def _status_text(status, state):
    """status.status_text(state), or None where it cannot render it (an edited value of a type
    the fold never writes): the list then prints status_dict's own rendering, or its error."""
    try:
        return status.status_text(state)
    except Exception:  # noqa: BLE001
        return None


class _Keeper:
    """Stores the status texts a list rendered (Store.save_texts) from a thread of its own, as
    the list goes: SQLite's page writes run without holding the interpreter, beside the folds of
    the next chunk. A store it may not write, or a busy write lock, keeps nothing more."""

    def __init__(self, store):
        self.store, self.queue, self.thread, self.written = store, None, None, 0

    def put(self, items):
        if self.thread is None:
            import queue
            import threading

            self.queue = queue.SimpleQueue()
            self.thread = threading.Thread(target=self._run, name="plan-status-keeper", daemon=True)
            self.thread.start()
        self.queue.put(items)

    def close(self):
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None

    def _run(self):
        import sqlite3

        writer = None
        try:
            writer = self.store.cache_writer(own=True)
        except (StoreError, sqlite3.Error, OSError):
            writer = None
        working = writer is not None
        try:
            while (items := self.queue.get()) is not None:
                if not working:
                    continue
                try:
                    n = writer.save_texts(items)
                except (StoreError, sqlite3.Error, OSError):
                    n = -1
                self.written += max(n, 0)
                working = n >= 0 and not writer.gave_up  # a busy write lock or a failure: no more
        finally:
            if writer is not None:
                writer.close()


def _as_logged(incident_id, batch):
    """The state a new incident's events fold to as the log holds them (their data as canonical
    JSON: a settings dict in sorted order, not in the order the command built it), so its first
    snapshot, and any status text rendered from it, is what a fold of the log gives."""
    return fold(
        [
            (seq, at, kind, actor, text or canonical(data), "")
            for _cmd, events in batch
            for seq, at, kind, actor, data, text in events
        ],
        incident_id,
    )


def _failure(data) -> str:
    """One line for an action_failed / timer_failed event."""
    if data.get("action"):
        return f"action '{data['action']}' failed: {data['error']}"
    return data["error"]


def _schedule_error(name, message) -> dict:
    return {"incident": None, "schedule": name, "key": f"schedule:{name}", "error": message}


def _occurrence_time(name, incident_id, tz):
    """The local time in an occurrence id (``daily_summary-20261001T1700``), or None."""
    from datetime import datetime as _datetime

    if not incident_id:
        return None
    try:
        return _datetime.strptime(incident_id[len(name) + 1 :], "%Y%m%dT%H%M").replace(tzinfo=tz)
    except ValueError:
        return None


class Batch:
    """Commands on one incident, through the same runner and the same store writes as Engine.command.

    Bulk: the runner works in memory and flush() writes every command's rows
    at once (Store.append_many), exactly the rows one command at a time would
    write; the caller holds the transaction (Engine.instant).
    """

    def __init__(self, engine: Engine, state, bulk: bool):
        self.engine, self.incident, self.bulk = engine, state.id, bulk
        self.runner = engine.runner(engine.plan_for(state.plan_sha))
        self.pending: list = []
        self.base = (state.seq, state.last_hash, dict(state.timers))

    def command(self, state, name, args, at, actor):
        if not self.bulk:
            return self.engine.command(self.incident, name, args, at=at, actor=actor, state=state)
        cmd = Command(name, at, actor, dict(args or {}))
        events = self.runner.run(state, cmd)  # on Refused the state is dirty: refold()
        self.pending.append((cmd, events))
        return state

    def refold(self):
        state = self.engine.state(self.incident)
        for _cmd, events in self.pending:
            for seq, at, kind, actor, data, _text in events:
                apply(state, seq, at, kind, actor, data)
        return state

    def flush(self, state):
        if not self.pending:
            return state
        seq, prev_hash, timers = self.base
        state.last_hash = self.engine._append(state, self.pending, seq, prev_hash, timers)
        self.pending = []
        self.base = (state.seq, state.last_hash, dict(state.timers))
        return state


__all__ = ["Batch", "Engine", "PlanNotFound", "Refused", "StoreError", "load_config", "read_config"]

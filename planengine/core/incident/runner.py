"""Commands in, events out.

The runner is the only place that decides what happens: it takes an incident
state (a fold of its events) and a command, appends events to that state as
it goes, and returns them. It does no I/O; the store persists what it returns.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from zoneinfo import ZoneInfo

from planengine.core.canonical import canonical, string
from planengine.core.incident import clock
from planengine.core.incident.commands import Command, Refused, events_of
from planengine.core.incident.conditions import CheckError, Env, evaluate, evaluate_level
from planengine.core.incident.machine import WHEN, machine_for
from planengine.core.incident.state import HANDLERS, IncidentState, step_status
from planengine.core.plan import settings as figures
from planengine.core.plan.facts import FactError, coerce_fact

MAX_SETTLE = 100
MAX_MISSED_LISTED = 100  # missed occurrences named in one schedule_missed event (the count is exact)


class _Tx:
    """Events of one command, folded into the state as they are emitted."""

    __slots__ = ("runner", "state", "cmd", "at", "actor", "events", "_env", "_now")

    def __init__(self, runner, state: IncidentState, cmd: Command):
        self.runner, self.state, self.cmd = runner, state, cmd
        self.at, self.actor = cmd.at, cmd.actor  # what every event of the command records
        self.events: list = []
        self._now = self._env = None

    @property
    def env(self) -> Env:
        """What conditions are evaluated against, built when a condition is (most commands have none)."""
        if self._env is None:
            self._env = Env(self.state, self.runner.plan, self.runner.registry, self._now, self.cmd.at)
        return self._env

    @property
    def now(self):
        """The command's time as a datetime, parsed once and only when needed."""
        if self._now is None:
            self._now = clock.from_iso(self.cmd.at)
            if self._env is not None:
                self._env.now = self._now
        return self._now

    def emit(self, kind, data, actor=None, text=None):
        """Record an event and fold it into the state. ``text``: canonical(data), when the caller
        wrote it from parts it already had (the store then hashes and writes it as it is).
        The record is a tuple (commands.events_of)."""
        s = self.state
        seq = s.seq + 1
        at = self.at
        if actor is None:
            actor = self.actor
        # apply(s, seq, at, kind, actor, data), written out: every event of every command passes here
        s.seq = seq
        fold_one = HANDLERS.get(kind)
        if fold_one is not None:
            fold_one(s, at, actor, data)
        s.last_at = at
        self.events.append((seq, at, kind, actor, data, text))
        if self._env is not None:
            self._env._ctx = None  # a check's view of the incident is stale now


_HANDLERS: dict = {}  # command name -> Runner._cmd_NAME


class Runner:
    def __init__(self, plan, registry=None):
        self.plan = plan
        self.registry = registry
        self.machine = machine_for(plan)
        self.tz = ZoneInfo(plan.timezone)
        self._offsets: dict = {}  # the zone's UTC offset by UTC hour (clock.local_seconds)
        self._step_sensitive = {
            p.id for p in plan.phases.values() if any(s.if_ is not None and _reads_steps(s.if_) for s in p.steps)
        }
        self._from_steps = any(s.from_ not in ("activation", "opened", "phase") for s in plan.steps())
        self._final = frozenset(p.id for p in plan.phases.values() if p.final)
        self._activation_head: dict = {}  # step id -> the start of its step_activated data (copied)
        # canonical data of the events the runner writes most, by what decides it: an event's
        # name (a str), a phase entered (from, to), a step skipped (step, reason, None: three
        # items, so that it never meets a pair of phases)
        self._texts: dict = {}

    # -- public -----------------------------------------------------------

    def new_state(self, incident_id: str) -> IncidentState:
        return IncidentState(id=incident_id)

    def execute(self, state: IncidentState, cmd: Command) -> list:
        """run(), with the new events as dicts (what replay and the edges read)."""
        return events_of(state.id, self.run(state, cmd))

    def run(self, state: IncidentState, cmd: Command) -> list:
        """Apply ``cmd`` to ``state`` (mutated) and return the new events as records
        (commands.events_of), which the store writes.

        Raises Refused (or FactError/CheckError) before anything is kept: on an
        exception the caller must discard ``state``.
        """
        handler = _HANDLERS.get(cmd.name)  # the class's function: a bound method kept on self would make
        if handler is None:  # a cycle that holds the runner (and what it holds) until a garbage collection
            handler = getattr(type(self), "_cmd_" + cmd.name, None)
            if handler is None:
                raise Refused("unknown command '{name}'", name=cmd.name)
            _HANDLERS[cmd.name] = handler
        if cmd.name != "start":
            if not state.opened_at:
                raise Refused("incident {incident} has not been started", incident=state.id)
            if state.closed_at and cmd.name not in ("note", "fire", "deliver", "reopen"):
                raise Refused(
                    "incident {incident} is closed (`plan reopen INC --by NAME --reason TEXT` reopens it)",
                    incident=state.id,
                )
            if cmd.at < state.opened_at:
                raise Refused(
                    "{at} is before incident {incident} opened ({opened})",
                    at=self._local(cmd.at),
                    incident=state.id,
                    opened=self._local(state.opened_at),
                )
            # The log is in time order: what people record may be back-dated (--at), but not to
            # before what is already recorded. Timers and deliveries carry their own due times.
            if cmd.name not in ("fire", "deliver") and state.last_at and cmd.at < state.last_at:
                raise Refused(
                    "{at} is before the last event of incident {incident} ({last}): the log keeps time order;"
                    " record it at {last} or later and say when it happened (--note / plan note)",
                    at=self._local(cmd.at),
                    incident=state.id,
                    last=self._local(state.last_at),
                )
        tx = _Tx(self, state, cmd)
        try:
            handler(self, tx, **cmd.args)
        except (FactError, CheckError) as e:
            raise Refused(str(e)) from e
        return tx.events

    def _local(self, iso: str) -> str:
        return clock.from_iso(iso).astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S")

    def is_day(self, at) -> bool:
        """Whether ``at`` (a datetime or UTC ISO string) falls in the plan's daytime window."""
        if at.__class__ is str:
            minutes = clock.local_seconds(at, self.tz, self._offsets) // 60
        else:
            local = at.astimezone(self.tz)
            minutes = local.hour * 60 + local.minute
        start, end = self.plan.daytime
        return start <= minutes < end

    # -- commands ---------------------------------------------------------

    def _cmd_start(self, tx, facts=None, kind="live", drill=None, settings=None, routine=None, local_settings=None):
        p = self.plan
        typed = self._coerce(facts or {})
        data = {
            "plan": p.id,
            "plan_version": p.version,
            "plan_sha": p.sha256,
            "title": p.title,
            "kind": kind,
            "timezone": p.timezone,
            "levels": list(p.levels),
        }
        if drill:
            data["drill"] = drill
        if settings is not None:
            data["settings"] = settings
        if local_settings:  # the plan's local figures in force: the incident reads them from here
            data["local_settings"] = local_settings
        if routine:  # an occurrence of a schedule (core/schedule): {schedule, occurrence}
            data["routine"] = {k: routine[k] for k in ("schedule", "occurrence")}
        required = [f.id for f in p.facts.values() if f.required]
        if required:
            data["required_facts"] = required
        tx.emit("started", data)
        if routine and routine.get("missed"):
            # older occurrences that fell due while nobody ticked: recorded, not opened
            missed = list(routine["missed"])
            tx.emit(
                "schedule_missed",
                {"schedule": routine["schedule"], "count": len(missed), "occurrences": missed[-MAX_MISSED_LISTED:]},
                actor="schedule",
            )
        initial = {f.id: f.default for f in p.facts.values() if f.default is not None}
        initial.update(typed)
        if initial:
            tx.emit("fact_set", {"facts": initial})
        self._relevel(tx, typed)
        self._enter(tx, p.initial, None)
        self._settle(tx)

    def _cmd_set(self, tx, facts):
        typed = self._coerce(facts)
        changed = {k: v for k, v in typed.items() if tx.state.facts.get(k, object()) != v}
        if not changed:
            return
        tx.emit("fact_set", {"facts": changed})
        self._relevel(tx, changed)
        self._settle(tx)

    def _cmd_done(self, tx, step, note=None, by=None):
        st = self._active_step(tx, step)
        spec = self.plan.step(step)
        if spec.decision:
            raise Refused(
                "step '{step}' is a decision: answer it with `plan decide` ({answers})",
                step=step,
                answers=" / ".join(spec.decision),
            )
        self._require_check(tx, spec)
        data = {"step": step, "by": by or tx.cmd.actor}
        if note:
            data["note"] = note
        tx.emit("step_done", data)
        del st
        self._next_round(tx, spec)
        self._settle(tx)

    def _next_round(self, tx, spec):
        """`repeat:` (续报): a round done starts the next, due one period after the previous deadline;
        the cadence ends when the step's phase is left."""
        st = tx.state.steps[spec.id]
        if spec.repeat is None or st.phase != tx.state.phase:
            return
        base = clock.from_iso(st.due_at) if st.due_at else tx.now
        repeat = self._repeat(spec, tx.state)
        data = {
            "step": spec.id,
            "phase": spec.phase,
            "role": spec.role,
            "title": spec.title,
            "round": st.round + 1,
            "repeat": repeat,
            "limit_seconds": repeat,
            "due_at": clock.to_iso(base + timedelta(seconds=repeat)),
            "key": f"step:{spec.id}:{tx.state.seq + 1}",
            "anchor_at": st.due_at or tx.cmd.at,
        }
        if spec.required:
            data["required"] = True
        if spec.remind:
            data["remind"] = self._remind_list(spec, tx.state)
        tx.emit("step_activated", data)

    # -- local figures counting time (`{setting: NAME}`): the values the incident started with

    def _seconds(self, seconds, name, state) -> int:
        """A plain duration of the plan: ``seconds``, or the recorded value of setting ``name``."""
        if name is None:
            return seconds
        return figures.seconds(self.plan, state.local_settings, name, seconds)

    def _repeat(self, spec, state) -> int:
        return self._seconds(spec.repeat, spec.repeat_setting, state)

    def _remind_list(self, spec, state) -> list:
        """A step's `remind:` durations, longest first (one that would fall before the clock starts,
        which the configuration is refused for, would never be armed: state._arm_reminders)."""
        if not spec.remind_settings:
            return list(spec.remind)
        values = {self._seconds(s, n, state) for s, n in zip(spec.remind, spec.remind_settings)}
        return sorted(values, reverse=True)

    def _cmd_waive(self, tx, step, by=None, reason=None):
        """Release a step that will not be done (a `required` one above all), on the record."""
        if not by or not reason:
            raise Refused("waiving a step needs --by NAME and --reason TEXT (they go on the record)")
        st = tx.state.steps.get(step)
        if st is None:
            self._known_step(step)
            raise Refused(f"step '{step}' is not active: {self._why_inactive(tx, self.plan.step(step))}")
        if st.status != "pending":
            raise Refused(f"step '{step}' is already {step_status(st, tx.cmd.at)}: nothing to waive")
        tx.emit("step_waived", {"step": step, "by": by, "reason": reason})
        self._settle(tx)

    def _cmd_reopen(self, tx, step=None, by=None, reason=None):
        """Undo a mistaken `done` (the step is pending again, with its deadline) or a close
        (the incident goes back to the phase it closed from)."""
        if not by or not reason:
            raise Refused("reopening needs --by NAME and --reason TEXT (they go on the record)")
        s = tx.state
        if step is None:
            if not s.closed_at:
                raise Refused(f"incident {s.id} is open: name the step to reopen (plan reopen INC STEP)")
            back = s.prev_phase if self.plan.phases[s.phase].final and s.prev_phase else s.phase
            tx.emit("reopened", {"by": by, "reason": reason, "phase": back})
            self._enter(tx, back, s.phase)
            self._settle(tx)
            return
        if s.closed_at:
            raise Refused(f"incident {s.id} is closed: reopen the incident first (plan reopen INC)")
        st = s.steps.get(step)
        if st is None:
            self._known_step(step)
            raise Refused(f"step '{step}' has not been activated in {s.id}: nothing to reopen")
        repeat_round = st.status == "pending" and st.prev is not None and st.prev.status == "done"
        if st.status != "done" and not repeat_round:
            raise Refused(f"step '{step}' is {step_status(st, tx.cmd.at)}: only a done step can be reopened")
        if st.phase != s.phase and not st.required:
            raise Refused(
                f"step '{step}' belongs to phase '{st.phase}', which incident {s.id} has left:"
                f" only steps of the current phase '{s.phase}' can be reopened"
            )
        if st.muster:
            raise Refused(f"step '{step}' is a muster: it is done by check-ins, not by hand")
        tx.emit("step_reopened", {"step": step, "by": by, "reason": reason})
        self._settle(tx)

    def _cmd_decide(self, tx, step, answer, by=None):
        self._active_step(tx, step)
        spec = self.plan.step(step)
        if not spec.decision:
            raise Refused("step '{step}' is not a decision step", step=step)
        if answer not in spec.decision:
            raise Refused("step '{step}': answer must be one of {answers}", step=step, answers=", ".join(spec.decision))
        self._require_check(tx, spec)
        tx.emit("decision", {"step": step, "answer": answer, "by": by})
        tx.emit("step_done", {"step": step, "by": by})
        self._next_round(tx, spec)
        self._settle(tx)

    def _require_check(self, tx, spec):
        """A step's `check:` must pass when it is done or decided."""
        if spec.check is not None and not evaluate(spec.check, tx.env):
            ctx = tx.env._ctx
            why = f": {'; '.join(ctx.reasons)}" if ctx is not None and ctx.reasons else ""
            raise Refused(
                "step '{step}' cannot be done: check '{check}' does not pass{why}",
                step=spec.id,
                check=spec.check.name,
                why=why,
            )

    def _cmd_checkin(self, tx, role, count=None, by=None):
        if role not in self.plan.roles:
            from planengine.core.plan.source import did_you_mean

            raise Refused("unknown role '{role}'{hint}", role=role, hint=did_you_mean(role, list(self.plan.roles)))
        if count is not None and count < 0:
            raise Refused("--count must be 0 or more")
        tx.emit("checkin", {"role": role, "count": count, "by": by})
        for st in list(tx.state.steps.values()):
            if st.muster and st.role == role and st.status == "pending" and st.strength_at:
                tx.emit("step_done", {"step": st.id, "by": by, "muster": True})
        self._settle(tx)

    def _cmd_ack(self, tx, step=None, by=None):
        if step is not None and step not in tx.state.steps:
            self._known_step(step)
            raise Refused("step '{step}' has not been activated in {incident}", step=step, incident=tx.state.id)
        tx.emit("ack", {"step": step, "by": by})
        self._settle(tx)

    def _cmd_event(self, tx, name):
        phase = tx.state.phase
        valid = self.machine.events.get(phase, [])
        if name not in valid:
            hint = f" (events here: {', '.join(valid)})" if valid else " (this phase takes no events)"
            raise Refused("event '{name}' does nothing in phase '{phase}'{hint}", name=name, phase=phase, hint=hint)
        target = self.machine.unguarded.get((phase, name)) or self.machine.fire(phase, name, tx.env)
        if target is None:
            raise Refused("event '{name}': the transition's condition does not hold now", name=name)
        text = self._texts.get(name)  # plan event names: a few, each its own key
        if text is None:
            text = self._texts[name] = f'{{"name":{string(name)}}}'
        tx.emit("event", {"name": name}, text=text)
        self._enter(tx, target, phase)
        self._settle(tx)

    def _cmd_note(self, tx, text, by=None, say=False, to=None, channel=None, expect=None, objective=None):
        data = {"text": text, "by": by}
        if say:
            data["say"] = True
        if to is not None or channel is not None or expect is not None or objective is not None:
            # a drill inject's addressee, channel, expected action and objective (MSEL columns)
            for k, v in (("to", to), ("channel", channel), ("expect", expect), ("objective", objective)):
                if v is not None:
                    data[k] = v
        elif not say and text.__class__ is str and (by is None or by.__class__ is str):
            # the plain note (most of them): its canonical text written from its two strings
            by_json = "null" if by is None else string(by)
            tx.emit("note", data, text=f'{{"by":{by_json},"text":{string(text)}}}')
            self._settle(tx)
            return
        tx.emit("note", data)
        self._settle(tx)  # `when` conditions are evaluated after every event (time has passed)

    def _cmd_assign(self, tx, to, by=None):
        """包案: one named person answers for the case from now on."""
        name = str(to or "").strip()
        if not name:
            raise Refused("assign: name the owner with --to NAME")
        if name == tx.state.owner:
            raise Refused(f"{tx.state.id} is already assigned to {name}")
        tx.emit("assigned", {"owner": name, "previous": tx.state.owner, "by": by})
        self._settle(tx)

    def _cmd_transfer(self, tx, to, by=None, reason=None):
        """移送: hand the case up a level. Records the receiving centre and the facts as they stand,
        then fires the plan's `transfer` event when the current phase takes one."""
        centre = str(to or "").strip()
        if not centre:
            raise Refused("transfer: name the receiving centre with --to")
        data = {"to": centre, "by": by, "facts": dict(tx.state.facts), "owner": tx.state.owner}
        if reason:
            data["reason"] = reason
        tx.emit("transferred", data)
        phase = tx.state.phase
        if "transfer" in self.machine.events.get(phase, []):
            target = self.machine.fire(phase, "transfer", tx.env)
            if target is not None:
                tx.emit("event", {"name": "transfer"})
                self._enter(tx, target, phase)
        self._settle(tx)

    def _missing_facts(self, state):
        return [f.id for f in self.plan.facts.values() if f.required and state.facts.get(f.id) is None]

    def _pending_required(self, state):
        return [st.id for st in state.steps.values() if st.required and st.status == "pending"]

    def _cmd_close(self, tx, outcome=None):
        missing = self._missing_facts(tx.state)
        if missing:
            raise Refused(
                "cannot close: required facts not recorded: {facts} (use `plan set`)", facts=", ".join(missing)
            )
        duties = self._pending_required(tx.state)
        if duties:
            raise Refused(
                "cannot close: required step(s) pending: {steps}"
                " (do them, or release each with `plan waive INC STEP --by NAME --reason TEXT`)",
                steps=", ".join(duties),
            )
        self._skip_pending(tx, "closed")
        tx.emit("closed", {"outcome": outcome})

    def _cmd_deliver(self, tx, key, results=None, channel=None, roles=None, ok=None, attempts=None, error=None):
        """Record a notification's delivery outcome on one channel (the sending happened outside).

        ``results`` is the form of logs written before delivery was per channel (replay keeps it)."""
        if results is not None:
            ok = all(r.get("ok") for r in results)
            tx.emit("notify_delivered" if ok else "notify_failed", {"key": key, "results": results}, actor="notifier")
            return
        data = {"key": key, "channel": channel, "roles": list(roles or ()), "attempts": attempts}
        if not ok:
            data["error"] = error
        tx.emit("notify_delivered" if ok else "notify_failed", data, actor="notifier")

    def _cmd_fire(self, tx, key, error=None):
        """A timer fell due. Stale keys (step done, phase left) are a no-op.

        ``error``: firing it was refused (a check it led to failed); the failure is
        recorded and the timer dropped, so the incident's other timers still fire.
        """
        s = tx.state
        if key not in s.timers or s.closed_at:
            return
        if error is not None:
            tx.emit("timer_failed", {"key": key, "error": error}, actor="timer")
            return
        kind, rest = key.split(":", 1)
        if kind == "remind":
            self._remind(tx, key, rest)
        elif kind == "esc":
            self._escalate(tx, key, rest)
        elif kind == "step":
            step_id = rest.rsplit(":", 1)[0]
            st = s.steps[step_id]
            spec = self.plan.step(step_id)
            actions = spec.overdue
            # an `after:` link fires that long past the deadline; one of 0 (or none) at the deadline
            afters = [self._seconds(a.after, a.after_setting, s) for a in actions]
            now_links = tuple(a for a, after in zip(actions, afters) if not after)
            data = {"step": step_id, "key": key, "due_at": st.due_at}
            escalations = [
                {
                    "key": f"esc:{step_id}:{i}:{s.seq + 1}",
                    "due_at": clock.to_iso(clock.from_iso(st.due_at) + timedelta(seconds=after)),
                    "after": after,
                }
                for i, after in enumerate(afters)
                if after
            ]
            if escalations:
                data["escalations"] = escalations  # each fires once, unless the step is done by then
            tx.emit("step_overdue", data, actor="timer")
            name = spec.title or spec.id
            if not actions and spec.role:
                if spec.default is not None:
                    msg = (
                        f"逾期未决，按默认处理: {name} → {spec.default}"
                        if self.plan.lang == "zh"
                        else f"no decision by the deadline, default applied: {name} -> {spec.default}"
                    )
                else:
                    msg = f"逾期: {name}" if self.plan.lang == "zh" else f"overdue: {name}"
                self._notify(tx, (spec.role,), msg, reason=key, step=step_id)
            self._run_actions(tx, self._with_default(now_links, spec, 0), reason=key, step=step_id)
            if spec.default is not None and st.status == "pending":
                # `default:` the answer recorded at the deadline when nobody decided
                tx.emit("decision", {"step": step_id, "answer": spec.default, "by": None, "default": True}, "timer")
                tx.emit("step_done", {"step": step_id, "by": None, "default": True}, actor="timer")
        else:
            phase_id, index, _ = rest.split(":")
            timer = self.plan.phases[phase_id].after[int(index)]
            tx.emit("reminder", {"phase": phase_id, "index": int(index), "key": key}, actor="timer")
            self._run_actions(tx, timer.actions, reason=key)
        self._settle(tx)

    def _remind(self, tx, key, rest):
        """A `remind:` timer: the step is still pending and nobody acknowledged it (either drops the timer)."""
        step_id, index, _ = rest.rsplit(":", 2)
        st = tx.state.steps[step_id]
        spec = self.plan.step(step_id)
        # the durations armed with the deadline (st.remind), which a local figure may have set
        reminders = st.remind if st.remind is not None else spec.remind
        before = reminders[int(index)] if int(index) < len(reminders) else None
        tx.emit("reminder", {"step": step_id, "key": key, "due_at": st.due_at, "before": before}, actor="timer")
        if spec.role:
            left = _span(clock.seconds_between(tx.cmd.at, st.due_at), self.plan.lang)
            due = self._local(st.due_at)[11:16]
            name = spec.title or spec.id
            msg = (
                f"提醒：{name}，还剩{left}（{due}前）"
                if self.plan.lang == "zh"
                else f"reminder: {name}, {left} left (by {due})"
            )
            self._notify(tx, (spec.role,), msg, reason=key, step=step_id)

    def _escalate(self, tx, key, rest):
        """An `overdue:` link with `after:`: the step is still not done that long past its deadline."""
        step_id, index, _ = rest.rsplit(":", 2)
        spec = self.plan.step(step_id)
        link = spec.overdue[int(index)]
        after = self._seconds(link.after, link.after_setting, tx.state)
        tx.emit("escalated", {"step": step_id, "key": key, "index": int(index), "after": after}, actor="timer")
        self._run_actions(tx, self._with_default((link,), spec, after), reason=key, step=step_id)

    def _with_default(self, actions, spec, after):
        """A `notify:` link without `message:` says what is late, and by how long."""
        out = []
        for a in actions:
            if a.kind == "notify" and not a.message:
                name = spec.title or spec.id
                if after:
                    late = _span(after, self.plan.lang)
                    msg = (
                        f"逾期{late}仍未完成：{name}"
                        if self.plan.lang == "zh"
                        else f"still not done {late} past its deadline: {name}"
                    )
                else:
                    msg = f"逾期: {name}" if self.plan.lang == "zh" else f"overdue: {name}"
                a = dataclasses.replace(a, message=msg)
            out.append(a)
        return tuple(out)

    # -- mechanics --------------------------------------------------------

    def _coerce(self, facts: dict) -> dict:
        return {k: coerce_fact(self.plan, k, v) for k, v in facts.items()}

    def _known_step(self, step):
        if self.plan.step(step) is None:
            from planengine.core.plan.source import did_you_mean

            raise Refused(
                "unknown step '{step}'{hint}", step=step, hint=did_you_mean(step, [s.id for s in self.plan.steps()])
            )

    def _why_inactive(self, tx, spec) -> str:
        """What keeps ``spec`` from being active now, naming the phase, the missing steps or the condition."""
        s = tx.state
        if spec.phase != s.phase:
            return f"it belongs to phase '{spec.phase}', the incident is in phase '{s.phase}'"
        missing = [n for n in spec.needs if _not_done(s.steps.get(n), s)]
        if missing:
            return f"it needs {', '.join(missing)} done first"
        if spec.if_ is not None:
            return "its `if:` condition does not hold"
        return "it has not been activated"

    def _active_step(self, tx, step):
        st = tx.state.steps.get(step)
        if st is None or (st.phase != tx.state.phase and st.status == "skipped"):
            self._known_step(step)
            raise Refused(
                "step '{step}' is not active: {why}", step=step, why=self._why_inactive(tx, self.plan.step(step))
            )
        if st.status != "pending":
            raise Refused("step '{step}' is already {status}", step=step, status=step_status(st, tx.cmd.at))
        if tx.cmd.at < st.activated_at:
            raise Refused(
                "step '{step}' became active at {activated}: it cannot be done at {at}",
                step=step,
                activated=self._local(st.activated_at),
                at=self._local(tx.cmd.at),
            )
        return st

    def _relevel(self, tx, because=None):
        """Re-evaluate the level; a change names the facts that moved it (``because``) and, with
        `level: {notify: [...]}`, is announced to those roles."""
        rule = self.plan.level
        if rule is None:
            return
        new = evaluate_level(rule, tx.env)
        old = tx.state.level
        if new == old:
            return
        data = {"from": old, "to": new}
        if because:
            data["because"] = dict(because)
        tx.emit("level_changed", data)
        if rule.notify:
            facts = ", ".join(f"{k}={v}" for k, v in sorted((because or {}).items()))
            zh = self.plan.lang == "zh"
            if old is None:  # the incident's first level
                text = f"响应级别：{new}" if zh else f"response level: {new}"
            elif zh:
                text = f"响应级别调整为 {new or '无'}（原 {old}）"
            else:
                text = f"response level now {new or 'none'} (was {old})"
            if facts:
                text += f"，依据：{facts}" if zh else f", because {facts}"
            msg = f"{rule.message} {text}" if rule.message else text
            self._notify(tx, rule.notify, msg, reason="level", level=new)

    def _enter(self, tx, phase_id, from_phase):
        if from_phase is not None:
            self._skip_pending(tx, "phase_left")
        phase = self.plan.phases[phase_id]
        data = {"phase": phase_id, "from": from_phase}
        text = None
        if phase.after:
            seq = tx.state.seq + 1
            data["timers"] = [
                {
                    "key": f"after:{phase_id}:{i}:{seq}",
                    "due_at": clock.to_iso(tx.now + timedelta(seconds=self._seconds(t.after, t.setting, tx.state))),
                    "index": i,
                }
                for i, t in enumerate(phase.after)
            ]
        else:
            text = self._texts.get((from_phase, phase_id))
            if text is None:
                text = self._texts[from_phase, phase_id] = canonical(data)
        tx.emit("phase_entered", data, text=text)
        if phase.enter:
            self._run_actions(tx, phase.enter, reason=f"enter:{phase_id}")
        if phase_id in self._final:
            self._close_if_final(tx)

    def _close_if_final(self, tx):
        """A final phase closes the incident once every required fact is recorded
        and no required step is pending."""
        s = tx.state
        if s.phase in self._final and not s.closed_at and not self._missing_facts(s) and not self._pending_required(s):
            tx.emit("closed", {"outcome": s.phase})

    def _skip_pending(self, tx, reason):
        """Pending steps a phase change or a close leaves undone; `required` steps stay active."""
        for st in tx.state.steps.values():  # step_skipped changes a step, not the dict of them
            if st.status == "pending" and not st.required:
                data = {"step": st.id, "reason": reason}
                text = self._texts.get((st.id, reason, None))
                if text is None:
                    text = self._texts[st.id, reason, None] = canonical(data)
                tx.emit("step_skipped", data, text=text)

    def _activate(self, tx) -> int:
        """Activate what is due: 0 nothing, 1 steps activated, 2 a step was also completed."""
        s = tx.state
        progressed = 0
        if self._from_steps:
            self._start_clocks(tx)
        step_of, visit = s.steps.get, s.phase_seq  # neither changes while a phase's steps activate
        for spec in self.plan.phases[s.phase].steps:
            st = step_of(spec.id)
            if st is not None and st.activation_seq > visit:
                continue  # already active in this visit of the phase
            if st is not None and st.required and st.status == "pending":
                continue  # a required step still pending from an earlier visit keeps its deadline
            if spec.needs and any(_not_done(s.steps.get(n), s) for n in spec.needs):
                continue
            if spec.if_ is not None and not evaluate(spec.if_, tx.env):
                continue
            done = self._activate_step(tx, spec)
            if done > progressed:
                progressed = done
        return progressed

    def _anchor(self, tx, spec):
        """When ``spec``'s clock starts (`from:`), as UTC ISO; None while the step it counts from is not done."""
        s = tx.state
        if spec.from_ == "activation":
            return tx.cmd.at
        if spec.from_ == "opened":
            return s.opened_at
        if spec.from_ == "phase":
            return s.phase_entered_at
        other = s.steps.get(spec.from_)
        return other.done_at if other is not None and other.status == "done" else None

    def _deadline(self, spec, anchor_iso, state, anchor=None):
        """(limit, due_at): `{day, night}` chosen by the anchor's time (``anchor``: it parsed already).

        Only a `{day, night}` or calendar deadline needs the anchor as a datetime."""
        within = spec.within
        if within.setting is not None:  # a local figure: the value recorded when the incident started
            within = figures.within_of(figures.value(self.plan, state.local_settings, within.setting))
        if within.days is not None:
            return self._calendar_deadline(within, anchor if anchor is not None else clock.from_iso(anchor_iso))
        if not within.split:
            limit = within.day
        else:
            limit = within.day if self.is_day(anchor_iso) else within.night
        return limit, clock.add_seconds(anchor_iso, limit)

    def _calendar_deadline(self, within, anchor):
        """`{days: N, by: HH:MM}`: the anchor's local date plus N days, at HH:MM local (24:00 = the
        end of that day). A same-day deadline already past (a case registered after closing
        time) falls on the next day at that time."""
        from datetime import datetime as _datetime
        from datetime import time as _time

        local = anchor.astimezone(self.tz)
        day = local.date() + timedelta(days=within.days)
        due = _datetime.combine(day, _time(0, 0)).replace(tzinfo=self.tz) + timedelta(minutes=within.by)
        if due <= local:
            due += timedelta(days=1)
        return int((due - anchor).total_seconds()), clock.to_iso(due)

    def _start_clocks(self, tx):
        """Steps counted `from:` a step start their clock the moment that step is done."""
        s = tx.state
        for st in list(s.steps.values()):
            if st.waits_for is None or st.status != "pending":
                continue
            anchor = s.steps.get(st.waits_for)
            if anchor is None or anchor.status != "done":
                continue
            spec = self.plan.step(st.id)
            limit, due = self._deadline(spec, anchor.done_at, s)
            key = f"step:{spec.id}:{s.seq + 1}"
            tx.emit(
                "step_due",
                {
                    "step": spec.id,
                    "from": spec.from_,
                    "anchor_at": anchor.done_at,
                    "limit_seconds": limit,
                    "due_at": due,
                    "key": key,
                },
            )

    def _activation_data(self, tx, spec, data):
        """What a step's activation records beyond its head, for any step (_activate_step does
        the common one itself): local figures, reminders, and a deadline counted from any anchor."""
        if spec.repeat_setting is not None:  # the incident's own figure: never in the shared head
            data["repeat"] = self._repeat(spec, tx.state)
        if spec.remind:
            data["remind"] = self._remind_list(spec, tx.state)
        within = spec.within
        if within is None:
            return
        anchor = tx.at if spec.from_ == "activation" else self._anchor(tx, spec)
        if anchor is None:
            data["waits_for"] = spec.from_  # no deadline until that step is done
            return
        limit, due = self._deadline(spec, anchor, tx.state, tx._now if anchor == tx.at else None)
        data["limit_seconds"] = limit
        data["due_at"] = due
        data["key"] = f"step:{spec.id}:{tx.state.seq + 1}"
        if spec.from_ != "activation":
            data["anchor_at"] = anchor

    def _activate_step(self, tx, spec):
        cached = self._activation_head.get(spec.id)
        if cached is None:
            cached = self._activation_head[spec.id] = _activation_parts(spec)
        head, tail, limits = cached
        data = head.copy()
        text = None
        if limits is not None:  # a duration or {day, night} from activation: the common step
            at = tx.at
            day, night = limits
            limit = day if day == night or self.is_day(at) else night
            due = clock.add_seconds(at, limit)
            key = f"step:{spec.id}:{tx.state.seq + 1}"
            data["limit_seconds"] = limit
            data["due_at"] = due
            data["key"] = key
            if tail is not None:
                text = f'{{"due_at":{string(due)},"key":{string(key)},"limit_seconds":{limit},{tail}'
        else:
            self._activation_data(tx, spec, data)
            if tail is not None and data["limit_seconds"].__class__ is int:  # a calendar or local deadline
                text = (
                    f'{{"due_at":{string(data["due_at"])},"key":{string(data["key"])},'
                    f'"limit_seconds":{data["limit_seconds"]},{tail}'
                )
        if spec.muster:
            data["muster"] = True
            role = self.plan.roles.get(spec.role)
            if role is not None and role.strength:
                data["strength"] = role.strength
        tx.emit("step_activated", data, text=text)
        st = tx.state.steps[spec.id]
        if st.muster and st.strength_at:  # the team was already there
            tx.emit("step_done", {"step": spec.id, "by": None, "muster": True})
            return 2
        return 1

    def _settle(self, tx):
        s = tx.state
        final = self._final
        for _ in range(MAX_SETTLE):
            if s.phase in final:
                self._close_if_final(tx)
            if s.closed_at:
                return
            progressed = self._activate(tx)
            if s.phase in self.machine.has_when:
                target = self.machine.fire(s.phase, WHEN, tx.env)
                if target is not None:
                    self._enter(tx, target, s.phase)
                    continue
            # Activating a step completes nothing, so only an `if` that reads
            # step states (or a check, which may) can change by another round.
            if not progressed or (progressed == 1 and s.phase not in self._step_sensitive):
                return
        raise Refused(f"plan '{self.plan.id}' keeps changing phase: more than {MAX_SETTLE} transitions in one command")

    def _run_actions(self, tx, actions, reason, step=None):
        for action in actions:
            if action.kind == "notify":
                self._notify(tx, action.roles, action.message, reason, step=step)
            elif action.kind == "note":
                tx.emit("note", {"text": action.message, "by": None}, actor="plan")
            else:
                self._plugin_action(tx, action, reason, step=step)

    def _notify(self, tx, roles, message, reason, step=None, **extra):
        """Queue a notification; it names the phase, and the step and its deadline when it is about one."""
        key = f"{tx.state.id}:{tx.state.seq + 1}"
        data = {"key": key, "roles": list(roles), "message": message, "reason": reason, "phase": tx.state.phase}
        st = tx.state.steps.get(step) if step else None
        if st is not None:
            data["step"] = step
            if st.due_at:
                data["due_at"] = st.due_at
        data.update(extra)
        tx.emit("notify_queued", data, actor="plan")

    def _plugin_action(self, tx, action, reason, step=None):
        """Run a plugin action. A command it fails for is refused; on a timer's firing the
        failure is recorded (``action_failed``) instead, so one broken action cannot hold
        back the incident's other timers."""
        reg = self.registry.actions.get(action.name) if self.registry else None
        error = None
        if reg is None:
            error = "not registered (is its plugin installed?)"
        else:
            ctx = tx.env.ctx()
            ctx.effects = []
            args = action.args
            if self.plan.settings:  # `{setting: NAME}` arguments: the values the incident started with
                args = figures.resolve(tuple(args), self.plan, tx.state.local_settings)
            try:
                reg.fn(ctx, **dict(args))
            except Exception as e:
                error = f"{type(e).__name__}: {e}"
        if error is not None:
            if tx.cmd.name == "fire":
                data = {"action": action.name, "error": error, "reason": reason}
                tx.emit("action_failed", data, actor="timer")
                return
            if reg is None:
                raise Refused(f"action '{action.name}' is {error}")
            raise Refused(f"action '{action.name}' failed on incident {tx.state.id}: {error}")
        for kind, data in ctx.effects:
            if kind == "notify":
                self._notify(tx, data["roles"], data["message"], reason, step=step)
            else:
                tx.emit("note", {"text": data["text"], "by": None}, actor=action.name)


def _activation_parts(spec) -> tuple:
    """What every activation of ``spec`` shares: (head, tail, limits).

    ``head``: the data it starts with (copied each time). ``tail``: when an activation adds only
    limit_seconds, due_at and key to it (a deadline from activation, no local figure, reminder
    or muster), the head's canonical text less its opening brace: those three keys sort before
    every key of the head, so the data's text is theirs followed by it. ``limits``: (day, night)
    seconds when the deadline is also a plain duration or `{day, night}`; else None.
    """
    head = {"step": spec.id, "phase": spec.phase, "role": spec.role, "title": spec.title}
    if spec.required:
        head["required"] = True
    if spec.repeat is not None and spec.repeat_setting is None:
        head["repeat"] = spec.repeat
    within = spec.within
    if within is None or spec.from_ != "activation" or spec.repeat_setting is not None or spec.remind:
        return head, None, None
    tail = None if spec.muster else canonical(head)[1:]
    if within.days is not None or within.setting is not None:
        return head, tail, None
    return head, tail, (within.day, within.night)


def _span(seconds, lang) -> str:
    """7分钟 / 7m, 1小时30分钟 / 1h30m: how long, as a duty officer says it."""
    seconds = max(0, int(seconds))
    h, m = divmod(seconds // 60, 60)
    if lang == "zh":
        return (f"{h}小时" if h else "") + (f"{m}分钟" if m or not h else "")
    return (f"{h}h" if h else "") + (f"{m}m" if m or not h else "")


def _reads_steps(cond) -> bool:
    if cond.op in ("step", "check", "all_done", "any_overdue"):
        return True
    return any(_reads_steps(c) for c in cond.children)


def _not_done(st, state) -> bool:
    """A needed step counts as done only if done in this visit of its phase (when it is the current one).
    A waived step releases the steps that need it; a repeat step counts once a round is done."""
    if st is not None and st.status == "pending" and st.prev is not None:
        st = st.prev
    if st is None or st.status not in ("done", "waived"):
        return True
    return st.phase == state.phase and st.activation_seq <= state.phase_seq

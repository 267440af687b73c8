"""Commands in, events out.

The runner is the only place that decides what happens: it takes an incident
state (a fold of its events) and a command, appends events to that state as
it goes, and returns them. It does no I/O; the store persists what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from planengine.core.incident import clock
from planengine.core.incident.conditions import CheckError, Env, evaluate, evaluate_level
from planengine.core.incident.machine import WHEN, machine_for
from planengine.core.incident.state import IncidentState, apply, step_status
from planengine.core.plan.facts import FactError, coerce_fact

MAX_SETTLE = 100


class Refused(Exception):
    """The command breaks a rule; nothing is recorded."""


@dataclass
class Command:
    name: str
    at: str  # UTC ISO, whole seconds
    actor: str | None = None
    args: dict = field(default_factory=dict)


class _Tx:
    """Events of one command, folded into the state as they are emitted."""

    __slots__ = ("runner", "state", "cmd", "events", "env", "_now")

    def __init__(self, runner, state: IncidentState, cmd: Command):
        self.runner, self.state, self.cmd = runner, state, cmd
        self.events: list = []
        self._now = None
        self.env = Env(state, runner.plan, runner.registry, None, cmd.at)

    @property
    def now(self):
        """The command's time as a datetime, parsed once and only when needed."""
        if self._now is None:
            self._now = self.env.now = clock.from_iso(self.cmd.at)
        return self._now

    def emit(self, kind, data, actor=None):
        s = self.state
        seq = s.seq + 1
        at = self.cmd.at
        if actor is None:
            actor = self.cmd.actor
        apply(s, seq, at, kind, actor, data)
        ev = {"incident": s.id, "seq": seq, "at": at, "kind": kind, "actor": actor, "data": data}
        self.events.append(ev)
        self.env._ctx = None
        return ev


class Runner:
    def __init__(self, plan, registry=None):
        self.plan = plan
        self.registry = registry
        self.machine = machine_for(plan)
        self.tz = ZoneInfo(plan.timezone)
        self._step_sensitive = {
            p.id for p in plan.phases.values() if any(s.if_ is not None and _reads_steps(s.if_) for s in p.steps)
        }

    # -- public -----------------------------------------------------------

    def new_state(self, incident_id: str) -> IncidentState:
        return IncidentState(id=incident_id)

    def execute(self, state: IncidentState, cmd: Command) -> list:
        """Apply ``cmd`` to ``state`` (mutated) and return the new events.

        Raises Refused (or FactError/CheckError) before anything is kept: on an
        exception the caller must discard ``state``.
        """
        handler = getattr(self, "_cmd_" + cmd.name, None)
        if handler is None:
            raise Refused(f"unknown command '{cmd.name}'")
        if cmd.name != "start":
            if not state.opened_at:
                raise Refused(f"incident {state.id} has not been started")
            if state.closed_at and cmd.name not in ("note", "fire", "deliver"):
                raise Refused(f"incident {state.id} is closed")
            if cmd.at < state.opened_at:
                raise Refused(
                    f"{self._local(cmd.at)} is before incident {state.id} opened ({self._local(state.opened_at)})"
                )
        tx = _Tx(self, state, cmd)
        try:
            handler(tx, **cmd.args)
        except (FactError, CheckError) as e:
            raise Refused(str(e)) from e
        return tx.events

    def _local(self, iso: str) -> str:
        return clock.from_iso(iso).astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S")

    def is_day(self, at) -> bool:
        """Whether ``at`` (a datetime or UTC ISO string) falls in the plan's daytime window."""
        local = (clock.from_iso(at) if isinstance(at, str) else at).astimezone(self.tz)
        minutes = local.hour * 60 + local.minute
        start, end = self.plan.daytime
        return start <= minutes < end

    # -- commands ---------------------------------------------------------

    def _cmd_start(self, tx, facts=None, kind="live", drill=None, settings=None):
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
        required = [f.id for f in p.facts.values() if f.required]
        if required:
            data["required_facts"] = required
        tx.emit("started", data)
        initial = {f.id: f.default for f in p.facts.values() if f.default is not None}
        initial.update(typed)
        if initial:
            tx.emit("fact_set", {"facts": initial})
        self._relevel(tx)
        self._enter(tx, p.initial, None)
        self._settle(tx)

    def _cmd_set(self, tx, facts):
        typed = self._coerce(facts)
        changed = {k: v for k, v in typed.items() if tx.state.facts.get(k, object()) != v}
        if not changed:
            return
        tx.emit("fact_set", {"facts": changed})
        self._relevel(tx)
        self._settle(tx)

    def _cmd_done(self, tx, step, note=None, by=None):
        st = self._active_step(tx, step)
        spec = self.plan.step(step)
        if spec.decision:
            raise Refused(f"step '{step}' is a decision: answer it with `plan decide` ({' / '.join(spec.decision)})")
        self._require_check(tx, spec)
        data = {"step": step, "by": by or tx.cmd.actor}
        if note:
            data["note"] = note
        tx.emit("step_done", data)
        del st
        self._settle(tx)

    def _cmd_decide(self, tx, step, answer, by=None):
        self._active_step(tx, step)
        spec = self.plan.step(step)
        if not spec.decision:
            raise Refused(f"step '{step}' is not a decision step")
        if answer not in spec.decision:
            raise Refused(f"step '{step}': answer must be one of {', '.join(spec.decision)}")
        self._require_check(tx, spec)
        tx.emit("decision", {"step": step, "answer": answer, "by": by})
        tx.emit("step_done", {"step": step, "by": by})
        self._settle(tx)

    def _require_check(self, tx, spec):
        """A step's `check:` must pass when it is done or decided."""
        if spec.check is not None and not evaluate(spec.check, tx.env):
            ctx = tx.env._ctx
            why = f": {'; '.join(ctx.reasons)}" if ctx is not None and ctx.reasons else ""
            raise Refused(f"step '{spec.id}' cannot be done: check '{spec.check.name}' does not pass{why}")

    def _cmd_checkin(self, tx, role, count=None, by=None):
        if role not in self.plan.roles:
            from planengine.core.plan.source import did_you_mean

            raise Refused(f"unknown role '{role}'{did_you_mean(role, list(self.plan.roles))}")
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
            raise Refused(f"step '{step}' has not been activated in {tx.state.id}")
        tx.emit("ack", {"step": step, "by": by})
        self._settle(tx)

    def _cmd_event(self, tx, name):
        phase = tx.state.phase
        valid = self.machine.events.get(phase, [])
        if name not in valid:
            hint = f" (events here: {', '.join(valid)})" if valid else " (this phase takes no events)"
            raise Refused(f"event '{name}' does nothing in phase '{phase}'{hint}")
        target = self.machine.fire(phase, name, tx.env)
        if target is None:
            raise Refused(f"event '{name}': the transition's condition does not hold now")
        tx.emit("event", {"name": name})
        self._enter(tx, target, phase)
        self._settle(tx)

    def _cmd_note(self, tx, text, by=None, say=False, to=None, channel=None, expect=None, objective=None):
        data = {"text": text, "by": by}
        if say:
            data["say"] = True
        # a drill inject's addressee, channel, expected action and objective (MSEL columns)
        for k, v in (("to", to), ("channel", channel), ("expect", expect), ("objective", objective)):
            if v is not None:
                data[k] = v
        tx.emit("note", data)
        self._settle(tx)  # `when` conditions are evaluated after every event (time has passed)

    def _missing_facts(self, state):
        return [f.id for f in self.plan.facts.values() if f.required and state.facts.get(f.id) is None]

    def _cmd_close(self, tx, outcome=None):
        missing = self._missing_facts(tx.state)
        if missing:
            raise Refused(f"cannot close: required facts not recorded: {', '.join(missing)} (use `plan set`)")
        self._skip_pending(tx, "closed")
        tx.emit("closed", {"outcome": outcome})

    def _cmd_deliver(self, tx, key, results):
        """Record a notification's delivery outcome (the sending happened outside)."""
        ok = all(r.get("ok") for r in results)
        tx.emit("notify_delivered" if ok else "notify_failed", {"key": key, "results": results}, actor="notifier")

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
        if kind == "step":
            step_id = rest.rsplit(":", 1)[0]
            st = s.steps[step_id]
            tx.emit("step_overdue", {"step": step_id, "key": key, "due_at": st.due_at}, actor="timer")
            spec = self.plan.step(step_id)
            actions = spec.overdue
            if not actions and spec.role:
                msg = (
                    f"逾期: {spec.title or spec.id}" if self.plan.lang == "zh" else f"overdue: {spec.title or spec.id}"
                )
                self._notify(tx, (spec.role,), msg, reason=key)
            self._run_actions(tx, actions, reason=key)
        else:
            phase_id, index, _ = rest.split(":")
            timer = self.plan.phases[phase_id].after[int(index)]
            tx.emit("reminder", {"phase": phase_id, "index": int(index), "key": key}, actor="timer")
            self._run_actions(tx, timer.actions, reason=key)
        self._settle(tx)

    # -- mechanics --------------------------------------------------------

    def _coerce(self, facts: dict) -> dict:
        return {k: coerce_fact(self.plan, k, v) for k, v in facts.items()}

    def _known_step(self, step):
        if self.plan.step(step) is None:
            from planengine.core.plan.source import did_you_mean

            raise Refused(f"unknown step '{step}'{did_you_mean(step, [s.id for s in self.plan.steps()])}")

    def _active_step(self, tx, step):
        st = tx.state.steps.get(step)
        if st is None:
            self._known_step(step)
            raise Refused(f"step '{step}' is not active (its phase, `needs` or `if` has not come about)")
        if st.status != "pending":
            raise Refused(f"step '{step}' is already {step_status(st, tx.cmd.at)}")
        if tx.cmd.at < st.activated_at:
            raise Refused(
                f"step '{step}' became active at {self._local(st.activated_at)}: "
                f"it cannot be done at {self._local(tx.cmd.at)}"
            )
        return st

    def _relevel(self, tx):
        if self.plan.level is None:
            return
        new = evaluate_level(self.plan.level, tx.env)
        if new != tx.state.level:
            tx.emit("level_changed", {"from": tx.state.level, "to": new})

    def _enter(self, tx, phase_id, from_phase):
        if from_phase is not None:
            self._skip_pending(tx, "phase_left")
        phase = self.plan.phases[phase_id]
        seq = tx.state.seq + 1
        timers = [
            {
                "key": f"after:{phase_id}:{i}:{seq}",
                "due_at": clock.to_iso(tx.now + timedelta(seconds=t.after)),
                "index": i,
            }
            for i, t in enumerate(phase.after)
        ]
        data = {"phase": phase_id, "from": from_phase}
        if timers:
            data["timers"] = timers
        tx.emit("phase_entered", data)
        self._run_actions(tx, phase.enter, reason=f"enter:{phase_id}")
        self._close_if_final(tx)

    def _close_if_final(self, tx):
        """A final phase closes the incident once every required fact is recorded."""
        s = tx.state
        if not s.closed_at and self.plan.phases[s.phase].final and not self._missing_facts(s):
            tx.emit("closed", {"outcome": s.phase})

    def _skip_pending(self, tx, reason):
        for st in list(tx.state.steps.values()):
            if st.status == "pending":
                tx.emit("step_skipped", {"step": st.id, "reason": reason})

    def _activate(self, tx) -> int:
        """Activate what is due: 0 nothing, 1 steps activated, 2 a step was also completed."""
        s = tx.state
        progressed = 0
        for spec in self.plan.phases[s.phase].steps:
            st = s.steps.get(spec.id)
            if st is not None and st.activation_seq > s.phase_seq:
                continue  # already active in this visit of the phase
            if spec.needs and any(_not_done(s.steps.get(n), s) for n in spec.needs):
                continue
            if spec.if_ is not None and not evaluate(spec.if_, tx.env):
                continue
            progressed = max(progressed, self._activate_step(tx, spec))
        return progressed

    def _activate_step(self, tx, spec):
        data = {"step": spec.id, "phase": spec.phase, "role": spec.role, "title": spec.title}
        if spec.within is not None:
            limit = spec.within.day if not spec.within.split or self.is_day(tx.now) else spec.within.night
            data["limit_seconds"] = limit
            data["due_at"] = clock.to_iso(tx.now + timedelta(seconds=limit))
            data["key"] = f"step:{spec.id}:{tx.state.seq + 1}"
        if spec.muster:
            data["muster"] = True
            role = self.plan.roles.get(spec.role)
            if role is not None and role.strength:
                data["strength"] = role.strength
        tx.emit("step_activated", data)
        st = tx.state.steps[spec.id]
        if st.muster and st.strength_at:  # the team was already there
            tx.emit("step_done", {"step": spec.id, "by": None, "muster": True})
            return 2
        return 1

    def _settle(self, tx):
        s = tx.state
        for _ in range(MAX_SETTLE):
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

    def _run_actions(self, tx, actions, reason):
        for action in actions:
            if action.kind == "notify":
                self._notify(tx, action.roles, action.message, reason)
            elif action.kind == "note":
                tx.emit("note", {"text": action.message, "by": None}, actor="plan")
            else:
                self._plugin_action(tx, action, reason)

    def _notify(self, tx, roles, message, reason):
        key = f"{tx.state.id}:{tx.state.seq + 1}"
        tx.emit("notify_queued", {"key": key, "roles": list(roles), "message": message, "reason": reason}, actor="plan")

    def _plugin_action(self, tx, action, reason):
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
            try:
                reg.fn(ctx, **dict(action.args))
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
                self._notify(tx, data["roles"], data["message"], reason)
            else:
                tx.emit("note", {"text": data["text"], "by": None}, actor=action.name)


def _reads_steps(cond) -> bool:
    if cond.op in ("step", "check", "all_done", "any_overdue"):
        return True
    return any(_reads_steps(c) for c in cond.children)


def _not_done(st, state) -> bool:
    """A needed step counts as done only if done in this visit of its phase (when it is the current one)."""
    if st is None or st.status != "done":
        return True
    return st.phase == state.phase and st.activation_seq <= state.phase_seq

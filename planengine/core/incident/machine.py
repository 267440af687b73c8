"""One `transitions` Machine per plan version, shared by every incident of it.

The incident's phase lives in the store; before a trigger the shared model is
set to that phase, so nothing is pickled and no per-incident machine is built.
Phase timers are durable rows in the store, so the Timeout extension (threads)
is not used.
"""

from __future__ import annotations

from planengine.core.incident.conditions import evaluate

WHEN = "_when"


class _Model:
    state = None


def _guard(cond):
    def guard(event):
        return evaluate(cond, event.kwargs["env"])

    return guard


class PlanMachine:
    def __init__(self, plan):
        from transitions import Machine

        self.model = _Model()
        self.machine = Machine(
            model=self.model,
            states=[{"name": p.id, "final": p.final} for p in plan.phases.values()],
            initial=plan.initial,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )
        self.events: dict = {}  # phase -> event names valid there
        self.has_when: set = set()
        for phase in plan.phases.values():
            for t in phase.on:
                conds = [_guard(c) for c in (t.when, t.if_) if c is not None]
                trigger = t.event or WHEN
                self.machine.add_transition(trigger, phase.id, t.to, conditions=conds)
                if t.event:
                    self.events.setdefault(phase.id, []).append(t.event)
                else:
                    self.has_when.add(phase.id)

    def fire(self, phase: str, trigger: str, env) -> str | None:
        """The phase after ``trigger`` from ``phase``, or None when no transition's guard holds."""
        model = self.model
        model.state = phase
        if not model.trigger(trigger, env=env):
            return None
        return model.state


_machines: dict = {}


def machine_for(plan) -> PlanMachine:
    m = _machines.get(plan.sha256)
    if m is None:
        m = _machines[plan.sha256] = PlanMachine(plan)
    return m

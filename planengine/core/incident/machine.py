"""One `transitions` Machine per plan version, shared by every incident of it.

The incident's phase lives in the store; before a trigger the shared model is
set to that phase, so nothing is pickled and no per-incident machine is built.
Phase timers are durable rows in the store, so the Timeout extension (threads)
is not used. The Machine itself is built on the first trigger that can fire:
most commands (a note, a check-in) move no phase, and need not pay for it.
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
        self.plan = plan
        self.model = None
        self.events: dict = {}  # phase -> event names valid there
        self.has_when: set = set()
        self._when: dict = {}  # phase -> [(when, if) conditions] of its `when:` transitions
        # (phase, event) -> target where the first transition for that event has no guard: the Machine
        # tries transitions in order and takes the first whose guards hold, so that one always wins
        self.unguarded: dict = {}
        for phase in plan.phases.values():
            first: set = set()
            for t in phase.on:
                if t.event and t.event not in first:
                    first.add(t.event)
                    if t.when is None and t.if_ is None:
                        self.unguarded[(phase.id, t.event)] = t.to
            for t in phase.on:
                if t.event:
                    self.events.setdefault(phase.id, []).append(t.event)
                else:
                    self.has_when.add(phase.id)
                    self._when.setdefault(phase.id, []).append([c for c in (t.when, t.if_) if c is not None])

    def _build(self):
        from transitions import Machine

        plan = self.plan
        self.model = _Model()
        machine = Machine(
            model=self.model,
            states=[{"name": p.id, "final": p.final} for p in plan.phases.values()],
            initial=plan.initial,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )
        for phase in plan.phases.values():
            for t in phase.on:
                conds = [_guard(c) for c in (t.when, t.if_) if c is not None]
                machine.add_transition(t.event or WHEN, phase.id, t.to, conditions=conds)

    def fire(self, phase: str, trigger: str, env) -> str | None:
        """The phase after ``trigger`` from ``phase``, or None when no transition's guard holds."""
        target = self.unguarded.get((phase, trigger))
        if target is not None:
            return target  # what the Machine would answer, without its callbacks and logging
        if trigger == WHEN and not any(all(evaluate(c, env) for c in conds) for conds in self._when.get(phase, ())):
            return None  # no `when:` can fire: the Machine would only say so more slowly
        if self.model is None:
            self._build()
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

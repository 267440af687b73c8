"""Evaluate declarative condition trees. Nothing here ever evaluates a string as code."""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING

from planengine.core.incident import clock
from planengine.core.incident.state import step_status
from planengine.core.plan import settings as figures

if TYPE_CHECKING:
    from planengine.core.incident.context import CheckContext


class CheckError(Exception):
    """A plugin check raised or returned nonsense; names the check and the incident."""


_CMP = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "in": lambda a, b: a in b,
}


class Env:
    """What conditions are evaluated against: one incident at one moment."""

    __slots__ = ("state", "plan", "registry", "now_iso", "now", "_ctx")

    def __init__(self, state, plan, registry, now, now_iso):
        self.state, self.plan, self.registry = state, plan, registry
        self.now, self.now_iso = now, now_iso
        self._ctx = None

    def ctx(self) -> CheckContext:
        if self._ctx is None:
            from planengine.core.incident.context import CheckContext, StepView  # only when a check runs

            s = self.state
            if self.now is None:
                self.now = clock.from_iso(self.now_iso)
            steps = {
                sid: StepView(sid, step_status(st, self.now_iso), st.role, st.answer, st.count)
                for sid, st in s.steps.items()
            }
            self._ctx = CheckContext(
                facts=dict(s.facts),
                level=s.level,
                levels=tuple(self.plan.levels),
                steps=steps,
                now=self.now,
                incident=s.id,
                plan=self.plan,
                config=s.settings or {},  # the site settings the incident started with
                opened_at=clock.from_iso(s.opened_at) if s.opened_at else None,
            )
        return self._ctx

    def call_check(self, name, args):
        fn = self.registry.checks.get(name) if self.registry else None
        if fn is None:
            raise CheckError(f"check '{name}' is not registered (is its plugin installed?)")
        try:
            if self.plan.settings:  # `{setting: NAME}` arguments: the values the incident started with
                args = figures.resolve(tuple(args), self.plan, self.state.local_settings)
            return fn.fn(self.ctx(), **dict(args))
        except Exception as e:  # a plugin's failure is reported, never a traceback
            raise CheckError(f"check '{name}' failed on incident {self.state.id}: {type(e).__name__}: {e}") from e


def evaluate(cond, env: Env) -> bool:
    op = cond.op
    s = env.state
    if op == "fact":
        value = s.facts.get(cond.name)
        if value is None:
            return cond.cmp == "ne"
        try:
            return bool(_CMP[cond.cmp](value, cond.value))
        except TypeError:
            return False
    if op == "all":
        return all(evaluate(c, env) for c in cond.children)
    if op == "any":
        return any(evaluate(c, env) for c in cond.children)
    if op == "not":
        return not evaluate(cond.children[0], env)
    if op == "level_at_least":
        levels = env.plan.levels
        return s.level in levels and levels.index(s.level) >= levels.index(cond.name)
    if op == "step":
        st = s.steps.get(cond.name)
        if cond.cmp == "answer":
            return st is not None and st.answer == cond.value
        if st is None:
            return False
        status = step_status(st, env.now_iso)
        want = cond.value
        if want == "done":  # a repeat step is done once a round is
            return status in ("done", "late") or (st.prev is not None and st.prev.status == "done")
        if want == "active":
            return status in ("pending", "overdue")
        return status == want
    if op == "all_done":
        return all(_settled(st) for st in active_steps(s))
    if op == "any_overdue":
        return any(step_status(st, env.now_iso) == "overdue" for st in s.steps.values())
    if op == "check":
        return bool(env.call_check(cond.name, cond.args))
    raise ValueError(f"unknown condition op {op!r}")


def _settled(st) -> bool:
    """Done for `all_done`: done, waived, or a repeat step with a round done (the cadence runs on)."""
    return st.status in ("done", "waived") or (st.prev is not None and st.prev.status == "done")


def active_steps(state):
    """Steps of the current phase activated since it was entered (not skipped)."""
    return [st for st in state.steps.values() if st.phase == state.phase and st.status != "skipped"]


def evaluate_level(rule, env: Env):
    """The level a plan's ``level:`` gives now, or None."""
    if rule is None:
        return env.state.level
    if rule.check is not None:
        result = env.call_check(rule.check.name, rule.check.args)
        if result is None:
            return rule.default
        result = str(result)
        if result not in env.plan.levels:
            raise CheckError(
                f"check '{rule.check.name}' returned level {result!r}, not one of {', '.join(env.plan.levels)}"
            )
        return result
    for cond, level in rule.rules:
        if evaluate(cond, env):
            return level
    return rule.default

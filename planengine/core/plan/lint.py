"""The core lint rules (`plan lint`): warnings about a plan that loads but will not behave as meant."""

from __future__ import annotations

import os


def lint_plan(plan):
    """Core lint rules: [(message, (line, col))]."""
    out = []
    stem = os.path.splitext(os.path.basename(plan.path))[0] if plan.path else plan.id
    if stem != plan.id:
        out.append(
            (
                f"plan id '{plan.id}' differs from its file name '{stem}': `plan start {stem}` finds this file, "
                f"`plan list` shows '{plan.id}'",
                (1, 1),
            )
        )
    phases = plan.phases
    # unreachable phases
    seen, todo = {plan.initial}, [plan.initial]
    while todo:
        for t in phases[todo.pop()].on:
            if t.to not in seen:
                seen.add(t.to)
                todo.append(t.to)
    for pid, ph in phases.items():
        if pid not in seen:
            out.append((f"phase '{pid}' is unreachable from '{plan.initial}'", ph.loc))
        if not ph.final and not ph.on:
            out.append((f"phase '{pid}' has no way out (no `on:` and not final)", ph.loc))
    # roles never used, teams without people
    used = set()
    for ph in phases.values():
        for a in ph.enter + tuple(x for t in ph.after for x in t.actions):
            used.update(a.roles)
        for s in ph.steps:
            if s.role:
                used.add(s.role)
            for a in s.overdue:
                used.update(a.roles)
    for rid, role in plan.roles.items():
        if rid not in used:
            out.append((f"role '{rid}' is never used by a step or notification", role.loc))
        if role.muster and not role.people:
            out.append((f"team '{rid}' has no people listed (who is called?)", role.loc))
    # needs across phases: the needed step is skipped when its phase is left
    for s in plan.steps():
        for n in s.needs:
            dep = plan.step(n)
            if dep is not None and dep.phase != s.phase:
                out.append(
                    (
                        f"step '{s.id}' needs '{n}' of phase '{dep.phase}': if that phase is left before "
                        f"'{n}' is done, '{s.id}' never activates",
                        s.loc,
                    )
                )
    # steps whose `if` can never hold
    for s in plan.steps():
        if s.if_ is not None and _never(s.if_, plan):
            out.append((f"step '{s.id}': its `if` can never hold given the facts' min/max/enum", s.loc))
    # phase timers that fire before a needs chain can finish on time
    for ph in phases.values():
        memo: dict = {}
        chains = {s.id: _chain(s, plan, memo) for s in ph.steps}
        for t in ph.after:
            for total, path in chains.values():
                if len(path) > 1 and total > t.after:
                    from planengine.core.plan.durations import format as fmt

                    out.append(
                        (
                            f"phase '{ph.id}': timer after {fmt(t.after)} fires before the needs chain "
                            f"{' -> '.join(path)} can finish ({fmt(total)})",
                            t.loc,
                        )
                    )
                    break
    return out


def _chain(step, plan, memo):
    """Longest (seconds, path) of `within` limits along a step's needs chain.

    Iterative with one memo per phase, so a chain of thousands of steps costs
    neither Python's recursion limit nor quadratic time.
    """
    best: dict = memo.setdefault("_best", {})  # step id -> (seconds, previous step id or None)
    stack = [(step, False)]
    on_stack: set = set()
    while stack:
        node, expanded = stack.pop()
        if node.id in best:
            continue
        deps = [d for d in (plan.step(n) for n in node.needs) if d is not None]
        if not expanded:
            on_stack.add(node.id)
            stack.append((node, True))
            stack.extend((d, False) for d in deps if d.id not in best and d.id not in on_stack)
            continue
        own = max(node.within.day, node.within.night) if node.within else 0
        prev = max((d for d in deps if d.id in best), key=lambda d: best[d.id][0], default=None)
        best[node.id] = ((best[prev.id][0] if prev else 0) + own, prev.id if prev else None)
        on_stack.discard(node.id)
    path, cur = [], step.id
    while cur is not None and cur not in path:
        path.append(cur)
        cur = best[cur][1]
    return best[step.id][0], path[::-1]


def _never(cond, plan) -> bool:
    if cond.op == "all":
        return any(_never(c, plan) for c in cond.children)
    if cond.op == "any":
        return all(_never(c, plan) for c in cond.children)
    if cond.op != "fact":
        return False
    fact = plan.facts.get(cond.name)
    if fact is None:
        return False
    v = cond.value
    if fact.enum and cond.cmp == "eq" and v not in fact.enum:
        return True
    if fact.type == "boolean" or not isinstance(v, (int, float)):
        return False
    lo, hi = fact.min, fact.max
    if cond.cmp in ("gt", "gte") and hi is not None:
        return v > hi or (cond.cmp == "gt" and v == hi)
    if cond.cmp in ("lt", "lte") and lo is not None:
        return v < lo or (cond.cmp == "lt" and v == lo)
    if cond.cmp == "eq":
        return (hi is not None and v > hi) or (lo is not None and v < lo)
    return False

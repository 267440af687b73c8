"""The core lint rules (`plan lint`): warnings about a plan that loads but will not behave as meant."""

from __future__ import annotations

import os


def lint_plan(plan):
    """Core lint rules: [(message, (line, col))] warnings, and (message, (line, col), "note") for
    what is right but worth knowing."""
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

                    when = fmt(t.after) + (f" (setting {t.setting}, its default)" if t.setting else "")
                    out.append(
                        (
                            f"phase '{ph.id}': timer after {when} fires before the needs chain "
                            f"{' -> '.join(path)} can finish ({fmt(total)})",
                            t.loc,
                        )
                    )
                    break
    out.extend(_conditional_all_done(plan))
    out.extend(_decision_dead_ends(plan))
    out.extend(_required_left_behind(plan))
    out.extend(_anchors_that_may_never_be_done(plan))
    return out


# -- the flow rules (issue 8 part 6): what bit users ---------------------------


def _unconditional(phase, plan) -> set:
    """Ids of the steps of ``phase`` activated on every visit: no `if:`, and every step they
    need in the same phase is itself unconditional (a `needs` on another phase counts as met:
    the needs-across-phases warning covers it)."""
    by_id = {s.id: s for s in phase.steps}
    memo: dict = {}
    return {sid for sid in by_id if _unconditional_step(sid, by_id, memo)}


def _unconditional_step(sid, by_id, memo, seen=()) -> bool:
    # a function of its own, not a closure: a recursive closure is a reference cycle
    if sid not in memo:
        step = by_id[sid]
        memo[sid] = step.if_ is None and all(
            n not in by_id or (n not in seen and _unconditional_step(n, by_id, memo, seen + (sid,))) for n in step.needs
        )
    return memo[sid]


def _with_needs(ids, plan) -> set:
    """``ids`` and every step they need, transitively (a step is done only after its needs)."""
    out, todo = set(), list(ids)
    while todo:
        sid = todo.pop()
        if sid in out:
            continue
        out.add(sid)
        step = plan.step(sid)
        if step is not None:
            todo.extend(step.needs)
    return out


def _implied_done(cond) -> set:
    """Step ids a condition can only hold with done (`{step: x, is: done}`, `{step: x, answer: ...}`)."""
    if cond is None:
        return set()
    if cond.op == "step" and (cond.cmp == "answer" or (cond.cmp == "is" and cond.value == "done")):
        return {cond.name}
    if cond.op == "all":
        return set().union(*(_implied_done(c) for c in cond.children))
    if cond.op == "any" and cond.children:
        return set.intersection(*(_implied_done(c) for c in cond.children))
    return set()


def _has_all_done(cond) -> bool:
    """The condition holds only when `all_done` does (bare, or inside a top-level `all:`)."""
    if cond is None:
        return False
    if cond.op == "all_done":
        return True
    return cond.op == "all" and any(_has_all_done(c) for c in cond.children)


def _done_when_taken(t, phase, plan) -> set:
    """Steps certainly done when transition ``t`` of ``phase`` fires."""
    done = _implied_done(t.when) | _implied_done(t.if_)
    if _has_all_done(t.when) or _has_all_done(t.if_):
        done |= _unconditional(phase, plan)
    return _with_needs(done, plan)


def _answers_required(cond, step_id):
    """The answers of decision ``step_id`` a condition needs to hold (None: any answer, or none)."""
    if cond is None:
        return None
    if cond.op == "step" and cond.name == step_id and cond.cmp == "answer":
        return {cond.value}
    if cond.op == "all":
        sets = [a for a in (_answers_required(c, step_id) for c in cond.children) if a is not None]
        return set.intersection(*sets) if sets else None
    if cond.op == "any" and cond.children:
        sets = [_answers_required(c, step_id) for c in cond.children]
        return None if any(a is None for a in sets) else set().union(*sets)
    return None


def _transition_answers(t, step_id):
    a, b = _answers_required(t.when, step_id), _answers_required(t.if_, step_id)
    if a is None or b is None:
        return a if b is None else b
    return a & b


def _when_text(t) -> str:
    return f"`event: {t.event}`" if t.event else f"the `when:` to '{t.to}'"


def _reachable(plan, start, avoid=None) -> set:
    """Phases reachable from ``start`` (inclusive) without entering ``avoid``."""
    if start == avoid:
        return set()
    seen, todo = {start}, [start]
    while todo:
        for t in plan.phases[todo.pop()].on:
            if t.to not in seen and t.to != avoid and t.to in plan.phases:
                seen.add(t.to)
                todo.append(t.to)
    return seen


def _conditional_all_done(plan):
    """A phase whose steps are all conditional leaves on `when: all_done` the moment it is entered
    when none of their conditions holds (no active step: all of none are done)."""
    out = []
    for ph in plan.phases.values():
        if not ph.steps or _unconditional(ph, plan):
            continue
        for t in ph.on:
            if _has_all_done(t.when):
                out.append(
                    (
                        f"phase '{ph.id}': every step has an `if:`, so when none holds `when: all_done` fires "
                        f"on entry and the incident goes straight on to '{t.to}'; add a step every visit has, "
                        f"or guard the transition",
                        t.loc,
                    )
                )
    return out


def _decision_dead_ends(plan):
    """A decision answer after which the incident cannot go on: every way out of the phase needs
    another answer (a decision is answered once per visit), or the answer's way out leads back
    into the phase, where the decision is not asked afresh and its old answer fires again."""
    out = []
    for ph in plan.phases.values():
        for d in ph.steps:
            if not d.decision:
                continue
            for answer in d.decision:
                if ph.on and all(
                    (need := _transition_answers(t, d.id)) is not None and answer not in need for t in ph.on
                ):
                    out.append(
                        (
                            f"step '{d.id}': after the answer '{answer}' no way out of phase '{ph.id}' can fire "
                            f"(each needs another answer) and answering again is refused (already done): the "
                            f"incident is stuck; give '{answer}' a transition of its own",
                            d.loc,
                        )
                    )
            if d.if_ is None and not d.needs:
                continue  # asked afresh on every entry: its old answer is gone before `when:` is read
            why = "has an `if:`" if d.if_ is not None else f"needs {', '.join(d.needs)}"
            for t in ph.on:
                need = _transition_answers(t, d.id)
                if need is None or t.to not in plan.phases or ph.id not in _reachable(plan, t.to):
                    continue
                answer = "/".join(sorted(need))
                out.append(
                    (
                        f"step '{d.id}': the answer '{answer}' leads from '{ph.id}' to '{t.to}' and back; "
                        f"'{d.id}' {why}, so on re-entry it is not asked afresh and its old answer fires "
                        f"again at once (a loop); put the decision in a phase of its own",
                        d.loc,
                    )
                )
    return out


def _required_left_behind(plan):
    """`required` steps in a phase a `when:` may leave before they are done. The engine keeps an
    active required step pending after the phase is left (with its deadline, until done or
    waived); it cannot keep one that was never activated."""
    out = []
    for ph in plan.phases.values():
        for s in ph.steps:
            if not s.required:
                continue
            for t in ph.on:
                if t.event:
                    continue  # an officer's explicit event, not an automatic leave
                done = _done_when_taken(t, ph, plan)
                if s.id in done:
                    continue
                local_needs = [n for n in s.needs if plan.step(n) is not None and plan.step(n).phase == ph.id]
                if not set(local_needs) <= done:
                    out.append(
                        (
                            f"required step '{s.id}' may never be activated: {_when_text(t)} may leave "
                            f"'{ph.id}' before {', '.join(sorted(set(local_needs) - done))} is done; a step never "
                            f"activated is not kept, so the duty is dropped; let the transition wait for it",
                            s.loc,
                        )
                    )
                elif s.if_ is not None:  # right when the condition is known early; said, not warned
                    out.append(
                        (
                            f"required step '{s.id}' is kept after {_when_text(t)} leaves '{ph.id}' only if it was "
                            f"activated there: should its `if:` come to hold only later, the duty is not kept",
                            s.loc,
                            "note",
                        )
                    )
                elif s.within is None:
                    out.append(
                        (
                            f"required step '{s.id}' has no `within:`: left pending when {_when_text(t)} "
                            f"leaves '{ph.id}', it has no deadline (nothing falls overdue) and the incident "
                            f"cannot close until it is done or waived (`plan waive`)",
                            s.loc,
                        )
                    )
                else:  # what `required` is for; said as a note, so the planner knows what happens
                    out.append(
                        (
                            f"required step '{s.id}' stays pending if {_when_text(t)} leaves '{ph.id}' before it "
                            f"is done: it keeps its deadline and overdue chain, can be done in any later phase, "
                            f"and the incident cannot close until it is done or waived (`plan waive`)",
                            s.loc,
                            "note",
                        )
                    )
                break  # one per step
    return out


def _anchors_that_may_never_be_done(plan):
    """A deadline counted `from:` a step that may never be done: until it is, the step has no deadline."""
    out = []
    for s in plan.steps():
        if s.within is None or s.from_ in ("activation", "opened", "phase"):
            continue
        anchor = plan.step(s.from_)
        if anchor is None:
            continue
        why = None
        if anchor.if_ is not None:
            why = f"'{anchor.id}' is conditional (`if:`)"
        elif anchor.phase != s.phase and s.phase in _reachable(plan, plan.initial, avoid=anchor.phase):
            why = f"phase '{s.phase}' can be reached without passing '{anchor.phase}'"
        elif not anchor.required and (anchor.phase != s.phase or s.required):
            home = plan.phases[anchor.phase]
            for t in home.on:
                if anchor.id not in _done_when_taken(t, home, plan):
                    why = f"{_when_text(t)} may leave '{anchor.phase}' before '{anchor.id}' is done"
                    break
        if why:
            out.append(
                (
                    f"step '{s.id}' counts `from: {anchor.id}`, but {why}: until '{anchor.id}' is done, "
                    f"'{s.id}' has no deadline and never falls overdue",
                    s.loc,
                )
            )
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

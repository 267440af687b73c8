"""What people and tools read: status objects and boards, derived from state."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from planengine.core import clock
from planengine.core.incident import step_status

_tz_cache: dict = {}


def zone(name):
    tz = _tz_cache.get(name)
    if tz is None:
        tz = _tz_cache[name] = ZoneInfo(name)
    return tz


def local(iso, tz):
    if iso is None:
        return None
    return clock.from_iso(iso).astimezone(tz).isoformat()


def step_dict(st, now_iso, tz):
    status = step_status(st, now_iso)
    late = None
    if st.due_at:
        if status == "late":
            late = clock.seconds_between(st.due_at, st.done_at)
        elif status == "done":
            late = 0
        elif status == "overdue":  # a tick may have run ahead of the reader's clock
            late = max(0, clock.seconds_between(st.due_at, now_iso))
    out = {
        "id": st.id,
        "phase": st.phase,
        "role": st.role,
        "title": st.title,
        "status": status,
        "activated_at": local(st.activated_at, tz),
        "due_at": local(st.due_at, tz),
        "limit_seconds": st.limit_seconds,
        "done_at": local(st.done_at, tz),
        "by": st.by,
        "late_seconds": late,
    }
    if st.muster:
        out.update(
            muster=True,
            strength=st.strength,
            count=st.count,
            first_arrival_at=local(st.first_arrival_at, tz),
            full_strength_at=local(st.strength_at, tz),
        )
    if st.answer is not None:
        out["answer"] = st.answer
    if st.acks:
        out["acks"] = [{"at": local(a["at"], tz), "by": a["by"]} for a in st.acks]
    return out


def missing_facts(state):
    """Required facts not yet recorded: the incident cannot close without them."""
    return [f for f in state.required if state.facts.get(f) is None]


def status_dict(state, now_iso):
    tz = zone(state.timezone)
    steps = sorted(state.steps.values(), key=lambda st: (st.activation_seq, st.id))
    return {
        "id": state.id,
        "plan": state.plan,
        "plan_version": state.plan_version,
        "title": state.title,
        "kind": state.kind,
        "phase": state.phase,
        "level": state.level,
        "facts": state.facts,
        "opened_at": local(state.opened_at, tz),
        "closed_at": local(state.closed_at, tz),
        "outcome": state.outcome,
        "missing_facts": missing_facts(state),
        "steps": [step_dict(st, now_iso, tz) for st in steps],
        "checkins": [dict(c, at=local(c["at"], tz)) for c in state.checkins],
        "level_history": [dict(h, at=local(h["at"], tz)) for h in state.level_history],
        "seq": state.seq,
    }


MARK = {"pending": "[ ]", "done": "[x]", "late": "[!]", "overdue": "[O]", "skipped": "[-]"}


def _hm(iso, tz):
    return clock.from_iso(iso).astimezone(tz).strftime("%m-%d %H:%M") if iso else ""


def _ago(seconds):
    """1h05m, 3d4h: minutes matter for a muster, days for a dispute case."""
    from planengine.core.durations import format as fmt

    seconds = max(0, int(seconds))
    return fmt(seconds - seconds % 3600 if seconds >= 86400 else seconds - seconds % 60) if seconds >= 60 else "<1m"


def board_lines(state, now_iso, show_all=True):
    """A plain-text board: header, then one line per step, newest phase last."""
    tz = zone(state.timezone)
    drill = "DRILL " if state.kind == "drill" else ""
    head = f"{state.id}  {drill}{state.plan} v{state.plan_version}  phase {state.phase}"
    if state.level:
        head += f"  level {state.level}"
    head += f"  opened {_hm(state.opened_at, tz)}"
    if state.closed_at:
        head += f"  CLOSED {_hm(state.closed_at, tz)}" + (f" ({state.outcome})" if state.outcome else "")
    lines = [head]
    missing = missing_facts(state)
    if missing:
        lines.append("  missing required facts: " + ", ".join(missing) + "  (plan set INC fact=value)")
    if state.facts:
        lines.append("  facts: " + ", ".join(f"{k}={v}" for k, v in state.facts.items()))
    for st in sorted(state.steps.values(), key=lambda s: (s.activation_seq, s.id)):
        status = step_status(st, now_iso)
        if not show_all and status in ("done", "skipped", "late") and st.phase != state.phase:
            continue
        due = f"due {_hm(st.due_at, tz)}" if st.due_at else ""
        extra = ""
        if status in ("done", "late"):
            extra = f"done {_hm(st.done_at, tz)}" + (f" by {st.by}" if st.by else "")
            if st.answer is not None:
                extra += f": {st.answer}"
            if status == "late":
                extra += f" ({_ago(clock.seconds_between(st.due_at, st.done_at))} late)"
        elif status == "overdue":
            extra = f"OVERDUE {_ago(clock.seconds_between(st.due_at, now_iso))}"
        if st.muster and status in ("pending", "overdue") and (st.count or st.first_arrival_at):
            extra += f" {st.count}/{st.strength or '?'} checked in"
        role = f"({st.role})" if st.role else ""
        lines.append(f"  {MARK[status]} {st.id:<24} {role:<14} {due:<17} {extra}  {st.title}".rstrip())
    return lines


LEGEND = "  [ ] pending  [x] done  [!] done late  [O] overdue  [-] skipped (phase left)"


def describe_timer(key: str) -> str:
    """``step:convene:7`` -> ``convene overdue``; ``after:responding:0:4`` -> ``phase responding reminder``."""
    kind, rest = key.split(":", 1)
    if kind == "step":
        return f"{rest.rsplit(':', 1)[0]} overdue"
    return f"phase {rest.split(':')[0]} reminder"

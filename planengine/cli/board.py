"""The plain-text board of an incident (`plan status`, `plan watch`, `plan drill run`)."""

from __future__ import annotations

from planengine.core.incident import clock
from planengine.core.incident.clock import zone
from planengine.core.incident.state import step_status
from planengine.core.incident.status import missing_facts
from planengine.core.plan.describe import plain

MARK = {"pending": "[ ]", "done": "[x]", "late": "[!]", "overdue": "[O]", "skipped": "[-]", "waived": "[~]"}


def _hm(iso, tz):
    return clock.from_iso(iso).astimezone(tz).strftime("%m-%d %H:%M") if iso else ""


def _ago(seconds):
    """1h05m, 3d4h: minutes matter for a muster, days for a dispute case."""
    from planengine.core.plan.durations import format as fmt

    seconds = max(0, int(seconds))
    return fmt(seconds - seconds % 3600 if seconds >= 86400 else seconds - seconds % 60) if seconds >= 60 else "<1m"


def board_lines(state, now_iso, show_all=True, notifications=None):
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
    for e in state.errors:
        what = f"action {e['action']}" if e["action"] else "timer"
        lines.append(f"  ERROR {_hm(e['at'], tz)} {what} ({describe_timer(e['key'] or '')}): {e['error']}")
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
        elif status == "waived":
            extra = f"waived {_hm(st.done_at, tz)}" + (f" by {st.by}" if st.by else "") + f": {st.reason}"
        if st.waits_for and status == "pending":
            extra += f" clock starts when {st.waits_for} is done"
        if st.repeat:
            extra += f" round {st.round}"
        if st.required and status in ("pending", "overdue"):
            extra += " REQUIRED"
        if st.muster and status in ("pending", "overdue") and (st.count or st.first_arrival_at):
            extra += f" {st.count}/{st.strength or '?'} checked in"
        role = f"({st.role})" if st.role else ""
        lines.append(f"  {MARK[status]} {st.id:<24} {role:<14} {due:<17} {extra}  {st.title}".rstrip())
    lines.extend(delivery_lines(state, notifications))
    return [plain(line) for line in lines]  # plan titles and typed facts never reach the terminal raw


def delivery_lines(state, notifications=None) -> list:
    """Notifications that failed or are being retried, one line each (delivered ones are quiet)."""
    from planengine.core.incident.status import notification_list

    out = []
    for n in notification_list(state, notifications):
        if n["status"] == "failed":
            out.append(f"  notification {n['key']} to {n['channel']} ({n['role']}) FAILED: {n['error']}")
        elif n["status"] == "queued" and n["attempts"]:
            tried = f"retrying after {n['attempts']} attempt(s)"
            out.append(f"  notification {n['key']} to {n['channel']} ({n['role']}) {tried}: {n['error']}")
    return out


LEGEND = "  [ ] pending  [x] done  [!] done late  [O] overdue  [-] skipped (phase left)  [~] waived"


def describe_timer(key: str) -> str:
    """``step:convene:7`` -> ``convene overdue``; ``after:responding:0:4`` -> ``phase responding reminder``."""
    kind, _, rest = key.partition(":")
    if kind == "enter":
        return f"entering phase {rest}"
    if kind == "step":
        return f"{rest.rsplit(':', 1)[0]} overdue"
    return f"phase {rest.split(':')[0]} reminder"

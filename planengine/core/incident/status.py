"""The status object (`plan status --json`, the API, the boards): derived from state, never stored."""

from __future__ import annotations

from planengine.core.incident import clock
from planengine.core.incident.clock import local, zone
from planengine.core.incident.state import step_status


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
        "required": st.required,
    }
    if st.repeat:
        out["round"] = st.round  # `repeat:` (续报): which round is on the board
    if st.anchor_at is not None and st.anchor_at != st.activated_at:
        out["clock_from"] = local(st.anchor_at, tz)  # `from:`: the moment the deadline counts from
    if st.waits_for is not None:
        out["waits_for"] = st.waits_for  # `from: STEP`: no deadline until that step is done
    if st.status == "waived":
        out["reason"] = st.reason
    if st.defaulted:
        out["default"] = True  # the answer was the plan's `default:`, recorded by the timer
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


def ordered_steps(state):
    """Steps in board order; a step's number on the board is its place here, from 1."""
    return sorted(state.steps.values(), key=lambda st: (st.activation_seq, st.id))


def missing_facts(state):
    """Required facts not yet recorded: the incident cannot close without them."""
    return [f for f in state.required if state.facts.get(f) is None]


DELIVERY_STATUS = {"sending": "queued", "routed": "queued", "unrecorded": "delivered", "done": "delivered"}


def notification_list(state, rows=None) -> list:
    """``{key, channel, role, status: queued|delivered|failed, attempts, error, step}`` per (key, channel).

    ``rows`` are the outbox's delivery rows (Engine.notifications); without
    them (drills, which never send) the log's own outcomes are used.
    """
    out = []
    if rows is None:
        rows = []
        for key, n in state.notifications.items():
            if not n["channels"]:
                rows.append({"key": key, "channel": None, "roles": n["roles"], "status": "queued", "attempts": 0})
            for ch, c in n["channels"].items():
                rows.append(dict(c, key=key, channel=ch, roles=n["roles"]))
    for r in rows:
        n = state.notifications.get(r["key"]) or {}
        out.append(
            {
                "key": r["key"],
                "channel": r["channel"],
                "role": ",".join(r.get("roles") or ()),
                "status": DELIVERY_STATUS.get(r["status"], r["status"]),
                "attempts": r.get("attempts") or 0,
                "error": r.get("error"),
                "step": n.get("step"),
            }
        )
        if r.get("next_at") and out[-1]["status"] == "queued" and out[-1]["attempts"]:
            out[-1]["retry_at"] = local(r["next_at"], zone(state.timezone))
    return out


def status_dict(state, now_iso, notifications=None):
    """The status object; ``notifications`` are the incident's delivery rows when the caller has them."""
    tz = zone(state.timezone)
    steps = ordered_steps(state)
    notes = notification_list(state, notifications)
    by_step: dict = {}
    for n in notes:
        if n["step"]:
            by_step.setdefault(n["step"], []).append({k: n[k] for k in ("key", "channel", "status", "error")})
    step_dicts = [step_dict(st, now_iso, tz) for st in steps]
    for d in step_dicts:
        if d["id"] in by_step:
            d["notifications"] = by_step[d["id"]]
    return {
        "id": state.id,
        "plan": state.plan,
        "plan_version": state.plan_version,
        "title": state.title,
        "kind": state.kind,
        "phase": state.phase,
        "level": state.level,
        "facts": state.facts,
        "local_settings": state.local_settings or {},  # the plan's local figures in force: {name: {value, from}}
        "opened_at": local(state.opened_at, tz),
        "closed_at": local(state.closed_at, tz),
        "outcome": state.outcome,
        "missing_facts": missing_facts(state),
        "steps": step_dicts,
        "checkins": [dict(c, at=local(c["at"], tz)) for c in state.checkins],
        "level_history": [dict(h, at=local(h["at"], tz)) for h in state.level_history],
        "errors": [dict(e, at=local(e["at"], tz)) for e in state.errors],
        "notifications": notes,
        "owner": state.owner,
        "schedule": (state.routine or {}).get("schedule"),
        "missed": [
            dict(m, at=local(m["at"], tz), occurrences=[local(o, tz) for o in m.get("occurrences", ())])
            for m in state.missed
        ],
        "transfers": [dict(t, at=local(t["at"], tz)) for t in state.transfers],
        "seq": state.seq,
    }

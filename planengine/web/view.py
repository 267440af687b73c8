"""What the pages show, computed from Engine reads (no HTML here; templates autoescape every value)."""

from __future__ import annotations

import threading

from planengine import i18n
from planengine.core.incident import clock
from planengine.core.incident.state import step_status
from planengine.core.incident.status import ordered_steps, status_dict

# Warning colours of the levels: 国家突发公共事件总体应急预案 (2006) 3.1 — Ⅰ red, Ⅱ orange, Ⅲ yellow, Ⅳ blue.
LEVEL_CLASS = {"I": "lv-red", "II": "lv-orange", "III": "lv-yellow", "IV": "lv-blue"}
MAX_STEPS_SHOWN = 6  # per incident on the wall board: what is due next; the console shows all
MAX_CARDS = 40  # full cards on the wall; the rest (a county rarely has more) are listed one line each


def known(e) -> bool:
    """Errors that are the user's (refusals, unknown ids, bad times): said, never a 500."""
    from planengine.core.accounts import AccountError
    from planengine.core.engine import PlanNotFound, Refused, StoreError
    from planengine.core.incident.clock import TimeError
    from planengine.core.incident.conditions import CheckError
    from planengine.core.plan.durations import DurationError
    from planengine.core.plan.facts import FactError

    return isinstance(
        e, (Refused, StoreError, PlanNotFound, FactError, CheckError, DurationError, TimeError, AccountError)
    )


def missing_incident(e) -> bool:
    return getattr(e, "template", "").startswith("no incident")


def _now():
    return clock.to_iso(clock.WallClock().now())


def _plan(eng, state):
    try:
        return eng.plan_for(state.plan_sha)
    except Exception:  # a plan that cannot be read: ids are shown instead of titles
        return None


class BoardCache:
    """Folded states of open incidents, refolded only when their last event moved."""

    def __init__(self):
        self.states: dict = {}  # id -> state
        self.lock = threading.Lock()

    def refresh(self, eng) -> list:
        heads = eng.open_heads(drills=True)
        with self.lock:
            for gone in set(self.states) - set(heads):
                del self.states[gone]
            stale = [i for i, seq in heads.items() if i not in self.states or self.states[i].seq != seq]
        fresh = eng.states(stale) if stale else {}  # one query each for snapshots and newer events
        with self.lock:
            self.states.update(fresh)
            return list(self.states.values())


def _local(iso, tz, fmt="%H:%M"):
    if not iso:
        return ""
    try:
        return clock.from_iso(iso).astimezone(tz).strftime(fmt)
    except (ValueError, TypeError, AttributeError):  # an edited event's time (the recent list): as recorded
        return str(iso)[:40]


def _people(eng, plan, role_id):
    """Names and phone numbers of a role: the plan's people, with the site's addresses."""
    role = plan.roles.get(role_id) if plan is not None and role_id else None
    if role is None:
        return None
    site = (eng.config.get("people") or {}) if isinstance(eng.config, dict) else {}
    people = []
    for p in role.people:
        phone = p.phone or str((site.get(p.name) or {}).get("phone") or "")
        people.append({"name": p.name, "phone": phone})
    return {"role": role.title or role.id, "people": people}


def incident_card(eng, state, now_iso, failures, lang):
    plan = _plan(eng, state)
    tz = clock.zone(state.timezone)
    steps = []
    overdue = 0
    next_due = None
    done = total = 0
    for n, st in enumerate(ordered_steps(state), start=1):
        status = step_status(st, now_iso)
        total += 1
        if status in ("done", "late", "waived"):
            done += 1
        if status not in ("pending", "overdue"):
            continue
        if status == "overdue":
            overdue += 1
        if st.due_at and (next_due is None or st.due_at < next_due):
            next_due = st.due_at
        steps.append(
            {
                "n": n,
                "id": st.id,
                "title": st.title or st.id,
                "role": st.role,
                "status": status,
                "due_at": st.due_at,
                "due_local": _local(st.due_at, tz),
                "muster": bool(st.muster),
                "count": st.count,
                "strength": st.strength,
            }
        )
    steps.sort(key=lambda s: (s["status"] != "overdue", s["due_at"] or "9999"))
    call, seen = [], set()
    for s in steps:
        if s["role"] and s["role"] not in seen:
            seen.add(s["role"])
            who = _people(eng, plan, s["role"])
            if who and who["people"]:
                call.append(who)
    musters = [s for s in steps if s["muster"]]
    phase = plan.phases.get(state.phase) if plan is not None else None
    return {
        "id": state.id,
        "title": state.title or state.plan,
        "plan": state.plan,
        "drill": state.kind == "drill",
        "kind": state.kind,
        "phase": (phase.title or state.phase) if phase is not None else state.phase,
        "level": state.level,
        "level_title": i18n.level_title(state.level, lang) if state.level else "",
        "level_class": LEVEL_CLASS.get(state.level or "", "lv-none"),
        "opened_local": _local(state.opened_at, tz, "%m-%d %H:%M"),
        "opened_at": state.opened_at,
        "steps": steps[:MAX_STEPS_SHOWN],
        "more": max(0, len(steps) - MAX_STEPS_SHOWN),
        "musters": musters,
        "call": call[:3],
        "failures": failures.get(state.id, []),
        "overdue": overdue,
        "done": done,
        "total": total,
        "urgency": (0 if overdue else 1, next_due or "9999", state.opened_at or ""),
        "facts": _facts(plan, state, lang)[:4],
    }


def _urgency(state, now_iso):
    """Overdue first, then the nearest deadline, then the oldest."""
    next_due, overdue = "9999", False
    for st in state.steps.values():
        if st.status == "pending" and st.due_at:
            if st.due_at < now_iso or st.overdue_at:
                overdue = True
            if st.due_at < next_due:
                next_due = st.due_at
    return (not overdue, next_due, state.opened_at or "")


def _facts(plan, state, lang):
    out = []
    for k, v in state.facts.items():
        f = plan.facts.get(k) if plan is not None else None
        out.append({"id": k, "title": (f.title or k) if f is not None else k, "value": i18n.value(v, lang)})
    return out


def describe_event(ev, lang):
    d = ev.get("data")
    if not isinstance(d, dict):  # an edited event's data
        d = {}
    what = d.get("step") or d.get("name") or d.get("phase") or d.get("role") or d.get("text") or d.get("to") or ""
    if ev["kind"] == "fact_set":
        what = ", ".join(f"{k}={i18n.value(v, lang)}" for k, v in (d.get("facts") or {}).items())
    if ev["kind"] == "checkin" and d.get("count") is not None:
        what = f"{what} {d['count']}"
    key = f"ev.{ev['kind']}"
    return {
        "incident": ev["incident"],
        "at": ev["at"],
        "kind": i18n.t(key, lang) if i18n.has(key) else ev["kind"],
        "what": str(what)[:80],
        "actor": ev.get("actor") or "",
    }


def board(eng, cache, lang):
    now = _now()
    states = cache.refresh(eng)
    failures: dict = {}
    try:
        for incident, key, channel, error, status in eng.delivery_failures():
            if status == "failed":
                failures.setdefault(incident, []).append({"key": key, "channel": channel, "error": error or ""})
    except Exception:  # an older database without delivery rows
        failures = {}
    ranked = sorted(states, key=lambda s: _urgency(s, now))
    cards = [incident_card(eng, s, now, failures, lang) for s in ranked[:MAX_CARDS]]
    rest = [
        {
            "id": s.id,
            "title": s.title or s.plan,
            "level_title": i18n.level_title(s.level, lang) if s.level else "",
            "level_class": LEVEL_CLASS.get(s.level or "", "lv-none"),
            "drill": s.kind == "drill",
        }
        for s in ranked[MAX_CARDS:]
    ]
    tz = clock.zone(states[0].timezone) if states else eng.timezone()
    recent = [describe_event(e, lang) for e in eng.recent_events(12)]
    for r in recent:
        r["local"] = _local(r["at"], tz, "%H:%M:%S")
    return {
        "cards": cards,
        "rest": rest,
        "open_count": len(states),
        "recent": recent,
        "now": now,
        "now_local": _local(now, tz, "%Y-%m-%d %H:%M:%S"),
        "overdue_total": sum(c["overdue"] for c in cards),
    }


def incident(eng, incident_id, lang):
    now = _now()
    state = eng.state(incident_id)
    plan = _plan(eng, state)
    tz = clock.zone(state.timezone)
    status = status_dict(state, now, _notifications(eng, state))
    steps = []
    for n, s in enumerate(status["steps"], start=1):
        spec = plan.step(s["id"]) if plan is not None else None
        steps.append(
            dict(
                s,
                n=n,
                title=s.get("title") or s["id"],
                decision=list(spec.decision) if spec is not None and spec.decision else [],
                due_local=_local(state.steps[s["id"]].due_at, tz, "%m-%d %H:%M"),
                done_local=_local(state.steps[s["id"]].done_at, tz, "%m-%d %H:%M"),
                raw_due=state.steps[s["id"]].due_at,
            )
        )
    events_here = []
    roles = []
    if plan is not None:
        phase = plan.phases.get(state.phase)
        events_here = list(dict.fromkeys(tr.event for tr in (phase.on if phase else ()) if tr.event))
        roles = [{"id": r.id, "title": r.title or r.id} for r in plan.roles.values()]
    log = [dict(describe_event(e, lang), local=_local(e["at"], tz, "%m-%d %H:%M:%S")) for e in eng.events(incident_id)]
    card = incident_card(eng, state, now, {}, lang)
    return {
        "s": status,
        "card": card,
        "steps": steps,
        "facts": _facts(plan, state, lang),
        "events_here": events_here,
        "roles": roles,
        "log": list(reversed(log))[:60],
        "now": now,
        "closed": bool(state.closed_at),
    }


def _notifications(eng, state):
    if state.kind == "drill":
        return None
    try:
        return eng.notifications(state.id)
    except Exception:
        return None


def status_of(eng, state):
    return status_dict(state, _now(), _notifications(eng, state))


def status_one(eng, incident_id):
    return status_of(eng, eng.state(incident_id))


def status_list_json(eng, drills=False) -> bytes:
    """= `plan status --json` as UTF-8 JSON: open incidents, oldest first. Each is read from the
    status text cached at the head of its log where there is one (Engine.status_texts), so the
    list costs a few reads, not a fold of every open incident."""
    return b"[" + b",".join(eng.status_texts(_now(), drills=drills, keep=True)) + b"]"


def form_args(command, form) -> dict:
    """A console form's fields as the command's arguments (the API's names)."""
    out = {}
    for k, v in form.multi_items():
        if k == "csrf":
            continue
        v = str(v).strip()
        if not v:
            continue
        if k == "count":
            try:
                out[k] = int(v)
            except ValueError:
                out[k] = v  # refused by the type check
        elif k == "facts":
            facts = {}
            for line in v.replace("；", "\n").replace(";", "\n").splitlines():
                if "=" in line:
                    a, b = line.split("=", 1)
                    facts[a.strip()] = b.strip()
                elif line.strip():
                    facts[line.strip()] = ""
            out[k] = facts
        else:
            out[k] = v
    return out

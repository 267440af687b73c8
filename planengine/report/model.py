"""What a report says, as plain data: built from what the Engine knows, never from the store.

The templates only lay this out. Every time is printed in the incident's own
timezone; nothing depends on the wall clock, so the same incident gives the
same report byte for byte. ``as_of`` (the closing time, else the last event,
else what the caller passes) decides which pending steps count as overdue.
"""

from __future__ import annotations

import json
import unicodedata

from planengine.core.drill.scoring import FINDING
from planengine.core.incident import clock
from planengine.core.incident.clock import zone
from planengine.core.incident.state import step_status
from planengine.core.plan.describe import cond_text, escalations, in_force, reminders, resolved, value_text, within_text
from planengine.core.plan.durations import format as dur
from planengine.report.labels import event_name, labels

SYSTEM_ACTORS = ("timer", "plan", "notifier")
QUIET = ("start", "fire", "deliver")  # engine commands that are not injects


class Clock:
    """Local-time formatting for one incident."""

    def __init__(self, tz_name):
        self.tz = zone(tz_name)

    def dt(self, iso):
        return None if iso is None else clock.from_iso(iso).astimezone(self.tz)

    def full(self, iso):
        return "" if iso is None else self.dt(iso).strftime("%Y-%m-%d %H:%M")

    def short(self, iso):
        return "" if iso is None else self.dt(iso).strftime("%m-%d %H:%M")

    def date(self, iso):
        return "" if iso is None else self.dt(iso).strftime("%Y-%m-%d")


def _secs(a, b):
    return None if a is None or b is None else clock.seconds_between(a, b)


def _value(v):
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return "" if v is None else str(v)


def incident_report(engine, incident_id: str, lang: str | None = None, at: str | None = None) -> dict:
    """The whole content of ``plan report INCIDENT`` (both the incident and the drill report)."""
    state = engine.state(incident_id)
    plan = engine.plan_for(state.plan_sha)
    lang = lang or ("en" if plan.lang == "en" else "zh")
    L = labels(lang)
    events = engine.events(incident_id)
    as_of = at or state.closed_at or state.last_at
    c = Clock(state.timezone)
    score = engine.score(incident_id)
    rated = {s["id"]: s for s in score["steps"]}
    role_title = {r.id: (r.title or r.id) for r in plan.roles.values()}
    phase_title = {p.id: (p.title or p.id) for p in plan.phases.values()}

    waived, skipped_reason, ended_at, done_seq, phase_seqs = {}, {}, {}, {}, []
    for ev in events:
        k, d = ev["kind"], ev["data"]
        if k == "step_waived":
            waived[d.get("step")] = {"at": ev["at"], "by": d.get("by") or ev["actor"], "reason": d.get("reason")}
            ended_at.setdefault(d.get("step"), ev["at"])
        elif k == "step_skipped":
            skipped_reason[d.get("step")] = d.get("reason")
            ended_at[d.get("step")] = ev["at"]
        elif k == "step_done":
            done_seq[d.get("step")] = ev["seq"]
        elif k == "step_activated":
            waived.pop(d.get("step"), None)  # a re-activated step starts afresh
            ended_at.pop(d.get("step"), None)
            skipped_reason.pop(d.get("step"), None)
        elif k == "phase_entered":
            phase_seqs.append(ev["seq"])

    steps = []
    for st in sorted(state.steps.values(), key=lambda s: (s.activation_seq, s.id)):
        w = waived.get(st.id)
        status = "waived" if w and st.status != "done" else step_status(st, as_of)
        late = late_end = None
        if st.due_at:
            if status == "late":
                late_end = st.done_at
            elif status == "overdue":
                late_end = as_of
            elif status in ("skipped", "waived"):
                late_end = ended_at.get(st.id) or as_of
            if late_end is not None and late_end > st.due_at:
                late = _secs(st.due_at, late_end)
            else:
                late_end = None
        r = rated.get(st.id, {})
        if w:
            w = dict(w, at_local=c.short(w["at"]))
        steps.append(
            {
                "id": st.id,
                "title": st.title or st.id,
                "phase": st.phase,
                "phase_title": phase_title.get(st.phase, st.phase),
                "role": st.role,
                "role_title": role_title.get(st.role, st.role or ""),
                "activated_at": st.activated_at,
                "due_at": st.due_at,
                "done_at": st.done_at,
                "activated": c.short(st.activated_at),
                "due": c.short(st.due_at),
                "done": "" if status == "waived" else c.short(st.done_at),
                "limit": dur(st.limit_seconds) if st.limit_seconds is not None else "",
                "limit_seconds": st.limit_seconds,
                "by": st.by or "",
                "status": status,
                "status_label": L["statuses"]["completed" if status == "done" and not st.due_at else status],
                "late_seconds": late,
                "late": dur(late) if late else "",
                "overdue_at": st.overdue_at,
                "late_end": late_end,
                "rating": r.get("rating", ""),
                "points": r.get("points", ""),
                "weight": r.get("weight", ""),
                "took": dur(r["took_seconds"]) if r.get("took_seconds") is not None else "",
                "muster": bool(st.muster),
                "answer": st.answer,
                "note": st.note or "",
                "waived": w,
                "skip_reason": skipped_reason.get(st.id),
            }
        )

    findings = improvement_plan(steps, L)
    musters = _musters(state, score, events, phase_seqs, done_seq, role_title, c, L)
    notif = _notifications(events, state, plan, role_title, c, L)
    notes = [
        {
            "n": n,
            "at": c.short(ev["at"]),
            "text": ev["data"].get("text", ""),
            "by": ev["data"].get("by") or ev["actor"] or "",
            "say": bool(ev["data"].get("say")),
            "meta": {k: ev["data"][k] for k in ("to", "channel", "expect", "objective") if ev["data"].get(k)},
        }
        for n, ev in enumerate((e for e in events if e["kind"] == "note"), start=1)
    ]
    facts = [
        {
            "id": k,
            "title": (plan.facts[k].title if k in plan.facts and plan.facts[k].title else k),
            "value": _value(v)
            + (plan.facts[k].unit if k in plan.facts and plan.facts[k].unit and v is not None else ""),
        }
        for k, v in sorted(state.facts.items(), key=lambda kv: _fact_order(plan, kv[0]))
    ]
    out = {
        "lang": lang,
        "L": L,
        "kind": state.kind,
        "is_drill": state.kind == "drill",
        "incident": {
            "id": state.id,
            "title": state.title or plan.title,
            "plan": state.plan,
            "plan_title": plan.title,
            "version": state.plan_version,
            "sha256": state.plan_sha,
            "kind_label": L["kinds"].get(state.kind, state.kind),
            "opened": c.full(state.opened_at),
            "closed": c.full(state.closed_at),
            "as_of": c.full(as_of),
            "outcome": state.outcome or "",
            "outcome_title": phase_title.get(state.outcome, state.outcome or ""),
            "phase": phase_title.get(state.phase, state.phase or ""),
            "level": state.level or "",
            "timezone": state.timezone,
        },
        "head": {"seq": state.seq, "hash": state.last_hash},
        "facts": facts,
        "level_history": [
            {"at": c.short(h["at"]), "from": h["from"] or "", "to": h["to"] or ""} for h in state.level_history
        ],
        "steps": steps,
        "timed": [s for s in steps if s["limit_seconds"] is not None or s["done_at"]],
        "findings": findings,
        "musters": musters,
        "waived": [s for s in steps if s["status"] == "waived"],
        "notif": notif,
        "notes": notes,
        "sections": engine.report_sections(state, lang),
        "timeline": timeline(events, plan, role_title, phase_title, c, lang),
        "log": log_lines(events, plan, role_title, phase_title, c, lang),
        "note_lines": [
            pad(str(x["n"]), 5, right=True)
            + "  "
            + x["at"]
            + "  "
            + pad(x["by"], 10)
            + "  "
            + ("[" + L["scenario_message"] + "] " if x["say"] else "")
            + x["text"]
            + "".join(f" · {k}: {v}" for k, v in sorted(x["meta"].items()))
            for x in notes
        ],
        "score": score,
        "as_of_iso": as_of,
        "tz": c.tz,
        "opened_iso": state.opened_at,
    }
    if state.kind == "drill":
        out["drill"] = _drill(engine, state, plan, events, steps, score, notif, role_title, c, L)
    return out


def _fact_order(plan, key):
    keys = list(plan.facts)
    return (keys.index(key) if key in keys else len(keys), key)


def improvement_plan(steps, L) -> list:
    """整改措施清单: exactly the late, missed (overdue or never done), waived, or M/U-rated steps.

    Finding class (local practice, DOMAIN.md "Standards": the 2013 突发事件应急预案管理办法
    was repealed and the 2024 measures, 国办发〔2024〕5号, do not define these classes): the step's HSEEP
    rating when it has a limit (U 不足项, M 整改项, S 改进项); a waived step or
    an untimed step never done is a 整改项 (the evaluator may reclass it).
    """
    rows = []
    for s in steps:
        status = s["status"]
        if status == "pending" or (
            status not in ("late", "overdue", "skipped", "waived") and s["rating"] not in ("M", "U")
        ):
            continue
        if status == "waived":
            cls = "整改项"
            w = s["waived"]
            text = L["waived_text"].format(reason=w.get("reason") or "")
            if w.get("by"):
                text += f"（{w['by']}）" if L is labels("zh") else f" ({w['by']})"
        else:
            cls = FINDING.get(s["rating"]) or "整改项"
            if status == "late":
                text = L["late_text"].format(d=s["late"])
            else:
                text = L["not_done_text"]
                if s["skip_reason"]:
                    text = L["skipped_reason"].get(s["skip_reason"], text)
                if s["late"]:
                    text += "；" if L is labels("zh") else "; "
                    text += L["late_text"].format(d=s["late"])
            if s["limit"]:
                text += f"（{L['limit']} {s['limit']}）" if L is labels("zh") else f" ({L['limit']} {s['limit']})"
        rows.append(
            {
                "step": s["id"],
                "title": s["title"],
                "role": s["role"],
                "role_title": s["role_title"],
                "status": status,
                "rating": s["rating"],
                "class": cls,
                "class_label": L["findings"][cls],
                "text": text,
            }
        )
    return rows


def _musters(state, score, events, phase_seqs, done_seq, role_title, c, L):
    out = []
    by_step = {m["step"]: m for m in score["musters"]}
    for st in sorted(state.steps.values(), key=lambda s: (s.activation_seq, s.id)):
        if not st.muster:
            continue
        m = by_step.get(st.id, {})
        entry = max((s for s in phase_seqs if s <= st.activation_seq), default=0)
        last = done_seq.get(st.id) if st.status == "done" else None
        arrivals = []
        total = 0
        for ev in events:
            if ev["kind"] != "checkin" or ev["data"].get("role") != st.role or ev["seq"] <= entry:
                continue
            if last is not None and ev["seq"] > last:
                break
            count = ev["data"].get("count")
            at = max(ev["at"], st.activated_at)
            total = (total + count) if count is not None else max(total, st.strength or total)
            arrivals.append(
                {
                    "at": at,
                    "time": c.short(at),
                    "count": count,
                    "total": total,
                    "by": ev["data"].get("by") or ev["actor"] or "",
                    "offset": _secs(st.activated_at, at),
                }
            )
        took = m.get("took_seconds")
        out.append(
            {
                "step": st.id,
                "title": st.title or st.id,
                "role": st.role,
                "role_title": role_title.get(st.role, st.role or ""),
                "activated_at": st.activated_at,
                "activated": c.short(st.activated_at),
                "limit_seconds": st.limit_seconds,
                "limit": dur(st.limit_seconds) if st.limit_seconds else "",
                "strength": st.strength,
                "count": m.get("count"),
                "first_arrival": dur(m["first_arrival_seconds"]) if m.get("first_arrival_seconds") is not None else "",
                "first_arrival_at": c.short(st.first_arrival_at),
                "full_strength": dur(took) if took is not None else "",
                "full_strength_at": c.short(st.strength_at or (st.done_at if st.status == "done" else None)),
                "took_seconds": took,
                "met": bool(m.get("met")),
                "mustered": took is not None,
                "arrivals": arrivals,
                "end_at": st.done_at or state.closed_at or state.last_at,
            }
        )
    return out


def _roles_text(roles, role_title):
    return "、".join(role_title.get(r, r) for r in roles or ())


def _notifications(events, state, plan, role_title, c, L):
    queued, order = {}, []
    reminders, escalations = [], []
    by_reason: dict = {}
    step_title = {s.id: (s.title or s.id) for s in plan.steps()}
    for ev in events:
        k, d = ev["kind"], ev["data"]
        if k == "notify_queued":
            n = {
                "key": d.get("key"),
                "at": c.short(ev["at"]),
                "roles": _roles_text(d.get("roles"), role_title),
                "message": d.get("message") or "",
                "reason": d.get("reason") or "",
                "status": "queued",
                "channels": [],
                "attempts": None,
                "error": "",
            }
            queued[n["key"]] = n
            order.append(n)
            by_reason.setdefault(n["reason"], []).append(n)
        elif k in ("notify_delivered", "notify_failed"):
            n = queued.get(d.get("key"))
            if n is None:
                continue
            n["done_at"] = c.short(ev["at"])
            ok = k == "notify_delivered"
            if "channel" in d:  # one outcome per (notification, channel)
                found = [
                    {
                        "channel": d.get("channel") or "",
                        "role": _roles_text(d.get("roles"), role_title),
                        "ok": ok,
                        "error": d.get("error") or "",
                        "attempts": d.get("attempts"),
                    }
                ]
            else:  # logs from before delivery was per channel: one event with every channel's result
                found = [
                    {
                        "channel": r.get("channel", ""),
                        "role": role_title.get(r.get("role"), r.get("role") or ""),
                        "ok": bool(r.get("ok")),
                        "error": r.get("error") or "",
                        "attempts": d.get("attempts"),
                    }
                    for r in d.get("results") or ()
                    if isinstance(r, dict)
                ]
                if not found:
                    n["status"] = "delivered" if ok else "failed"
            n["channels"].extend(found)
        elif k == "reminder":
            step = d.get("step")
            if step:
                what = step_title.get(step, step)
            else:
                ph = plan.phases.get(d.get("phase"))
                what = (ph.title or ph.id) if ph else d.get("phase", "")
            reminders.append({"at": c.short(ev["at"]), "what": what, "key": d.get("key"), "messages": []})
        elif k in ("step_overdue", "escalated"):  # the deadline, then each `overdue:` link with `after:`
            step = d.get("step")
            link = f" (+{dur(d['after'])})" if k == "escalated" and d.get("after") else ""
            escalations.append(
                {
                    "at": c.short(ev["at"]),
                    "step": step,
                    "what": step_title.get(step, step) + link,
                    "role": role_title.get(state.steps[step].role, "") if step in state.steps else "",
                    "key": d.get("key"),
                    "messages": [],
                }
            )
    for item in reminders + escalations:
        item["messages"] = [f"{n['roles']}: {n['message']}" for n in by_reason.get(item["key"], [])]
    for n in order:
        chans = n["channels"]
        if chans:
            n["status"] = "failed" if any(not ch["ok"] for ch in chans) else "delivered"
            n["attempts"] = max((ch["attempts"] or 0 for ch in chans), default=0) or None
            n["error"] = "; ".join(f"{ch['channel']}: {ch['error']}" for ch in chans if ch["error"])
        n["status_label"] = L["deliveries"].get(n["status"], n["status"])
    counts = {s: sum(1 for n in order if n["status"] == s) for s in ("queued", "delivered", "failed")}
    return {"list": order, "reminders": reminders, "escalations": escalations, "counts": counts}


def _detail(ev, plan, role_title, phase_title, lang) -> str:
    k, d = ev["kind"], ev["data"]
    step_title = plan.step(d.get("step") or "")
    st = (step_title.title or step_title.id) if step_title else (d.get("step") or "")
    zh = lang != "en"
    if k == "started":
        return f"{d.get('title', '')} v{d.get('plan_version', '')}"
    if k == "fact_set":
        facts = d.get("facts") or {}
        return ", ".join(
            f"{(plan.facts[f].title if f in plan.facts and plan.facts[f].title else f)}={_value(v)}"
            for f, v in sorted(facts.items())
        )
    if k == "level_changed":
        return f"{d.get('from') or '-'} → {d.get('to') or '-'}"
    if k == "phase_entered":
        return phase_title.get(d.get("phase"), d.get("phase") or "")
    if k == "step_activated":
        who = role_title.get(d.get("role"), d.get("role") or "")
        return f"{st}（{who}）" if zh and who else (f"{st} ({who})" if who else st)
    if k in ("step_done", "step_overdue", "step_reopened", "escalated"):
        extra = d.get("note") or d.get("reason") or ""
        return f"{st}: {extra}" if extra else st
    if k == "step_skipped":
        return st
    if k == "step_waived":
        return f"{st}: {d.get('reason') or ''}"
    if k == "checkin":
        count = d.get("count")
        role = role_title.get(d.get("role"), d.get("role") or "")
        return f"{role} ×{count}" if count is not None else role
    if k == "ack":
        return st or ""
    if k == "decision":
        return f"{st} → {d.get('answer')}"
    if k == "reminder":
        return phase_title.get(d.get("phase"), "") if not d.get("step") else st
    if k == "notify_queued":
        return f"{_roles_text(d.get('roles'), role_title)}: {d.get('message') or ''}"
    if k in ("notify_delivered", "notify_failed"):
        return ", ".join(
            f"{r.get('channel', '')}{'' if r.get('ok') else ' ✗ ' + str(r.get('error') or '')}"
            for r in d.get("results") or ()
            if isinstance(r, dict)
        )
    if k == "note":
        return d.get("text") or ""
    if k == "event":
        return d.get("name") or ""
    if k == "closed":
        return phase_title.get(d.get("outcome"), d.get("outcome") or "")
    return json.dumps(d, ensure_ascii=False, sort_keys=True)


def width(text: str) -> int:
    """Display width in a monospace CJK font: East Asian wide and full-width characters take two cells."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, cells: int, right: bool = False) -> str:
    fill = " " * max(0, cells - width(text))
    return fill + text if right else text + fill


def log_lines(events, plan, role_title, phase_title, c, lang) -> list:
    """The timeline as the lines of an activity log (ICS 214): a date line whenever the day changes,
    then ``seq  HH:MM  kind  actor  detail``. Notes and notifications point to their own numbered
    lists, so a long log prints each text once (a 10,000-event log stays a quick PDF)."""
    out, day, note_n, notice_n = [], None, 0, 0
    for ev in events:
        local = c.dt(ev["at"])
        d = local.strftime("%Y-%m-%d")
        if d != day:
            day = d
            out.append(f"—— {d} ——")
        kind = ev["kind"]
        if kind == "note":
            note_n += 1
            detail = ("→ 工作记录 " if lang != "en" else "→ note ") + str(note_n)
        elif kind == "notify_queued":
            notice_n += 1
            detail = ("→ 通知 " if lang != "en" else "→ notification ") + str(notice_n)
        else:
            detail = _detail(ev, plan, role_title, phase_title, lang)
        by = ev["data"].get("by")
        actor = (by if isinstance(by, str) else None) or ev["actor"] or ""
        out.append(
            f"{pad(str(ev['seq']), 5, right=True)}  {local.strftime('%H:%M')}  "
            f"{pad(event_name(kind, lang), 12)}  {pad(actor, 10)}  {detail}"
        )
    return out


def timeline(events, plan, role_title, phase_title, c, lang) -> list:
    return [
        {
            "seq": ev["seq"],
            "at": c.short(ev["at"]),
            "kind": event_name(ev["kind"], lang),
            "actor": (ev["data"].get("by") if isinstance(ev["data"].get("by"), str) else None) or ev["actor"] or "",
            "detail": _detail(ev, plan, role_title, phase_title, lang),
        }
        for ev in events
    ]


def _drill(engine, state, plan, events, steps, score, notif, role_title, c, L):
    info = state.drill or {}
    started = events[0] if events else {}
    commands = engine.commands(state.id)
    t0 = state.opened_at
    injects = []
    for cmd in commands:
        if cmd["name"] in QUIET:
            continue
        a = cmd["args"]
        name = cmd["name"]
        if name == "note":
            text = a.get("text", "")
            name = "say" if a.get("say") else "note"
        elif name in ("done", "ack"):
            text = _step_name(plan, a.get("step"))
        elif name == "checkin":
            text = role_title.get(a.get("role"), a.get("role", "")) + (
                f" ×{a['count']}" if a.get("count") is not None else ""
            )
        elif name == "set":
            text = ", ".join(f"{k}={_value(v)}" for k, v in (a.get("facts") or {}).items())
        elif name == "decide":
            text = f"{_step_name(plan, a.get('step'))} → {a.get('answer')}"
        elif name == "event":
            text = a.get("name", "")
        else:
            text = a.get("outcome") or ""
        offset = _secs(t0, cmd["at"]) or 0
        injects.append(
            {
                "offset": "T+" + dur(offset) if offset else "T+0",
                "at": c.short(cmd["at"]),
                "verb": name,
                "text": text,
                "by": cmd["actor"] or "",
                "meta": {k: a[k] for k in ("to", "channel", "expect", "objective") if a.get(k)},
            }
        )
    objectives = list(info.get("objectives") or [])
    for inj in injects:
        o = inj["meta"].get("objective")
        if o and o not in objectives:
            objectives.append(o)
    people = set()
    for ev in events:
        by = ev["data"].get("by")
        for who in (by if isinstance(by, str) else None, ev["actor"]):
            if who and who not in SYSTEM_ACTORS and "." not in who:
                people.add(who)
    units = sorted({s["role_title"] for s in steps if s["role_title"]})
    # per-role on-time figures, from the scored (timed) steps
    roles: dict = {}
    for s in score["steps"]:
        r = roles.setdefault(s["role"], {"role": role_title.get(s["role"], s["role"] or ""), "n": 0, "met": 0})
        r["n"] += 1
        r["met"] += s["met"]
    for r in roles.values():
        r["rate"] = f"{round(100 * r['met'] / r['n'])}%" if r["n"] else ""
    active = {s["id"] for s in steps}
    idle = [s.title or s.id for s in plan.steps() if s.id not in active]
    counts = {
        "levels": sum(1 for e in events if e["kind"] == "level_changed" and e["data"].get("from") is not None),
        "phases": sum(1 for e in events if e["kind"] == "phase_entered" and e["data"].get("from") is not None),
        "notes": len(notif["list"]),
        "ok": notif["counts"]["delivered"],
        "failed": notif["counts"]["failed"],
        "overdue": sum(1 for e in events if e["kind"] == "step_overdue"),
    }
    r = score["ratings"]
    grade = score["grade"] if L is labels("zh") else score.get("grade_en")
    conclusion = (
        L["conclusion_text"].format(
            score=score["score"], grade=grade, n=sum(r.values()), p=r["P"], s=r["S"], m=r["M"], u=r["U"]
        )
        if score["score"] is not None
        else L["no_score"]
    )
    return {
        "id": info.get("id") or "",
        "title": info.get("title") or state.title,
        "description": info.get("description") or "",
        "organiser": started.get("actor") or "",
        "time": f"{c.full(state.opened_at)} — {c.full(state.closed_at or state.last_at)}",
        "objectives": objectives,
        "scenario": [n for n in (inj for inj in injects if inj["verb"] == "say")],
        "people": sorted(people),
        "units": units,
        "injects": injects,
        "roles": sorted(roles.values(), key=lambda x: x["role"]),
        "plan_text": L["plan_steps"].format(
            total=sum(1 for _ in plan.steps()),
            active=len(active),
            timed=len(score["steps"]),
            idle="、".join(idle) if idle and L is labels("zh") else (", ".join(idle) if idle else L["none"]),
        ),
        "command_text": L["command_facts"].format(**counts),
        "conclusion": conclusion,
        "grade": grade or "",
    }


def _step_name(plan, step_id):
    spec = plan.step(step_id or "")
    return (spec.title or spec.id) if spec else (step_id or "")


# -- the plan checklist (plan show --format html|pdf) -------------------------


def checklist(plan, lang=None, values=None) -> dict:
    """``values``: the local figures in force ({name: {value, from}}, Engine.local_settings); limits
    counted by one print its value, not the plan's default."""
    lang = lang or ("en" if plan.lang == "en" else "zh")
    L = labels(lang)

    def within(w):
        if w is None:
            return ""
        shown = resolved(w, values)
        if shown.split:
            text = f"{L['day']} {dur(shown.day)} / {L['night']} {dur(shown.night)}"
        else:
            text = within_text(shown)
        return text + (f" ({L['setting']} {w.setting})" if w.setting else "")

    def span(seconds, name):
        """A plain duration (`after:`, `repeat:`, `remind:`): the value in force, and its setting's name."""
        return dur(in_force(seconds, name, values)) + (f" ({L['setting']} {name})" if name else "")

    def timing(s):
        """A step's cadence, reminders and escalations, one line each."""
        out = []
        if s.repeat is not None:
            out.append(f"{L['repeat_every']}: {span(s.repeat, s.repeat_setting)}")
        if s.remind:
            out.append(f"{L['remind_before']}: " + ", ".join(span(x, n) for x, n in reminders(s)))
        if escalations(s):
            out.append(f"{L['escalate_after']}: " + ", ".join(span(x, n) for x, n in escalations(s)))
        return out

    def setting(s):
        v = (values or {}).get(s.id) or {"value": s.default, "from": "plan"}
        return {
            "id": s.id,
            "title": s.title or s.id,
            "value": value_text(v["value"]),
            "origin": L["setting_site"] if v["from"] == "site" else L["setting_plan"],
            "default": value_text(s.default),
            "source": s.source,
        }

    def action(a):
        if a.kind == "notify":
            who = _roles_text(a.roles, {r.id: r.title or r.id for r in plan.roles.values()})
            return f"→ {who}" + (f": {a.message}" if a.message else "")
        if a.kind == "note":
            return a.message
        return a.name or ""

    start, end = plan.daytime
    return {
        "lang": lang,
        "L": L,
        "plan": {
            "id": plan.id,
            "title": plan.title,
            "version": plan.version,
            "sha256": plan.sha256,
            "timezone": plan.timezone,
            "daytime": f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}",
            "levels": " < ".join(plan.levels),
            "description": plan.description,
        },
        "facts": [
            {"id": f.id, "title": f.title or f.id, "type": f.type, "required": f.required, "unit": f.unit}
            for f in plan.facts.values()
        ],
        "settings": [setting(s) for s in plan.settings.values()],
        "roles": [
            {
                "id": r.id,
                "title": r.title or r.id,
                "strength": r.strength,
                "muster": r.muster,
                "people": [{"name": p.name, "phone": p.phone} for p in r.people],
            }
            for r in plan.roles.values()
        ],
        "phases": [
            {
                "id": ph.id,
                "title": ph.title or ph.id,
                "final": ph.final,
                "enter": [action(a) for a in ph.enter],
                "after": [f"{span(t.after, t.setting)}: " + "; ".join(action(a) for a in t.actions) for t in ph.after],
                "on": [
                    {
                        "to": plan.phases[t.to].title or t.to if t.to in plan.phases else t.to,
                        "how": (t.event or cond_text(t.when)) + (f" ({cond_text(t.if_)})" if t.if_ else ""),
                    }
                    for t in ph.on
                ],
                "steps": [
                    {
                        "id": s.id,
                        "title": s.title or s.id,
                        "role": (plan.roles[s.role].title or s.role) if s.role in plan.roles else (s.role or ""),
                        "within": within(s.within),
                        "needs": ", ".join(s.needs),
                        "if": cond_text(s.if_),
                        "check": cond_text(s.check),
                        "muster": s.muster,
                        "decision": " / ".join(s.decision),
                        "timing": timing(s),
                    }
                    for s in ph.steps
                ],
            }
            for ph in plan.phases.values()
        ],
    }

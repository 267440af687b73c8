"""The period summary (`plan report --all --since DATE`): what a centre reports monthly and quarterly.

Incidents per plan, on-time rate per step and per role, the slowest musters,
and drills held per plan against the required frequency. The default
frequency is 生产安全事故应急条例 (2019) Art. 8: townships and 街道 drill their
plans at least every 2 years (730 days); high-risk units every 6 months —
set per plan in planengine.yaml::

    reports:
      drill_every: {default: 730d, hazmat_leak: 182d}
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from planengine.core.incident import clock
from planengine.core.plan.durations import DurationError, parse
from planengine.core.plan.durations import format as dur
from planengine.report.labels import labels
from planengine.report.model import Clock

DEFAULT_DRILL_EVERY = 730 * 86400  # 生产安全事故应急条例 Art. 8: townships at least every 2 years


class PeriodError(ValueError):
    pass


def _day(text: str, tz, name: str) -> datetime:
    try:
        d = datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise PeriodError(f"{name} {text!r}: write a date as YYYY-MM-DD") from None
    return datetime.combine(d, time(0), tzinfo=tz)


def period(engine, since: str, until: str | None) -> tuple:
    """[start, end) in UTC ISO: from ``since`` 00:00 to the day after ``until`` (site timezone), or now."""
    from planengine.core.incident.runner import Refused

    tz = engine.timezone()
    try:
        start = _day(since, tz, "--since")
        end = _day(until, tz, "--until") + timedelta(days=1) if until else engine.clock.now()
    except PeriodError as e:
        raise Refused(str(e)) from None
    if end <= start:
        raise Refused(f"--until {until} is before --since {since}")
    return clock.to_iso(start), clock.to_iso(end)


def _in(state, start, end) -> bool:
    return start <= state.opened_at < end


def incident_ids(engine, start: str, end: str) -> list:
    return [s.id for s in engine.incidents(open_only=False, drills=True) if _in(s, start, end)]


def _every(engine, plan_id) -> int | None:
    cfg = (engine.config.get("reports") or {}).get("drill_every") or {}
    raw = cfg.get(plan_id, cfg.get("default"))
    if raw is None:
        return DEFAULT_DRILL_EVERY
    if raw in (0, "0", False, "never"):
        return None
    try:
        return parse(str(raw))
    except DurationError:
        return DEFAULT_DRILL_EVERY


def _period_text(seconds: int, lang: str) -> str:
    days = seconds // 86400
    if seconds % 86400 == 0 and days % 365 == 0:
        n = days // 365
        return f"{n}年" if lang != "en" else f"{n} year{'s' if n > 1 else ''}"
    if seconds % 86400 == 0:
        return f"{days}天" if lang != "en" else f"{days} days"
    return dur(seconds)


def _rate(met, n):
    return f"{round(100 * met / n)}%" if n else ""


def summary(engine, since: str, until: str | None, lang: str = "zh") -> dict:
    L = labels(lang)
    start, end = period(engine, since, until)
    tz = engine.timezone()
    c = Clock(str(tz))
    states = engine.incidents(open_only=False, drills=True)
    in_period = [s for s in states if _in(s, start, end)]
    plans: dict = {}
    titles: dict = {}

    def plan_row(pid, title):
        titles.setdefault(pid, title)
        return plans.setdefault(
            pid, {"plan": pid, "title": title, "live": 0, "drill": 0, "routine": 0, "open": 0, "total": 0}
        )

    steps: dict = {}
    roles: dict = {}
    musters = []
    incidents = []
    owners: dict = {}
    for s in in_period:
        row = plan_row(s.plan, s.title)
        row[s.kind if s.kind in ("live", "drill", "routine") else "live"] += 1
        row["total"] += 1
        row["open"] += s.closed_at is None
        sc = engine.score(s.id)
        plan = engine.plan_for(s.plan_sha)
        role_title = {r.id: r.title or r.id for r in plan.roles.values()}
        for st in sc["steps"]:
            if st["status"] != "done" and st["activated_at"] and s.closed_at is None:
                # an open incident's pending step is not late yet unless its deadline passed
                due = s.steps[st["id"]].due_at
                if due and due > (s.last_at or due):
                    continue
            k = (s.plan, st["id"])
            r = steps.setdefault(
                k, {"plan": s.plan, "step": st["id"], "title": st["title"] or st["id"], "n": 0, "met": 0, "late": 0}
            )
            r["n"] += 1
            r["met"] += st["met"]
            r["late"] += not st["met"]
            rr = roles.setdefault(
                (s.plan, st["role"]),
                {"plan": s.plan, "role": role_title.get(st["role"], st["role"] or ""), "n": 0, "met": 0},
            )
            rr["n"] += 1
            rr["met"] += st["met"]
        for m in sc["musters"]:
            musters.append(
                {
                    "incident": s.id,
                    "plan": s.plan,
                    "kind": L["kinds"].get(s.kind, s.kind),
                    "role": role_title.get(m["role"], m["role"] or ""),
                    "limit": dur(m["limit_seconds"]) if m["limit_seconds"] else "",
                    "took_seconds": m["took_seconds"],
                    "took": dur(m["took_seconds"]) if m["took_seconds"] is not None else L["not_mustered"],
                    "met": m["met"],
                    "count": m["count"],
                    "strength": m["strength"],
                }
            )
        if s.owner:
            # 包案: one named person answers for a case; "closed on time" = closed with no late or missed step
            o = owners.setdefault(s.owner, {"owner": s.owner, "n": 0, "open": 0, "closed": 0, "met": 0})
            o["n"] += 1
            o["open"] += s.closed_at is None
            o["closed"] += s.closed_at is not None
            o["met"] += s.closed_at is not None and all(st["met"] for st in sc["steps"])
        incidents.append(
            {
                "id": s.id,
                "plan": s.plan,
                "title": s.title,
                "kind": L["kinds"].get(s.kind, s.kind),
                "opened": c.full(s.opened_at),
                "closed": c.full(s.closed_at),
                "score": sc["score"] if sc["score"] is not None else "",
                "late": sum(1 for st in sc["steps"] if not st["met"]),
            }
        )
    for o in owners.values():
        o["rate"] = _rate(o["met"], o["closed"])
    for r in list(steps.values()) + list(roles.values()):
        r["rate"] = _rate(r["met"], r["n"])
    musters.sort(key=lambda m: (m["took_seconds"] is not None, -(m["took_seconds"] or 0), m["incident"]))
    # drills per plan: every plan on the plan path or seen in the log
    for path, _origin in engine.plan_files():
        try:
            p = engine.load_plan(path)
        except Exception:  # a broken plan file is lint's business, not the summary's
            continue
        plan_row(p.id, p.title)
    drills = []
    for pid in sorted(plans):
        held = [s for s in in_period if s.plan == pid and s.kind == "drill"]
        before_end = [s for s in states if s.plan == pid and s.kind == "drill" and s.opened_at < end]
        last = max((s.opened_at for s in before_end), default=None)
        every = _every(engine, pid)
        if every is None:
            status = ""
        elif last is None:
            status = L["never"]
        else:
            age = clock.seconds_between(last, end)
            status = L["drill_ok"] if age <= every else L["drill_due"]
        drills.append(
            {
                "plan": pid,
                "title": titles.get(pid, pid),
                "held": len(held),
                "last": c.date(last),
                "every": L["every_days"].format(d=_period_text(every, lang)) if every else "",
                "status": status,
                "due": status in (L["never"], L["drill_due"]),
            }
        )
    end_shown = (clock.from_iso(end) - timedelta(seconds=1)) if until else clock.from_iso(end)
    return {
        "lang": lang,
        "L": L,
        "since": since,
        "until": until or c.full(clock.to_iso(end_shown)),
        "timezone": str(tz),
        "per_plan": [plans[p] for p in sorted(plans) if plans[p]["total"]],
        "steps": sorted(steps.values(), key=lambda r: (r["plan"], r["rate"] != "" and r["met"] / r["n"], r["step"])),
        "roles": sorted(roles.values(), key=lambda r: (r["plan"], r["role"])),
        "owners": sorted(owners.values(), key=lambda o: (-o["n"], o["owner"])),
        "musters": musters[:10],
        "drills": drills,
        "incidents": incidents,
    }

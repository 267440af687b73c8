"""The text of a notification, in the plan's language: incident, plan, phase or step, the deadline in
local time, the message, and whom to call (the role's people with their phone numbers)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

TEXT = {
    "zh": {
        "incident": "事件",
        "plan": "预案",
        "phase": "阶段",
        "step": "步骤",
        "deadline": "时限",
        "message": "内容",
        "call": "联系",
        "nobody": "（未配置人员）",
        "sep": "：",
        "subject": "【应急】",
    },
    "en": {
        "incident": "Incident",
        "plan": "Plan",
        "phase": "Phase",
        "step": "Step",
        "deadline": "Deadline",
        "message": "Message",
        "call": "Call",
        "nobody": "(no people listed)",
        "sep": ": ",
        "subject": "[emergency] ",
    },
}


def recipients(plan, roles, people_cfg) -> list:
    """The roles' people: from the plan's roles, with addresses from the site's ``people:`` (which wins)."""
    out = []
    for role_id in roles:
        role = plan.roles.get(role_id)
        for p in role.people if role is not None else ():
            site = people_cfg.get(p.name, {})
            out.append(
                {
                    "name": p.name,
                    "phone": site.get("phone") or p.phone or None,
                    "email": site.get("email") or p.email or None,
                    "role": role_id,
                }
            )
    return out


def _local(iso, tz):
    if not iso:
        return None
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(tz)


def compose(plan, row, people_cfg, on_duty=()) -> dict:
    """The message handed to a channel's ``send`` for one outbox delivery row."""
    lang = plan.lang if plan.lang in TEXT else "zh"
    t = TEXT[lang]
    sep = t["sep"]
    tz = ZoneInfo(plan.timezone)
    meta = row.get("meta") or {}
    roles = list(row["roles"])
    to = recipients(plan, roles, people_cfg)
    if on_duty:  # the roster's person at send time replaces a role's listed people; the owner is added
        rostered = {p["role"] for p in on_duty}
        to = [p for p in to if p["role"] not in rostered] + [dict(p) for p in on_duty]
    lines = [
        f"{t['incident']}{sep}{row['incident']}",
        f"{t['plan']}{sep}{plan.title}（{plan.id}）" if lang == "zh" else f"{t['plan']}{sep}{plan.title} ({plan.id})",
    ]
    phase = plan.phases.get(meta.get("phase") or "")
    if phase is not None:
        lines.append(f"{t['phase']}{sep}{phase.title or phase.id}")
    step = plan.step(meta["step"]) if meta.get("step") else None
    due = _local(meta.get("due_at"), tz)
    deadline = due.strftime("%Y-%m-%d %H:%M") if due else None
    if step is not None:
        lines.append(f"{t['step']}{sep}{step.title or step.id}")
    if deadline:
        lines.append(f"{t['deadline']}{sep}{deadline}")
    summary = row.get("message") or ""
    if summary:
        lines.append(f"{t['message']}{sep}{summary}")
    titles = []
    for role_id in roles:
        role = plan.roles.get(role_id)
        who = [f"{p['name']} {p['phone'] or ''}".strip() for p in to if p["role"] == role_id]
        label = role.title if role is not None and role.title else role_id
        titles.append(label)
        lines.append(
            f"{t['call']}{sep}{label} " + ("、".join(who) if lang == "zh" else ", ".join(who))
            if who
            else f"{t['call']}{sep}{label} {t['nobody']}"
        )
    for p in to:
        if p["role"] == "owner":
            label = "包案人" if lang == "zh" else "Case owner"
            lines.append(f"{t['call']}{sep}{label} {p['name']} {p['phone'] or ''}".rstrip())
    headline = summary or (step.title if step is not None else plan.title)
    subject = f"{t['subject']}{row['incident']} {headline}"
    return {
        "key": row["key"],
        "incident": row["incident"],
        "plan": plan.id,
        "plan_title": plan.title,
        "role": ",".join(roles),
        "roles": roles,
        "role_titles": titles,
        "to": to,
        "message": "\n".join(lines),
        "summary": summary,
        "subject": subject.splitlines()[0][:200],
        "at": row["queued_at"],
        "lang": lang,
        "channel": row["channel"],
        "step": meta.get("step"),
        "phase": meta.get("phase"),
        "due_at": due.isoformat() if due else None,
    }

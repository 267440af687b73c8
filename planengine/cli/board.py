"""The plain-text board of an incident (`plan status`, `plan watch`, `plan drill run`), in the user's language."""

from __future__ import annotations

from planengine import i18n
from planengine.core.incident import clock
from planengine.core.incident.clock import zone
from planengine.core.incident.state import step_status
from planengine.core.incident.status import missing_facts, ordered_steps
from planengine.core.plan.describe import plain

MARK = {"pending": "[ ]", "done": "[x]", "late": "[!]", "overdue": "[O]", "skipped": "[-]", "waived": "[~]"}


def _hm(iso, tz):
    return clock.from_iso(iso).astimezone(tz).strftime("%m-%d %H:%M") if iso else ""


def _ago(seconds):
    """1h05m, 3d4h: minutes matter for a muster, days for a dispute case."""
    from planengine.core.plan.durations import format as fmt

    seconds = max(0, int(seconds))
    return fmt(seconds - seconds % 3600 if seconds >= 86400 else seconds - seconds % 60) if seconds >= 60 else "<1m"


def phase_title(plan, phase_id):
    ph = plan.phases.get(phase_id) if plan is not None and phase_id else None
    return (ph.title or phase_id) if ph is not None else (phase_id or "")


def fact_title(plan, fact_id):
    f = plan.facts.get(fact_id) if plan is not None else None
    return (f.title or fact_id) if f is not None else fact_id


def _setting_title(plan, name):
    setting = plan.settings.get(name) if plan is not None and hasattr(plan, "settings") else None
    return f"{setting.title} ({name})" if setting is not None and setting.title else name


def _setting_value(value):
    """A local figure as the board shows it: a map's keys in sorted order, as the log keeps them,
    so `plan start` (the state it built) and `plan status` (the state folded from the log) agree."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_setting_value(v)}" for k, v in sorted(value.items())) + "}"
    return str(value)


def board_lines(state, now_iso, show_all=True, notifications=None, plan=None):
    """A plain-text board: header, then one numbered line per step (the number names the step in commands)."""
    t = i18n.t
    tz = zone(state.timezone)
    drill = f"{t('board.drill')} " if state.kind == "drill" else ""
    head = f"{state.id}  {drill}{state.plan} v{state.plan_version}  {t('board.phase')} {phase_title(plan, state.phase)}"
    if state.level:
        head += f"  {t('board.level')} {i18n.level_title(state.level)}"
    head += f"  {t('board.opened')} {_hm(state.opened_at, tz)}"
    if state.closed_at:
        head += f"  {t('board.closed')} {_hm(state.closed_at, tz)}" + (f" ({state.outcome})" if state.outcome else "")
    lines = [head]
    if state.owner:
        lines.append(f"  owner (包案): {state.owner}")
    for m in state.missed:
        shown = ", ".join(_hm(o, tz) for o in m.get("occurrences", ())[-3:])
        more = f" (latest: {shown})" if shown else ""
        lines.append(f"  schedule {m['schedule']}: {m['count']} earlier occurrence(s) missed while nobody ticked{more}")
    for tr in state.transfers:
        lines.append(f"  transferred to {tr['to']} at {_hm(tr['at'], tz)} by {tr.get('by') or '-'}")
    missing = missing_facts(state)
    if missing:
        lines.append("  " + t("board.missing", facts=", ".join(fact_title(plan, f) for f in missing)))
    for e in state.errors:
        what = f"action {e['action']}" if e["action"] else "timer"
        lines.append(f"  ERROR {_hm(e['at'], tz)} {what} ({describe_timer(e['key'] or '')}): {e['error']}")
    if state.facts:
        shown = ", ".join(f"{fact_title(plan, k)}={i18n.value(v)}" for k, v in state.facts.items())
        lines.append(f"  {t('board.facts')}: {shown}")
    if state.local_settings:
        shown = ", ".join(
            f"{_setting_title(plan, k)}={_setting_value(v['value'])}"
            + (f" ({t('board.site')})" if v["from"] == "site" else "")
            for k, v in sorted(state.local_settings.items())
        )
        lines.append(f"  {t('board.settings')}: {shown}")
    width = len(str(len(state.steps)))
    for n, st in enumerate(ordered_steps(state), start=1):
        status = step_status(st, now_iso)
        if not show_all and status in ("done", "skipped", "late", "waived") and st.phase != state.phase:
            continue
        due = t("board.due", time=_hm(st.due_at, tz)) if st.due_at else ""
        extra = ""
        if status in ("done", "late"):
            extra = t("board.done", time=_hm(st.done_at, tz)) + (" " + t("board.by", name=st.by) if st.by else "")
            if st.answer is not None:
                extra += f": {st.answer}"
            if status == "late":
                extra += " " + t("board.late", ago=_ago(clock.seconds_between(st.due_at, st.done_at)))
        elif status == "overdue":
            extra = t("board.overdue", ago=_ago(clock.seconds_between(st.due_at, now_iso)))
        elif status == "waived":
            extra = t("board.waived", time=_hm(st.done_at, tz)) + (" " + t("board.by", name=st.by) if st.by else "")
            extra += f": {st.reason}"
        if st.waits_for and status == "pending":
            extra += " " + t("board.waits_for", step=st.waits_for)
        if st.repeat:
            extra += " " + t("board.round", n=st.round)
        if st.required and status in ("pending", "overdue"):
            extra += " " + t("board.required")
        if st.muster and status in ("pending", "overdue") and (st.count or st.first_arrival_at):
            extra += " " + t("board.checked_in", count=st.count, strength=st.strength or "?")
        role = f"({st.role})" if st.role else ""
        mark = MARK.get(status, "[?]")
        lines.append(f"  {n:>{width}} {mark} {st.id:<24} {role:<14} {due:<17} {extra}  {st.title}".rstrip())
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


def legend() -> str:
    return i18n.t("board.legend")


def describe_timer(key: str) -> str:
    """``step:convene:7`` -> ``convene overdue``; ``after:responding:0:4`` -> ``phase responding reminder``."""
    kind, _, rest = key.partition(":")
    if kind == "enter":
        return f"entering phase {rest}"
    if kind == "step":
        return f"{rest.rsplit(':', 1)[0]} overdue"
    return f"phase {rest.split(':')[0]} reminder"

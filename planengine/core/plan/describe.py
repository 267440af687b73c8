"""Plans for people: the printable checklist, the JSON description, the phase diagram.

The diagram is written here rather than with transitions' GraphMachine: that
needs a model instance, labels states by id only and cannot show step titles
or conditions; mermaid and dot text are a few lines each.
"""

from __future__ import annotations

from planengine.core.plan import durations
from planengine.core.plan import settings as figures
from planengine.core.plan.durations import format as fmt
from planengine.core.plan.model import Within


def resolved(w, values=None):
    """A limit counted by a local figure, as the value in force (``values``) or else the plan's default
    sets it; any other limit as it is."""
    if w is None or w.setting is None:
        return w
    if values and w.setting in values:
        try:
            return figures.within_of(values[w.setting]["value"])
        except ValueError:
            pass
    return Within(w.day, w.night, w.days, w.by)


def within_text(w, values=None):
    """A step's limit; one counted by a local figure says which, with the value in force."""
    if w is None:
        return ""
    if w.setting is not None:
        return f"{within_text(resolved(w, values))} (setting {w.setting})"
    if w.days is not None:
        return ("same day" if w.days == 0 else f"{w.days} calendar day(s)") + f" by {w.by // 60:02d}:{w.by % 60:02d}"
    if w.split:
        return f"day {fmt(w.day)} / night {fmt(w.night)}"
    return fmt(w.day)


def in_force(seconds, name, values=None) -> int:
    """A plain duration counted by local figure ``name`` (None: a literal ``seconds``), as the value
    in force (``values``) or else the plan's default (``seconds``) sets it."""
    if name is not None and values and name in values:
        try:
            return durations.parse(values[name]["value"])
        except ValueError:
            pass
    return seconds


def span_text(seconds, name=None, values=None) -> str:
    """A plain duration (`after:`, `repeat:`, `remind:`); one counted by a local figure says which."""
    if name is None:
        return fmt(seconds)
    return f"{fmt(in_force(seconds, name, values))} (setting {name})"


def reminders(step) -> list:
    """(seconds, setting or None) of each of a step's `remind:` durations."""
    return list(zip(step.remind, step.remind_settings or (None,) * len(step.remind)))


def escalations(step) -> list:
    """(seconds, setting or None) of each `overdue:` link with `after:`."""
    return [(a.after, a.after_setting) for a in step.overdue if a.after or a.after_setting]


def _span(seconds, name, values) -> dict:
    out = {"seconds": in_force(seconds, name, values)}
    if name is not None:
        out["setting"] = name
    return out


def cond_text(c) -> str:
    if c is None:
        return ""
    op = c.op
    if op in ("all_done", "any_overdue"):
        return op
    if op == "check":
        args = ", ".join(f"{k}={_arg_text(v)}" for k, v in c.args)
        return f"{c.name}({args})" if args else c.name
    if op == "fact":
        sym = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "in": "∈"}[c.cmp]
        return f"{c.name} {sym} {c.value}"
    if op == "level_at_least":
        return f"level ≥ {c.name}"
    if op == "step":
        return f"{c.name} answered {c.value}" if c.cmp == "answer" else f"{c.name} is {c.value}"
    if op == "not":
        return f"not ({cond_text(c.children[0])})"
    joiner = " and " if op == "all" else " or "
    return "(" + joiner.join(cond_text(x) for x in c.children) + ")"


def _arg_text(v) -> str:
    name = figures.ref(v)
    return f"setting {name}" if name is not None else str(v)


def settings_lines(plan, values=None) -> list:
    """One line per local figure: its value in force, where it comes from, the plan's default and source."""
    out = []
    for s in plan.settings.values():
        v = (values or {}).get(s.id) or {"value": s.default, "from": "plan"}
        name = f"{s.id} ({s.title})" if s.title else s.id
        origin = "planengine.yaml" if v["from"] == "site" else "plan default"
        line = f"  {name} = {value_text(v['value'])}  [{origin}"
        if v["from"] == "site":
            line += f"; plan default {value_text(s.default)}"
        out.append(line + (f"; source: {s.source}]" if s.source else "]"))
    return out


def value_text(v) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {value_text(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(value_text(x) for x in v) + "]"
    return str(v)


def checklist(plan, values=None) -> str:
    """``values``: the local figures in force ({name: {value, from}}, Engine.local_settings)."""
    lines = [f"{plan.title}  [{plan.id} v{plan.version}]"]
    start, end = plan.daytime
    lines.append(f"timezone {plan.timezone}, daytime {start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}")
    if plan.levels:
        lines.append("levels (lowest first): " + ", ".join(plan.levels))
    if plan.facts:
        lines.append(
            "facts: "
            + ", ".join(f"{f.id}{'*' if f.required else ''} ({f.title or f.type})" for f in plan.facts.values())
        )
    if plan.settings:
        lines.append("local settings (planengine.yaml `settings:` may set them otherwise):")
        lines.extend(settings_lines(plan, values))
    lines.append("")
    for ph in plan.phases.values():
        lines.append(f"== {ph.id}" + (f"  {ph.title}" if ph.title else "") + ("  (final)" if ph.final else ""))
        for a in ph.enter:
            lines.append(f"   on entry: {_action_text(a)}")
        for s in ph.steps:
            role = plan.roles.get(s.role)
            who = f"{s.role} {role.title}".strip() if role else ""
            lines.append(f"   [ ] {s.id:<22} {s.title}")
            extra = [
                x
                for x in (
                    f"role: {who}" if who else "",
                    f"within {within_text(s.within, values)}" if s.within else "",
                    f"repeat every {span_text(s.repeat, s.repeat_setting, values)}" if s.repeat is not None else "",
                    (
                        "remind " + ", ".join(span_text(x, n, values) for x, n in reminders(s)) + " before"
                        if s.remind
                        else ""
                    ),
                    (
                        "escalate "
                        + ", ".join(span_text(x, n, values) for x, n in escalations(s))
                        + " past the deadline"
                        if escalations(s)
                        else ""
                    ),
                    f"after {', '.join(s.needs)}" if s.needs else "",
                    f"only if {cond_text(s.if_)}" if s.if_ else "",
                    f"check {cond_text(s.check)}" if s.check else "",
                    "muster (plan checkin)" if s.muster else "",
                    f"decide: {' / '.join(s.decision)}" if s.decision else "",
                )
                if x
            ]
            if extra:
                lines.append("         " + "; ".join(extra))
        for t in ph.after:
            lines.append(
                f"   after {span_text(t.after, t.setting, values)}: " + "; ".join(_action_text(a) for a in t.actions)
            )
        for t in ph.on:
            how = f"event '{t.event}'" if t.event else f"when {cond_text(t.when)}"
            if t.if_:
                how += f" if {cond_text(t.if_)}"
            lines.append(f"   -> {t.to}  on {how}")
        lines.append("")
    return "\n".join(plain(line) for line in lines).rstrip()


def _action_text(a):
    if a.kind == "notify":
        return f"notify {', '.join(a.roles)}" + (f": {a.message}" if a.message else "")
    if a.kind == "note":
        return f"note: {a.message}"
    return f"action {a.name}"


def plan_dict(plan, values=None) -> dict:
    def within(w):
        if w is None:
            return None
        if w.setting is not None:
            shown = w
            if values and w.setting in values:
                shown = figures.within_of(values[w.setting]["value"])
            return {"day": shown.day, "night": shown.night, "setting": w.setting}
        if w.days is not None:
            return {"days": w.days, "by": f"{w.by // 60:02d}:{w.by % 60:02d}"}
        return {"day": w.day, "night": w.night}

    return {
        "id": plan.id,
        "title": plan.title,
        "version": plan.version,
        "sha256": plan.sha256,
        "timezone": plan.timezone,
        "levels": list(plan.levels),
        "initial": plan.initial,
        "facts": {f.id: {"type": f.type, "title": f.title, "required": f.required} for f in plan.facts.values()},
        "settings": {
            s.id: {
                "title": s.title,
                "source": s.source,
                "default": s.default,
                **((values or {}).get(s.id) or {"value": s.default, "from": "plan"}),
            }
            for s in plan.settings.values()
        },
        "roles": {
            r.id: {"title": r.title, "muster": r.muster, "strength": r.strength, "people": [p.name for p in r.people]}
            for r in plan.roles.values()
        },
        "phases": [
            {
                "id": ph.id,
                "title": ph.title,
                "final": ph.final,
                "steps": [
                    {
                        "id": s.id,
                        "title": s.title,
                        "role": s.role,
                        "within": within(s.within),
                        "needs": list(s.needs),
                        "if": cond_text(s.if_) or None,
                        "muster": s.muster,
                        "repeat": _span(s.repeat, s.repeat_setting, values) if s.repeat is not None else None,
                        "remind": [_span(x, n, values) for x, n in reminders(s)],
                        "escalate": [_span(x, n, values) for x, n in escalations(s)],
                    }
                    for s in ph.steps
                ],
                "after": [_span(t.after, t.setting, values) for t in ph.after],
                "on": [
                    {"to": t.to, "event": t.event, "when": cond_text(t.when) or None, "if": cond_text(t.if_) or None}
                    for t in ph.on
                ],
            }
            for ph in plan.phases.values()
        ],
    }


def plain(text) -> str:
    """Text from a plan made safe for a terminal: control characters (escape codes) become spaces."""
    return str(text).translate(_TO_SPACE)


# control characters (C0, DEL, C1) and the Unicode line and paragraph separators; a table for
# str.translate rather than a regular expression, whose class with U+2028 costs a command 1 ms to compile
_CONTROL = frozenset([*map(chr, range(0x20)), *map(chr, range(0x7F, 0xA0)), "\u2028", "\u2029"])
_TO_SPACE = dict.fromkeys(map(ord, _CONTROL), " ")


def _dot(text) -> str:
    """A DOT double-quoted string body: backslash, quote and control characters escaped.

    Graphviz gives backslash sequences meaning (\\N, \\G, \\l ...) and ends the
    string at a bare quote, so both are escaped; a newline becomes DOT's \\n.
    """
    out = []
    for ch in str(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch in _CONTROL:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _mermaid(text) -> str:
    """A Mermaid label: every character that is not a letter, digit or space as an entity code.

    Mermaid decodes ``#<decimal>;`` back to the character when it renders, so
    ``%%{init}%%``, ``;``, ``<b>``, ``**``, ``-->`` and quotes print literally and
    can neither end a statement nor start a new one. Line breaks become spaces.
    """
    out = []
    for ch in str(text):
        if ch in _CONTROL:
            out.append(" ")
        elif ch == " " or (ch.isalnum() and ch.isprintable()) or ch == "_":
            out.append(ch)
        else:
            out.append(f"#{ord(ch)};")
    return "".join(out)


def _edge_label(t) -> str:
    label = t.event or f"when {cond_text(t.when)}"
    if t.if_ is not None:
        label += f" [if {cond_text(t.if_)}]"
    return label


def graph(plan, fmt_name="mermaid") -> str:
    if fmt_name == "dot":
        out = [f'digraph "{_dot(plan.id)}" {{', "  rankdir=LR;", "  node [shape=box, style=rounded];"]
        out.append("  __start [shape=point];")
        for ph in plan.phases.values():
            shape = ", peripheries=2" if ph.final else ""
            label = _dot(ph.id) + ("\\n" + _dot(ph.title) if ph.title else "")
            out.append(f'  "{_dot(ph.id)}" [label="{label}"{shape}];')
        out.append(f'  __start -> "{_dot(plan.initial)}";')
        for ph in plan.phases.values():
            for t in ph.on:
                out.append(f'  "{_dot(ph.id)}" -> "{_dot(t.to)}" [label="{_dot(_edge_label(t))}"];')
        out.append("}")
        return "\n".join(out)
    # phase ids match [a-z][a-z0-9_]* (the schema's ID pattern), so they are safe Mermaid state ids
    out = ["stateDiagram-v2", "  direction LR"]
    for ph in plan.phases.values():
        label = _mermaid(ph.id) + ("<br/>" + _mermaid(ph.title) if ph.title else "")
        out.append(f'  state "{label}" as {ph.id}')
    out.append(f"  [*] --> {plan.initial}")
    for ph in plan.phases.values():
        for t in ph.on:
            out.append(f"  {ph.id} --> {t.to} : {_mermaid(_edge_label(t))}")
        if ph.final:
            out.append(f"  {ph.id} --> [*]")
    return "\n".join(out)

"""Render report data (model.py) as Markdown, self-contained HTML or PDF.

Templates are jinja2 files shipped in this package. HTML is autoescaped; the
Markdown environment escapes every value the same way (finalize), so plan and
operator text is always data, never markup, in every format.
"""

from __future__ import annotations

import re
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from planengine.report.svg import gantt, muster_chart

NUMERALS = "一二三四五六七八九十"
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~&])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)](?=\s|$))")


def md_escape(value) -> str:
    """Markdown-significant characters of a value, backslash-escaped, on one line.

    CommonMark renders ``\\X`` as ``X`` for any ASCII punctuation, so the text
    reads the same as plain text and cannot become a link, an HTML tag, a table
    cell break or emphasis.
    """
    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    text = " ".join(str(value).split("\n")).replace("\r", " ")
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def _lines(body) -> list:
    """A plugin section body: plain-text lines; ``- `` starts a list item."""
    out = []
    for line in str(body or "").splitlines():
        if not line.strip():
            continue
        item = line.lstrip().startswith("- ")
        out.append({"item": item, "text": line.lstrip()[2:] if item else line})
    return out


def _chunks(lines, size=50) -> list:
    """Lines in blocks of ``size``: WeasyPrint lays out many small blocks much faster than one long one."""
    return [lines[i : i + size] for i in range(0, len(lines), size)]


def _numeral(i: int, lang: str) -> str:
    if lang == "en":
        return f"{i}."
    if i <= 10:
        return NUMERALS[i - 1] + "、"
    return ("十" + NUMERALS[i - 11] if i < 20 else str(i)) + "、"


def _env(kind: str) -> Environment:
    common = {
        "loader": PackageLoader("planengine.report", "templates"),
        "undefined": StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
    }
    if kind == "html":
        env = Environment(autoescape=select_autoescape(["html", "j2"], default=True), **common)
    else:
        env = Environment(autoescape=False, finalize=md_escape, **common)
    env.filters["lines"] = _lines
    env.filters["chunks"] = _chunks
    env.filters["raw"] = Markup  # a macro's output in Markdown: already escaped
    env.globals["numeral"] = _numeral
    env.globals["gantt"] = gantt
    env.globals["muster_chart"] = muster_chart
    return env


@lru_cache(maxsize=2)
def env(kind: str) -> Environment:
    return _env(kind)


def render(template: str, data: dict, fmt: str) -> str:
    """``template`` without extension (report, summary, checklist); ``fmt`` md or html."""
    kind = "html" if fmt in ("html", "pdf") else "md"
    name = f"{template}.{'html' if kind == 'html' else 'md'}.j2"
    return env(kind).get_template(name).render(**data)


def add_charts(data: dict) -> dict:
    """The SVG charts of an incident report (HTML and PDF only)."""
    L = data["L"]
    data["gantt"] = gantt_groups(data, data["tz"])
    data["muster_svgs"] = [
        muster_chart(
            m, label=f"{m['role_title']}: {L['muster_chart']}", limit_label=L["limit"], strength_label=L["strength"]
        )
        for m in data["musters"]
    ]
    return data


def gantt_groups(data: dict, tz) -> list:
    """One Gantt per phase (each with its own time axis): minutes and days never share one."""
    groups: dict = {}
    for s in data["steps"]:
        groups.setdefault(s["phase_title"], []).append(s)
    L = data["L"]
    return [
        {"phase": phase, "svg": gantt(rows, tz, label=f"{L['gantt_short']}: {phase}")} for phase, rows in groups.items()
    ]

"""The report's charts as inline SVG, drawn from the data: a Gantt of steps against
their deadlines and a muster chart of head count over time.

Plain string building with every text escaped; numbers are rounded to one
decimal so the same incident gives the same bytes.
"""

from __future__ import annotations

from datetime import datetime, timezone

from markupsafe import Markup, escape

from planengine.core.incident import clock
from planengine.core.plan.durations import format as dur

WIDTH = 680  # px at 96 dpi: fits the 174 mm text width of an A4 page with 18 mm margins
LABEL_W = 210
ROW_H = 20
AXIS_H = 26
FONT = "'Noto Sans CJK SC','Noto Sans SC','Microsoft YaHei',sans-serif"
WINDOW, UNTIMED, LATE, DONE, GRID, INK = "#cfe0f1", "#d9d9d9", "#c0392b", "#1f3f66", "#e6e6e6", "#333333"
TICKS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000)


def _n(x: float) -> str:
    r = round(x, 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


def _t(iso):
    return clock.from_iso(iso).timestamp()


def _tick(span: float, max_ticks: int = 8) -> int:
    for t in TICKS:
        if span / t <= max_ticks:
            return t
    return TICKS[-1]


def _clip(text: str, width: float) -> str:
    """Cut ``text`` to about ``width`` px at 11 px (CJK full width, ASCII half)."""
    used, out = 0.0, []
    for ch in text:
        w = 11 if ord(ch) > 0x2E80 else 6.2
        if used + w > width - 8:
            return "".join(out) + "…"
        used += w
        out.append(ch)
    return text


def _svg(width, height, body, label):
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{escape(label)}" '
        f'width="{_n(width)}" height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'font-family="{FONT}" font-size="11">' + "".join(body) + "</svg>"
    )


def gantt(rows, tz, label="") -> Markup:
    """Steps as bars: the allowed window (activation to deadline) light, the late part red,
    the completion a diamond; steps without a deadline grey up to their completion.

    ``rows``: dicts with title, activated_at, due_at, done_at, late_end (UTC ISO or None).
    """
    rows = [r for r in rows if r.get("activated_at")]
    if not rows:
        return Markup("")
    times = [_t(r["activated_at"]) for r in rows]
    for r in rows:
        for key in ("due_at", "done_at", "late_end"):
            if r.get(key):
                times.append(_t(r[key]))
    t0, t1 = min(times), max(times)
    if t1 - t0 < 60:
        t1 = t0 + 60
    plot_w = WIDTH - LABEL_W - 12
    span = t1 - t0

    def x(iso):
        return LABEL_W + (_t(iso) - t0) / span * plot_w

    height = AXIS_H + ROW_H * len(rows) + 6
    body = []
    step = _tick(span)
    first = (int(t0 // step) + 1) * step if t0 % step else t0
    fmt = "%H:%M" if span < 2 * 86400 else "%m-%d"
    tick = first
    while tick <= t1:
        px = LABEL_W + (tick - t0) / span * plot_w
        local = datetime.fromtimestamp(tick, timezone.utc).astimezone(tz)
        body.append(f'<line x1="{_n(px)}" y1="{AXIS_H - 4}" x2="{_n(px)}" y2="{_n(height)}" stroke="{GRID}"/>')
        body.append(
            f'<text x="{_n(px)}" y="{AXIS_H - 8}" text-anchor="middle" fill="{INK}">{local.strftime(fmt)}</text>'
        )
        tick += step
    for i, r in enumerate(rows):
        y = AXIS_H + i * ROW_H
        mid = y + ROW_H / 2
        title = r["title"]
        body.append(f"<g><title>{escape(title)}</title>")
        body.append(f'<text x="4" y="{_n(mid + 4)}" fill="{INK}">{escape(_clip(title, LABEL_W))}</text>')
        a = x(r["activated_at"])
        if r.get("due_at"):
            d = x(r["due_at"])
            body.append(
                f'<rect class="window" x="{_n(a)}" y="{_n(y + 4)}" width="{_n(max(d - a, 1))}" '
                f'height="{ROW_H - 8}" fill="{WINDOW}" stroke="#7fa7cf" stroke-width="0.5"/>'
            )
            if r.get("late_end") and r["late_end"] > r["due_at"]:
                e = x(r["late_end"])
                body.append(
                    f'<rect class="late" x="{_n(d)}" y="{_n(y + 4)}" width="{_n(max(e - d, 1))}" '
                    f'height="{ROW_H - 8}" fill="{LATE}"/>'
                )
        elif r.get("done_at"):
            e = x(r["done_at"])
            body.append(
                f'<rect class="untimed" x="{_n(a)}" y="{_n(y + 6)}" width="{_n(max(e - a, 1))}" '
                f'height="{ROW_H - 12}" fill="{UNTIMED}"/>'
            )
        if r.get("done_at"):
            dx = x(r["done_at"])
            body.append(
                f'<path class="done" d="M{_n(dx)} {_n(mid - 5)} L{_n(dx + 5)} {_n(mid)} L{_n(dx)} {_n(mid + 5)} '
                f'L{_n(dx - 5)} {_n(mid)} Z" fill="{DONE}"/>'
            )
        body.append("</g>")
    body.append(
        f'<line x1="{LABEL_W}" y1="{AXIS_H - 4}" x2="{LABEL_W}" y2="{_n(height)}" stroke="{INK}" stroke-width="0.8"/>'
    )
    return _svg(WIDTH, height, body, label)


def muster_chart(m, label="", limit_label="", strength_label="") -> Markup:
    """Head count over time since the muster was called, against the required strength and the limit.

    ``m``: dict with arrivals [{offset, total, count}], strength, limit_seconds, took_seconds.
    """
    arrivals = m.get("arrivals") or []
    strength = m.get("strength") or 0
    limit = m.get("limit_seconds") or 0
    last = max([a["offset"] for a in arrivals] + [limit, m.get("took_seconds") or 0, 60])
    span = last * 1.1
    top = max([a["total"] for a in arrivals] + [strength, 1]) * 1.15
    left, right, up, down = 44, 14, 14, 30
    width, height = 420, 200
    pw, ph = width - left - right, height - up - down

    def x(sec):
        return left + sec / span * pw

    def y(count):
        return up + ph - count / top * ph

    body = [
        f'<rect x="{left}" y="{up}" width="{pw}" height="{ph}" fill="#fafafa" stroke="{GRID}"/>',
    ]
    step = _tick(span, 6)
    tick = 0
    while tick <= span:
        body.append(f'<line x1="{_n(x(tick))}" y1="{up}" x2="{_n(x(tick))}" y2="{up + ph}" stroke="{GRID}"/>')
        body.append(
            f'<text x="{_n(x(tick))}" y="{height - down + 14}" text-anchor="middle" fill="{INK}">'
            f"+{dur(tick) if tick else '0'}</text>"
        )
        tick += step
    ystep = max(1, _nice(top / 5))
    v = 0
    while v <= top:
        body.append(
            f'<text x="{left - 4}" y="{_n(y(v) + 4)}" text-anchor="end" fill="{INK}">{v}</text>'
            f'<line x1="{left - 2}" y1="{_n(y(v))}" x2="{left}" y2="{_n(y(v))}" stroke="{INK}"/>'
        )
        v += ystep
    if strength:
        body.append(
            f'<line class="strength" x1="{left}" y1="{_n(y(strength))}" x2="{left + pw}" y2="{_n(y(strength))}" '
            f'stroke="#2e7d32" stroke-dasharray="5 3" stroke-width="1.2"/>'
            f'<text x="{left + 4}" y="{_n(y(strength) - 4)}" fill="#2e7d32">'
            f"{escape(strength_label)} {strength}</text>"
        )
    if limit:
        body.append(
            f'<line class="limit" x1="{_n(x(limit))}" y1="{up}" x2="{_n(x(limit))}" y2="{up + ph}" '
            f'stroke="{LATE}" stroke-dasharray="4 3" stroke-width="1.2"/>'
            f'<text x="{_n(x(limit) - 3)}" y="{up + ph - 5}" text-anchor="end" fill="{LATE}">'
            f"{escape(limit_label)} {dur(limit)}</text>"
        )
    if arrivals:
        pts = [f"M{_n(x(0))} {_n(y(0))}"]
        prev = 0
        for a in arrivals:
            pts.append(f"L{_n(x(a['offset']))} {_n(y(prev))} L{_n(x(a['offset']))} {_n(y(a['total']))}")
            prev = a["total"]
        end = max(arrivals[-1]["offset"], last)
        pts.append(f"L{_n(x(end))} {_n(y(prev))}")
        body.append(f'<path class="count" d="{" ".join(pts)}" fill="none" stroke="{DONE}" stroke-width="2"/>')
        for a in arrivals:
            late = limit and a["offset"] > limit
            body.append(
                f'<circle class="arrival" cx="{_n(x(a["offset"]))}" cy="{_n(y(a["total"]))}" r="3" '
                f'fill="{LATE if late else DONE}"/>'
                f'<text x="{_n(x(a["offset"]) + 4)}" y="{_n(y(a["total"]) + 13)}" fill="{INK}">{a["total"]}</text>'
            )
    return _svg(width, height, body, label)


def _nice(v: float) -> int:
    for n in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if n >= v:
            return n
    return int(v)

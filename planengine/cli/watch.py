"""`plan watch`: the service a command centre leaves running.

Each tick fires due timers and drains the outbox, then redraws a board of the
open incidents that fits the terminal: most urgent first, countdowns, overdue
in red on a terminal, muster progress, whom to call, failed deliveries and
level changes. Only incidents whose log moved are refolded (the database's
``data_version`` says whether anything changed at all), and on a terminal
only the lines that changed are rewritten. SIGINT or SIGTERM ends it with exit
status 0 after the message in hand is sent and recorded.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import threading
import time
import unicodedata

import click

from planengine.cli import common, engine
from planengine.cli.status import duty_line
from planengine.core.incident import clock
from planengine.core.incident.state import step_status

REFRESH_SECONDS = 60  # how often watch brings incidents' cached status texts to their heads
WORDS = {
    "zh": {
        "title": "planengine 值守",
        "open": "未结事件",
        "every": "每{n}秒刷新，Ctrl-C 退出",
        "left": "还剩{d}",
        "over": "超时{d}",
        "level": "级别",
        "because": "依据",
        "call": "联系",
        "checked": "到岗",
        "failed": "通知失败",
        "retry": "重试中",
        "more": "… 另有 {n} 起事件",
        "none": "没有未结事件",
        "phase": "阶段",
        "drill": "演练",
        "h": "小时",
        "m": "分钟",
        "d": "天",
        "lt1": "不到1分钟",
    },
    "en": {
        "title": "planengine watch",
        "open": "open incidents",
        "every": "every {n}s, Ctrl-C stops",
        "left": "{d} left",
        "over": "OVERDUE {d}",
        "level": "level",
        "because": "by",
        "call": "call",
        "checked": "checked in",
        "failed": "notification FAILED",
        "retry": "retrying",
        "more": "... {n} more incident(s)",
        "none": "no open incidents",
        "phase": "phase",
        "drill": "DRILL",
        "h": "h",
        "m": "m",
        "d": "d",
        "lt1": "<1m",
    },
}


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal: East Asian wide and fullwidth characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in text)


def clip(text: str, cols: int) -> str:
    """``text`` cut to ``cols`` terminal columns (never half a wide character)."""
    if width(text) <= cols:
        return text
    out, used = [], 0
    for c in text:
        w = 2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
        if used + w > cols - 1:
            break
        out.append(c)
        used += w
    return "".join(out) + "…"


def span(seconds: int, w: dict) -> str:
    """7分钟, 1小时05分钟, 2天3小时: minutes matter for a muster, days for a dispute case."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return w["lt1"]
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}{w['d']}{hours}{w['h']}" if hours else f"{days}{w['d']}"
    if hours:
        return f"{hours}{w['h']}{minutes:02d}{w['m']}" if minutes else f"{hours}{w['h']}"
    return f"{minutes}{w['m']}"


class Board:
    """Open incidents, kept folded; refolds only incidents whose log moved."""

    def __init__(self, eng, drills=False, lang="zh"):
        self.eng = eng
        self.drills = drills
        self.w = WORDS.get(lang, WORDS["zh"])
        self.states: dict = {}  # id -> state
        self.order: list = []  # ids, most urgent first (by earliest pending deadline: time-invariant)
        self.failures: dict = {}  # incident -> [(key, channel, error, status)]
        self.people: dict = {}
        self._version = None
        self.site_people: dict = {}

    def refresh(self, wrote=False) -> bool:
        """Bring the folded states up to date; True when anything changed."""
        version = self.eng.data_version()
        if not wrote and version == self._version and self._version is not None:
            return False
        self._version = version
        heads = self.eng.open_heads(drills=self.drills)
        changed = False
        for gone in [i for i in self.states if i not in heads]:
            del self.states[gone]
            changed = True
        new = []
        for inc, seq in heads.items():
            st = self.states.get(inc)
            if st is not None and st.seq < seq:
                self.eng.advance(st)  # only the events written since it was folded
                changed = True
            elif st is None or st.seq != seq:
                new.append(inc)
        if new:  # the first frame: every open incident at once, from its snapshot
            self.states.update(self.eng.states(new))
            changed = True
        failures: dict = {}
        for inc, key, ch, error, status in self.eng.delivery_failures():
            failures.setdefault(inc, []).append((key, ch, error, status))
        if failures != self.failures:
            self.failures, changed = failures, True
        if changed:
            self.order = sorted(self.states, key=lambda i: _urgency(self.states[i]))
        return changed

    def call_list(self, state, role) -> str:
        """The role's people with phone numbers: whom to call."""
        key = (state.plan_sha, role)
        if key not in self.people:
            try:
                plan = self.eng.plan_for(state.plan_sha)
                r = plan.roles.get(role)
                people = [
                    f"{p.name} {self.site_people.get(p.name, {}).get('phone') or p.phone}".strip()
                    for p in (r.people if r else ())
                ]
            except Exception:
                people = []
            self.people[key] = " ".join(people)
        return self.people[key]

    def incident_lines(self, state, now_iso) -> list:
        """(text, red) lines of one incident."""
        w = self.w
        tz = clock.zone(state.timezone)
        pending = [
            st
            for st in state.steps.values()
            if st.status == "pending" and (st.due_at or (st.muster and st.phase == state.phase))
        ]
        pending.sort(key=lambda st: (st.due_at or "9999", st.activation_seq))
        overdue = any(step_status(st, now_iso) == "overdue" for st in pending)
        mark = "!" if overdue else " "
        head = (
            f"{mark} {state.id}  {'[' + w['drill'] + '] ' if state.kind == 'drill' else ''}{state.title or state.plan}"
        )
        head += f"  {w['phase']} {state.phase}"
        if state.level:
            head += f"  {w['level']} {state.level}"
        lines = [(head, overdue)]
        if state.level_history:
            h = state.level_history[-1]
            why = ", ".join(f"{k}={v}" for k, v in (h.get("because") or {}).items())
            at = clock.from_iso(h["at"]).astimezone(tz).strftime("%H:%M")
            change = f"{h['from'] or '-'}→{h['to'] or '-'}"
            lines.append((f"    {w['level']} {change} {at}" + (f" ({w['because']} {why})" if why else ""), False))
        for i, st in enumerate(pending[:6]):
            status = step_status(st, now_iso)
            text = f"    [{'O' if status == 'overdue' else ' '}] {st.title or st.id}"
            if st.role:
                text += f" ({st.role})"
            if st.due_at:
                secs = clock.seconds_between(now_iso, st.due_at)
                text += "  " + (w["over"] if secs < 0 else w["left"]).format(d=span(abs(secs), w))
            if st.muster:
                text += f"  {st.count}/{st.strength or '?'} {w['checked']}"
            if i == 0 and st.role:
                who = self.call_list(state, st.role)
                if who:
                    text += f"  {w['call']}: {who}"
            lines.append((text, status == "overdue"))
        for key, ch, error, status in self.failures.get(state.id, ())[:3]:
            label = w["failed"] if status == "failed" else w["retry"]
            lines.append((f"    {label}: {ch} {key}: {error}", status == "failed"))
        return lines

    def frame(self, now_iso, cols, rows, header) -> list:
        """(text, red) lines that fit ``cols`` x ``rows``: the header and the most urgent incident first."""
        out = [(clip(header, cols), False)]
        if not self.order:
            out.append((self.w["none"], False))
            return out
        shown = 0
        for n, inc in enumerate(self.order):
            lines = self.incident_lines(self.states[inc], now_iso)
            room = rows - len(out) - (1 if n < len(self.order) - 1 else 0)
            if n and len(lines) > room:
                break
            out.extend((clip(t, cols), red) for t, red in lines[: max(1, room)])
            shown += 1
        if shown < len(self.order):
            out.append((self.w["more"].format(n=len(self.order) - shown), False))
        return out[:rows]


def _urgency(state):
    """Earliest deadline of a pending step first (an overdue one is earliest), then the oldest incident."""
    due = min((st.due_at for st in state.steps.values() if st.status == "pending" and st.due_at), default="9999")
    return (due, state.opened_at or "", state.id)


class Screen:
    """Writes frames; on a terminal, only the lines that changed."""

    def __init__(self, tty):
        self.tty = tty
        self.last: list = []

    def draw(self, frame):
        if not self.tty:
            if [t for t, _ in frame[1:]] != [t for t, _ in self.last[1:]] or not self.last:
                for text, _ in frame:
                    click.echo(text)
                click.echo("")
            self.last = frame
            return
        out = []
        if not self.last:
            out.append("\x1b[2J")
        for i, line in enumerate(frame):
            if i < len(self.last) and self.last[i] == line:
                continue
            text, red = line
            out.append(f"\x1b[{i + 1};1H" + (click.style(text, fg="red") if red else text) + "\x1b[K")
        if len(frame) < len(self.last):
            out.append(f"\x1b[{len(frame) + 1};1H\x1b[J")
        out.append(f"\x1b[{len(frame) + 1};1H")
        sys.stdout.write("".join(out))
        sys.stdout.flush()
        self.last = frame


@click.command()
@click.option(
    "--interval", default=5.0, show_default=True, type=click.FloatRange(min=0.05), help="Seconds between ticks."
)
@click.option("--drills", is_flag=True, help="Show open drills too (a live-paced exercise).")
@click.option("--once", is_flag=True, help="Tick, deliver and draw once, then exit (for cron).")
@common
def watch(interval, once, drills, db, as_json, plans_dir, config_path):
    """Fire timers and deliver notifications continuously, with a live board of open incidents."""
    from planengine.cli import Refusal
    from planengine.notifiers.delivery import Deliverer
    from planengine.notifiers.site import load_site

    stop = threading.Event()
    if not once:

        def stopping(signum, _frame):
            if not stop.is_set():
                name = signal.Signals(signum).name
                os.write(2, f"plan watch: {name}: stopping after the message in hand\n".encode())
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, stopping)
    if not os.path.exists(db):
        raise Refusal(f"no database at {db}: start an incident first (plan start PLAN), or pass --db")
    eng = engine(db, plans_dir, config_path, create=False)
    site = load_site(eng)  # refused here, before anything is claimed
    lang = os.environ.get("PLANENGINE_LANG") or str(eng.config.get("lang") or "zh")
    board = Board(eng, drills=drills, lang=lang if lang in WORDS else "zh")
    board.site_people = site.people
    screen = Screen(sys.stdout.isatty() and not as_json and not once)
    tz = eng.timezone()
    every = WORDS[lang if lang in WORDS else "zh"]["every"].format(n=f"{interval:g}")
    last_minute = None
    refresh_at = time.monotonic() + REFRESH_SECONDS
    while True:
        fired = eng.tick()
        failures: list = []
        d = Deliverer(eng, site=site, stop=stop, failures=failures)
        delivered = d.run()
        now = clock.to_iso(clock.WallClock().now())
        changed = board.refresh(wrote=bool(fired or d.settled or d.routed))
        if as_json:
            if changed or fired or delivered or failures:
                from planengine.core.incident.status import status_dict

                click.echo(
                    json.dumps(
                        {
                            "now": now,
                            "fired": len(fired),
                            "delivered": delivered,
                            "failed": failures,
                            "incidents": [status_dict(board.states[i], now) for i in board.order],
                        },
                        ensure_ascii=False,
                    )
                )
        else:
            size = shutil.get_terminal_size((120, 24))
            shown = clock.from_iso(now).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
            w = board.w
            header = f"{w['title']}  {shown}  {w['open']}: {len(board.order)}  ({every})"
            on_duty = duty_line(eng)  # the roster's people now (planengine.yaml `roster:`)
            if on_duty:
                header += f"  {on_duty}"
            minute = now[:16]
            if changed or screen.tty or minute != last_minute or not screen.last:
                # countdowns move by the minute: with nothing changed, a pipe gets a frame a minute at most
                rows = size.lines if screen.tty else 10_000
                screen.draw(board.frame(now, size.columns if screen.tty else 10_000, rows, header))
                last_minute = minute
        if once or time.monotonic() >= refresh_at:  # a minute's housekeeping, never in the way of a frame
            eng.refresh_caches(limit=2000)  # the list of open incidents reads these instead of folding
            refresh_at = time.monotonic() + REFRESH_SECONDS
        if once or stop.wait(interval):
            break
    sys.exit(0)

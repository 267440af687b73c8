"""The status object (`plan status --json`, the API, the boards): derived from state, never stored."""

from __future__ import annotations

import json
import json.scanner
from itertools import chain

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
    if rows is None:
        rows = []
        for key, n in state.notifications.items():
            if not n["channels"]:
                rows.append({"key": key, "channel": None, "roles": n["roles"], "status": "queued", "attempts": 0})
            for ch, c in n["channels"].items():
                rows.append(dict(c, key=key, channel=ch, roles=n["roles"]))
    notes = state.notifications
    return _delivery_list(rows, lambda key: (notes.get(key) or {}).get("step"), state.timezone)


def _delivery_list(rows, step_of, timezone) -> list:
    """notification_list() of delivery ``rows``; ``step_of(key)``: the step a notification is about."""
    out = []
    for r in rows:
        out.append(
            {
                "key": r["key"],
                "channel": r["channel"],
                "role": ",".join(r.get("roles") or ()),
                "status": DELIVERY_STATUS.get(r["status"], r["status"]),
                "attempts": r.get("attempts") or 0,
                "error": r.get("error"),
                "step": step_of(r["key"]),
            }
        )
        if r.get("next_at") and out[-1]["status"] == "queued" and out[-1]["attempts"]:
            out[-1]["retry_at"] = local(r["next_at"], zone(timezone))
    return out


def _by_step(notes) -> dict:
    """{step id: the notifications about it, as a step of the status object lists them}."""
    by_step: dict = {}
    for n in notes:
        if n["step"]:
            by_step.setdefault(n["step"], []).append({k: n[k] for k in ("key", "channel", "status", "error")})
    return by_step


def status_dict(state, now_iso, notifications=None):
    """The status object; ``notifications`` are the incident's delivery rows when the caller has them."""
    tz = zone(state.timezone)
    steps = ordered_steps(state)
    notes = notification_list(state, notifications)
    by_step = _by_step(notes)
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


# -- the cached status text ------------------------------------------------------
# `plan status --json` of every open incident renders most of them from a text that `plan tick`
# and `plan watch` cache at the head of each open incident's log (Engine.refresh_caches; read by
# Store.status_texts: only a text at the head of the log, of this code's format): the status
# object as JSON, cut where the clock or the outbox decides.
#
# Only two fields of the status object depend on the time it is read: a step that is not
# done, skipped or waived and has a deadline is `overdue` (with `late_seconds`) once the clock
# passes its deadline (or a tick marked it), else `pending` (null). The delivery state of
# notifications (the object's `notifications` and each step's) comes from the outbox, which
# changes without events. Everything else is a function of the log up to the head. Drills
# have no text (an instant drill would pay for rendering at every snapshot, and the list
# shows drills only on request): they are folded.
#
# The text is the encoder's own output with each `%` doubled and each cut a `%s`, filled in
# by bytes formatting (in C, on the UTF-8 bytes as stored: nothing is decoded or encoded),
# without its leading `{"id": ...` (the row's key), so a copy of the row under another id
# stays right. ``holes`` lists the cuts in text order as JSON strings: a step's due_at for
# its status and late_seconds (after "!" when a tick marked it overdue), "@" and a step id
# for that step's notifications; the incident's list of notifications is the last cut.
# ``meta``: {"tz": the plan's timezone, "steps": {key: step}} to place its delivery rows.

encode = json.JSONEncoder(ensure_ascii=False).encode  # the `--json` list's encoder, one item a line

_str = json.encoder.encode_basestring  # what encode() does with a str, without its wrapper
_FORMAT = []


def text_format():
    """Names the code a cached status text was rendered by (a digest of this module, the fold
    and the clock, which make the status object), or None when it cannot be read: a text
    rendered by another version of planengine is never used."""
    if not _FORMAT:
        import sys
        import zlib

        crc = 0
        try:
            for name in (__name__, "planengine.core.incident.state", "planengine.core.incident.clock"):
                with open(sys.modules[name].__file__, "rb") as fh:
                    crc = zlib.crc32(fh.read(), crc)
            _FORMAT.append(f"1:{crc:08x}")
        except (OSError, KeyError, TypeError):
            _FORMAT.append(None)
    return _FORMAT[0]


def _clock_decides(st) -> bool:
    """Whether the step's status and late_seconds depend on the time they are read (step_status)."""
    return bool(st.due_at) and st.status not in ("done", "skipped", "waived")


_CUT = "\x01"  # a cut while the text is built: the encoder writes every control character as \u00XX


def _c_encoder():
    """encode() as one C encoder built once (JSONEncoder.encode builds one at every call); the
    same output: default separators, ensure_ascii=False, NaN and Infinity as encode() writes them.
    None where the C accelerator is missing."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    return make(None, json.JSONEncoder().default, _str, None, ": ", ", ", False, False, True)


_C_ENCODE = _c_encoder()


def _json(v) -> str:
    """encode(v) of a container in the status object (facts, check-ins, ...)."""
    return "".join(_C_ENCODE(v, 0)) if _C_ENCODE is not None else encode(v)


def _value(v) -> str:
    """One JSON value as encode() writes it inside the status object."""
    t = type(v)
    if t is str:
        return _str(v)
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is int:
        return int.__repr__(v)
    return _json(v)


class _LocalJSON(dict):
    """{stored UTC time: its local time in one zone as a JSON string} (None: null), memoised:
    a step's times repeat within an incident and across a list."""

    def __init__(self, tz):
        super().__init__()
        self.tz = tz
        self[None] = "null"

    def __missing__(self, iso):
        if len(self) > 100_000:
            self.clear()
            self[None] = "null"
        out = self[iso] = _value(local(iso, self.tz))
        return out


_LOCAL_JSON: dict = {}


def _local_json(tz) -> _LocalJSON:
    out = _LOCAL_JSON.get(tz)
    if out is None:
        out = _LOCAL_JSON[tz] = _LocalJSON(tz)
    return out


# a step's keys that every step has, in step_dict's order; its values fill the `%s`
_STEP = (
    '{"id": %s, "phase": %s, "role": %s, "title": %s, "status": %s, "activated_at": %s, "due_at": %s,'
    ' "limit_seconds": %s, "done_at": %s, "by": %s, "late_seconds": %s, "required": %s'
)


def _step_text(st, lt, opened_at, noted, holes) -> str:
    """A step's part of the cached text (status_dict's step_dict, cuts where the clock or the
    outbox decides), built from its values without a dict or a second encoding pass; ``lt``:
    the incident's _LocalJSON."""
    if _clock_decides(st):
        status = late = _CUT
        holes.append(("!" if st.overdue_at else "") + st.due_at)
    else:
        status = step_status(st, opened_at)
        if st.due_at and status == "late":
            late = int.__repr__(clock.seconds_between(st.due_at, st.done_at))
        elif st.due_at and status == "done":
            late = "0"
        else:
            late = "null"
        status = _str(status)
    text = _STEP % (
        _value(st.id),
        _value(st.phase),
        _value(st.role),
        _value(st.title),
        status,
        lt[st.activated_at],
        lt[st.due_at],
        _value(st.limit_seconds),
        lt[st.done_at],
        _value(st.by),
        late,
        _value(st.required),
    )
    more = []
    if st.repeat:
        more += (', "round": ', _value(st.round))
    if st.anchor_at is not None and st.anchor_at != st.activated_at:
        more += (', "clock_from": ', lt[st.anchor_at])
    if st.waits_for is not None:
        more += (', "waits_for": ', _value(st.waits_for))
    if st.status == "waived":
        more += (', "reason": ', _value(st.reason))
    if st.defaulted:
        more.append(', "default": true')
    if st.muster:
        more += (
            ', "muster": true, "strength": ',
            _value(st.strength),
            ', "count": ',
            _value(st.count),
            ', "first_arrival_at": ',
            lt[st.first_arrival_at],
            ', "full_strength_at": ',
            lt[st.strength_at],
        )
    if st.answer is not None:
        more += (', "answer": ', _value(st.answer))
    if st.acks:
        more += (', "acks": ', _json([{"at": local(a["at"], lt.tz), "by": a["by"]} for a in st.acks]))
    if st.id in noted:  # the step's notifications go where status_dict appends them: last
        more.append(_CUT)
        holes.append("@" + st.id)
    if more:
        return text + "".join(more) + "}"
    return text + "}"


def _at_local(items, tz) -> str:
    """A list of records with an `at` (check-ins, levels, errors, transfers) as status_dict lists them."""
    return _json([dict(c, at=local(c["at"], tz)) for c in items]) if items else "[]"


_INCIDENT = (
    ', "plan": %s, "plan_version": %s, "title": %s, "kind": %s, "phase": %s, "level": %s, "facts": %s,'
    ' "local_settings": %s, "opened_at": %s, "closed_at": %s, "outcome": %s, "missing_facts": %s, "steps": [%s],'
    ' "checkins": %s, "level_history": %s, "errors": %s, "notifications": \x01, "owner": %s, "schedule": %s,'
    ' "missed": %s, "transfers": %s, "seq": %s}'
)


def status_text(state):
    """(format, text, holes, meta) of a live incident's ``state`` for the cache, or None: a drill
    or a format that cannot be named. The text is what encode(status_dict(state, now, rows))
    writes, rendered straight from the state (a template per step and one for the incident,
    filled with each value's JSON: a list of 10,000 incidents that no tick has cached renders
    10,000 of them), without its leading `{"id": ...`, `%` doubled and a `%s` at each cut
    (from_text fills them)."""
    fmt = text_format()
    if fmt is None or state.kind == "drill":
        return None
    tz = zone(state.timezone)
    lt = _local_json(tz)
    notifications = state.notifications
    noted = {n.get("step") for n in notifications.values()} if notifications else ()
    holes: list = []
    opened_at = state.opened_at
    steps = ", ".join([_step_text(st, lt, opened_at, noted, holes) for st in ordered_steps(state)])
    missed = state.missed
    missing = missing_facts(state)
    text = _INCIDENT % (
        _value(state.plan),
        _value(state.plan_version),
        _value(state.title),
        _value(state.kind),
        _value(state.phase),
        _value(state.level),
        _json(state.facts),
        _json(state.local_settings) if state.local_settings else "{}",
        lt[opened_at],
        lt[state.closed_at],
        _value(state.outcome),
        _json(missing) if missing else "[]",
        steps,
        _at_local(state.checkins, tz),
        _at_local(state.level_history, tz),
        _at_local(state.errors, tz),
        _value(state.owner),
        _value((state.routine or {}).get("schedule")),
        _json(
            [
                dict(m, at=local(m["at"], tz), occurrences=[local(o, tz) for o in m.get("occurrences", ())])
                for m in missed
            ]
        )
        if missed
        else "[]",
        _at_local(state.transfers, tz),
        _value(state.seq),
    )
    text = text.replace("%", "%%").replace(_CUT, "%s")
    if notifications:
        steps_of = {k: n["step"] for k, n in notifications.items() if n.get("step")}
        meta = json.dumps({"tz": state.timezone, "steps": steps_of}, ensure_ascii=False)
    else:  # as json.dumps writes it
        meta = '{"tz": ' + _value(state.timezone) + ', "steps": {}}'
    return fmt, text, "[" + ", ".join(map(_str, holes)) + "]", meta


class Clock(dict):
    """The values of a step's two cuts at one reading time, per hole (memoised: a list repeats
    the same deadlines): ("overdue", late_seconds) or ("pending", null) as JSON bytes."""

    def __init__(self, now_iso):
        super().__init__()
        self.now_iso = now_iso

    def __missing__(self, hole):
        if hole[0] == "@":
            raise KeyError(hole)  # a step's notifications: the incident's own (from_text)
        ticked = hole[0] == "!"
        due = hole[1:] if ticked else hole
        if ticked or self.now_iso > due:  # as step_status() and step_dict() decide
            out = (b'"overdue"', b"%d" % max(0, clock.seconds_between(due, self.now_iso)))
        else:
            out = (b'"pending"', b"null")
        self[hole] = out
        return out


_scan = json.scanner.make_scanner(json.JSONDecoder())  # C: a hole list is read without json.loads' wrappers


def from_text(incident_id, text, holes, meta, rows, clock_) -> bytes:
    """The status object of a cached text (``text`` as UTF-8 bytes) as the UTF-8 of
    encode(status_dict(state, now, rows)), ``clock_`` a Clock(now); ``rows``: the incident's
    delivery rows."""
    head = b'{"id": ' + _str(incident_id).encode()
    if not rows:  # nothing in the outbox about it: only the clock decides
        if '"@' not in holes:
            return head + text % (*chain.from_iterable(map(clock_.__getitem__, _scan(holes, 0)[0])), b"[]")
        notes, by_step = b"[]", {}
    else:
        m = json.loads(meta)
        notes = _delivery_list(rows, m["steps"].get, m["tz"])
        by_step = _by_step(notes)
        notes = encode(notes).encode()
    values = []
    for h in _scan(holes, 0)[0]:
        if h[0] == "@":  # a step that notifications are about
            got = by_step.get(h[1:])
            values.append((', "notifications": ' + encode(got)).encode() if got else b"")
        else:
            values += clock_[h]
    values.append(notes)
    return head + text % tuple(values)

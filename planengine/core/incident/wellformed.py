"""Is a snapshot's content a state the fold could have built? The shapes a stored snapshot must have.

A snapshot is a cache of the fold, keyed by the seq and hash of the event it
covers, and never trusted over the log. A row edited by hand can keep the
right keys and the right top-level types while holding values no fold writes
(a timer due at a list, a step whose deadline is a number, a time that is not
a time, a zone that does not exist): every command, board and report would
stop on them. ``problem(data)`` names the first such value, or gives None; the
engine then passes the snapshot over and folds the log, as it does a snapshot
that is not JSON, and `plan verify` names the row.

The shapes are those the fold handlers of core/incident/state.py write (a test
checks every snapshot of the property tests and the bundled drills against them).
"""

from __future__ import annotations

from datetime import datetime

from planengine.core.incident.state import StepState

ANY = object()
NUM = (int, float)


# A spec is a type, one of the names below, or a tagged tuple: (OPT, spec) for a value or None,
# (LIST, spec), (MAP, spec) for {str: spec}, (OBJ, {key: spec}) for an object with these keys
# (others allowed, of any JSON value). Plain tuples: the module is imported by every command.
OPT, LIST, MAP, OBJ = "opt", "list", "map", "obj"
TIME = "time"
ZONE = "zone"
STATUS = frozenset(("pending", "done", "skipped", "waived"))


def opt(spec):
    return (OPT, spec)


def lst(spec):
    return (LIST, spec)


def mapping(spec):
    return (MAP, spec)


def obj(**keys):
    return (OBJ, keys)


STATE = {
    "id": str,
    "plan": str,
    "plan_version": int,
    "plan_sha": str,
    "title": str,
    "kind": str,
    "drill": opt(dict),
    "settings": opt(dict),
    "local_settings": opt(mapping(dict)),
    "required": lst(str),
    "timezone": ZONE,
    "opened_at": opt(TIME),
    "closed_at": opt(TIME),
    "outcome": opt(str),
    "phase": opt(str),
    "phase_entered_at": opt(TIME),
    "phase_seq": int,
    "prev_phase": opt(str),
    "level": opt(str),
    "levels": lst(str),
    "level_history": lst(obj(at=TIME, to=opt(str))),
    "facts": dict,
    "checkins": lst(obj(at=TIME, role=str, count=opt(int), by=opt(str), seq=int)),
    "timers": mapping(TIME),
    "notifications": mapping(
        obj(
            roles=lst(str),
            step=opt(str),
            at=TIME,
            channels=mapping(obj(status=str, attempts=int, error=opt(str))),
        )
    ),
    "errors": lst(obj(at=TIME, error=ANY)),
    "seq": int,
    "last_hash": str,
    "last_at": opt(TIME),
    "routine": opt(dict),
    "missed": lst(obj(at=TIME)),
    "owner": opt(str),
    "owners": lst(obj(at=TIME, owner=str, by=opt(str))),
    "transfers": lst(obj(at=TIME)),
}

# A step's values in the order of StepState.__slots__ (checked against it where used).
STEP = (
    ("id", str),
    ("phase", str),
    ("role", opt(str)),
    ("title", str),
    ("status", STATUS),
    ("activated_at", opt(TIME)),
    ("due_at", opt(TIME)),
    ("limit_seconds", opt(NUM)),
    ("muster", bool),
    ("strength", opt(int)),
    ("key", opt(str)),
    ("activation_seq", int),
    ("overdue_at", opt(TIME)),
    ("done_at", opt(TIME)),
    ("by", opt(str)),
    ("note", opt(str)),
    ("answer", ANY),
    ("count", int),
    ("first_arrival_at", opt(TIME)),
    ("strength_at", opt(TIME)),
    ("acks", lst(obj(at=TIME, by=opt(str)))),
    ("counted", bool),
    ("required", bool),
    ("anchor_at", opt(TIME)),
    ("waits_for", opt(str)),
    ("round", int),
    ("repeat", opt(NUM)),
    ("prev", ANY),  # the rounds before: checked as steps of their own
    ("reason", opt(str)),
    ("defaulted", bool),
    ("remind", opt(lst(NUM))),
    ("skipped_at", opt(TIME)),
)


_TIMES: set = set()  # times found good (a state repeats the same few: a set lookup instead of a parse)


def _time(v) -> bool:
    if type(v) is not str:
        return False
    if v in _TIMES:
        return True
    try:
        ok = datetime.fromisoformat(v[:-1] + "+00:00" if v[-1:] == "Z" else v).tzinfo is not None
    except ValueError:
        return False
    if ok:
        if len(_TIMES) > 4096:
            _TIMES.clear()
        _TIMES.add(v)
    return ok


_ZONES: dict = {}


def _zone(v) -> bool:
    if type(v) is not str:
        return False
    ok = _ZONES.get(v)
    if ok is None:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(v)
            ok = True
        except Exception:  # noqa: BLE001 - ZoneInfoNotFoundError, ValueError for a path, ...
            ok = False
        if len(_ZONES) < 1000:
            _ZONES[v] = ok
    return ok


def _compile(spec):
    """A function value -> None when ``value`` fits ``spec``, else a short description of what does not."""
    if spec is ANY:
        return lambda v: None
    if spec is TIME:
        return lambda v: None if _time(v) else f"{str(v)[:40]!r} is not a time"
    if spec is ZONE:
        return lambda v: None if _zone(v) else f"{str(v)[:40]!r} is not a time zone"
    if spec is STATUS:
        return lambda v: None if type(v) is str and v in STATUS else f"{str(v)[:40]!r} is not a step status"
    if spec is NUM:
        return lambda v: None if type(v) in NUM else f"a {type(v).__name__}, not a number"
    tag = spec[0] if spec.__class__ is tuple and len(spec) == 2 and spec[0].__class__ is str else None
    if tag is OPT:
        inner = _compile(spec[1])
        return lambda v: None if v is None else inner(v)
    if tag is LIST:
        inner = _compile(spec[1])

        def check_list(v):
            if type(v) is not list:
                return f"a {type(v).__name__}, not a list"
            for i, item in enumerate(v):
                why = inner(item)
                if why is not None:
                    return f"[{i}]: {why}"
            return None

        return check_list
    if tag is MAP:
        inner = _compile(spec[1])

        def check_map(v):
            if type(v) is not dict:
                return f"a {type(v).__name__}, not an object"
            for k, item in v.items():
                why = inner(item)
                if why is not None:
                    return f"[{str(k)[:40]!r}]: {why}"
            return None

        return check_map
    if tag is OBJ:
        keys = [(k, _compile(sub)) for k, sub in spec[1].items()]

        def check_obj(v):
            if type(v) is not dict:
                return f"a {type(v).__name__}, not an object"
            for k, check in keys:
                if k not in v:
                    return f"no {k!r}"
                why = check(v[k])
                if why is not None:
                    return f"{k}: {why}"
            return None

        return check_obj
    return lambda v: None if type(v) is spec else f"a {type(v).__name__}, not a {spec.__name__}"


_STATE_CHECKS = [(k, _compile(spec)) for k, spec in STATE.items()]
_CHECK_STATE = _compile(obj(**STATE))  # a snapshot's slots: an object with each of them
_STEP_CHECKS = [(i, name, _compile(spec)) for i, (name, spec) in enumerate(STEP)]
_STEP_TIMES = [i for i, (_n, spec) in enumerate(STEP) if spec == (OPT, TIME)]
_STEP_STATUS = [n for n, _s in STEP].index("status")
_STEP_NESTED = [i for i, (_n, spec) in enumerate(STEP) if _n in ("acks", "remind")]
_PREV = [n for n, _s in STEP].index("prev")
_STEP_SIGS: set = set()  # the value types of steps found whole (most steps share a few)


def _step_values_why(values):
    """What in one step's values (a round's, ``prev`` not looked into) does not fit, or None."""
    sig = tuple(map(type, values))
    if sig in _STEP_SIGS:  # the types fit: the values types alone do not say
        if values[_STEP_STATUS] not in STATUS:
            return f"status: {str(values[_STEP_STATUS])[:40]!r} is not a step status"
        for i in _STEP_TIMES:
            v = values[i]
            if v is not None and not _time(v):
                return f"{STEP[i][0]}: {str(v)[:40]!r} is not a time"
        for i in _STEP_NESTED:
            v = values[i]
            if v:
                why = _STEP_CHECKS[i][2](v)
                if why is not None:
                    return f"{STEP[i][0]}: {why}"
    else:
        for i, name, check in _STEP_CHECKS:
            why = check(values[i])
            if why is not None:
                return f"{name}: {why}"
        if len(_STEP_SIGS) < 256:
            _STEP_SIGS.add(sig)
    return None


def _step_why(values, depth=0):
    if type(values) is not list or len(values) != len(STEP):
        return "not a list of its values"
    why = _step_values_why(values)
    if why is not None:
        return why
    prev = values[_PREV]
    if prev is not None:
        if depth or type(prev) is not list:
            return "prev: not a list of rounds"
        for r in prev:
            why = _step_why(r, 1)
            if why is not None:
                return f"a round before: {why}"
    return None


def problem(data) -> str | None:
    """What in the snapshot ``data`` (its JSON, parsed) is not a value the fold writes, or None."""
    why = _CHECK_STATE(data)
    if why is not None:
        return why
    steps = data.get("steps")
    if type(steps) is not list:
        return "steps: not a list"
    for values in steps:
        why = _step_why(values)
        if why is not None:
            return f"step {str(values[0])[:40] if type(values) is list and values else '?'}: {why}"
    if data["opened_at"] is not None:  # what every fold of a `started` event has
        for k in ("phase", "last_at"):
            if data[k] is None:
                return f"{k}: none on an opened incident"
    return None


def is_time(value) -> bool:
    """Is ``value`` a time with its offset (as the log stores times)?"""
    return _time(value)


_GETTERS: list = []  # [state attrgetter, step attrgetter], built on first use


def state_problem(state) -> str | None:
    """problem() of a folded state, read from its slots (no snapshot built: every command checks one)."""
    if not _GETTERS:
        from operator import attrgetter

        _GETTERS.extend((attrgetter(*STATE), attrgetter(*(n for n, _s in STEP))))
    state_values, step_values = _GETTERS
    for (k, check), v in zip(_STATE_CHECKS, state_values(state)):
        why = check(v)
        if why is not None:
            return f"{k}: {why}"
    for st in state.steps.values():
        depth = 0
        while st is not None:
            values = step_values(st)
            why = _step_values_why(values)
            if why is not None:
                return f"step {str(values[0])[:40]}: {'a round before: ' if depth else ''}{why}"
            st, depth = values[_PREV], depth + 1
            if st is not None and st.__class__ is not StepState:
                return f"step {str(values[0])[:40]}: prev: not a round"
    if state.opened_at is not None:
        for k in ("phase", "last_at"):
            if getattr(state, k) is None:
                return f"{k}: none on an opened incident"
    return None

"""Incident state as a pure fold of its events.

No I/O and no plan needed: events carry what the state needs (a step's role,
title and deadline travel in ``step_activated``), so ``plan status`` can answer
from the log alone. Times stay ISO strings here; views convert them.
"""

from __future__ import annotations

import json
from operator import attrgetter


class StepState:
    """One step of an incident. A slotted class, not a dataclass: it is built in the fold's hot loop."""

    __slots__ = (
        "id",
        "phase",
        "role",
        "title",
        "status",
        "activated_at",
        "due_at",
        "limit_seconds",
        "muster",
        "strength",
        "key",
        "activation_seq",
        "overdue_at",
        "done_at",
        "by",
        "note",
        "answer",
        "count",
        "first_arrival_at",
        "strength_at",
        "acks",
        "counted",
        "required",
        "anchor_at",
        "waits_for",
        "round",
        "repeat",
        "prev",
        "reason",
        "defaulted",
        "remind",
        "skipped_at",
    )

    def __init__(
        self,
        id,
        phase,
        role=None,
        title="",
        activated_at=None,
        due_at=None,
        limit_seconds=None,
        muster=False,
        strength=None,
        key=None,
        activation_seq=0,
        required=False,
        anchor_at=None,
        waits_for=None,
        repeat=None,
        remind=None,
    ):
        self.id, self.phase, self.role, self.title = id, phase, role, title
        self.status = "pending"  # pending | done | skipped | waived (overdue/late are views)
        self.activated_at, self.due_at, self.limit_seconds = activated_at, due_at, limit_seconds
        self.muster, self.strength = muster, strength
        self.key = key  # timer key of the current activation
        self.activation_seq = activation_seq
        self.overdue_at = self.done_at = self.by = self.note = self.answer = None
        self.count = 0
        self.first_arrival_at = None
        self.strength_at = None  # when the checked-in head count reached strength
        self.acks = []
        self.counted = False  # some check-in gave a head count
        self.required = required  # `required: true`: stays active when its phase is left
        # when its clock started (`from:`); None while it waits for a step
        self.anchor_at = activated_at if anchor_at is None and waits_for is None else anchor_at
        self.waits_for = waits_for  # `from: STEP` not done yet: the step has no deadline until then
        self.repeat = repeat  # `repeat:` period in seconds
        self.round = 1  # `repeat:` rounds; ``prev`` is the round before (for reopen and scoring)
        self.prev = None
        self.reason = None  # why it was waived
        self.defaulted = False  # a decision recorded by the timer (`default:`)
        self.remind = remind  # `remind:` seconds before the deadline
        self.skipped_at = None  # when a phase change or a close left it undone

    def __repr__(self):
        return f"StepState({self.id!r}, {self.status!r}, due_at={self.due_at!r}, done_at={self.done_at!r})"


class IncidentState:
    """Everything known about an incident, folded from its events."""

    __slots__ = (
        "id",
        "plan",
        "plan_version",
        "plan_sha",
        "title",
        "kind",
        "drill",
        "settings",
        "local_settings",
        "required",
        "timezone",
        "opened_at",
        "closed_at",
        "outcome",
        "phase",
        "phase_entered_at",
        "phase_seq",
        "prev_phase",
        "level",
        "levels",
        "level_history",
        "facts",
        "steps",
        "checkins",
        "timers",
        "notifications",
        "errors",
        "seq",
        "last_hash",
        "last_at",
        "routine",
        "missed",
        "owner",
        "owners",
        "transfers",
    )

    def __init__(self, id=""):
        self.id = id
        self.plan = self.plan_sha = self.title = ""
        self.plan_version = 0
        self.kind = "live"
        self.drill = None  # drill id/title (and the pace of a live-paced run) for kind "drill"
        self.settings = None  # the site settings checks read, as they were when the incident started
        self.local_settings = None  # the plan's local figures in force: {name: {value, from}}
        self.required = []  # facts the incident cannot close without
        self.timezone = "UTC"
        self.opened_at = self.closed_at = self.outcome = None
        self.phase = self.phase_entered_at = None
        self.phase_seq = 0
        self.prev_phase = None  # the phase before the current one (`plan reopen` of a close goes back there)
        self.level = None
        self.levels = []
        self.level_history = []
        self.facts = {}
        self.steps = {}  # id -> StepState
        self.checkins = []
        self.timers = {}  # pending timer key -> due_at
        self.notifications = {}  # key -> {roles, step, at, channels: {channel: {status, attempts, error}}}
        self.errors = []  # timers whose consequences failed: {at, key, error[, action]}
        self.seq = 0
        self.last_hash = ""
        self.last_at = None
        self.routine = None  # {schedule, occurrence} when opened by a schedule
        self.missed = []  # schedule_missed events: {schedule, count, occurrences, at}
        self.owner = None  # 包案: the person answering for the case
        self.owners = []  # every assignment: {at, owner, by}
        self.transfers = []  # 移送: {at, to, by, facts, reason}


def _started(s, at, actor, d):
    s.plan = d["plan"]
    s.plan_version = d["plan_version"]
    s.plan_sha = d["plan_sha"]
    s.title = d.get("title", "")
    s.kind = d.get("kind", "live")
    s.drill = d.get("drill")
    s.settings = d.get("settings")
    s.local_settings = d.get("local_settings")
    s.required = d.get("required_facts", [])
    s.timezone = d.get("timezone", "UTC")
    s.levels = d.get("levels", [])
    s.opened_at = at
    s.routine = d.get("routine")


def _schedule_missed(s, at, actor, d):
    s.missed.append({"at": at, **d})


def _assigned(s, at, actor, d):
    s.owner = d["owner"]
    s.owners.append({"at": at, "owner": d["owner"], "by": d.get("by")})


def _transferred(s, at, actor, d):
    s.transfers.append({"at": at, **d})


def _fact_set(s, at, actor, d):
    # keys in sorted order: the stored event's JSON is canonical (sorted), so a state folded
    # from the log and one built while emitting list facts alike
    facts = d["facts"]
    for k in sorted(facts):
        s.facts[k] = facts[k]


def _level_changed(s, at, actor, d):
    s.level = d["to"]
    change = {"at": at, "from": d.get("from"), "to": d["to"]}
    if d.get("because"):
        change["because"] = d["because"]  # the facts that moved it
    s.level_history.append(change)


def _phase_entered(s, at, actor, d):
    if s.timers:
        for key in [k for k in s.timers if k.startswith("after:")]:
            del s.timers[key]  # the phase left takes its `after:` timers with it
    s.prev_phase = d.get("from")
    s.phase = d["phase"]
    s.phase_entered_at = at
    s.phase_seq = s.seq
    for t in d.get("timers", ()):
        s.timers[t["key"]] = t["due_at"]


def _step_activated(s, at, actor, d):
    get = d.get
    st = StepState(
        d["step"], d["phase"], get("role"), get("title", ""), at, get("due_at"), get("limit_seconds"),
        get("muster", False), get("strength"), get("key"), s.seq, get("required", False), get("anchor_at"),
        get("waits_for"), get("repeat"), get("remind"),  # remind: seconds before the deadline (timers)
    )  # fmt: skip
    rnd = d.get("round")
    if rnd:
        st.round = rnd
        st.prev = s.steps.get(st.id)  # the round just done
    s.steps[st.id] = st
    if st.due_at and st.key:
        s.timers[st.key] = st.due_at
        if st.remind:
            _arm_reminders(s, st, at)
    if st.muster:
        for c in s.checkins:
            if c["role"] == st.role and c["seq"] > s.phase_seq:  # made during this visit of the phase
                _count(st, c)


def _step_due(s, at, actor, d):
    """A step counted `from:` another step gets its deadline when that step is done."""
    st = s.steps[d["step"]]
    st.waits_for = None
    st.anchor_at = d["anchor_at"]
    st.due_at, st.limit_seconds, st.key = d["due_at"], d["limit_seconds"], d["key"]
    s.timers[st.key] = st.due_at
    _arm_reminders(s, st, at)


def _arm_reminders(s, st, at):
    """`remind:` timers of a step whose deadline is now known: ``remind:STEP:I:SEQ`` at the
    deadline minus each duration (none that would fall before ``at``)."""
    if not st.remind:
        return
    from datetime import timedelta

    from planengine.core.incident.clock import from_iso, to_iso

    due = from_iso(st.due_at)
    for i, before in enumerate(st.remind):
        when = to_iso(due - timedelta(seconds=before))
        if when > at:
            s.timers[f"remind:{st.id}:{i}:{s.seq}"] = when


def _disarm(s, step_id, *kinds):
    """Drop a step's timers of these kinds (``remind``, ``esc``)."""
    if not s.timers:
        return
    prefixes = tuple(f"{k}:{step_id}:" for k in kinds)
    for key in [k for k in s.timers if k.startswith(prefixes)]:
        del s.timers[key]


def _step_done(s, at, actor, d):
    st = s.steps[d["step"]]
    st.status = "done"
    st.done_at = at
    st.by = d.get("by") or actor
    st.note = d.get("note")
    st.defaulted = bool(d.get("default"))
    if st.key:
        s.timers.pop(st.key, None)
    _disarm(s, st.id, "remind", "esc")


def _step_waived(s, at, actor, d):
    st = s.steps[d["step"]]
    st.status = "waived"
    st.done_at = at
    st.by = d.get("by") or actor
    st.reason = d.get("reason")
    if st.key:
        s.timers.pop(st.key, None)
    _disarm(s, st.id, "remind", "esc")


def _step_reopened(s, at, actor, d):
    """A mistaken `done` undone: the step (a repeat step: its last round) is pending again, with its deadline."""
    st = s.steps[d["step"]]
    if st.status == "pending" and st.prev is not None:  # a repeat step: drop the round that done started
        if st.key:
            s.timers.pop(st.key, None)
        st = s.steps[st.id] = st.prev
    st.status = "pending"
    st.done_at = st.by = st.note = st.answer = None
    st.defaulted = False
    if st.due_at and st.key and st.overdue_at is None:
        s.timers[st.key] = st.due_at
        _arm_reminders(s, st, at)


def _step_skipped(s, at, actor, d):
    st = s.steps[d["step"]]
    st.status = "skipped"
    st.skipped_at = at
    if st.key:
        s.timers.pop(st.key, None)
    _disarm(s, st.id, "remind", "esc")


def _checkin(s, at, actor, d):
    checkin = {"at": at, "role": d["role"], "count": d.get("count"), "by": d.get("by"), "seq": s.seq}
    s.checkins.append(checkin)
    for st in s.steps.values():
        if st.muster and st.role == d["role"] and st.status == "pending":
            _count(st, checkin)


def _count(st, checkin):
    """Add a check-in to a muster step. A team already there when the step
    activated (or a back-dated check-in) counts as arriving at activation."""
    at = max(checkin["at"], st.activated_at)
    count = checkin["count"]
    st.count += count or 0
    st.counted |= count is not None
    if st.first_arrival_at is None:
        st.first_arrival_at = at
    full = count is None or not st.strength or st.count >= st.strength
    if st.strength_at is None and full:
        st.strength_at = at


def _step_overdue(s, at, actor, d):
    st = s.steps[d["step"]]
    st.overdue_at = at
    s.timers.pop(d.get("key"), None)
    for t in d.get("escalations", ()):  # `overdue:` links with `after:`: until the step is done
        s.timers[t["key"]] = t["due_at"]


def _reminder(s, at, actor, d):
    s.timers.pop(d.get("key"), None)


def _action_failed(s, at, actor, d):
    s.errors.append({"at": at, "key": d.get("reason"), "action": d["action"], "error": d["error"]})


def _timer_failed(s, at, actor, d):
    s.timers.pop(d["key"], None)
    s.errors.append({"at": at, "key": d["key"], "action": None, "error": d["error"]})


def _ack(s, at, actor, d):
    st = s.steps.get(d.get("step") or "")
    if st is not None:
        st.acks.append({"at": at, "by": d.get("by")})
        _disarm(s, st.id, "remind")  # acknowledged: no more reminders (escalation goes on)


def _decision(s, at, actor, d):
    s.steps[d["step"]].answer = d["answer"]


def _notify_queued(s, at, actor, d):
    s.notifications[d["key"]] = {"roles": d.get("roles", []), "step": d.get("step"), "at": at, "channels": {}}


def _notify_outcome(s, d, status):
    n = s.notifications.get(d["key"])
    if n is None:
        return
    if "channel" in d:
        n["channels"][d["channel"]] = {"status": status, "attempts": d.get("attempts"), "error": d.get("error")}
    else:  # logs from before delivery was per channel: one outcome for the key
        for r in d.get("results") or ():
            ok = r.get("ok")
            n["channels"][r.get("channel")] = {"status": "delivered" if ok else "failed", "error": r.get("error")}


def _notify_delivered(s, at, actor, d):
    _notify_outcome(s, d, "delivered")


def _notify_failed(s, at, actor, d):
    _notify_outcome(s, d, "failed")


def _closed(s, at, actor, d):
    s.closed_at = at
    s.outcome = d.get("outcome")
    s.timers.clear()


def _reopened(s, at, actor, d):
    s.closed_at = s.outcome = None


def _nothing(s, at, actor, d):
    pass


HANDLERS = {
    "started": _started,
    "fact_set": _fact_set,
    "level_changed": _level_changed,
    "phase_entered": _phase_entered,
    "step_activated": _step_activated,
    "step_done": _step_done,
    "step_skipped": _step_skipped,
    "step_due": _step_due,
    "step_waived": _step_waived,
    "step_reopened": _step_reopened,
    "reopened": _reopened,
    "checkin": _checkin,
    "step_overdue": _step_overdue,
    "reminder": _reminder,
    "escalated": _reminder,  # an `overdue:` link fired: its timer is spent
    "ack": _ack,
    "action_failed": _action_failed,
    "timer_failed": _timer_failed,
    "decision": _decision,
    "notify_queued": _notify_queued,
    "notify_delivered": _notify_delivered,
    "notify_failed": _notify_failed,
    "closed": _closed,
    "schedule_missed": _schedule_missed,
    "assigned": _assigned,
    "transferred": _transferred,
}  # a note or an event (a name a transition listens for) changes no state: no handler


def apply(state: IncidentState, seq, at, kind, actor, data, hash_=""):
    """Fold one event into ``state`` (in place) and return it."""
    state.seq = seq
    HANDLERS.get(kind, _nothing)(state, at, actor, data)
    state.last_at = at
    if hash_:
        state.last_hash = hash_
    return state


class _Unreadable(Exception):
    """An event row the fold cannot read (its template names it)."""


def fold(events, incident_id: str = "", state: IncidentState | None = None) -> IncidentState:
    """State of an incident from its events (dicts, or (seq, at, kind, actor, data, hash) rows
    where data may still be JSON text), applied one by one with apply(); ``state`` continues a fold."""
    state = state if state is not None else IncidentState(id=incident_id)
    loads = json.loads
    ev = None
    try:
        for ev in events:
            if isinstance(ev, dict):
                apply(state, ev["seq"], ev["at"], ev["kind"], ev.get("actor"), ev["data"], ev.get("hash", ""))
                continue
            seq, at, kind, actor, data, h = ev
            if seq.__class__ is not int:  # an event number edited to text or a float
                raise _Unreadable("{incident}: event {seq}: its seq is not an event number")
            if data.__class__ is str:
                try:
                    data = loads(data)
                except (ValueError, RecursionError):
                    raise _Unreadable("{incident}: event {seq}: its data is not JSON") from None
            apply(state, seq, at, kind, actor, data, h)
    except Exception as e:  # an edited row: one line naming the event, `plan verify` says more
        from planengine.core.incident.commands import Refused

        if isinstance(e, Refused):
            raise
        seq = ev.get("seq") if isinstance(ev, dict) else ev[0] if ev is not None else "?"
        if isinstance(e, _Unreadable):
            template, params = str(e), {}
        else:
            template = "{incident}: event {seq}: its data cannot be folded ({error})"
            params = {"error": f"{type(e).__name__}: {str(e)[:120]}"}
        raise Refused(
            template + "; `plan verify {incident}` lists what is wrong with the record",
            incident=state.id,
            seq=str(seq)[:40],
            **params,
        ) from None
    return state


def step_status(st: StepState, now_iso: str) -> str:
    """pending / done / overdue / late / skipped / waived as a person reading the board means them."""
    if st.status == "done":
        return "late" if st.due_at and st.done_at > st.due_at else "done"
    if st.status in ("skipped", "waived"):
        return st.status
    if st.due_at and (st.overdue_at or now_iso > st.due_at):
        return "overdue"
    return "pending"


# -- snapshots ----------------------------------------------------------------
# A snapshot is a state as JSON, keyed by the seq and hash it was folded up to.
# It only saves refolding old events: fold(newer events, state=from_snapshot(...))
# equals the full fold, and nothing trusts a snapshot over the log. The format names the
# version of the value shapes too (2: notifications per key are dicts with their channels).

SNAPSHOT_FORMAT = "3:" + ",".join(IncidentState.__slots__) + ";" + ",".join(StepState.__slots__)


_STEP_VALUES = attrgetter(*StepState.__slots__)  # one C call for a step's 32 slots
_PREV = StepState.__slots__.index("prev")
_STATE_KEYS = tuple(k for k in IncidentState.__slots__ if k != "steps")
_STATE_VALUES = attrgetter(*_STATE_KEYS)


def _step_values(st: StepState) -> list:
    """A step's slots as JSON values; ``prev`` (the rounds before, `repeat:`) as a flat list of
    their slots, newest first: a step repeated every 30 minutes for a month has 1,500 rounds, too
    deep to nest (JSON and Python recursion stop near 1,000)."""
    values = list(_STEP_VALUES(st))
    if st.prev is not None:
        rounds = []
        p = st.prev
        while p is not None:
            r = list(_STEP_VALUES(p))
            r[_PREV] = None
            rounds.append(r)
            p = p.prev
        values[_PREV] = rounds
    return values


def _step_from(values, new=object.__new__) -> StepState:
    """A step from its snapshot values; one unpacking assignment (a status list loads 100,000 of them)."""
    st = new(StepState)
    (
        st.id,
        st.phase,
        st.role,
        st.title,
        st.status,
        st.activated_at,
        st.due_at,
        st.limit_seconds,
        st.muster,
        st.strength,
        st.key,
        st.activation_seq,
        st.overdue_at,
        st.done_at,
        st.by,
        st.note,
        st.answer,
        st.count,
        st.first_arrival_at,
        st.strength_at,
        st.acks,
        st.counted,
        st.required,
        st.anchor_at,
        st.waits_for,
        st.round,
        st.repeat,
        st.prev,
        st.reason,
        st.defaulted,
        st.remind,
        st.skipped_at,
    ) = values
    if st.prev is not None:  # the rounds before, newest first (_step_values)
        rounds = [_step_from(r) for r in st.prev]
        for newer, older in zip(rounds, rounds[1:]):
            newer.prev = older
        st.prev = rounds[0]
    return st


def snapshot_text(state: IncidentState) -> str:
    """The snapshot as stored: JSON of to_snapshot(), UTF-8 text, no spaces (one encoder, built once;
    a state holds no cycles to look for)."""
    return _SNAPSHOT_JSON(to_snapshot(state))


_SNAPSHOT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def to_snapshot(state: IncidentState) -> dict:
    out = dict(zip(_STATE_KEYS, _STATE_VALUES(state)))
    out["steps"] = [_step_values(st) for st in state.steps.values()]
    return out


def _slot_types() -> dict:
    """{slot: type} of the incident slots a new state holds as a container, str or number: a
    snapshot's values must have these types (None is allowed only where a new state has None)."""
    fresh = IncidentState("")
    out = {}
    for k in _STATE_KEYS:
        v = getattr(fresh, k)
        if v is not None:
            out[k] = type(v)
    return out


_SLOT_TYPES: dict = {}
_STEP_SLOTS = len(StepState.__slots__)


def from_snapshot(data: dict) -> IncidentState:
    """The state a snapshot holds; ValueError for one that is not a snapshot of this format's
    shape (an edited row: the engine then folds the log alone, and `plan verify` names it)."""
    types = _SLOT_TYPES or _SLOT_TYPES.update(_slot_types()) or _SLOT_TYPES
    state = IncidentState.__new__(IncidentState)
    for k in _STATE_KEYS:
        v = data[k]
        want = types.get(k)
        if want is not None and type(v) is not want:
            raise ValueError(f"snapshot: {k} is a {type(v).__name__}, not a {want.__name__}")
        setattr(state, k, v)
    steps = {}
    for values in data["steps"]:
        if type(values) is not list or len(values) != _STEP_SLOTS or type(values[0]) is not str:
            raise ValueError("snapshot: a step is not a list of its values")
        st = _step_from(values)
        steps[st.id] = st
    state.steps = steps
    return state

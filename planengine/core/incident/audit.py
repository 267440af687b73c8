"""Does an incident's record hang together? The checks of `plan verify` beyond the hash chain.

The chain (each event's hash and its link to the one before, no gap in seq)
is checked by the store. A forger with write access can still recompute the
whole chain, delete the last events with their command rows, edit the stored
plan, the incident row the boards list, or a snapshot; these checks catch
what they can without anything from outside the database, and a head
(seq and hash) an auditor recorded outside it catches the rest.
"""

from __future__ import annotations

import json

from planengine.core.digest import sha256_hex
from planengine.core.incident.state import SNAPSHOT_FORMAT, fold, to_snapshot

# incidents row column -> the folded state's attribute it must equal
ROW_FIELDS = (
    ("plan", "plan"),
    ("plan_version", "plan_version"),
    ("plan_sha", "plan_sha"),
    ("kind", "kind"),
    ("title", "title"),
    ("opened_at", "opened_at"),
    ("phase", "phase"),
    ("level", "level"),
    ("closed_at", "closed_at"),
    ("last_seq", "seq"),
    ("last_hash", "last_hash"),
)


def parse_head(text: str):
    """``SEQ:HASH`` -> (seq, hash); ValueError with a message otherwise."""
    seq, sep, h = str(text).strip().partition(":")
    h = h.strip().lower()
    if not sep or not seq.strip().isdigit() or len(h) != 64 or any(c not in "0123456789abcdef" for c in h):
        raise ValueError(f"--head {text!r}: expected SEQ:HASH as `plan verify` prints it (e.g. 42:3f9a...)")
    return int(seq), h


def check_head(head, hashes: dict, last_seq: int) -> list:
    """The recorded ``head`` (seq, hash) against the log's {seq: hash}."""
    seq, h = head
    if seq > last_seq:
        return [f"recorded head is event {seq}, but the log ends at event {last_seq}: events were deleted"]
    if hashes.get(seq) != h:
        return [
            f"event {seq}: hash {str(hashes.get(seq))[:12]} differs from the recorded head {h[:12]}:"
            f" the log was rewritten up to event {seq}"
        ]
    return []


def check_commands(commands: list, last_seq: int) -> list:
    """The commands must cover the log's events exactly, in order: 1..last_seq. Each command is
    recorded on its first event with the seq of its last, so an erased command leaves a gap."""
    problems = []
    expected = 1
    for c in commands:
        if "unreadable" in c:
            problems.append(f"event {c['first_seq']}: the command recorded on it cannot be read ({c['unreadable']})")
        if c["first_seq"] > expected:
            problems.append(f"events {expected}-{c['first_seq'] - 1} belong to no recorded command")
        elif c["first_seq"] < expected:
            problems.append(
                f"command {c['n']} ({c.get('name')}) starts at event {c['first_seq']}, inside the previous command"
                f" (up to event {expected - 1})"
            )
        expected = c["last_seq"] + 1
    if expected - 1 > last_seq:
        problems.append(
            f"the commands recorded events up to event {expected - 1}, but the log ends at event {last_seq}:"
            " the last events were deleted"
        )
    elif expected - 1 < last_seq:
        problems.append(f"events {expected}-{last_seq} belong to no recorded command")
    return problems


def check_plan(started: dict | None, row: dict, plan_row, recompile=None) -> list:
    """The stored plan must be the one the `started` event names (its sha256), and so must
    the incidents row's; ``plan_row`` is (source, compiled form or None, ...) or None."""
    problems = []
    sha = (started or {}).get("plan_sha")
    if sha is None:
        return ["event 1 is not a `started` event naming the plan"]
    if plan_row is None:
        return [f"the plan {sha[:12]} the incident started with is not stored"]
    source, packed = plan_row[0], plan_row[1]
    actual = sha256_hex((source or "").encode("utf-8"))
    if actual != sha:
        problems.append(
            f"stored plan: its source has sha256 {actual[:12]}, the `started` event names {sha[:12]}:"
            " the stored plan was edited"
        )
    elif packed is not None and recompile is not None:
        fresh = recompile()
        if fresh is not None and fresh != packed:
            problems.append("stored plan: its compiled form differs from its source: the stored plan was edited")
    return problems


def check_row(row: dict, state) -> list:
    """The incidents row (what boards list and filter on) must equal the fold of the log."""
    problems = []
    for column, attr in ROW_FIELDS:
        stored, folded = row.get(column), getattr(state, attr)
        if column == "last_hash" and folded == "":
            folded = None
        if stored != folded and not (stored in (None, "") and folded in (None, "")):
            problems.append(f"incidents row: {column} is {stored!r}, the log says {folded!r}")
    return problems


def check_snapshot(incident_id, snap, rows: list, last_seq: int, expected=None) -> list:
    """A stored snapshot must be the fold of the log up to its event (boards start from it);
    ``expected``: that fold's to_snapshot() as JSON values, when the caller has it."""
    if snap is None:
        return []
    seq, h, fmt, text = snap
    if type(seq) is not int:
        return [f"the snapshot row names event {str(seq)[:40]!r}, not an event number"]
    if seq > last_seq:
        return [f"a snapshot of event {seq} is stored, but the log ends at event {last_seq}: events were deleted"]
    at_seq = [r for r in rows if r[0] == seq]
    if not at_seq or at_seq[0][5] != h or fmt != SNAPSHOT_FORMAT:
        return []  # not used: the engine ignores a snapshot that does not match the log
    if expected is None:
        expected = json.loads(json.dumps(to_snapshot(fold([r for r in rows if r[0] <= seq], incident_id))))
    expected = dict(expected)
    try:
        stored = json.loads(text)
    except (ValueError, TypeError, RecursionError):  # not JSON text, or nested past the parser's depth
        stored = None
    if isinstance(stored, dict):
        stored.pop("last_hash", None)  # written before its own event's hash was known
    expected.pop("last_hash", None)
    if stored != expected:
        return [f"the snapshot of event {seq} differs from the fold of the log (boards would show it)"]
    return []


def check_status_text(row, state) -> list:
    """A cached status text at the head of the log (what `plan status --json` reads instead of
    folding) must be what the fold of the log renders; one behind the head or of another
    format is never read, and is not checked."""
    from planengine.core.incident.status import status_text

    if row is None:
        return []
    seq, h, fmt, text, holes, meta = row
    if seq != state.seq or h != state.last_hash:
        return []
    expected = status_text(state)
    if expected is None or fmt != expected[0]:
        return []
    if (text, holes, meta) != expected[1:]:
        return [
            f"the cached status text of event {seq} differs from the fold of the log (plan status --json would show it)"
        ]
    return []


def check_timers(rows, state) -> list:
    """The timers table (what `plan tick` fires from) must hold the pending timers of the fold of
    the log, due when the fold says: a row deleted or edited there is a deadline that never fires.
    A drill's timers are driven by its run, never by a tick: it has no rows there."""
    stored = {key: due for key, due in rows}
    expected = {} if state.kind == "drill" else state.timers
    if stored == expected:
        return []
    missing = sorted(k for k in expected if k not in stored)
    extra = sorted(str(k) for k in stored if k not in expected)
    moved = sorted(k for k in expected if k in stored and stored[k] != expected[k])
    parts = [
        f"{label} {', '.join(map(str, keys[:3]))}{' ...' if len(keys) > 3 else ''}"
        for label, keys in (("missing", missing), ("not in the log", extra), ("due at another time", moved))
        if keys
    ]
    return [f"the timers table differs from the fold of the log ({'; '.join(parts)}): plan tick fires from it"]

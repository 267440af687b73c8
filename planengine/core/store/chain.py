"""The hash chain: the canonical form events are hashed in, and the hash of one event."""

from __future__ import annotations

from planengine.core.canonical import canonical, string
from planengine.core.digest import openssl_sha256, sha256_hex

BULK = 64  # events: a batch this long is hashed by OpenSSL (see planengine/core/digest.py)
_string = string  # canonical() of a str (the same C function)
_NO_EVENT = object()


def hashed_body(incident_json: str, seq: int, at_json: str, kind_json: str, actor_json: str, data_json: str) -> str:
    """canonical() of an event's hashed fields, built from parts already encoded (keys in sorted order).

    The one encoder of the hashed body: the store's bulk append passes
    memoised parts, event_hash() passes fresh ones; both give the same text.
    """
    return (
        f'{{"actor":{actor_json},"at":{at_json},"data":{data_json},'
        f'"incident":{incident_json},"kind":{kind_json},"seq":{seq}}}'
    )


def link(prev_hash: str, body: str) -> str:
    """The hash of an event: sha256(prev_hash + canonical body)."""
    return sha256_hex((prev_hash + body).encode("utf-8"))


def command_text(name: str, at: str, actor, args: dict, last_seq: int) -> str:
    """canonical({"name", "at", "actor", "args", "last_seq"}): a command as the `command` column
    records it on its first event, written from its parts (one per command; a test pins it)."""
    text = _string
    a = "null" if actor is None else text(actor) if actor.__class__ is str else canonical(actor)
    if len(args) == 1:  # `event NAME`, `done STEP`...: one text argument, written without the encoder
        ((k, v),) = args.items()
        args_json = f"{{{text(k)}:{text(v)}}}" if v.__class__ is str and k.__class__ is str else canonical(args)
    else:
        args_json = canonical(args)
    return f'{{"actor":{a},"args":{args_json},"at":{text(at)},"last_seq":{last_seq},"name":{text(name)}}}'


def chain_rows(incident: str, prev_hash: str, events, rows: list, commands=None, null=None) -> str:
    """Hash-chain ``events`` (records: (seq, at, kind, actor, data, text) in seq order, text the
    data's canonical JSON or None; see commands.events_of) of ``incident`` after ``prev_hash``:
    append each one's row (seq, at, kind, actor, data JSON, hash, command) to ``rows`` and return
    the last hash. A row's incident and prev_hash are implied (the store binds them once:
    sqlite.insert_events). ``commands`` maps the seq of each command's
    first event to the command's JSON (the `command` column); other rows get ``null``, as does
    a row without actor (the store passes 0, which SQL writes as NULL).

    The bulk form of event_hash(), with the body of hashed_body() written inline
    (a test pins that both give the same hashes): an instant drill hashes every
    event it writes here. The body's text before the data is shared by a command's
    events (one time, one actor), the text after it by the events of one kind.
    """
    new = openssl_sha256() if len(events) >= BULK else None  # a command's few: sha256_hex's choice
    mark = (commands or {}).get
    enc = canonical
    text = _string  # canonical() of a str, without the encoder's machinery
    inc = text(incident)
    tails: dict = {}  # kind -> the body after the data, up to the seq
    actors: dict = {}  # actor -> its JSON
    add = rows.append
    h = prev_hash
    last_at = last_actor = _NO_EVENT  # the last event's time and actor (compared by identity: a
    head = row_actor = None  # command's events share both objects), its body before the data, its actor column
    for seq, at, kind, actor, data, data_text in events:
        if at is not last_at or actor is not last_actor:  # equal but other objects: the same head again
            last_at, last_actor = at, actor
            if actor is None:
                a, row_actor = "null", null
            else:
                a = actors.get(actor) or actors.setdefault(actor, text(actor) if actor.__class__ is str else enc(actor))
                row_actor = actor
            head = f'{{"actor":{a},"at":{text(at)},"data":'
        data = data_text or enc(data)  # the runner writes the text of its frequent events itself
        tail = tails.get(kind) or tails.setdefault(kind, f',"incident":{inc},"kind":{text(kind)},"seq":')
        body = f"{h}{head}{data}{tail}{seq}}}".encode()
        h = new(body).hexdigest() if new is not None else sha256_hex(body)
        add((seq, at, kind, row_actor, data, h, mark(seq, null)))
    return h


def event_hash(prev_hash: str, ev: dict) -> str:
    c = canonical
    body = hashed_body(c(ev["incident"]), ev["seq"], c(ev["at"]), c(ev["kind"]), c(ev["actor"]), c(ev["data"]))
    return link(prev_hash, body)

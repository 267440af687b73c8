"""Event data as the hash chain encodes it, built by the runner from shapes it keeps.

The log hashes and stores each event's data as canonical JSON: sorted keys,
no spaces, UTF-8 text (core/store/chain.py). Most events a runner emits have
data fixed by the plan (an `event` and its name, a step skipped as its phase
is left, a phase entered from another) or fixed but for a few values (a step
activated: its deadline, its timer key). The runner keeps their text, or a
Template of it, and passes it with the event as ``data_json``: the text for
the store to hash and write instead of encoding the same dict again for every
event of every incident.

Both give canonical(data) exactly (tests/core/incident/test_encoded_event_data.py).
"""

from __future__ import annotations

import re
from json.encoder import c_make_encoder, encode_basestring


def _canonical_encoder():
    """canonical(): the same encoder as the store's (sorted keys, no spaces, ensure_ascii off)."""
    if c_make_encoder is None:  # pragma: no cover - pure-Python json
        import json

        return json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode

    def _unserializable(obj):
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")

    enc = c_make_encoder(None, _unserializable, encode_basestring, None, ":", ",", True, False, True)
    join = "".join

    def encode(obj) -> str:
        return join(enc(obj, 0))

    return encode


canonical = _canonical_encoder()

_MARK = re.compile(r'"\\u0000(\d+)\\u0000"')  # how canonical() writes the string "\0<i>\0"


class Template:
    """canonical() of dicts that have the keys and values of ``data`` but for the values of ``slots``.

    ``render(v0, v1, ...)`` gives canonical() of ``data`` with ``slots[i]`` set to ``vi``, or
    None when the fixed values hold a NUL themselves (then the caller's data is encoded as usual).
    """

    __slots__ = ("_pieces", "_slots")

    def __init__(self, data: dict, slots: tuple):
        marked = dict(data)
        for i, k in enumerate(slots):
            marked[k] = f"\x00{i}\x00"  # a string canonical() writes escaped, found by _MARK
        text = canonical(marked)
        pieces = _MARK.split(text)  # text, index, text, index, ..., text (keys sorted)
        order = [int(i) for i in pieces[1::2]]
        if text.count("\\u0000") != 2 * len(slots) or sorted(order) != list(range(len(slots))):
            self._pieces = None
            return
        self._slots = tuple((2 * n + 1, i) for n, i in enumerate(order))  # (position in pieces, slot)
        self._pieces = pieces

    def render(self, *values):
        out = self._pieces
        if out is None:
            return None
        out = out.copy()
        for pos, i in self._slots:
            v = values[i]
            cls = v.__class__
            out[pos] = encode_basestring(v) if cls is str else int.__repr__(v) if cls is int else canonical(v)
        return "".join(out)

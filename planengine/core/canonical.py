"""The canonical JSON form events are hashed in (sorted keys, no spaces, UTF-8 text).

The store hashes and writes events in it; the runner writes the data of its
most frequent events straight in it (emit's ``text``), so the store need not
encode them again. One definition for both: a text that differed from
``canonical(data)`` would break the chain's replay (tests pin that it never does).
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring


def _canonical_encoder():
    """Canonical JSON (sorted keys, no spaces, UTF-8 text): the form events are hashed in.

    json.dumps builds a new C encoder on every call; building it once makes
    encoding an event about 1.6x faster, which the drill replay path feels.
    """
    from json.encoder import c_make_encoder

    if c_make_encoder is None:  # pragma: no cover - pure-Python json
        return json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode

    def _unserializable(obj):
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")

    enc = c_make_encoder(None, _unserializable, encode_basestring, None, ":", ",", True, False, True)
    join = "".join

    def encode(obj) -> str:
        return join(enc(obj, 0))

    return encode


canonical = _canonical_encoder()
string = encode_basestring  # what canonical() writes for a str (the same C function)

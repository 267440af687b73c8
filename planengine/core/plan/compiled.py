"""A loaded Plan as JSON, so a command rebuilds the plan an incident runs without parsing its YAML.

The store keeps this next to the plan's source. It is a cache: the source
and its sha256 stay the record, and a compiled form written by another
version of the model (its ``FORMAT`` differs) is ignored and rebuilt.
Decoding builds only the model's own dataclasses (no pickle: a database
is data, never code).
"""

from __future__ import annotations

import dataclasses
import json

from planengine.core.digest import sha256_hex
from planengine.core.plan import model

_CLASSES = {
    name: obj
    for name, obj in vars(model).items()
    if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == model.__name__
}
# the shape of every model class: a field added or renamed gives a new format
FORMAT = sha256_hex(
    json.dumps({n: [f.name for f in dataclasses.fields(c)] for n, c in sorted(_CLASSES.items())}).encode()
)[:16]


def _encode(obj):
    if dataclasses.is_dataclass(obj):
        cls = type(obj).__name__
        return {"$": cls, **{f.name: _encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)}}
    if isinstance(obj, tuple):
        return {"$t": [_encode(x) for x in obj]}
    if isinstance(obj, list):
        return [_encode(x) for x in obj]
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {"$d": {k: _encode(v) for k, v in obj.items()}}
        return {"$p": [[_encode(k), _encode(v)] for k, v in obj.items()]}
    if isinstance(obj, (set, frozenset)):
        return {"$s": sorted(_encode(x) for x in obj)}
    return obj


def _decode(obj):
    if isinstance(obj, list):
        return [_decode(x) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if "$t" in obj:
        return tuple(_decode(x) for x in obj["$t"])
    if "$d" in obj:
        return {k: _decode(v) for k, v in obj["$d"].items()}
    if "$p" in obj:
        return {_decode(k): _decode(v) for k, v in obj["$p"]}
    if "$s" in obj:
        return frozenset(_decode(x) for x in obj["$s"])
    cls = _CLASSES[obj["$"]]  # KeyError: not a model class
    return cls(**{k: _decode(v) for k, v in obj.items() if k != "$"})


def dumps(plan) -> str:
    return json.dumps(_encode(plan), ensure_ascii=False, separators=(",", ":"))


def loads(text: str):
    """The Plan encoded by dumps(); raises ValueError when ``text`` is not one."""
    try:
        plan = _decode(json.loads(text))
    except (KeyError, TypeError) as e:
        raise ValueError(f"not a compiled plan: {e}") from None
    if not isinstance(plan, model.Plan):
        raise ValueError("not a compiled plan")
    return plan

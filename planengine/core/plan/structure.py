"""Whether a plan or drill fits its JSON Schema, told without importing jsonschema.

Importing jsonschema (with referencing, attrs and its bundled metaschemas)
costs more than the whole of `plan validate` on a good file. So the loader
first asks :func:`fits`, which answers for the keywords our own schemas use
(planengine/core/plan/schema.py) with jsonschema's Draft 2020-12 meaning:
types as jsonschema's type checker has them (1.0 is an integer, booleans are
not numbers), ``const``/``enum`` with its bool-aware equality, ``pattern`` with
``re.search``. A file that fits needs nothing more; one that does not goes to
jsonschema, which stays the validator of record and says every problem with
its position (:func:`planengine.core.plan.source.schema_problems`). Each
schema is compiled once per process into nested checks.

A keyword this module does not know raises :class:`Unsupported`, which the
caller treats as "ask jsonschema". tests/core/plan/test_structure.py checks
that both give the same verdict on every shipped plan and drill, every test
plan, and generated mutations of them.
"""

from __future__ import annotations

import re

# annotations: they say nothing about validity
_IGNORED = frozenset(("$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples"))


class Unsupported(Exception):
    """The schema uses a keyword this module does not evaluate."""


def fits(schema, data) -> bool:
    """True when ``data`` is valid against ``schema`` (a JSON Schema of our subset), else False.

    The schema is compiled once per process into nested checks (:func:`compile_schema`).
    """
    check = _compiled.get(id(schema))
    if check is None or check[0] is not schema:
        check = _compiled[id(schema)] = (schema, compile_schema(schema))
    return check[1](data)


_compiled: dict = {}  # id(schema) -> (schema, check)


def subschema_check(root, node):
    """A function data -> bool for ``node``, a subschema of ``root`` (its $refs point into
    ``root``), compiled once per process; raises Unsupported like :func:`compile_schema`."""
    entry = _subschemas.get(id(root))
    if entry is None or entry[0] is not root:
        entry = _subschemas[id(root)] = (root, {})
    return _compile(node, root, entry[1])


_subschemas: dict = {}  # id(root schema) -> (root schema, {id(node): check})


def compile_schema(schema):
    """A function data -> bool for ``schema``; raises Unsupported for a keyword it does not know."""
    cache: dict = {}
    return _compile(schema, schema, cache)


def _compile(node, root, cache):
    if node is True:
        return _always
    if node is False:
        return _never
    key = id(node)
    done = cache.get(key)
    if done is not None:
        return done
    box = []
    cache[key] = lambda data: box[0](data)  # a $ref back to this node, while it is being compiled
    checks = []
    if "properties" in node or "additionalProperties" in node:
        checks.append(_m_object(node, root, cache))
    for word, value in node.items():
        if word in _IGNORED or word in ("then", "else", "properties", "additionalProperties"):
            continue  # then/else: read with "if"; the object keywords: above
        make = _MAKERS.get(word)
        if make is None:
            raise Unsupported(word)
        checks.append(make(value, node, root, cache))
    checks = tuple(checks)

    def check(data):
        for c in checks:
            if not c(data):
                return False
        return True

    fn = checks[0] if len(checks) == 1 else (_always if not checks else check)
    box.append(fn)
    cache[key] = fn
    return fn


def _always(data):
    return True


def _never(data):
    return False


def _is_type(data, name) -> bool:
    if name == "object":
        return isinstance(data, dict)
    if name == "array":
        return isinstance(data, list)
    if name == "string":
        return isinstance(data, str)
    if name == "boolean":
        return isinstance(data, bool)
    if name == "null":
        return data is None
    if isinstance(data, bool):
        return False
    if name == "integer":
        return isinstance(data, int) or (isinstance(data, float) and data.is_integer())
    if name == "number":
        return isinstance(data, (int, float))
    raise Unsupported(f"type {name!r}")


def _equal(one, two) -> bool:
    """jsonschema's equality: True is not 1, lists and mappings compared item by item."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(_equal(v, two[k]) for k, v in one.items())
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    return one == two


def _ref(root, ref):
    if not ref.startswith("#/"):
        raise Unsupported(f"$ref {ref!r}")
    node = root
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _m_ref(value, node, root, cache):
    return _compile(_ref(root, value), root, cache)


def _is_integer(data) -> bool:
    return _is_type(data, "integer")


def _is_number(data) -> bool:
    return _is_type(data, "number")


# each type's test as one call (a document's every value is tested for its type)
_TYPE_TESTS = {
    "object": lambda data: isinstance(data, dict),
    "array": lambda data: isinstance(data, list),
    "string": lambda data: isinstance(data, str),
    "boolean": lambda data: isinstance(data, bool),
    "null": lambda data: data is None,
    "integer": _is_integer,
    "number": _is_number,
}


def _m_type(value, node, root, cache):
    names = tuple(value) if isinstance(value, list) else (value,)
    for name in names:
        _is_type(None, name)  # Unsupported now, not at the first document
    tests = tuple(_TYPE_TESTS[name] for name in names)
    if len(tests) == 1:
        return tests[0]
    return lambda data: any(test(data) for test in tests)


def _m_enum(value, node, root, cache):
    return lambda data: any(_equal(data, v) for v in value)


def _m_const(value, node, root, cache):
    return lambda data: _equal(data, value)


def _m_required(value, node, root, cache):
    keys = frozenset(value)
    return lambda data: not isinstance(data, dict) or data.keys() >= keys


def _m_dependent_required(value, node, root, cache):
    pairs = tuple((k, tuple(deps)) for k, deps in value.items())
    return lambda data: not isinstance(data, dict) or all(d in data for k, deps in pairs if k in data for d in deps)


def _m_object(node, root, cache):
    """``properties`` and ``additionalProperties`` in one pass over the object's own keys."""
    if "patternProperties" in node:
        raise Unsupported("patternProperties")
    subs = {k: _compile(sub, root, cache) for k, sub in node.get("properties", {}).items()}
    more = node.get("additionalProperties", True)
    extra = None if more is False else _compile(more, root, cache)  # None: no other keys allowed

    def check(data):
        if not isinstance(data, dict):
            return True
        for k, v in data.items():
            sub = subs.get(k, extra)
            if sub is None or not sub(v):
                return False
        return True

    return check


def _m_property_names(value, node, root, cache):
    sub = _compile(value, root, cache)
    return lambda data: not isinstance(data, dict) or all(sub(k) for k in data)


def _m_items(value, node, root, cache):
    if not isinstance(value, (dict, bool)):
        raise Unsupported("items as a list")
    sub = _compile(value, root, cache)
    return lambda data: not isinstance(data, list) or all(sub(x) for x in data)


def _m_size(kind, test):
    def make(value, node, root, cache):
        return lambda data: not isinstance(data, kind) or test(len(data), value)

    return make


def _m_pattern(value, node, root, cache):
    search = re.compile(value).search
    return lambda data: not isinstance(data, str) or search(data) is not None


def _m_minimum(value, node, root, cache):
    return lambda data: not _is_type(data, "number") or not data < value


def _m_maximum(value, node, root, cache):
    return lambda data: not _is_type(data, "number") or not data > value


def _m_any_of(value, node, root, cache):
    subs = tuple(_compile(sub, root, cache) for sub in value)
    return lambda data: any(sub(data) for sub in subs)


def _m_all_of(value, node, root, cache):
    subs = tuple(_compile(sub, root, cache) for sub in value)
    return lambda data: all(sub(data) for sub in subs)


def _m_one_of(value, node, root, cache):
    subs = tuple(_compile(sub, root, cache) for sub in value)
    return lambda data: sum(1 for sub in subs if sub(data)) == 1


def _m_not(value, node, root, cache):
    sub = _compile(value, root, cache)
    return lambda data: not sub(data)


def _m_if(value, node, root, cache):
    test = _compile(value, root, cache)
    then = _compile(node["then"], root, cache) if "then" in node else _always
    other = _compile(node["else"], root, cache) if "else" in node else _always
    return lambda data: then(data) if test(data) else other(data)


_MAKERS = {
    "$ref": _m_ref,
    "type": _m_type,
    "enum": _m_enum,
    "const": _m_const,
    "required": _m_required,
    "dependentRequired": _m_dependent_required,
    "propertyNames": _m_property_names,
    "minProperties": _m_size(dict, lambda n, bound: n >= bound),
    "maxProperties": _m_size(dict, lambda n, bound: n <= bound),
    "items": _m_items,
    "minItems": _m_size(list, lambda n, bound: n >= bound),
    "maxItems": _m_size(list, lambda n, bound: n <= bound),
    "pattern": _m_pattern,
    "minimum": _m_minimum,
    "maximum": _m_maximum,
    "anyOf": _m_any_of,
    "allOf": _m_all_of,
    "oneOf": _m_one_of,
    "not": _m_not,
    "if": _m_if,
}

"""Whether a plan or drill fits its JSON Schema, told without importing jsonschema.

Importing jsonschema (with referencing, attrs and its bundled metaschemas)
costs more than the whole of `plan validate` on a good file. So the loader
first asks :func:`fits`, which answers for the keywords our own schemas use
(planengine/core/plan/schema.py) with jsonschema's Draft 2020-12 meaning:
types as jsonschema's type checker has them (1.0 is an integer, booleans are
not numbers), ``const``/``enum`` with its bool-aware equality, ``pattern`` with
``re.search``. A file that fits needs nothing more; one that does not goes to
jsonschema, which stays the validator of record and says every problem with
its position (:func:`planengine.core.plan.source.schema_problems`).

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


def fits(schema, data, root=None) -> bool:
    """True when ``data`` is valid against ``schema`` (a JSON Schema of our subset), else False."""
    return _fits(schema, data, schema if root is None else root)


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


def _fits(schema, data, root) -> bool:
    if schema is True:
        return True
    if schema is False:
        return False
    for key, value in schema.items():
        if key in _IGNORED:
            continue
        check = _KEYWORDS.get(key)
        if check is None:
            if key in ("then", "else"):  # read with "if"
                continue
            raise Unsupported(key)
        if not check(value, data, schema, root):
            return False
    return True


def _type(value, data, schema, root):
    names = value if isinstance(value, list) else [value]
    return any(_is_type(data, n) for n in names)


def _properties(value, data, schema, root):
    if not isinstance(data, dict):
        return True
    return all(_fits(sub, data[k], root) for k, sub in value.items() if k in data)


def _additional(value, data, schema, root):
    if not isinstance(data, dict):
        return True
    if "patternProperties" in schema:
        raise Unsupported("patternProperties")
    known = schema.get("properties", {})
    extras = [k for k in data if k not in known]
    if value is False:
        return not extras
    if value is True:
        return True
    return all(_fits(value, data[k], root) for k in extras)


def _if(value, data, schema, root):
    branch = schema.get("then") if _fits(value, data, root) else schema.get("else")
    return True if branch is None else _fits(branch, data, root)


def _one_of(value, data, schema, root):
    return sum(1 for sub in value if _fits(sub, data, root)) == 1


def _pattern(value, data, schema, root):
    return not isinstance(data, str) or re.search(value, data) is not None


def _number(test):
    def check(value, data, schema, root):
        return not _is_type(data, "number") or test(data, value)

    return check


def _size(kind, test):
    def check(value, data, schema, root):
        return not isinstance(data, kind) or test(len(data), value)

    return check


_KEYWORDS = {
    "$ref": lambda value, data, schema, root: _fits(_ref(root, value), data, root),
    "type": _type,
    "enum": lambda value, data, schema, root: any(_equal(data, v) for v in value),
    "const": lambda value, data, schema, root: _equal(data, value),
    "required": lambda value, data, schema, root: not isinstance(data, dict) or all(k in data for k in value),
    "dependentRequired": lambda value, data, schema, root: (
        not isinstance(data, dict) or all(d in data for k, deps in value.items() if k in data for d in deps)
    ),
    "properties": _properties,
    "additionalProperties": _additional,
    "propertyNames": lambda value, data, schema, root: (
        not isinstance(data, dict) or all(_fits(value, k, root) for k in data)
    ),
    "minProperties": _size(dict, lambda n, bound: n >= bound),
    "maxProperties": _size(dict, lambda n, bound: n <= bound),
    "items": lambda value, data, schema, root: (
        not isinstance(data, list) or all(_fits(value, item, root) for item in data)
    ),
    "minItems": _size(list, lambda n, bound: n >= bound),
    "maxItems": _size(list, lambda n, bound: n <= bound),
    "pattern": _pattern,
    "minimum": _number(lambda x, bound: not x < bound),
    "maximum": _number(lambda x, bound: not x > bound),
    "anyOf": lambda value, data, schema, root: any(_fits(sub, data, root) for sub in value),
    "allOf": lambda value, data, schema, root: all(_fits(sub, data, root) for sub in value),
    "oneOf": _one_of,
    "not": lambda value, data, schema, root: not _fits(value, data, root),
    "if": _if,
}

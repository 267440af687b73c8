"""Safe YAML reading that remembers where every value came from.

Plans are data: only the safe loader is used, documents over ``MAX_BYTES``
and alias expansions over ``MAX_NODES`` are refused before anything is built,
duplicate keys are errors, and timestamps stay strings.
"""

from __future__ import annotations

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeLoader as _Loader

MAX_BYTES = 1_000_000
MAX_NODES = 200_000


class Problem:
    __slots__ = ("file", "line", "col", "message", "severity")

    def __init__(self, file, line, col, message, severity="error"):
        self.file, self.line, self.col = file, line, col
        self.message, self.severity = message, severity

    def __str__(self):
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}"

    def to_dict(self):
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "severity": self.severity,
            "message": self.message,
        }


class SourceError(Exception):
    """One or more problems with a plan or drill file."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class Located:
    """Plain Python data plus the (line, col) of each value and mapping key."""

    def __init__(self, file: str, text: str, data, positions: dict):
        self.file, self.text, self.data, self.positions = file, text, data, positions

    def pos(self, path, key=False):
        """Position of the value at ``path`` (or of its key), else of its nearest parent."""
        path = tuple(path)
        if key and ("key",) + path in self.positions:
            return self.positions[("key",) + path]
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))

    def problem(self, path, message, key=False, severity="error"):
        line, col = self.pos(path, key)
        return Problem(self.file, line, col, message, severity)


def _mark(node):
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _expanded_size(root) -> int:
    """Nodes the document would have with every alias expanded (memoised, so bombs are cheap)."""
    memo = {}

    def size(node):
        key = id(node)
        if key in memo:
            return memo[key]
        memo[key] = 1  # cycles count once
        if isinstance(node, yaml.MappingNode):
            n = 1 + sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            n = 1 + sum(size(v) for v in node.value)
        else:
            n = 1
        memo[key] = n
        return n

    return size(root)


_constructor = yaml.constructor.SafeConstructor()


def _scalar(node):
    if node.tag == "tag:yaml.org,2002:timestamp":
        return node.value
    return _constructor.construct_object(node, deep=True)


def read(file: str, text: str | None = None) -> Located:
    """Parse a YAML file into Located data, or raise SourceError."""
    if text is None:
        try:
            with open(file, "rb") as fh:
                raw = fh.read(MAX_BYTES + 1)
        except OSError as e:
            raise SourceError([Problem(file, 1, 1, f"cannot read: {e.strerror}")]) from None
        if len(raw) > MAX_BYTES:
            raise SourceError([Problem(file, 1, 1, f"file is larger than {MAX_BYTES} bytes")])
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise SourceError([Problem(file, 1, 1, f"not UTF-8 text ({e.reason})")]) from None
    elif len(text.encode("utf-8")) > MAX_BYTES:
        raise SourceError([Problem(file, 1, 1, f"file is larger than {MAX_BYTES} bytes")])
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        msg = " ".join(str(x) for x in (e.context, e.problem) if x)
        raise SourceError([Problem(file, line, col, f"YAML syntax: {msg}")]) from None
    except yaml.YAMLError as e:
        raise SourceError([Problem(file, 1, 1, f"YAML error: {e}")]) from None
    if root is None:
        raise SourceError([Problem(file, 1, 1, "empty document")])
    if _expanded_size(root) > MAX_NODES:
        raise SourceError(
            [Problem(file, *_mark(root), f"document expands to more than {MAX_NODES} nodes (alias bomb?)")]
        )
    positions: dict = {}
    problems: list = []

    def build(node, path):
        positions[path] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            out = {}
            for knode, vnode in node.value:
                if knode.tag == "tag:yaml.org,2002:merge":
                    problems.append(Problem(file, *_mark(knode), "merge keys (<<) are not supported"))
                    continue
                if not isinstance(knode, yaml.ScalarNode):
                    problems.append(Problem(file, *_mark(knode), "mapping keys must be plain scalars"))
                    continue
                key = _scalar(knode)
                if isinstance(key, bool) or key is None:
                    key = knode.value  # `on:`/`yes:`/`null:` keys are names here, not booleans
                if key in out:
                    problems.append(Problem(file, *_mark(knode), f"duplicate key '{key}'"))
                    continue
                positions[("key",) + path + (key,)] = _mark(knode)
                out[key] = build(vnode, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [build(v, path + (i,)) for i, v in enumerate(node.value)]
        try:
            return _scalar(node)
        except yaml.YAMLError as e:
            problems.append(Problem(file, *_mark(node), f"bad value: {e}"))
            return None

    data = build(root, ())
    if problems:
        raise SourceError(problems)
    return Located(file, text, data, positions)


class Checker:
    """Collects problems about one Located source; the base of the plan and drill builders."""

    def __init__(self, src: Located):
        self.src = src
        self.problems: list = []

    def err(self, path, message, key=False):
        self.problems.append(self.src.problem(path, message, key=key))

    def duration(self, value, path) -> int:
        from planengine.core.plan import durations

        try:
            return durations.parse(value)
        except durations.DurationError as e:
            self.err(path, str(e))
            return 0


def schema_problems(src: Located, schema: dict) -> list:
    """Structural problems found by the JSON Schema, with positions and "did you mean"."""
    from jsonschema import Draft202012Validator

    validator = _validator(id(schema), schema, Draft202012Validator)
    problems = []
    for err in validator.iter_errors(src.data):
        problems.extend(_explain(src, err))
    problems.sort(key=lambda p: (p.line, p.col))
    return problems


_validators: dict = {}


def _validator(key, schema, cls):
    v = _validators.get(key)
    if v is None:
        v = _validators[key] = cls(schema)
    return v


def _explain(src: Located, err):
    path = tuple(err.absolute_path)
    where = ".".join(str(p) for p in path) or "document"
    if err.validator == "additionalProperties":
        allowed = list(err.schema.get("properties", {}))
        out = []
        for key in err.instance:
            if key not in allowed:
                hint = did_you_mean(key, allowed)
                out.append(src.problem(path + (key,), f"unknown key '{key}' in {where}{hint}", key=True))
        return out
    if err.validator == "required":
        missing = [k for k in err.validator_value if k not in (err.instance or {})]
        return [src.problem(path, f"{where}: missing key '{missing[0] if missing else '?'}'")]
    if err.validator in ("anyOf", "oneOf") and err.context:
        # the branch that fits the value's shape says what is wrong; type mismatches say nothing
        specific = [e for e in err.context if e.validator not in ("type", "const", "anyOf", "oneOf")]
        if specific:
            return _explain(src, min(specific, key=lambda e: -len(e.absolute_path)))
        desc = err.schema.get("description")
        if desc:
            return [src.problem(path, f"{where}: {err.instance!r} is not valid here: expected {desc}")]
        return [src.problem(path, f"{where}: {err.message}")]
    if err.validator == "propertyNames":
        return [src.problem(path, f"{where}: name {err.instance!r} must match [a-z][a-z0-9_]*")]
    if err.validator == "pattern" and path and path[-1] == "id":
        return [src.problem(path, f"{where}: {err.instance!r} must match [a-z][a-z0-9_]*")]
    return [src.problem(path, f"{where}: {err.message}")]


def did_you_mean(word, choices) -> str:
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""

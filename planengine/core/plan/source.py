"""Safe YAML reading that remembers where every value came from.

Plans are data: only the safe loader is used, documents over ``MAX_BYTES``,
alias expansions over ``MAX_NODES``, nesting deeper than ``MAX_DEPTH`` and
recursive aliases are refused before anything is built, duplicate keys are
errors, and scalars are read with the YAML 1.2 core schema (as editors' YAML
language servers read them): only true/false are booleans, so ``yes``, ``no``,
``on``, ``off`` and ``1:30`` are strings, ``012`` is twelve, timestamps stay strings.
"""

from __future__ import annotations

import math
import operator
import re
from itertools import islice

from planengine.core.patterns import lazy
from planengine.core.plan.yamllib import SafeLoader as _SafeLoader
from planengine.core.plan.yamllib import yaml


class CoreSchemaLoader(_SafeLoader):
    """The safe loader with the YAML 1.2 core schema's implicit types instead of YAML 1.1's.

    https://yaml.org/spec/1.2.2/#1032-tag-resolution; the merge key ``<<`` is
    still recognised, only so that it can be refused with a clear message.
    """

    yaml_implicit_resolvers: dict = {}


for _tag, _regexp, _first in (
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", ["<"]),
):
    # compiled when first matched: most files never match the null, bool and merge patterns (the
    # words they match whole are looked up first) and some never hold a number
    CoreSchemaLoader.add_implicit_resolver(_tag, lazy(_regexp), _first)

# The tags above without a regular expression for most scalars: the words the null, bool and merge
# patterns match whole, and the first characters of the numbers' patterns (int, float). A plain
# scalar that is none of the words and starts otherwise is a string; anything else (a number,
# a value ending in a line break, which `$` lets those patterns match too) is tried against the
# patterns for its first character, in order, as PyYAML's resolver does.
_WORDS = {
    **dict.fromkeys(("~", "null", "Null", "NULL", ""), "tag:yaml.org,2002:null"),
    **dict.fromkeys(("true", "True", "TRUE", "false", "False", "FALSE"), "tag:yaml.org,2002:bool"),
    "<<": "tag:yaml.org,2002:merge",
}
_NUMBER_FIRST = frozenset("-+.0123456789")
_WILDCARD = tuple(CoreSchemaLoader.yaml_implicit_resolvers.get(None, ()))
_BY_FIRST = {c: tuple(rs) + _WILDCARD for c, rs in CoreSchemaLoader.yaml_implicit_resolvers.items() if c is not None}


_SCALAR_NODE, _SEQUENCE_NODE, _MAPPING_NODE = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
_STR_TAG = CoreSchemaLoader.DEFAULT_SCALAR_TAG
_SEQ_TAG, _MAP_TAG = CoreSchemaLoader.DEFAULT_SEQUENCE_TAG, CoreSchemaLoader.DEFAULT_MAPPING_TAG


def _resolve(self, kind, value, implicit):
    """PyYAML's ``BaseResolver.resolve`` for this loader (tests/core/plan/test_reading.py compares
    them): the composer asks it the tag of every node, and most are strings."""
    if kind is _SCALAR_NODE:
        if implicit[0]:
            tag = _WORDS.get(value)
            if tag is not None:
                return tag
            if value[:1] in _NUMBER_FIRST or value[-1:] == "\n" or _WILDCARD:
                for tag, regexp in _BY_FIRST.get(value[:1], _WILDCARD):
                    if regexp.match(value):
                        return tag
        return _STR_TAG
    if kind is _SEQUENCE_NODE:
        return _SEQ_TAG
    if kind is _MAPPING_NODE:
        return _MAP_TAG
    return None


def _no_path_resolvers(cls, *args, **kwargs):
    raise TypeError("CoreSchemaLoader takes no path resolvers")


CoreSchemaLoader.resolve = _resolve
# The composer tells the resolver about every node it enters and leaves, so that path resolvers can
# track where they are. This loader has none, so there is nothing to track: both are C functions
# that do nothing with their arguments (a Python no-op would cost a call frame per node, about a
# tenth of composing a plan).
CoreSchemaLoader.descend_resolver = staticmethod(operator.is_)  # (current_node, current_index): ignored
CoreSchemaLoader.ascend_resolver = staticmethod(tuple)  # (): ignored
CoreSchemaLoader.add_path_resolver = classmethod(_no_path_resolvers)

MAX_BYTES = 1_000_000
MAX_NODES = 200_000
# Real plans nest about 8 levels (phases > phase > steps > step > if > all > item > fact);
# 100 leaves room for any hand-written condition and stops recursion long before Python's limit.
MAX_DEPTH = 100
MAX_SHOWN = 80  # characters of a value quoted back in a message
MAX_PROBLEMS = 100  # problems reported per file: a hostile file cannot flood the terminal or the CPU
MAX_ERRORS = 3 * MAX_PROBLEMS  # JSON Schema errors explained per file (several may share a position)


def short(value, limit: int = MAX_SHOWN) -> str:
    """``repr(value)``, cut to ``limit`` characters: messages never echo a whole value."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


MAX_BYTES = 1_000_000
MAX_NODES = 200_000


class Problem:
    __slots__ = ("file", "line", "col", "message", "severity")

    def __init__(self, file, line, col, message, severity="error"):
        self.file, self.line, self.col = file, line, col
        self.message, self.severity = _one_line(message), severity

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


def _one_line(message) -> str:
    """A message as one line of at most 300 characters (values in it may come from any file)."""
    text = printable(" ".join(str(message).split()))
    return text if len(text) <= 300 else text[:297] + "..."


def printable(text: str) -> str:
    """``text`` with every control or format character (NUL, ESC, bidi overrides ...) written as an
    escape, so a value quoted from a file can never drive the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


class SourceError(Exception):
    """One or more problems with a plan or drill file (the first MAX_PROBLEMS of them, then a count)."""

    def __init__(self, problems):
        problems = list(problems)
        if len(problems) > MAX_PROBLEMS:
            first = problems[MAX_PROBLEMS]
            problems = problems[:MAX_PROBLEMS]
            more = f"more problems not shown (only the first {MAX_PROBLEMS} are): fix these first"
            problems.append(Problem(first.file, first.line, first.col, more))
        self.problems = problems
        super().__init__("\n".join(str(p) for p in self.problems))


class Located:
    """Plain Python data plus where each value and mapping key came from.

    The positions are not tabulated while the file is read: a file that checks
    out is asked about a few hundred of its thousands of values (the `loc` of
    steps, conditions, actions), and a position is found when asked for by
    walking the composed YAML nodes along the path (:meth:`pos`).
    """

    def __init__(self, file: str, text: str, data, root):
        self.file, self.text, self.data = file, text, data
        self._root = root  # the composed node of ``data``
        self._parents: dict = {}  # path -> (key node, node, data, found) of a value asked about
        self._keys: dict = {}  # id(mapping node) -> {key: (key node, value node)}, when data was changed

    def pos(self, path, key=False):
        """Position of the value at ``path`` (or of its key), else of its nearest parent."""
        path = tuple(path)
        if not path:
            return _mark(self._root)
        # the parent is walked to once: the paths asked about come in families (a phase's steps)
        parent = path[:-1]
        hit = self._parents.get(parent)
        if hit is None:
            hit = self._parents[parent] = self._walk(parent)
        knode, node, value, found = hit
        if found:
            child = self._step(node, value, path[-1])
            if child is not None:
                knode, node, _ = child
                return _mark(knode if key and knode is not None else node)
        return _mark(node)  # no such value: its nearest parent that is there

    def problem(self, path, message, key=False, severity="error"):
        line, col = self.pos(path, key)
        return Problem(self.file, line, col, message, severity)

    def _walk(self, path):
        if not path:
            return None, self._root, self.data, True
        parent = path[:-1]  # itself walked to once: a phase's steps share it
        hit = self._parents.get(parent)
        if hit is None:
            hit = self._parents[parent] = self._walk(parent)
        knode, node, value, found = hit
        if not found:
            return hit
        child = self._step(node, value, path[-1])
        if child is None:
            return knode, node, value, False
        return (*child, True)

    def _step(self, node, value, part):
        """(key node or None, node, data) of the item ``part`` of ``node``, whose data is ``value``."""
        items = node.value
        if isinstance(node, _MAPPING_NODE):
            if type(value) is dict and len(value) == len(items):
                # the data's keys are the file's, in the file's order: the item is found by its
                # place there, with the data's own key (nan, a key no other value equals, too)
                keys = list(value)
                try:
                    i = keys.index(part)
                except ValueError:
                    return None
                knode, vnode = items[i]
                return knode, vnode, value[keys[i]]
            keys = self._keys.get(id(node))
            if keys is None:
                keys = self._keys[id(node)] = _mapping_keys(node)
            hit = keys.get(part)
            return None if hit is None else (hit[0], hit[1], None)
        if isinstance(node, _SEQUENCE_NODE):
            if isinstance(part, float) and part.is_integer():
                part = int(part)  # 1.0 names item 1, as it does in a tuple path
            if not isinstance(part, int) or not 0 <= part < len(items):
                return None
            return None, items[part], value[part] if type(value) is list and part < len(value) else None
        return None


def _mapping_keys(node) -> dict:
    """{key: (key node, value node)} of a mapping node of a file read without problems."""
    out = {}
    for knode, vnode in node.value:
        if type(knode) is _SCALAR_NODE and knode.tag == _STR:
            key = knode.value
        else:
            try:
                key = _scalar(knode)
            except _BadValue:  # cannot happen in a file read without problems
                continue
            if isinstance(key, bool) or key is None:
                key = knode.value
        out.setdefault(key, (knode, vnode))
    return out


def _mark(node):
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _shape_problem(root):
    """(node, message) for a recursive alias, nesting deeper than MAX_DEPTH, or a document that
    expands to more than MAX_NODES nodes with every alias expanded (an alias bomb), else None.

    One iterative pass, so no document can exhaust Python's recursion limit here;
    heights and expanded sizes are memoised per node, so bombs are cheap. Each
    collection's children are listed once; scalars (most nodes) are never pushed.
    """
    mapping, sequence, scalar = yaml.MappingNode, yaml.SequenceNode, yaml.ScalarNode

    def children(node):
        if isinstance(node, mapping):
            return [x for kv in node.value for x in kv]
        if isinstance(node, sequence):
            return node.value
        return ()

    leaf = (1, 1)
    seen: dict = {}  # id(node) -> (height, expanded size)
    on_path = {id(root)}
    kids = children(root)
    stack = [(root, kids, iter(kids))]
    limit = MAX_DEPTH + 1
    while stack:
        node, kids, it = stack[-1]
        for child in it:
            cid = id(child)
            if cid in on_path:
                return child, "recursive alias: an anchored value contains itself"
            if cid not in seen:
                if isinstance(child, scalar):
                    seen[cid] = leaf
                    continue
                grand = children(child)
                on_path.add(cid)
                stack.append((child, grand, iter(grand)))
                break
        else:
            stack.pop()
            nid = id(node)
            on_path.discard(nid)
            h, n = 0, 1
            for c in kids:
                ch, cn = seen[id(c)]
                if ch > h:
                    h = ch
                n += cn
            h += 1
            if h > limit:
                return node, f"nesting deeper than {MAX_DEPTH} levels"
            seen[nid] = (h, n)
    if seen[id(root)][1] > MAX_NODES:
        return root, f"document expands to more than {MAX_NODES} nodes (alias bomb?)"
    return None


class _BadValue(ValueError):
    pass


def _int(text: str) -> int:
    s = text.strip()
    if len(s) > 4000:  # Python refuses int() of 4300+ decimal digits; no plan needs a tenth of that
        raise _BadValue(f"integer {short(text)} has more than 4000 digits")
    digits = s[1:] if s[:1] in ("-", "+") else s
    if digits.isascii() and digits.isdigit():  # [-+]?[0-9]+ (an ASCII isdigit() is 0-9)
        return int(s)
    if re.fullmatch(r"0o[0-7]+", s):
        return int(s[2:], 8)
    if re.fullmatch(r"0x[0-9a-fA-F]+", s):
        return int(s[2:], 16)
    raise _BadValue(f"{short(text)} is not an integer (YAML 1.2: 12, -3, 0o17, 0x1F)")


def _float(text: str) -> float:
    s = text.strip()
    low = s.lower()
    if low in (".inf", "+.inf"):
        return math.inf
    if low == "-.inf":
        return -math.inf
    if low == ".nan":
        return math.nan
    if re.fullmatch(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?", s):
        return float(s)
    raise _BadValue(f"{short(text)} is not a number")


def _bool(text: str) -> bool:
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    raise _BadValue(f"{short(text)} is not a boolean (true or false)")


_SCALARS = {
    "tag:yaml.org,2002:str": str,
    "tag:yaml.org,2002:null": lambda text: None,
    "tag:yaml.org,2002:bool": _bool,
    "tag:yaml.org,2002:int": _int,
    "tag:yaml.org,2002:float": _float,
    "tag:yaml.org,2002:timestamp": str,  # only from an explicit !!timestamp: kept as written
}


_COLLECTIONS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


def _scalar(node):
    if not isinstance(node, _SCALAR_NODE):
        raise _BadValue("expected a single value here")
    conv = _SCALARS.get(node.tag)
    if conv is None:
        raise _BadValue(f"unsupported tag {short(node.tag)}: plans use plain YAML values")
    return conv(node.value)


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
        root = yaml.compose(text, Loader=CoreSchemaLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        msg = " ".join(str(x) for x in (e.context, e.problem) if x)
        raise SourceError([Problem(file, line, col, f"YAML syntax: {msg}")]) from None
    except yaml.reader.ReaderError as e:  # a character YAML does not allow (NUL, most C0 controls)
        pos = min(max(e.position, 0), len(text))
        line, col = text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)
        what = f"U+{e.character:04X}" if isinstance(e.character, int) else repr(e.character)
        raise SourceError(
            [Problem(file, line, col, f"YAML syntax: the control character {what} is not allowed")]
        ) from None
    except yaml.YAMLError as e:
        raise SourceError([Problem(file, 1, 1, f"YAML error: {e}")]) from None
    if root is None:
        raise SourceError([Problem(file, 1, 1, "empty document")])
    if "*" in text:
        # aliases may expand without bound (an alias bomb, a recursive alias): measure the
        # expanded document, memoised per node, before anything is built
        bad = _shape_problem(root)
        if bad is not None:
            raise SourceError([Problem(file, *_mark(bad[0]), bad[1])])
    builder = _DataBuilder(file)
    try:
        data = builder.value(root, 1)
        problems = builder.problems
    except _TooBig:
        data, problems = None, None
    if problems is None or problems:
        # the shape comes first: a document too deep or too big is reported as that, whatever
        # else is wrong in it (the builder leaves out what it cannot read; this pass counts it)
        bad = _shape_problem(root)
        if bad is None and problems is None:  # pragma: no cover - _TooBig implies a shape problem
            bad = root, f"document expands to more than {MAX_NODES} nodes (alias bomb?)"
        if bad is not None:
            raise SourceError([Problem(file, *_mark(bad[0]), bad[1])])
        raise SourceError(problems)
    return Located(file, text, data, root)


_STR = _STR_TAG  # "tag:yaml.org,2002:str", the object the resolver hands out
_MERGE = "tag:yaml.org,2002:merge"


class _TooBig(Exception):
    """The document nests deeper than MAX_DEPTH or has more than MAX_NODES nodes."""


class _DataBuilder:
    """Plain data from composed nodes, with a problem for each value plans cannot hold.

    It counts the nodes and the depth as it goes and stops (:class:`_TooBig`) as soon
    as the document is too big or too deep for :func:`_shape_problem` to let it pass,
    so the shape pass is only needed for a document with aliases or with problems.
    Plain strings, most of any plan, are taken as they are without a call each.
    """

    __slots__ = ("file", "problems", "count")

    def __init__(self, file):
        self.file = file
        self.problems = _Capped()
        self.count = 1

    def problem(self, node, message):
        self.problems.append(Problem(self.file, *_mark(node), message))

    def value(self, node, depth):
        if isinstance(node, _SCALAR_NODE):
            try:
                return _scalar(node)
            except _BadValue as e:
                self.problem(node, f"bad value: {e}")
                return None
        if node.tag not in _COLLECTIONS:
            self.problem(node, f"unsupported tag {short(node.tag)}: plans use plain YAML values")
            return None
        items = node.value
        mapping = isinstance(node, _MAPPING_NODE)
        if items:
            if depth > MAX_DEPTH:
                raise _TooBig()
            self.count += 2 * len(items) if mapping else len(items)
            if self.count > MAX_NODES:
                raise _TooBig()
        scalar, value = _SCALAR_NODE, self.value
        depth += 1
        if mapping:
            out = {}
            for knode, vnode in items:
                if type(knode) is scalar and knode.tag == _STR:
                    key = knode.value
                else:
                    if knode.tag == _MERGE:
                        self.problem(knode, "merge keys (<<) are not supported")
                        continue
                    if not isinstance(knode, scalar):
                        self.problem(knode, "mapping keys must be plain scalars")
                        continue
                    try:
                        key = _scalar(knode)
                    except _BadValue as e:
                        self.problem(knode, f"bad key: {e}")
                        continue
                    if isinstance(key, bool) or key is None:
                        key = knode.value  # `true:`/`null:` keys are names here, not booleans
                if key in out:
                    self.problem(knode, f"duplicate key {short(key)}")
                    continue
                if type(vnode) is scalar and vnode.tag == _STR:
                    out[key] = vnode.value
                else:
                    out[key] = value(vnode, depth)
            return out
        if isinstance(node, _SEQUENCE_NODE):
            return [v.value if type(v) is scalar and v.tag == _STR else value(v, depth) for v in items]
        return None  # pragma: no cover - a node is a scalar, a mapping or a sequence


class _Capped(list):
    """A list of problems that stops growing a little past MAX_PROBLEMS (SourceError says how many more)."""

    def append(self, item):
        if len(self) <= MAX_PROBLEMS:
            super().append(item)


class Checker:
    """Collects problems about one Located source; the base of the plan and drill builders."""

    def __init__(self, src: Located):
        self.src = src
        self.problems: list = []

    def err(self, path, message, key=False):
        self.problems.append(self.src.problem(path, message, key=key))
        if len(self.problems) > MAX_PROBLEMS:  # enough to fix first: a file of 10,000 bad values stops here
            raise SourceError(sorted(self.problems, key=lambda p: (p.line, p.col)))

    def duration(self, value, path) -> int:
        from planengine.core.plan import durations

        try:
            return durations.parse(value)
        except durations.DurationError as e:
            self.err(path, str(e))
            return 0


def schema_problems(src: Located, schema: dict) -> list:
    """Structural problems found by the JSON Schema, with positions and "did you mean".

    One problem per position: an unknown key explains its object, so the
    object's other complaints (no branch of a condition fits) are left out.
    A file that fits (told by :mod:`planengine.core.plan.structure`, without
    importing jsonschema) has no problems; only one that does not is explained.
    """
    from planengine.core.plan.structure import Unsupported, fits

    try:
        if fits(schema, src.data):
            return []
    except Unsupported:  # a keyword only jsonschema evaluates
        pass
    from jsonschema import Draft202012Validator

    validator = _validator(id(schema), schema, Draft202012Validator)
    # a file with thousands of bad values: the first few hundred errors say more than enough
    errors = list(islice(validator.iter_errors(src.data), MAX_ERRORS + 1))
    if len(errors) > MAX_ERRORS:
        errors.pop()
        capped = True
    else:
        capped = False
    unknown_at = {tuple(e.absolute_path) for e in errors if e.validator == "additionalProperties"}
    problems, seen = [], set()
    for err in errors:
        for p in _explain(src, err, unknown_at):
            if (p.line, p.col) not in seen:
                seen.add((p.line, p.col))
                problems.append(p)
        if len(problems) > MAX_PROBLEMS:
            break
    problems.sort(key=lambda p: (p.line, p.col))
    if capped and len(problems) <= MAX_PROBLEMS:
        last = problems[-1] if problems else Problem(src.file, 1, 1, "")
        problems.append(Problem(src.file, last.line, last.col, "more problems not shown: fix these first"))
    return problems


def merge_problems(structural: list, semantic) -> list:
    """The schema's problems plus those the builder ``semantic()`` finds in the same file.

    The builder expects valid structure: on a structurally broken file it may
    stop anywhere, and then the schema's problems are all there is to say.
    One problem per position, the schema's first.
    """
    try:
        more = semantic()
        if not isinstance(more, list):  # a builder that returned its result: nothing more to say
            more = []
    except SourceError as e:
        more = e.problems
    except Exception:  # noqa: BLE001 - a broken structure, already reported above
        more = []
    seen = {(p.line, p.col) for p in structural}
    out = list(structural) + [p for p in more if (p.line, p.col) not in seen]
    return sorted(out, key=lambda p: (p.line, p.col))


def _leaves(errors):
    for e in errors:
        yield e
        yield from _leaves(e.context or ())


_validators: dict = {}


def _validator(key, schema, cls):
    v = _validators.get(key)
    if v is None:
        v = _validators[key] = _skipping_what_fits(cls, schema)(schema)
    return v


def _skipping_what_fits(cls, root):
    """``cls`` whose `items` and `additionalProperties` descend only into the values that do not
    fit their subschema (told by structure.subschema_check): a 10,000-step plan with one bad key
    is explained in the time its bad parts take, not 10,000 steps' worth of jsonschema. The
    values skipped are those jsonschema finds no error in (tests/core/plan/test_structure.py)."""
    from jsonschema import validators

    from planengine.core.plan.structure import Unsupported, subschema_check

    plain_items, plain_more = cls.VALIDATORS["items"], cls.VALIDATORS["additionalProperties"]

    def check(node):
        try:
            return subschema_check(root, node)
        except Unsupported:
            return None

    def items(validator, sub, instance, schema):
        fits = check(sub) if isinstance(sub, dict) and "prefixItems" not in schema else None
        if fits is None or not isinstance(instance, list):
            yield from plain_items(validator, sub, instance, schema)
            return
        for index, item in enumerate(instance):
            if not fits(item):
                yield from validator.descend(item, sub, path=index)

    def additional(validator, sub, instance, schema):
        fits = check(sub) if isinstance(sub, dict) and "patternProperties" not in schema else None
        if fits is None or not isinstance(instance, dict):
            yield from plain_more(validator, sub, instance, schema)
            return
        named = schema.get("properties", {})
        for key, value in instance.items():
            if key not in named and not fits(value):
                yield from validator.descend(value, sub, path=key)

    return validators.extend(cls, {"items": items, "additionalProperties": additional})


def _explain(src: Located, err, unknown_at=frozenset()):
    path = tuple(err.absolute_path)
    where = ".".join(str(p) for p in path) or "document"
    desc = err.schema.get("description") if isinstance(err.schema, dict) else None
    if err.validator == "additionalProperties":
        allowed = list(err.schema.get("properties", {}))
        out = []
        for key in err.instance:
            if len(out) > MAX_PROBLEMS:
                break
            if key not in allowed:
                hint = did_you_mean(key, allowed)
                out.append(src.problem(path + (key,), f"unknown key {short(key)} in {where}{hint}", key=True))
        return out
    if path in unknown_at and err.validator in ("anyOf", "oneOf", "required", "minProperties", "if"):
        return []
    if err.validator == "required":
        missing = [k for k in err.validator_value if k not in (err.instance or {})]
        keys = ", ".join(f"'{k}'" for k in missing)
        return [src.problem(path, f"{where}: missing key{'s' if len(missing) > 1 else ''} {keys}")]
    if err.validator == "dependentRequired":
        for key, needs in err.validator_value.items():
            if key in err.instance and any(n not in err.instance for n in needs):
                return [src.problem(path + (key,), f"{where}: `{key}:` goes with `{needs[0]}:`", key=True)]
    if err.validator == "oneOf" and all(set(b) <= {"required", "not"} for b in err.validator_value):
        # exactly one of some keys: name them, and the ones given
        keys = [b["required"][0] for b in err.validator_value]
        given = [k for k in keys if k in (err.instance or {})]
        what = f"has {', '.join(given)}" if given else "has none"
        return [src.problem(path, f"{where}: needs exactly one of {', '.join(keys)} ({what})")]
    if err.validator in ("anyOf", "oneOf") and err.context:
        # the branch that fits the value's shape says what is wrong; type mismatches say nothing
        specific = [e for e in _leaves(err.context) if e.validator not in ("type", "const", "anyOf", "oneOf")]
        if specific:
            best = max(specific, key=lambda e: (len(e.absolute_path), e.validator == "additionalProperties"))
            return _explain(src, best)
    from planengine.core.plan.schema import COND_NAME, DURATION_PATTERN, ID, QUALIFIED, RESERVED_EVENTS

    pattern = err.schema.get("pattern") if isinstance(err.schema, dict) else None
    if err.validator == "pattern" and pattern == DURATION_PATTERN:
        return [src.problem(path, f"{where}: bad duration {short(err.instance)}: {_DURATION_HINT}")]
    if err.validator == "pattern" and pattern in (COND_NAME, QUALIFIED):
        what = "action" if path and path[-1] == "action" else "check"
        hint = did_you_mean(err.instance, ["all_done", "any_overdue"]) if pattern == COND_NAME else ""
        hint = hint or f" ({what}s are named plugin.name, e.g. core.facts_present)"
        return [src.problem(path, f"unknown {what} {short(err.instance)}{hint}")]
    if err.validator == "pattern" and pattern == ID:
        return [src.problem(path, f"{where}: {short(err.instance)} must match [a-z][a-z0-9_]*")]
    if err.validator == "not" and err.instance in RESERVED_EVENTS:
        return [src.problem(path, f"{where}: '{err.instance}' is reserved by the state machine: choose another name")]
    if desc and err.validator in ("anyOf", "oneOf", "not", "pattern", "minProperties", "maxProperties", "if"):
        return [src.problem(path, f"{where}: {short(err.instance)} is not valid here: expected {desc}")]
    return [src.problem(path, f"{where}: {_message(err)}")]


_DURATION_HINT = "write e.g. 45s, 30m, 1h30m, 7d or PT30M (ASCII digits)"


def _message(err) -> str:
    """jsonschema's message without the whole instance in it."""
    v, value, inst = err.validator, err.validator_value, short(err.instance)
    if v == "type":
        kinds = value if isinstance(value, list) else [value]
        return f"{inst} is not of type {' or '.join(kinds)}"
    if v == "enum":
        return f"{inst} is not one of {', '.join(map(str, value))}"
    if v == "const":
        return f"{inst} is not {value!r}"
    if v in ("minimum", "maximum"):
        return f"{inst} is {'less' if v == 'minimum' else 'greater'} than the {v} {value}"
    if v == "minItems":
        return f"needs at least {value} item{'s' if value > 1 else ''}"
    if v == "minProperties":
        return "must not be empty"
    if v == "pattern":
        return f"{inst} does not match {value}"
    return _one_line(err.message)[:200]


def did_you_mean(word, choices) -> str:
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""

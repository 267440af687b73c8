"""The schema check without jsonschema gives jsonschema's verdict, file for file.

`plan validate` asks planengine.core.plan.structure first and imports jsonschema only
for a file that does not fit; so a file it calls fine must be one jsonschema calls fine,
and one it refuses must be one jsonschema explains. Checked on every plan and drill in
the repository and on generated mutations of them.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from planengine.core.plan.schema import DRILL_SCHEMA, PLAN_SCHEMA
from planengine.core.plan.source import read
from planengine.core.plan.structure import Unsupported, fits
from tests.core.plan.conftest import value_paths

REPO = Path(__file__).resolve().parents[3]


def _documents():
    out = []
    for path in sorted(REPO.glob("**/*.yaml")):
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        try:
            data = read(str(path)).data
        except Exception:  # noqa: BLE001 - broken on purpose (hostile corpus ...): not a sample here
            continue
        if isinstance(data, dict) and ("phases" in data or "drill" in data):
            out.append((path.relative_to(REPO).as_posix(), data))
    return out


DOCUMENTS = _documents()


def _schema(data):
    return DRILL_SCHEMA if isinstance(data, dict) and "drill" in data else PLAN_SCHEMA


def _jsonschema_ok(schema, data) -> bool:
    return not any(True for _ in Draft202012Validator(schema).iter_errors(data))


def _same_verdict(schema, data):
    try:
        fast = fits(schema, data)
    except Unsupported:
        return  # jsonschema decides alone: no verdict to compare
    assert fast == _jsonschema_ok(schema, data)


def test_the_repository_has_plans_and_drills_to_compare():
    kinds = {"drill" in d for _, d in DOCUMENTS}
    assert len(DOCUMENTS) >= 10 and kinds == {True, False}


@pytest.mark.parametrize("name,data", DOCUMENTS, ids=[n for n, _ in DOCUMENTS])
def test_every_shipped_file_gets_the_verdict_of_jsonschema(name, data):
    _same_verdict(_schema(data), data)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from([1.0, 0.0, -1.5, 2.5, float("nan"), 10**12])
    | st.sampled_from(["", "x", "a.b", "core.facts_present", "10m", "PT5M", "24:00", "07:00-19:00", "IV", "done"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["id", "x", "step", "fact", "eq"]), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def mutated(draw):
    """A shipped plan or drill with one to three values replaced, removed or added."""
    _, doc = draw(st.sampled_from(DOCUMENTS))
    data = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(value_paths(data))
        path = draw(st.sampled_from(paths[1:] or paths))
        if not path:
            break
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        how = draw(st.sampled_from(["replace", "remove", "add"]))
        if how == "remove":
            del parent[path[-1]]
        elif how == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["id", "title", "when", "zzz", "within", "if", "then", "all"]))] = draw(JSON)
        else:
            parent[path[-1]] = draw(JSON)
    return data


@given(mutated())
def test_a_mutated_file_gets_the_verdict_of_jsonschema(data):
    _same_verdict(_schema(data), data)


@given(JSON)
def test_any_document_gets_the_verdict_of_jsonschema(data):
    _same_verdict(PLAN_SCHEMA, data)
    _same_verdict(DRILL_SCHEMA, data)


def test_a_keyword_it_does_not_know_is_left_to_jsonschema():
    with pytest.raises(Unsupported):
        fits({"type": "object", "patternProperties": {"^x": {}}, "additionalProperties": False}, {"x": 1})
    with pytest.raises(Unsupported):
        fits({"uniqueItems": True}, [1, 1])

"""The plan model's classes behave as frozen dataclasses do (they share one base class instead).

Each model class is compared with a real ``@dataclass(frozen=True)`` twin built from
its own fields: construction, defaults, errors, equality, hashing, repr, replace(),
immutability.
"""

from __future__ import annotations

import copy
import dataclasses

import pytest

from planengine.core.plan import compiled, model
from planengine.core.plan.loader import load_plan

CLASSES = [
    obj
    for obj in vars(model).values()
    if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == model.__name__
]


def _twin(cls):
    """A real frozen dataclass with the same fields, defaults and order."""
    spec = []
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            spec.append((f.name, object, dataclasses.field(default=f.default)))
        elif f.default_factory is not dataclasses.MISSING:
            spec.append((f.name, object, dataclasses.field(default_factory=f.default_factory)))
        else:
            spec.append((f.name, object))
    return dataclasses.make_dataclass(cls.__name__, spec, frozen=True)


def _required(cls):
    return [
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]


def test_every_model_class_is_checked():
    assert {c.__name__ for c in CLASSES} >= {"Plan", "Phase", "Step", "Condition", "Action", "Within", "Fact"}


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_a_model_class_behaves_as_a_frozen_dataclass(cls):
    twin = _twin(cls)
    required = _required(cls)
    args = [f"v{i}" for i in range(len(required))]
    ours, theirs = cls(*args), twin(*args)
    assert dataclasses.astuple(ours) == dataclasses.astuple(theirs)
    assert repr(ours) == repr(theirs)
    assert cls(*args) == ours and cls(*args) is not ours
    if cls.__hash__ is model._Record.__hash__:
        assert hash(cls(*args)) == hash(ours)
    kwargs = dict(zip(required, args))
    assert cls(**kwargs) == ours
    with pytest.raises(dataclasses.FrozenInstanceError):
        ours.__setattr__(dataclasses.fields(cls)[0].name, "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        delattr(ours, dataclasses.fields(cls)[0].name)
    too_many = [*args, *range(len(dataclasses.fields(cls)) + 1 - len(args))]
    for make in (cls, twin):
        with pytest.raises(TypeError):
            make(*too_many)
        with pytest.raises(TypeError):
            make(*args, nope=1)
        if required:
            with pytest.raises(TypeError):
                make(*args[:-1])
            with pytest.raises(TypeError):
                make(*args, **{required[0]: "twice"})
    last = dataclasses.fields(cls)[-1].name
    changed = dataclasses.replace(ours, **{last: "changed"})
    assert getattr(changed, last) == "changed" and changed != ours
    assert dataclasses.astuple(changed) == dataclasses.astuple(dataclasses.replace(theirs, **{last: "changed"}))
    assert ours != theirs, "like a dataclass: equal only to its own class"


def test_default_factories_give_each_plan_its_own_mapping():
    args = [f"v{i}" for i in range(len(_required(model.Plan)))]
    one, two = model.Plan(*args), model.Plan(*args)
    assert one.facts == {} and one.facts is not two.facts


def test_a_loaded_plan_survives_copy_and_its_compiled_form(env):
    plan = load_plan(env.plan())
    assert compiled.loads(compiled.dumps(plan)) == plan
    assert copy.deepcopy(plan) == plan
    assert hash(plan) == hash(compiled.loads(compiled.dumps(plan)))

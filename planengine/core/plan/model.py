"""The plan as immutable data: what the loader builds and everything else reads.

Every class is a dataclass (``fields()``, ``replace()``, ``__match_args__``) whose
instances behave as ``@dataclass(frozen=True)`` ones do: assigning or deleting a
field raises FrozenInstanceError, equality and hashing go by the fields in order,
the repr names them. That behaviour comes from one base class, :class:`_Record`,
instead of six methods generated per class: a frozen dataclass compiles those
with ``exec`` at import, about 1 ms a class, which was most of the start-up cost
of a command that loads a plan (tests/core/plan/test_model_records.py pins the
behaviour against real frozen dataclasses).
"""

from dataclasses import MISSING, FrozenInstanceError, dataclass, field
from typing import Any

Loc = tuple  # (line, col), 1-based; (0, 0) when unknown


_UNSET = object()  # in a class's template: a field with no default value (or a default factory)
_TEMPLATES: dict = {}  # model class -> (field names, {name: default or _UNSET}, required, factories)


def _template(cls):
    names = cls.__match_args__
    spec = cls.__dataclass_fields__
    template, required, factories = {}, [], []
    for name in names:
        f = spec[name]
        if f.default is not MISSING:
            template[name] = f.default
        else:
            template[name] = _UNSET
            if f.default_factory is not MISSING:
                factories.append((name, f.default_factory))
            else:
                required.append(name)
    t = _TEMPLATES[cls] = (names, template, tuple(required), tuple(factories))
    return t


class _Record:
    """What ``@dataclass(frozen=True)`` would generate, once for every model class."""

    __slots__ = ()

    def __init__(self, *args, **kwargs):
        # the instance's fields start as a copy of its class's defaults, in field order, and are
        # set as one dict: a plan builds hundreds of these, compiled plans are rebuilt per command
        cls = type(self)
        t = _TEMPLATES.get(cls) or _template(cls)
        names, template, required, factories = t
        values = template.copy()
        if args:
            if len(args) > len(names):
                raise TypeError(f"{cls.__name__}() takes {len(names)} positional arguments but {len(args)} were given")
            for name, value in zip(names, args):
                if name in kwargs:
                    raise TypeError(f"{cls.__name__}() got multiple values for argument {name!r}")
                values[name] = value
        if kwargs:
            values.update(kwargs)
        for name in required:
            if values[name] is _UNSET:
                raise TypeError(f"{cls.__name__}() missing 1 required positional argument: {name!r}")
        for name, factory in factories:
            if values[name] is _UNSET:
                values[name] = factory()
        if len(values) != len(names):
            unexpected = next(k for k in kwargs if k not in template)
            raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {unexpected!r}")
        object.__setattr__(self, "__dict__", values)

    def _values(self) -> tuple:
        return tuple([getattr(self, name) for name in type(self).__match_args__])

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return self._values() == other._values()
        return NotImplemented

    def __hash__(self):
        return hash(self._values())

    def __repr__(self):
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self).__match_args__)
        return f"{type(self).__qualname__}({fields})"

    def __setattr__(self, name, value):
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name):
        raise FrozenInstanceError(f"cannot delete field {name!r}")


record = dataclass(init=False, repr=False, eq=False)  # fields and replace(); the rest from _Record


@record
class Condition(_Record):
    """A declarative condition tree node.

    ``op`` is one of: check, all_done, any_overdue, fact, level_at_least,
    step, all, any, not.
    """

    op: str
    name: str | None = None  # check name, fact name, step id, level
    cmp: str | None = None  # eq ne gt gte lt lte in | is | answer
    value: Any = None
    args: tuple = ()  # check args as sorted (key, value) pairs
    children: tuple = ()
    loc: Loc = (0, 0)

    def check_names(self) -> set:
        """Names of every plugin check in this condition tree."""
        names = {self.name} if self.op == "check" else set()
        for child in self.children:
            names |= child.check_names()
        return names


def _checks(*conds) -> set:
    return set().union(*(c.check_names() for c in conds if c is not None))


@record
class Action(_Record):
    """notify roles, call a plugin action, or write a note."""

    kind: str  # notify | action | note
    roles: tuple = ()
    message: str = ""
    name: str | None = None
    args: tuple = ()
    after: int = 0  # an `overdue:` escalation link: seconds past the deadline it fires at
    after_setting: str | None = None  # `after: {setting: NAME}`: ``after`` above is the plan's default
    loc: Loc = (0, 0)


@record
class Within(_Record):
    """A step's deadline: seconds by day and by night, or calendar days and a local time of day."""

    day: int
    night: int
    days: int | None = None  # calendar days: due on the anchor's local date + days ...
    by: int | None = None  # ... at this local minute of the day (1440: the end of the day)
    setting: str | None = None  # `within: {setting: NAME}`: day/night above are the plan's default

    @property
    def split(self) -> bool:
        return self.day != self.night


@record
class Setting(_Record):
    """A local figure the plan declares (`settings:`): a default a site may override in planengine.yaml."""

    id: str
    default: Any = None
    duration: bool = False  # used as a `within:`: a duration or {day, night}
    # where it stands for a plain duration (`after`, `repeat`, `remind`, `overdue.after`): no {day, night}
    plain: tuple = ()
    title: str = ""
    source: str = ""
    description: str = ""
    loc: Loc = (0, 0)


@record
class Fact(_Record):
    """A typed fact the duty officer records (`facts:`)."""

    id: str
    type: str = "string"
    title: str = ""
    min: float | None = None
    max: float | None = None
    enum: tuple = ()
    default: Any = None
    required: bool = False
    unit: str = ""
    loc: Loc = (0, 0)


@record
class Person(_Record):
    """A person of a role, with the addresses the plan gives."""

    name: str
    phone: str = ""
    email: str = ""


@record
class Role(_Record):
    """Who does steps and who is notified (`roles:`)."""

    id: str
    title: str = ""
    people: tuple = ()
    muster: bool = False
    strength: int | None = None
    description: str = ""
    loc: Loc = (0, 0)


@record
class Step(_Record):
    """A step of a phase's checklist."""

    id: str
    phase: str
    title: str = ""
    role: str | None = None
    within: Within | None = None
    needs: tuple = ()
    if_: Condition | None = None
    check: Condition | None = None
    muster: bool = False
    overdue: tuple = ()  # Actions
    decision: tuple = ()
    description: str = ""
    # the moment the deadline counts from: "activation", "opened", "phase" or a step id
    from_: str = "activation"
    required: bool = False  # a duty leaving the phase never drops; released only by `plan waive`
    repeat: int | None = None  # 续报 cadence: each round is due this long after the previous deadline
    default: str | None = None  # a decision's answer recorded at the deadline when nobody decided
    remind: tuple = ()  # seconds before the deadline at which the role is reminded (unless done or acked)
    # local figures (`{setting: NAME}`): the fields above hold the plan's defaults
    repeat_setting: str | None = None
    remind_settings: tuple = ()  # beside ``remind``, item for item: a setting's name or None (empty: none)
    loc: Loc = (0, 0)

    def checks_used(self) -> set:
        """Check names in the step's `if` and `check` (for plugins' lint hooks)."""
        return _checks(self.if_, self.check)


@record
class Transition(_Record):
    """A way out of a phase: on an event or when a condition holds."""

    to: str
    event: str | None = None
    when: Condition | None = None
    if_: Condition | None = None
    loc: Loc = (0, 0)


@record
class PhaseTimer(_Record):
    """Actions run a fixed time after a phase is entered (`after:`)."""

    after: int
    actions: tuple = ()
    setting: str | None = None  # `after: {setting: NAME}`: ``after`` above is the plan's default
    loc: Loc = (0, 0)


@record
class Phase(_Record):
    """A phase: its checklist, its timers and its ways out."""

    id: str
    title: str = ""
    final: bool = False
    description: str = ""
    enter: tuple = ()
    steps: tuple = ()
    after: tuple = ()
    on: tuple = ()
    loc: Loc = (0, 0)


@record
class LevelRule(_Record):
    """How the response level is computed (`level:`)."""

    check: Condition | None = None  # a check returning the level
    rules: tuple = ()  # ((Condition, level), ...) first match wins
    default: str | None = None
    notify: tuple = ()  # roles told of every level change, with the facts that moved it
    message: str = ""


@record
class Plan(_Record):
    """A loaded plan: what the loader builds from the YAML and every command reads."""

    id: str
    title: str
    version: int
    phases: dict
    initial: str
    lang: str = "zh"
    timezone: str = "Asia/Shanghai"
    daytime: tuple = (7 * 60, 19 * 60)  # minutes since midnight, [start, end)
    uses: tuple = ()
    description: str = ""
    facts: dict = field(default_factory=dict)
    levels: tuple = ()
    level: LevelRule | None = None
    roles: dict = field(default_factory=dict)
    scoring: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)  # id -> Setting
    source: str = ""
    sha256: str = ""
    path: str = ""

    def __hash__(self):
        return hash(self.sha256)

    def steps(self):
        for phase in self.phases.values():
            yield from phase.steps

    def step(self, step_id: str) -> Step | None:
        return self._steps_by_id().get(step_id)

    def _steps_by_id(self):
        cache = self.__dict__.get("_by_id")
        if cache is None:
            cache = {s.id: s for s in self.steps()}
            object.__setattr__(self, "_by_id", cache)
        return cache

    def checks_used(self) -> set:
        """Every check name the plan calls: steps, transitions and `level:`."""
        names = set()
        for phase in self.phases.values():
            for step in phase.steps:
                names |= step.checks_used()
            for t in phase.on:
                names |= _checks(t.when, t.if_)
        if self.level is not None:
            names |= _checks(self.level.check, *(cond for cond, _ in self.level.rules))
        return names

    def actions_used(self) -> set:
        """Every plugin action name the plan calls (enter, overdue, after)."""
        actions = []
        for phase in self.phases.values():
            actions.extend(phase.enter)
            for t in phase.after:
                actions.extend(t.actions)
            for step in phase.steps:
                actions.extend(step.overdue)
        return {a.name for a in actions if a.kind == "action"}

"""The plan as immutable data: what the loader builds and everything else reads."""

from dataclasses import dataclass, field
from typing import Any

Loc = tuple  # (line, col), 1-based; (0, 0) when unknown


@dataclass(frozen=True)
class Condition:
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


@dataclass(frozen=True)
class Action:
    """notify roles, call a plugin action, or write a note."""

    kind: str  # notify | action | note
    roles: tuple = ()
    message: str = ""
    name: str | None = None
    args: tuple = ()
    after: int = 0  # an `overdue:` escalation link: seconds past the deadline it fires at
    loc: Loc = (0, 0)


@dataclass(frozen=True)
class Within:
    """A step's deadline: seconds by day and by night, or calendar days and a local time of day."""

    day: int
    night: int
    days: int | None = None  # calendar days: due on the anchor's local date + days ...
    by: int | None = None  # ... at this local minute of the day (1440: the end of the day)

    @property
    def split(self) -> bool:
        return self.day != self.night


@dataclass(frozen=True)
class Fact:
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


@dataclass(frozen=True)
class Person:
    """A person of a role, with the addresses the plan gives."""

    name: str
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Role:
    """Who does steps and who is notified (`roles:`)."""

    id: str
    title: str = ""
    people: tuple = ()
    muster: bool = False
    strength: int | None = None
    description: str = ""
    loc: Loc = (0, 0)


@dataclass(frozen=True)
class Step:
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
    loc: Loc = (0, 0)

    def checks_used(self) -> set:
        """Check names in the step's `if` and `check` (for plugins' lint hooks)."""
        return _checks(self.if_, self.check)


@dataclass(frozen=True)
class Transition:
    """A way out of a phase: on an event or when a condition holds."""

    to: str
    event: str | None = None
    when: Condition | None = None
    if_: Condition | None = None
    loc: Loc = (0, 0)


@dataclass(frozen=True)
class PhaseTimer:
    """Actions run a fixed time after a phase is entered (`after:`)."""

    after: int
    actions: tuple = ()
    loc: Loc = (0, 0)


@dataclass(frozen=True)
class Phase:
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


@dataclass(frozen=True)
class LevelRule:
    """How the response level is computed (`level:`)."""

    check: Condition | None = None  # a check returning the level
    rules: tuple = ()  # ((Condition, level), ...) first match wins
    default: str | None = None
    notify: tuple = ()  # roles told of every level change, with the facts that moved it
    message: str = ""


@dataclass(frozen=True)
class Plan:
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

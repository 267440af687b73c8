"""JSON Schema for plan and drill files.

The single source of truth for their structure: the loader validates against
these, `plan schema` prints them, and planengine/schemas/*.schema.json are
these dictionaries written out for editors (`python -m planengine.core.plan.schema`
rewrites them; a test checks they are current). Every property carries a
one-line description, taken from docs/plan-language.md and docs/drills.md,
which editors show on hover.
"""

from __future__ import annotations

from planengine.core.drill.verbs import VERBS
from planengine.core.plan.durations import MAX_DAYS

ID = r"^[a-z][a-z0-9_]*$"
# a check or action registered by a plugin: plugin.name (the loader then looks it up)
QUALIFIED = r"^[a-z][a-z0-9_]*\..+$"
COND_NAME = r"^(?:all_done|any_overdue|[a-z][a-z0-9_]*\..+)$"
INT32_MAX = 2147483647  # plan versions: far beyond any real count, and safe in SQLite and JSON everywhere
# Names the state machine (transitions.Machine) gives its model: an event so named
# would replace the model's phase or its trigger method.
RESERVED_EVENTS = ("state", "trigger", "may_trigger")

# 45s, 30m, 1h30m, 2d12h or ISO 8601 (PT30M, P7D, P1DT2H): ASCII digits, at least one part, units in order
DURATION_PATTERN = (
    r"^(?:[0-9]+d(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?|[0-9]+h(?:[0-9]+m)?(?:[0-9]+s)?|[0-9]+m(?:[0-9]+s)?|[0-9]+s"
    r"|P[0-9]+D|P(?:[0-9]+D)?T(?:[0-9]+H(?:[0-9]+M)?(?:[0-9]+S)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S))$"
)
DURATION_TEXT = "a duration: 45s, 30m, 1h30m, 7d or ISO 8601 (PT30M)"
DURATION = {
    "description": DURATION_TEXT,
    "anyOf": [{"type": "string", "pattern": DURATION_PATTERN, "description": DURATION_TEXT}, {"const": 0}],
}


def _d(text, **schema):
    return {"description": text, **schema}


def _names(text):
    return _d(text, anyOf=[{"type": "string"}, {"type": "array", "items": {"type": "string"}}])


COND_REF = {"$ref": "#/$defs/condition"}
SETTING_REF = {
    "type": "object",
    "additionalProperties": False,
    "required": ["setting"],
    "description": "{setting: NAME}: the local figure NAME of `settings:` (its default, or the site's value)",
    "properties": {"setting": _d("a setting the plan declares under `settings:`", type="string", pattern=ID)},
}


def _duration_or_setting(text):
    """A plain duration or `{setting: NAME}` naming one (a mapping is told apart as the latter)."""
    return {
        "description": f"{text}: a duration or {{setting: NAME}} (a local figure)",
        "if": {"type": "object"},
        "then": SETTING_REF,
        "else": {**DURATION, "description": text},
    }


SETTING = {
    "type": "object",
    "additionalProperties": False,
    "required": ["default"],
    "description": "a local figure: its default, which planengine.yaml `settings:` may replace per centre",
    "properties": {
        "default": _d(
            "the value when the site configuration says nothing (a duration where it counts time; {day, night}"
            " only for `within:`)"
        ),
        "title": _d("the figure as people call it, e.g. 立即", type="string"),
        "source": _d("where the default comes from: a law, a standard, or local practice", type="string"),
        "description": _d("for people", type="string"),
    },
}
CMP_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "in")
_CMP = {
    "eq": _d("holds when the fact equals this value"),
    "ne": _d("holds when the fact differs from this value (or is not recorded)"),
    "gt": _d("holds when the fact is greater than this number", type="number"),
    "gte": _d("holds when the fact is this number or more", type="number"),
    "lt": _d("holds when the fact is less than this number", type="number"),
    "lte": _d("holds when the fact is this number or less", type="number"),
    "in": _d("holds when the fact is one of these values", type="array"),
}
_COND_SHAPES = {
    "check": _d(
        "{check: plugin.check, args: {...}}: the plugin check returns true",
        type="object",
        additionalProperties=False,
        properties={
            "check": _d("a check registered by a plugin, plugin.name", type="string", pattern=QUALIFIED),
            "args": _d("arguments passed to the check", type="object"),
        },
    ),
    "fact": _d(
        "{fact: NAME, OP: value} with exactly one OP of eq, ne, gt, gte, lt, lte, in",
        type="object",
        additionalProperties=False,
        minProperties=2,
        maxProperties=2,
        properties={"fact": _d("a fact declared under `facts:`", type="string"), **_CMP},
    ),
    "level_at_least": _d(
        "{level_at_least: LEVEL}: the current level is this one or higher",
        type="object",
        additionalProperties=False,
        properties={"level_at_least": _d("a level named in `levels:`", type=["string", "integer"])},
    ),
    "step": _d(
        "{step: ID, is: done|overdue|pending|skipped|late|active|waived} or {step: ID, answer: ANSWER}",
        type="object",
        additionalProperties=False,
        properties={
            "step": _d("a step id of this plan", type="string"),
            "is": _d(
                "done (also late), pending, overdue, skipped, late, active or waived (default done)",
                enum=["done", "overdue", "pending", "skipped", "late", "active", "waived"],
            ),
            "answer": _d("a decision step was answered so", type=["string", "integer"]),
        },
        **{"not": {"required": ["is", "answer"]}},
    ),
    "all": _d(
        "{all: [...]}: every condition holds",
        type="object",
        additionalProperties=False,
        properties={"all": _d("conditions that must all hold", type="array", minItems=1, items=COND_REF)},
    ),
    "any": _d(
        "{any: [...]}: some condition holds",
        type="object",
        additionalProperties=False,
        properties={"any": _d("conditions of which one must hold", type="array", minItems=1, items=COND_REF)},
    ),
    "not": _d(
        "{not: COND}: the condition does not hold",
        type="object",
        additionalProperties=False,
        properties={"not": _d("the condition that must not hold", **COND_REF)},
    ),
}
CONDITION_TEXT = (
    "a condition: all_done, any_overdue or plugin.check; {check, args}; {fact, eq|ne|gt|gte|lt|lte|in};"
    " {level_at_least}; {step, is|answer}; {all: [...]}, {any: [...]}, {not: ...}"
)


def _chain(keys):
    """if key1 then shape1 else if key2 ... : the loader's order, so each shape reports its own keys."""
    if not keys:
        every = {k: {} for shape in _COND_SHAPES.values() for k in shape["properties"]}
        return {
            "description": "a condition names one of check, fact, level_at_least, step, all, any, not",
            "properties": every,
            "additionalProperties": False,
            "anyOf": [{"required": [k]} for k in _COND_SHAPES],
        }
    key = keys[0]
    return {"if": {"required": [key]}, "then": _COND_SHAPES[key], "else": _chain(keys[1:])}


CONDITION = {
    "description": CONDITION_TEXT,
    "anyOf": [
        {
            "type": "string",
            "description": "all_done, any_overdue, or a check registered by a plugin (plugin.name)",
            "pattern": COND_NAME,
        },
        {"type": "object", "minProperties": 1, "description": CONDITION_TEXT, **_chain(list(_COND_SHAPES))},
    ],
}
ACTION_KINDS = ("notify", "action", "note")
ACTION_PROPERTIES = {
    "notify": _names("roles to notify (their routes in the site configuration)"),
    "message": _d("the notification text", type="string"),
    "action": _d("an action registered by a plugin, plugin.name", type="string", pattern=QUALIFIED),
    "args": _d("arguments passed to the action", type="object"),
    "note": _d("a log entry", type="string"),
}
ACTION = {
    "type": "object",
    "additionalProperties": False,
    "description": "an action: {notify: [roles], message} | {action: plugin.name, args} | {note: text}",
    "properties": ACTION_PROPERTIES,
    "oneOf": [{"required": [k]} for k in ACTION_KINDS],
}
ACTIONS = {
    "description": "an action or a list of actions",
    "anyOf": [ACTION, {"type": "array", "items": ACTION}],
}

OVERDUE_LINK = {
    "type": "object",
    "additionalProperties": False,
    "description": "an action at the deadline, or with `after:` that long past it (an escalation link)",
    "properties": {
        **ACTION_PROPERTIES,
        "after": _duration_or_setting("how long past the deadline this link fires, unless the step is done"),
    },
    "oneOf": [{"required": [k]} for k in ACTION_KINDS],
}
OVERDUE = {
    "description": "action(s) at the deadline, or an escalation chain whose links have `after:`;"
    " default: notify the step's role",
    "anyOf": [OVERDUE_LINK, {"type": "array", "items": OVERDUE_LINK}],
}
REMIND = {
    "description": "durations before the deadline at which the step's role is reminded, unless done or acknowledged",
    "anyOf": [
        _duration_or_setting("how long before the deadline"),
        {"type": "array", "items": _duration_or_setting("how long before the deadline"), "minItems": 1},
    ],
}

STEP = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id"],
    "description": "a step of the phase's checklist",
    "properties": {
        "id": _d("[a-z][a-z0-9_]*, unique across the plan", type="string", pattern=ID),
        "title": _d("for people", type="string"),
        "description": _d("for people", type="string"),
        "role": _d("who does it; their routes are notified when it is overdue", type="string"),
        "within": {
            "description": (
                "the deadline: a duration, {day: DURATION, night: DURATION}, {setting: NAME} (a local figure)"
                " or {days: N, by: 'HH:MM'}"
            ),
            # calendar-day limits are told apart by their `days` key, so a {day, night} typo
            # is still explained against the {day, night} shape
            "if": {"type": "object", "required": ["days"]},
            "then": {
                "type": "object",
                "additionalProperties": False,
                "description": "{days: N, by: 'HH:MM'}: by calendar day, N days after the anchor's date at HH:MM",
                "properties": {
                    # at most MAX_DAYS, as a duration (durations.py: no plan's limit comes near ten years)
                    "days": _d(
                        "calendar days after the anchor's date (0: the same day)",
                        type="integer",
                        minimum=0,
                        maximum=MAX_DAYS,
                    ),
                    "by": _d(
                        "local time of day the deadline falls at (default 24:00, the end of the day)",
                        type="string",
                        pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$",
                    ),
                },
            },
            "else": {
                "description": "a duration, {day: D, night: D}, {setting: NAME} or {days: N, by: 'HH:MM'}",
                "if": {"type": "object", "required": ["setting"]},
                "then": SETTING_REF,
                "else": {
                    "description": "a duration or {day: DURATION, night: DURATION}",
                    "anyOf": [
                        DURATION,
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["day", "night"],
                            "description": "{day: DURATION, night: DURATION}, chosen by the anchor time (`daytime`)",
                            "properties": {
                                "day": {**DURATION, "description": "the limit when activated in `daytime`"},
                                "night": {**DURATION, "description": "the limit when activated outside `daytime`"},
                            },
                        },
                    ],
                },
            },
        },
        "needs": _d("steps that must be done first (cycles are errors)", type="array", items={"type": "string"}),
        "if": {**COND_REF, "description": "the step is activated when this holds, at phase entry or later"},
        "check": {
            "description": "a condition that must hold when the step is marked done (or decided)",
            "anyOf": [
                {"type": "string", "pattern": QUALIFIED, "description": "a check registered by a plugin"},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["check"],
                    "description": "{check: plugin.check, args: {...}}",
                    "properties": _COND_SHAPES["check"]["properties"],
                },
            ],
        },
        "muster": _d("completed by check-ins of its role (`plan checkin`)", type="boolean"),
        "overdue": OVERDUE,
        "remind": REMIND,
        "decision": _d(
            "the allowed answers; the step is done by `plan decide`",
            type="array",
            items={"type": "string"},
            minItems=2,
        ),
        "from": _d("when the deadline counts from: activation (default), opened, phase, or a step id", type="string"),
        "required": _d("a duty: leaving the phase never drops it; only `plan waive` releases it", type="boolean"),
        "repeat": _duration_or_setting("续报 cadence: each round is due this long after the previous deadline"),
        "default": _d("decision steps: the answer recorded at the deadline when nobody decided", type="string"),
    },
}

TRANSITION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["to"],
    "description": "a transition: {event: NAME, to: PHASE, if: COND} or {when: COND, to: PHASE}",
    "properties": {
        "event": _d(
            "fired by `plan event INC NAME`; [a-z][a-z0-9_]*, not state, trigger or may_trigger",
            type="string",
            pattern=ID,
            **{"not": {"enum": list(RESERVED_EVENTS)}},
        ),
        "when": {**COND_REF, "description": "checked after every event; the transition fires when it holds"},
        "if": {**COND_REF, "description": "a guard: the transition fires only if this holds"},
        "to": _d("the phase entered", type="string"),
    },
    "oneOf": [{"required": ["event"]}, {"required": ["when"]}],
}

PHASE_TIMER = {
    "type": "object",
    "additionalProperties": False,
    "required": ["after"],
    "description": "{after: DURATION, <action>}: a reminder when the phase has lasted that long",
    "properties": {**ACTION_PROPERTIES, "after": _duration_or_setting("time since the phase was entered")},
    "oneOf": [{"required": [k]} for k in ACTION_KINDS],
}

PHASE = {
    "type": "object",
    "additionalProperties": False,
    "description": "a phase: a checklist of steps, its timers and its ways out",
    "properties": {
        "title": _d("for people", type="string"),
        "description": _d("for people", type="string"),
        "final": _d("entering it closes the incident; a final phase has no steps or transitions", type="boolean"),
        "enter": _d("actions run on entry", type="array", items=ACTION),
        "steps": _d("the checklist of the phase", type="array", items=STEP),
        "after": _d("phase timers, from entering the phase", type="array", items=PHASE_TIMER),
        "on": _d("transitions, tried in order", type="array", items=TRANSITION),
    },
}

FACT = {
    "type": "object",
    "additionalProperties": False,
    "description": "a typed fact the duty officer records",
    "properties": {
        "type": _d("integer, number, string (default) or boolean", enum=["integer", "number", "string", "boolean"]),
        "title": _d("for people", type="string"),
        "description": _d("for people", type="string"),
        "min": _d("inclusive lower bound for integer and number facts", type="number"),
        "max": _d("inclusive upper bound for integer and number facts", type="number"),
        "enum": _d("the allowed values, read as the fact's type", type="array"),
        "default": _d("recorded when the incident starts (checked against the type)"),
        "required": _d("the incident cannot be closed until this fact is recorded", type="boolean"),
        "unit": _d("for people, e.g. mm", type="string"),
    },
}

ROLE = {
    "type": "object",
    "additionalProperties": False,
    "description": "who does steps and who is notified",
    "properties": {
        "title": _d("for people", type="string"),
        "description": _d("for people", type="string"),
        "people": _d(
            "[{name, phone, email}]; addresses may instead live in the site configuration",
            type="array",
            items={
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "description": "a person of the role",
                "properties": {
                    "name": _d("the person's name", type="string"),
                    "phone": _d("phone number (quote it)", type=["string", "integer"]),
                    "email": _d("e-mail address", type="string"),
                },
            },
        ),
        "muster": _d("marks a team whose muster/arrival is timed", type="boolean"),
        "strength": _d("head count that completes a muster step", type="integer", minimum=1),
    },
}

LEVEL = {
    "type": "object",
    "additionalProperties": False,
    "description": "how the level is computed: {check: plugin.check, args} or {rules: [{if, level}], default}",
    "properties": {
        "check": _d("a check returning a level name", type="string", pattern=QUALIFIED),
        "args": _d("arguments passed to the check", type="object"),
        "rules": _d(
            "first rule that holds wins: list the highest first",
            type="array",
            items={
                "type": "object",
                "additionalProperties": False,
                "required": ["if", "level"],
                "description": "{level: LEVEL, if: COND}",
                "properties": {
                    "if": {**COND_REF, "description": "when this holds, the level is `level`"},
                    "level": _d("a level named in `levels:`", type=["string", "integer"]),
                },
            },
        ),
        "default": _d("the level when no rule holds", type=["string", "integer"]),
        "notify": _names("roles told of every level change, with the new level and the facts that moved it"),
        "message": _d("text put before the level change in that notification", type="string"),
    },
    "oneOf": [{"required": ["check"]}, {"required": ["rules"]}],
}

SCORING = {
    "type": "object",
    "additionalProperties": False,
    "description": "drill scoring rule (see docs/drills.md)",
    "properties": {
        "muster_weight": _d("weight of each muster step (default 2)", type="number", minimum=0),
        "step_weight": _d("weight of each other timed step (default 1)", type="number", minimum=0),
        "weights": _d(
            "weights of named steps",
            type="object",
            additionalProperties={"type": "number", "minimum": 0},
        ),
        "grades": _d(
            "grade bands: [{min: 90, grade: 优秀}, ...]",
            type="array",
            items={
                "type": "object",
                "additionalProperties": False,
                "required": ["min", "grade"],
                "description": "{min: SCORE, grade: NAME}",
                "properties": {
                    "min": _d("lowest score of the band", type="number"),
                    "grade": _d("the grade's name", type="string"),
                },
            },
        ),
        "fail_grade": _d("grade below every `grades` minimum (不合格)", type="string"),
        "ratings": _d(
            "HSEEP rating bounds as multiples of the limit: S (default 1.25), M (1.5)",
            type="object",
            additionalProperties=False,
            properties={
                "S": _d("done within this multiple of the limit: S", type="number", minimum=1),
                "M": _d("done within this multiple of the limit: M", type="number", minimum=1),
            },
        ),
    },
}

PLAN_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://planengine.dev/schema/plan.json",
    "title": "planengine plan",
    "description": "A planengine plan (docs/plan-language.md)",
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "title", "version", "initial", "phases"],
    "properties": {
        "id": _d("[a-z][a-z0-9_]*; `plan start ID` finds ID.yaml on the plan path", type="string", pattern=ID),
        "title": _d("shown on boards and reports", type="string"),
        "version": _d(
            "integer ≥ 1; every incident records id, version and the sha256 of the source",
            type="integer",
            minimum=1,
            maximum=INT32_MAX,
        ),
        "lang": _d("zh (default) or en: report language and built-in messages", enum=["zh", "en"]),
        "timezone": _d("IANA name, default Asia/Shanghai; day/night and display", type="string"),
        "daytime": _d(
            '"07:00-19:00" (default): the window in which {day: ...} limits apply',
            type="string",
            pattern=r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$",
        ),
        "uses": _d("plugins whose checks/actions the plan calls", type="array", items={"type": "string"}),
        "description": _d("free text", type="string"),
        "facts": _d(
            "typed facts the duty officer records",
            type="object",
            additionalProperties=FACT,
            propertyNames={"pattern": ID},
        ),
        "levels": _d(
            "response levels, lowest first, e.g. [IV, III, II, I]",
            type="array",
            items={"type": ["string", "integer"]},
            minItems=1,
        ),
        "level": LEVEL,
        "roles": _d(
            "who does the steps and who is notified",
            type="object",
            additionalProperties=ROLE,
            propertyNames={"pattern": ID},
        ),
        "initial": _d("the phase an incident starts in", type="string"),
        "phases": _d(
            "mapping of phase id to phase; at least one must be final: true",
            type="object",
            minProperties=1,
            additionalProperties=PHASE,
            propertyNames={"pattern": ID},
        ),
        "scoring": SCORING,
        "settings": _d(
            "local figures (立即 = 10 min, crowd bands): NAME -> {default, title, source}; used as {setting: NAME}",
            type="object",
            additionalProperties=SETTING,
            propertyNames={"pattern": ID},
        ),
    },
    "$defs": {"condition": CONDITION},
}

INJECT_VERBS = tuple(VERBS)  # the one verb table (core/drill/verbs.py)

INJECT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["at"],
    "description": f"A timed inject: `at` and one of {', '.join(INJECT_VERBS)}",
    "properties": {
        "at": {**DURATION, "description": "offset from the drill's start: 45s, 30m, 1h30m, PT30M"},
        "say": _d("a scenario message to the players (logged as a note)", type="string"),
        "done": _d("a step id: the step is done", type="string"),
        "checkin": _d("a role id: the team checks in (with `count`)", type="string"),
        "set": _d("facts to record", type="object"),
        "event": _d("a plan event", type="string"),
        "note": _d("a log entry; with `done:` the remark recorded with the step", type="string"),
        "close": _d("close the incident (outcome text)", type=["string", "boolean", "null"]),
        "ack": _d("a step id: the order was received; null for an order that names no step", type=["string", "null"]),
        "decide": {
            "description": "a decision step id (with `answer`), or {step, answer}",
            "anyOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["step", "answer"],
                    "description": "{step: ID, answer: ANSWER}",
                    "properties": {
                        "step": _d("a decision step id", type="string"),
                        "answer": _d("one of the step's answers", type="string"),
                    },
                },
            ],
        },
        "answer": _d("the answer of `decide: STEP`", type="string"),
        "waive": _d("a step id: released on the record (with `by` and `reason`)", type="string"),
        "reopen": _d(
            "a step id: a mistaken done undone; null reopens the closed incident (with `by` and `reason`)",
            type=["string", "null"],
        ),
        "reason": _d("why a step is waived or reopened (on the record)", type="string"),
        "by": _d("who acts (recorded as the actor)", type="string"),
        "count": _d("head count arriving (checkin)", type="integer", minimum=0),
        "to": _names("to whom the inject is delivered (role ids or names)"),
        "channel": _d("how: 电话, 短信, 电台, 口头 ...", type="string"),
        "expect": _d("expected player action", type="string"),
        "objective": _d("exercise objective this inject tests", type="string"),
        "if_not_done": _d("contingency: fire only if this step is not done at that time", type="string"),
    },
    "dependentRequired": {"count": ["checkin"], "answer": ["decide"]},
    "not": {"required": ["reason"], "not": {"anyOf": [{"required": ["waive"]}, {"required": ["reopen"]}]}},
    # `note` is an action of its own, or the remark of a `done`
    "oneOf": [
        {"required": [v]} if v != "note" else {"required": ["note"], "not": {"required": ["done"]}}
        for v in INJECT_VERBS
    ],
}

DRILL_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://planengine.dev/schema/drill.json",
    "title": "planengine drill script",
    "description": "A planengine drill script (docs/drills.md)",
    "type": "object",
    "additionalProperties": False,
    "required": ["drill", "plan", "start", "injects"],
    "properties": {
        "drill": _d("the drill's name: letters, digits, _ . -", type="string", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"),
        "plan": _d("plan id on the plan path, or a path to a plan file (.yaml/.yml)", type="string"),
        "title": _d("for people", type="string"),
        "description": _d("for people", type="string"),
        "start": _d("ISO 8601 start (STARTEX); without an offset, in the plan's timezone", type="string"),
        "end": {**DURATION, "description": "ENDEX as an offset from start (default: the last inject)"},
        "by": _d("who opens the drill incident (the drill officer)", type="string"),
        "facts": _d("facts recorded when the drill starts", type="object"),
        "objectives": _d("the exercise objectives", type="array", items={"type": "string"}),
        "not_exercised": _d(
            "step ids this drill does not rehearse: shown as N/A and left out of the score",
            type="array",
            items={"type": "string"},
        ),
        "injects": _d("timed injects, in any order", type="array", items=INJECT),
    },
}

SCHEMAS = {"plan": PLAN_SCHEMA, "drill": DRILL_SCHEMA}


def schema_text(kind: str) -> str:
    """The schema as shipped in planengine/schemas/KIND.schema.json (and printed by `plan schema`)."""
    import json

    return json.dumps(SCHEMAS[kind], ensure_ascii=False, indent=2) + "\n"


def schema_file(kind: str) -> str:
    import os

    return os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "schemas", f"{kind}.schema.json")


if __name__ == "__main__":  # python -m planengine.core.plan.schema: rewrite the shipped files
    for _kind in SCHEMAS:
        with open(schema_file(_kind), "w", encoding="utf-8") as _fh:
            _fh.write(schema_text(_kind))

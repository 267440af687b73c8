"""JSON Schema for plan and drill files.

The single source of truth for their structure: the loader validates against
these, and `plan schema` prints them for editors.
"""

from __future__ import annotations

ID = r"^[a-z][a-z0-9_]*$"
INT32_MAX = 2147483647  # plan versions: far beyond any real count, and safe in SQLite and JSON everywhere
DURATION = {
    "description": "45s, 30m, 1h30m, 7d or ISO 8601 (PT30M)",
    "anyOf": [{"type": "string"}, {"const": 0}],
}
CONDITION = {
    "description": (
        "A check name or all_done / any_overdue; {check, args}; {fact, eq|ne|gt|gte|lt|lte|in};"
        " {level_at_least}; {step, is|answer}; {all: [...]}, {any: [...]}, {not: ...}"
    ),
    "type": ["string", "object"],
    "properties": {
        "check": {"type": "string"},
        "args": {"type": "object"},
        "fact": {"type": "string"},
        "eq": {},
        "ne": {},
        "gt": {"type": "number"},
        "gte": {"type": "number"},
        "lt": {"type": "number"},
        "lte": {"type": "number"},
        "in": {"type": "array"},
        "level_at_least": {"type": ["string", "integer"], "description": "a level named in `levels:`"},
        "step": {"type": "string"},
        "is": {"enum": ["done", "overdue", "pending", "skipped", "late", "active"]},
        "answer": {"type": "string"},
        "all": {"type": "array"},
        "any": {"type": "array"},
        "not": {},
    },
}
ACTION = {
    "type": "object",
    "additionalProperties": False,
    "description": "{notify: [roles], message} | {action: plugin.name, args} | {note: text}",
    "properties": {
        "notify": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "message": {"type": "string"},
        "action": {"type": "string"},
        "args": {"type": "object"},
        "note": {"type": "string"},
    },
}
ACTIONS = {"anyOf": [ACTION, {"type": "array", "items": ACTION}]}

STEP = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id"],
    "properties": {
        "id": {"type": "string", "pattern": ID},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "role": {"type": "string"},
        "within": {
            "description": "a duration (45s, 30m, 1h30m, 7d, PT30M) or {day: DURATION, night: DURATION}",
            "anyOf": [
                DURATION,
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["day", "night"],
                    "properties": {"day": DURATION, "night": DURATION},
                },
            ],
        },
        "needs": {"type": "array", "items": {"type": "string"}},
        "if": CONDITION,
        "check": {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["check"],
                    "properties": {"check": {"type": "string"}, "args": {"type": "object"}},
                },
            ]
        },
        "muster": {"type": "boolean"},
        "overdue": ACTIONS,
        "decision": {"type": "array", "items": {"type": "string"}, "minItems": 2},
    },
}

TRANSITION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["to"],
    "properties": {
        "event": {"type": "string", "pattern": ID},
        "when": CONDITION,
        "if": CONDITION,
        "to": {"type": "string"},
    },
}

PHASE_TIMER = {
    "type": "object",
    "additionalProperties": False,
    "required": ["after"],
    "properties": {**ACTION["properties"], "after": DURATION},
}

PHASE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string"},
        "description": {"type": "string"},
        "final": {"type": "boolean"},
        "enter": {"type": "array", "items": ACTION},
        "steps": {"type": "array", "items": STEP},
        "after": {"type": "array", "items": PHASE_TIMER},
        "on": {"type": "array", "items": TRANSITION},
    },
}

FACT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "type": {"enum": ["integer", "number", "string", "boolean"]},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "min": {"type": "number"},
        "max": {"type": "number"},
        "enum": {"type": "array"},
        "default": {},
        "required": {"type": "boolean"},
        "unit": {"type": "string"},
    },
}

ROLE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string"},
        "description": {"type": "string"},
        "people": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "phone": {"type": ["string", "integer"]},
                    "email": {"type": "string"},
                },
            },
        },
        "muster": {"type": "boolean"},
        "strength": {"type": "integer", "minimum": 1},
    },
}

LEVEL = {
    "type": "object",
    "additionalProperties": False,
    "description": "{check: plugin.check, args} or {rules: [{if, level}], default}",
    "properties": {
        "check": {"type": "string"},
        "args": {"type": "object"},
        "rules": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["if", "level"],
                "properties": {"if": CONDITION, "level": {"type": ["string", "integer"]}},
            },
        },
        "default": {"type": ["string", "integer"]},
    },
}

SCORING = {
    "type": "object",
    "additionalProperties": False,
    "description": "Drill scoring rule; defaults as in DESIGN.md",
    "properties": {
        "muster_weight": {"type": "number", "minimum": 0},
        "step_weight": {"type": "number", "minimum": 0},
        "weights": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0}},
        "grades": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["min", "grade"],
                "properties": {"min": {"type": "number"}, "grade": {"type": "string"}},
            },
        },
        "fail_grade": {"type": "string", "description": "grade below every `grades` minimum (不合格)"},
        "ratings": {
            "type": "object",
            "additionalProperties": False,
            "description": "HSEEP rating bounds as multiples of the limit: S (default 1.25), M (1.5)",
            "properties": {"S": {"type": "number", "minimum": 1}, "M": {"type": "number", "minimum": 1}},
        },
    },
}

PLAN_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://planengine.dev/schema/plan.json",
    "title": "planengine plan",
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "title", "version", "initial", "phases"],
    "properties": {
        "id": {"type": "string", "pattern": ID},
        "title": {"type": "string"},
        "version": {
            "type": "integer",
            "minimum": 1,
            "maximum": INT32_MAX,
            "description": "1, 2, 3 ... (stored as an SQLite INTEGER)",
        },
        "lang": {"enum": ["zh", "en"]},
        "timezone": {"type": "string"},
        "daytime": {"type": "string", "pattern": r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$"},
        "uses": {"type": "array", "items": {"type": "string"}},
        "description": {"type": "string"},
        "facts": {"type": "object", "additionalProperties": FACT, "propertyNames": {"pattern": ID}},
        "levels": {"type": "array", "items": {"type": ["string", "integer"]}, "minItems": 1},
        "level": LEVEL,
        "roles": {"type": "object", "additionalProperties": ROLE, "propertyNames": {"pattern": ID}},
        "initial": {"type": "string"},
        "phases": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": PHASE,
            "propertyNames": {"pattern": ID},
        },
        "scoring": SCORING,
    },
}

INJECT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["at"],
    "description": "A timed inject: `at` and one of say, done, checkin, set, event, note, close, ack, decide",
    "properties": {
        "at": {**DURATION, "description": "offset from the drill's start: 45s, 30m, 1h30m, PT30M"},
        "say": {"type": "string", "description": "a scenario message to the players (logged as a note)"},
        "done": {"type": "string", "description": "a step id: the step is done"},
        "checkin": {"type": "string", "description": "a role id: the team checks in (with `count`)"},
        "set": {"type": "object", "description": "facts to record"},
        "event": {"type": "string", "description": "a plan event"},
        "note": {"type": "string", "description": "a log entry; with `done:` the remark recorded with the step"},
        "close": {"type": ["string", "boolean", "null"], "description": "close the incident (outcome text)"},
        "ack": {
            "type": ["string", "null"],
            "description": "a step id: the order was received; null for an order that names no step",
        },
        "decide": {
            "description": "a decision step id (with `answer`), or {step, answer}",
            "anyOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["step", "answer"],
                    "properties": {"step": {"type": "string"}, "answer": {"type": "string"}},
                },
            ],
        },
        "answer": {"type": "string"},
        "by": {"type": "string", "description": "who acts (recorded as the actor)"},
        "count": {"type": "integer", "minimum": 0, "description": "head count arriving (checkin)"},
        "to": {
            "description": "to whom the inject is delivered (role ids or names)",
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        },
        "channel": {"type": "string", "description": "how: 电话, 短信, 电台, 口头 ..."},
        "expect": {"type": "string", "description": "expected player action"},
        "objective": {"type": "string", "description": "exercise objective this inject tests"},
        "if_not_done": {
            "type": "string",
            "description": "contingency: fire only if this step is not done at that time",
        },
    },
}

DRILL_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://planengine.dev/schema/drill.json",
    "title": "planengine drill script",
    "type": "object",
    "additionalProperties": False,
    "required": ["drill", "plan", "start", "injects"],
    "properties": {
        "drill": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"},
        "plan": {"type": "string", "description": "plan id on the plan path, or a path to a plan file"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "start": {
            "type": "string",
            "description": "ISO 8601 start (STARTEX); without an offset, in the plan's timezone",
        },
        "end": {**DURATION, "description": "ENDEX as an offset from start (default: the last inject)"},
        "by": {"type": "string", "description": "who opens the drill incident (the drill officer)"},
        "facts": {"type": "object"},
        "objectives": {"type": "array", "items": {"type": "string"}},
        "injects": {"type": "array", "items": INJECT},
    },
}

SCHEMAS = {"plan": PLAN_SCHEMA, "drill": DRILL_SCHEMA}

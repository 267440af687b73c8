"""The one table between drill inject verbs and the engine commands they issue.

script.py turns injects into commands with it, extract.py turns recorded
commands back into injects with ``verb_for``, and the drill JSON Schema lists
its verbs: a new verb is added here once.
"""

from __future__ import annotations

# verb -> (command, the command argument the verb's value fills, inject keys that ride with the verb)
VERBS = {
    "say": ("note", "text", ()),
    "done": ("done", "step", ("note",)),
    "checkin": ("checkin", "role", ("count",)),
    "set": ("set", "facts", ()),
    "event": ("event", "name", ()),
    "note": ("note", "text", ()),
    "close": ("close", "outcome", ()),
    "ack": ("ack", "step", ()),
    "decide": ("decide", "step", ("answer",)),
    "waive": ("waive", "step", ("reason",)),
    "reopen": ("reopen", "step", ("reason",)),
}

# inject keys that go with one verb only (`note:` alone is a verb; with `done:` the step's remark)
EXTRAS = {extra: verb for verb, (_, _, extras) in VERBS.items() for extra in extras if extra not in VERBS}


def verb_for(command: str, args: dict) -> str | None:
    """The inject verb that re-issues a recorded command; None for what happens by itself (fire, deliver)."""
    if command == "note":
        return "say" if args.get("say") else "note"
    for verb, (name, _, _) in VERBS.items():
        if name == command:
            return verb
    return None

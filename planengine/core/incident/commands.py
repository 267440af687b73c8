"""What a command is, what it records and how it is refused: shared by the runner, the engine
and the edges without importing the runner (a read command never needs it)."""

from __future__ import annotations


class Refused(Exception):
    """The command breaks a rule; nothing is recorded.

    Raised with an English template and its parameters (``Refused("step '{step}' ...", step=s)``)
    so an edge can say it in the user's language (planengine/i18n holds the translations);
    ``str()`` is the English text.
    """

    def __init__(self, message, **params):
        self.template, self.params = message, params
        super().__init__(message.format(**params) if params else message)


class Command:
    """One command as recorded: its name, time (UTC ISO, whole seconds), actor and arguments.

    A plain slotted record (equality and repr by its fields), so reading an
    incident never imports dataclasses.
    """

    __slots__ = ("name", "at", "actor", "args")

    def __init__(self, name: str, at: str, actor: str | None = None, args: dict | None = None):
        self.name, self.at, self.actor = name, at, actor
        self.args = {} if args is None else args

    def _fields(self) -> tuple:
        return (self.name, self.at, self.actor, self.args)

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return self._fields() == other._fields()
        return NotImplemented

    __hash__ = None  # mutable, like the dataclass it replaces

    def __repr__(self):
        return f"Command(name={self.name!r}, at={self.at!r}, actor={self.actor!r}, args={self.args!r})"


def events_of(incident: str, records) -> list:
    """The event dicts {incident, seq, at, kind, actor, data} of a command's records.

    The runner returns records, ``(seq, at, kind, actor, data, text)`` tuples (``text``: the data's
    canonical JSON where the runner wrote it, else None), and the store writes them as they are:
    an instant drill makes hundreds of thousands, and a tuple is cheaper to build and to read
    than a dict. Replay, hooks and the CLI read events as dicts, made here.
    """
    return [{"incident": incident, "seq": r[0], "at": r[1], "kind": r[2], "actor": r[3], "data": r[4]} for r in records]

"""What a command is and how it is refused: shared by the runner, the engine and the edges
without importing the runner (a read command never needs it)."""

from __future__ import annotations

from dataclasses import dataclass, field


class Refused(Exception):
    """The command breaks a rule; nothing is recorded.

    Raised with an English template and its parameters (``Refused("step '{step}' ...", step=s)``)
    so an edge can say it in the user's language (planengine/i18n holds the translations);
    ``str()`` is the English text.
    """

    def __init__(self, message, **params):
        self.template, self.params = message, params
        super().__init__(message.format(**params) if params else message)


@dataclass
class Command:
    name: str
    at: str  # UTC ISO, whole seconds
    actor: str | None = None
    args: dict = field(default_factory=dict)

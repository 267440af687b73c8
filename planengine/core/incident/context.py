"""What a check or action sees of an incident.

One small object, built per evaluation, so plugins never reach into the
runner or the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


@dataclass
class StepView:
    """A step as a check sees it: ``status`` is pending, done, overdue, late or skipped."""

    id: str
    status: str
    role: str | None = None
    answer: str | None = None
    count: int | None = None


@dataclass
class CheckContext:
    facts: Mapping[str, Any] = field(default_factory=dict)
    level: str | None = None
    levels: tuple[str, ...] = ()
    steps: Mapping[str, StepView] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    incident: str | None = None
    plan: Any = None
    config: Mapping[str, Any] = field(default_factory=dict)
    opened_at: datetime | None = None
    # Filled while an action runs: what it asked the runner to record.
    effects: list = field(default_factory=list)
    # Why a check said no, shown to the officer when `plan done` is refused.
    reasons: list = field(default_factory=list)

    def explain(self, text: str) -> None:
        """Say why a check does not pass (e.g. "6 representatives: not more than 5")."""
        self.reasons.append(str(text))

    def settings(self, plugin: str) -> Mapping[str, Any]:
        """The site-configuration section named after a plugin (``planengine.yaml``)."""
        section = self.config.get(plugin) or {}
        return section if isinstance(section, Mapping) else {}

    def notify(self, roles, message: str) -> None:
        if isinstance(roles, str):
            roles = [roles]
        self.effects.append(("notify", {"roles": list(roles), "message": message}))

    def note(self, text: str) -> None:
        self.effects.append(("note", {"text": text}))

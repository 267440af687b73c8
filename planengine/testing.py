"""Helpers for plugin authors' tests: build a check context without a database."""

from __future__ import annotations

from datetime import datetime, timezone

from planengine.core.incident.context import CheckContext, StepView


def make_ctx(
    facts=None,
    *,
    level=None,
    levels=("IV", "III", "II", "I"),
    steps=None,
    now=None,
    config=None,
    incident="INC-TEST",
    opened_at=None,
):
    """A CheckContext for calling a check function directly.

    ``steps`` maps step id to a status string or a StepView.
    """
    views = {}
    for sid, value in (steps or {}).items():
        views[sid] = value if isinstance(value, StepView) else StepView(sid, value)
    return CheckContext(
        facts=dict(facts or {}),
        level=level,
        levels=tuple(levels),
        steps=views,
        now=now or datetime(2026, 1, 1, tzinfo=timezone.utc),
        incident=incident,
        config=dict(config or {}),
        opened_at=opened_at,
    )

"""Helpers for tests, the core's and plugin authors': a check context without a database, and the CLI harness."""

from __future__ import annotations

import json
import os
import sqlite3
import textwrap
from datetime import datetime, timezone
from pathlib import Path

from click.testing import CliRunner

from planengine import plugins
from planengine.cli import cli
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


# -- the CLI test harness ------------------------------------------------------------
#
# One harness for the core's tests and for plugin authors' tests: `plan` through
# click's CliRunner in a temporary working directory with a real SQLite file, and
# nothing from the machine's environment (PLANENGINE_* variables, a planengine.yaml
# or ./plans in the directory pytest was started from) leaking in.


def isolate(monkeypatch, root, *, load_plugins: str = "", lang: str = "en") -> None:
    """Run the test in ``root`` with no PLANENGINE_* settings from outside.

    ``load_plugins`` becomes PLANENGINE_LOAD_PLUGINS: "" loads only the core's
    built-in plugin, "flood" the core and planengine-flood. The plugin registry is
    rebuilt for the test. ``monkeypatch`` is pytest's fixture (undone after the test).
    ``lang`` becomes PLANENGINE_LANG (the interface defaults to zh; tests read English unless they choose).
    """
    monkeypatch.chdir(root)
    for var in [v for v in os.environ if v.startswith("PLANENGINE_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("PLANENGINE_LOAD_PLUGINS", load_plugins)
    monkeypatch.setenv("PLANENGINE_LANG", lang)
    # the entry-point cache of the test session, beside the test's directory (never in it)
    monkeypatch.setenv(
        "PLANENGINE_PLUGIN_CACHE", os.path.join(os.path.dirname(os.path.abspath(root)), "plugin-cache.json")
    )
    monkeypatch.setattr(plugins, "_cached", None)


class Workspace:
    """`plan` through CliRunner in the directory ``root``, on the database ``root/incidents.db``.

    ``args`` are added to every command (e.g. ``["--plans", PLANS]``).
    """

    def __init__(self, root, *, db: str = "incidents.db", args=()):
        self.root = Path(root)
        self.db = str(self.root / db)
        self.args = [str(a) for a in args]
        self.runner = CliRunner()

    # -- files ------------------------------------------------------------

    def write(self, name: str, text: str) -> str:
        """Write ``text`` (dedented) to ``root/name``; returns the path."""
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return str(path)

    # -- the CLI ----------------------------------------------------------

    def run(self, *args, db=True):
        """Invoke `plan ARGS --db DB`; ``db`` False leaves --db out, a string names another file.

        An exception escaping the CLI, or a traceback in its output, fails the test.
        """
        argv = [str(a) for a in args] + self.args
        if db:
            argv += ["--db", self.db if db is True else str(self.root / db)]
        result = self.runner.invoke(cli, argv)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert "Traceback" not in result.output
        return result

    def ok(self, *args, **kw):
        """`plan ARGS`, which must exit 0."""
        result = self.run(*args, **kw)
        assert result.exit_code == 0, f"plan {' '.join(map(str, args))} -> {result.exit_code}\n{result.output}"
        return result

    def refused(self, *args, **kw):
        """`plan ARGS`, which must be refused: exit 1 with one line on stderr."""
        result = self.run(*args, **kw)
        assert result.exit_code == 1, f"plan {' '.join(map(str, args))} -> {result.exit_code}\n{result.output}"
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        return result

    def json(self, *args, **kw):
        """The JSON that `plan ARGS --json` prints (exit 0)."""
        return json.loads(self.ok(*args, "--json", **kw).stdout)

    def status(self, incident="INC-1"):
        return self.json("status", incident)

    def events(self, incident="INC-1"):
        return self.json("log", incident)

    def kinds(self, incident="INC-1", kind=None):
        """Event kinds in order, or the events of one ``kind``."""
        evs = self.events(incident)
        return [e for e in evs if e["kind"] == kind] if kind else [e["kind"] for e in evs]

    @staticmethod
    def step(status: dict, step_id: str) -> dict:
        for s in status["steps"]:
            if s["id"] == step_id:
                return s
        raise AssertionError(f"step {step_id!r} not in status (steps: {[s['id'] for s in status['steps']]})")

    @staticmethod
    def step_ids(status: dict) -> list:
        return [s["id"] for s in status["steps"]]

    # -- the database -----------------------------------------------------

    def count(self, table: str, db=None) -> int:
        """Rows in ``table`` (0 when the database or the table does not exist)."""
        path = Path(self.db if db is None else self.root / db)
        if not path.exists():
            return 0
        conn = sqlite3.connect(path)
        try:
            exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone()
            return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] if exists else 0
        finally:
            conn.close()

"""Shared fixtures for the core test suite.

Every test gets a workspace: a temporary directory (also the working
directory, so ./plans and ./planengine.yaml of the repo never leak in), a real
SQLite file, and only the core's built-in plugin loaded.
"""

from __future__ import annotations

import json
import sqlite3
import textwrap
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from planengine import plugins
from planengine.cli import cli

# A far-future day so a pending step is never overdue by the wall clock, which
# `plan status` uses; deadlines are driven only by --at and `plan tick --now`.
DAY = "2090-03-05"
TZ = "+08:00"  # Asia/Shanghai, the test plans' timezone


def t(hhmm: str, day: str = DAY) -> str:
    """An ISO time on the test day in the plan's timezone, e.g. t("10:05")."""
    if len(hhmm) == 5:
        hhmm += ":00"
    return f"{day}T{hhmm}{TZ}"


def dt(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the ``occurrence``-th line of ``text`` containing ``needle``."""
    seen = 0
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return i
    raise AssertionError(f"{needle!r} not found {occurrence} time(s) in the YAML")


# A small plan exercising the language: needs chains, day/night timers, a
# conditional step, a muster step, a phase timer, levels from fact rules,
# an event transition and an all_done transition.
PLAN = """\
id: petition
title: Test petition plan
version: 2
lang: en
timezone: Asia/Shanghai
daytime: "07:00-19:00"

facts:
  crowd_size: {type: integer, min: 0, title: Crowd size}
  casualties: {type: integer, min: 0, default: 0}
  location:   {type: string}

levels: [IV, III, II, I]
level:
  rules:
    - {level: II,  if: {fact: casualties, gte: 10}}
    - {level: III, if: {fact: casualties, gte: 3}}
  default: IV

roles:
  office: {title: Office}
  leader: {title: Leader, people: [{name: Chen}]}
  team:   {title: Team, muster: true, strength: 10, people: [{name: Wang}]}

initial: reported
phases:
  reported:
    title: Reported
    steps:
      - id: report_up
        role: office
        within: 10m
      - id: convene
        role: leader
        within: 30m
        needs: [report_up]
      - id: brief
        role: leader
        within: 20m
        needs: [convene]
    on:
      - event: activate
        to: responding
      - when: all_done
        to: responding
  responding:
    title: Responding
    enter:
      - notify: [leader, team]
        message: respond now
    steps:
      - id: muster
        role: team
        muster: true
        within: {day: 15m, night: 25m}
      - id: representatives
        role: office
        if: {fact: crowd_size, gte: 5}
        within: 45m
      - id: report_county
        role: office
        if: {level_at_least: III}
        within: 2h
      - id: secure
        role: team
    after:
      - after: 2h
        notify: [leader]
        message: on scene for over two hours
    on:
      - event: dispersed
        to: closed
  closed:
    title: Closed
    final: true
"""


REPO = Path(__file__).resolve().parents[1]


class Workspace:
    """A temporary directory with a database, plan files and the CLI; helpers ride along."""

    REPO = REPO  # the checkout: REPO / "plans", REPO / "drills"

    PLAN = PLAN
    DAY = DAY
    t = staticmethod(t)
    dt = staticmethod(dt)
    line_of = staticmethod(line_of)

    def __init__(self, root: Path):
        self.root = root
        self.db = str(root / "incidents.db")
        self.runner = CliRunner()

    # -- files ------------------------------------------------------------

    def write(self, name: str, text: str) -> str:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return str(path)

    def plan(self, text: str = PLAN, name: str = "petition.yaml") -> str:
        return self.write(name, text)

    # -- the CLI ----------------------------------------------------------

    def run(self, *args, db: bool = True):
        """Invoke `plan ARGS --db DB`; an exception escaping the CLI fails the test."""
        argv = [str(a) for a in args]
        if db:
            argv += ["--db", self.db]
        result = self.runner.invoke(cli, argv)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert "Traceback" not in result.output
        return result

    def ok(self, *args, **kw):
        result = self.run(*args, **kw)
        assert result.exit_code == 0, f"plan {' '.join(map(str, args))} -> {result.exit_code}\n{result.output}"
        return result

    def json(self, *args, **kw):
        return json.loads(self.ok(*args, "--json", **kw).stdout)

    def start(self, *sets, at="10:00", plan=None, incident="INC-1", extra=()):
        plan = plan or self.plan()
        args = ["start", plan, "--id", incident, "--at", t(at) if len(at) <= 8 else at]
        for s in sets:
            args += ["--set", s]
        return self.json(*args, *extra)

    def status(self, incident="INC-1"):
        return self.json("status", incident)

    def events(self, incident="INC-1"):
        return self.json("log", incident)

    def kinds(self, incident="INC-1", kind=None):
        evs = self.events(incident)
        return [e for e in evs if e["kind"] == kind] if kind else [e["kind"] for e in evs]

    # -- the database -----------------------------------------------------

    def count(self, table: str) -> int:
        if not Path(self.db).exists():
            return 0
        conn = sqlite3.connect(self.db)
        try:
            exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone()
            return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] if exists else 0
        finally:
            conn.close()


def _step(status: dict, step_id: str) -> dict:
    for s in status["steps"]:
        if s["id"] == step_id:
            return s
    raise AssertionError(f"step {step_id!r} not in status (steps: {[s['id'] for s in status['steps']]})")


def _step_ids(status: dict) -> list:
    return [s["id"] for s in status["steps"]]


Workspace.step = staticmethod(_step)
Workspace.step_ids = staticmethod(_step_ids)


@pytest.fixture
def core_only(monkeypatch):
    """Only the core's built-in plugin, and a fresh plugin registry."""
    monkeypatch.setenv("PLANENGINE_LOAD_PLUGINS", "")
    monkeypatch.setattr(plugins, "_cached", None)


@pytest.fixture
def isolated(tmp_path, monkeypatch, core_only):
    """A temporary working directory, no PLANENGINE_* settings from outside, only the core plugin."""
    monkeypatch.chdir(tmp_path)
    for var in ("PLANENGINE_DB", "PLANENGINE_PLANS", "PLANENGINE_CONFIG", "PLANENGINE_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


@pytest.fixture
def env(isolated) -> Workspace:
    """The one CLI test harness: `plan` through CliRunner in an isolated workspace."""
    return Workspace(isolated)


@pytest.fixture
def ws(env) -> Workspace:
    """The same harness under its older name (tests written before the `env` name)."""
    return env

"""Shared fixtures for the core test suite.

Every test gets a workspace: a temporary directory (also the working
directory, so ./plans and ./planengine.yaml of the repo never leak in), a real
SQLite file, and only the core's built-in plugin loaded.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from planengine import plugins, testing

# Property tests: a short profile for every run, `pytest --hypothesis-profile long` for a long one.
_slow_ok = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=_slow_ok)
settings.register_profile("long", max_examples=1000, deadline=None, suppress_health_check=_slow_ok)
settings.load_profile("ci")

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


class Workspace(testing.Workspace):
    """The CLI harness of planengine.testing with the test plan, the test day and helpers."""

    REPO = REPO  # the checkout: REPO / "plans", REPO / "drills"
    PLAN = PLAN
    DAY = DAY
    t = staticmethod(t)
    dt = staticmethod(dt)
    line_of = staticmethod(line_of)

    def plan(self, text: str = PLAN, name: str = "petition.yaml") -> str:
        return self.write(name, text)

    def start(self, *sets, at="10:00", plan=None, incident="INC-1", extra=()):
        plan = plan or self.plan()
        args = ["start", plan, "--id", incident, "--at", t(at) if len(at) <= 8 else at]
        for s in sets:
            args += ["--set", s]
        return self.json(*args, *extra)


@pytest.fixture
def core_only(monkeypatch):
    """Only the core's built-in plugin, and a fresh plugin registry."""
    monkeypatch.setenv("PLANENGINE_LOAD_PLUGINS", "")
    monkeypatch.setattr(plugins, "_cached", None)


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """A temporary working directory, no PLANENGINE_* settings from outside, only the core plugin."""
    testing.isolate(monkeypatch, tmp_path)
    return tmp_path


@pytest.fixture
def env(isolated) -> Workspace:
    """The one CLI test harness: `plan` through CliRunner in an isolated workspace."""
    return Workspace(isolated)

"""Every test runs in its own directory with only the core and this plugin loaded, whatever
PLANENGINE_LOAD_PLUGINS, other PLANENGINE_* variables or a planengine.yaml where pytest started say."""

from __future__ import annotations

from pathlib import Path

import pytest

from planengine import testing

PLANS = Path(__file__).resolve().parents[3] / "plans"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    testing.isolate(monkeypatch, tmp_path, load_plugins="flood")
    return tmp_path


@pytest.fixture
def env(isolated):
    """planengine's CLI harness, with the bundled plans on the plan path."""
    return testing.Workspace(isolated, args=["--plans", PLANS])

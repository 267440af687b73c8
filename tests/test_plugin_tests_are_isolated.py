"""The bundled plugins' tests pass whatever the environment and the working directory say."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_plugin_tests_ignore_planengine_settings_and_the_working_directory(tmp_path):
    # a hostile place to start pytest from: every plugin left out, a site configuration that
    # refuses to load, a plan directory with a broken flood plan, a database path that cannot be opened
    (tmp_path / "planengine.yaml").write_text("timezone: Mars/Olympus_Mons\n", encoding="utf-8")
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "flood.yaml").write_text("id: flood\nphases: [\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANENGINE_")}
    env.update(
        PLANENGINE_LOAD_PLUGINS="",
        PLANENGINE_CONFIG=str(tmp_path / "planengine.yaml"),
        PLANENGINE_PLANS=str(tmp_path / "plans"),
        PLANENGINE_DB=str(tmp_path / "no" / "such" / "dir.db"),
    )
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-c", str(REPO / "pyproject.toml")]
        + ["--rootdir", str(REPO), str(REPO / "plugins")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert " passed" in out.stdout and "skipped" not in out.stdout

"""Plans travel with the code (DESIGN "Plans travel with the code").

The core package ships the core-only plans and each plugin its own, as
package data registered through `register_plans`; ./plans, --plans and
PLANENGINE_PLANS still come first. The shipped files are links to the
repository's plans/, so there is one copy of each plan.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from planengine import plugins

REPO = Path(__file__).resolve().parents[1]
SHIPPED = {
    "planengine": ["sudden_event", "dispute_mediation"],
    "flood": ["flood"],
    "forest_fire": ["forest_fire"],
    "mass_petition": ["mass_petition"],
}


@pytest.fixture
def every_plugin(isolated, monkeypatch):
    """The bundled plugins loaded (not only the core), in an empty working directory."""
    monkeypatch.setenv("PLANENGINE_LOAD_PLUGINS", "flood,forest_fire,mass_petition")
    monkeypatch.setattr(plugins, "_cached", None)
    return isolated


def test_shipped_plans_are_the_repository_plans_one_copy_each():
    for package, ids in SHIPPED.items():
        pkg = REPO / "planengine" if package == "planengine" else REPO / "plugins" / package / f"planengine_{package}"
        for pid in ids:
            shipped = pkg / "plans" / f"{pid}.yaml"
            assert shipped.is_file(), shipped
            assert shipped.resolve() == (REPO / "plans" / f"{pid}.yaml").resolve(), "one copy: a link to plans/"


def test_plan_start_mass_petition_works_from_an_empty_directory(every_plugin, env):
    assert not (every_plugin / "plans").exists()
    status = env.json("start", "mass_petition", "--id", "MP-1", "--set", "crowd_size=60", "--set", "location=东门")
    assert status["plan"] == "mass_petition"
    rows = env.json("list")
    origins = {r["id"]: r["origin"] for r in rows}
    for package, ids in SHIPPED.items():
        for pid in ids:
            assert origins[pid] == f"plugin {'core' if package == 'planengine' else package}", origins


def test_core_plans_are_shipped_even_with_no_plugin_loaded(env):
    status = env.json("start", "sudden_event", "--id", "SE-1", "--set", "place=东门")
    assert status["plan"] == "sudden_event"
    assert env.run("start", "mass_petition", "--id", "MP-1").exit_code == 1  # its plugin is not loaded


def test_a_plan_in_the_working_directory_overrides_the_shipped_one(every_plugin, env):
    text = (REPO / "plans" / "sudden_event.yaml").read_text(encoding="utf-8")
    env.write("plans/sudden_event.yaml", text.replace("title:", "title: 本地", 1))
    rows = {r["id"]: r for r in env.json("list")}
    assert rows["sudden_event"]["origin"] == "plans"
    assert env.json("show", "sudden_event")["title"].startswith("本地")


def _build_wheels(out: Path) -> list:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out)]
        + [str(REPO), str(REPO / "plugins" / "mass_petition")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return sorted(out.glob("*.whl"))


def test_wheels_contain_the_plans_and_schemas_and_a_plain_install_starts_a_plan_anywhere(tmp_path):
    wheels = _build_wheels(tmp_path / "wheels")
    names = {w.name.split("-")[0]: zipfile.ZipFile(w).namelist() for w in wheels}
    assert "planengine/plans/sudden_event.yaml" in names["planengine"]
    assert "planengine/plans/dispute_mediation.yaml" in names["planengine"]
    assert "planengine/schemas/plan.schema.json" in names["planengine"]
    assert "planengine_mass_petition/plans/mass_petition.yaml" in names["planengine_mass_petition"]
    with zipfile.ZipFile(next(w for w in wheels if w.name.startswith("planengine_mass"))) as z:
        shipped = z.read("planengine_mass_petition/plans/mass_petition.yaml")
    assert shipped == (REPO / "plans" / "mass_petition.yaml").read_bytes(), "the wheel holds the file, not a link"

    # install the two wheels on their own (no editable checkout on the path) and start a plan in an empty dir
    target = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), *map(str, wheels)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    empty = tmp_path / "empty"
    empty.mkdir()
    deps = sysconfig.get_paths()["purelib"]  # pluggy, yaml, click ... without the editable finders (-S)
    script = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "import planengine; assert planengine.__file__.startswith(sys.argv[1]), planengine.__file__\n"
        "from planengine.cli import cli\n"
        "cli(['start', 'mass_petition', '--id', 'MP-1', '--set', 'crowd_size=60', '--set', 'location=东门',"
        " '--db', 'x.db', '--json'])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANENGINE_")}
    env["PLANENGINE_LOAD_PLUGINS"] = "mass_petition"
    proc = subprocess.run(
        [sys.executable, "-S", "-c", script, str(target), deps],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    status = json.loads(proc.stdout)
    assert status["plan"] == "mass_petition" and status["id"] == "MP-1"

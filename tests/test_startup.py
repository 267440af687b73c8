"""What a `plan` process does at start-up (the figures are in bench/, the behaviour is pinned here)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

from planengine.core import digest


def _plan_process(env, *args, importtime=False):
    environ = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    argv = [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "planengine", *args]
    return subprocess.run(argv, cwd=env.root, env=environ, capture_output=True, text=True, timeout=120)


def _imported(stderr: str) -> set:
    return {line.rsplit("|", 1)[-1].strip() for line in stderr.splitlines() if line.startswith("import time")}


def test_the_builtin_and_the_openssl_digest_agree_before_and_after_the_switch(monkeypatch):
    monkeypatch.setattr(digest, "_left", 3 * digest.CALL_COST + 300)
    texts = [b"", b"abc", "事件".encode() * 50, b"x" * 5000, b"y" * 100, b"z"]
    got = [digest.sha256_hex(t) for t in texts]
    assert got == [hashlib.sha256(t).hexdigest() for t in texts]
    assert digest._left == 0, "the budget ran out: the later digests came from OpenSSL"


def test_a_plan_larger_than_the_budget_is_hashed_by_openssl_at_once(monkeypatch):
    monkeypatch.setattr(digest, "_left", digest.BUILTIN_BUDGET)
    big = b"p" * (digest.BUILTIN_BUDGET + 1)
    assert digest.sha256_hex(big) == hashlib.sha256(big).hexdigest()
    assert digest._left == 0


def test_plan_done_hashes_its_events_without_loading_openssl_and_the_chain_verifies(env):
    env.start()
    done = _plan_process(env, "done", "INC-1", "report_up", "--at", env.t("10:05"), "--db", env.db, importtime=True)
    assert done.returncode == 0, done.stderr
    imported = _imported(done.stderr)
    assert "planengine.core.store.chain" in imported, "the import list was read"
    assert not {"hashlib", "_hashlib"} & imported
    verify = _plan_process(env, "verify", "INC-1", "--db", env.db)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_the_plan_executable_runs_its_command_with_the_collector_on_and_its_start_up_frozen(env):
    code = (
        "import gc, sys\n"
        "import planengine.cli.auditor as auditor\n"  # imported with the collector on: not frozen
        "seen = []\n"
        "orig = auditor.verify.callback\n"
        "def probe(*a, **k):\n"
        "    seen.append((gc.isenabled(), gc.get_freeze_count()))\n"
        "    return orig(*a, **k)\n"
        "auditor.verify.callback = probe\n"
        "sys.argv = ['plan', 'verify', 'INC-1', '--db', sys.argv[1]]\n"
        "from planengine.entry import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        "print(code, seen[0][0], seen[0][1] > 1000)\n"
    )
    env.start()
    environ = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    argv = [sys.executable, "-c", code, env.db]
    out = subprocess.run(argv, cwd=env.root, env=environ, capture_output=True, text=True)
    assert out.stdout.split()[-3:] == ["0", "True", "True"], out.stdout + out.stderr


def test_python_dash_m_planengine_names_itself_plan(env):
    out = _plan_process(env, "--help")
    assert out.returncode == 0 and out.stdout.startswith("Usage: plan "), out.stdout


def test_the_installed_plan_script_is_the_entry_that_pauses_the_collector():
    import tomllib

    with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "pyproject.toml"), "rb") as fh:
        scripts = tomllib.load(fh)["project"]["scripts"]
    assert scripts["plan"] == "planengine.entry:main"


def test_plan_validate_opens_no_database_and_imports_no_sqlite(env):
    plan = os.path.join(env.REPO, "plans", "dispute_mediation.yaml")
    done = _plan_process(env, "validate", plan, "--db", env.db, importtime=True)
    assert done.returncode == 0, done.stderr
    imported = _imported(done.stderr)
    assert "planengine.core.plan.loader" in imported, "the import list was read"
    assert not {"sqlite3", "_sqlite3", "planengine.core.store.sqlite"} & imported
    assert not os.path.exists(env.db)


def test_plan_status_asks_no_translation_of_click_texts_and_says_them_as_click_does(env):
    """click's --help and --version options ask gettext for their texts, which imports locale and
    looks on disk for a catalogue: `plan` makes them with the texts given, the same words."""
    env.start()
    done = _plan_process(env, "status", "INC-1", "--json", "--db", env.db, importtime=True)
    assert done.returncode == 0, done.stderr
    imported = _imported(done.stderr)
    assert "planengine.cli" in imported, "the import list was read"
    assert "locale" not in imported
    assert _plan_process(env, "--version").stdout == "planengine, version 0.1.0\n"
    top = _plan_process(env, "--help").stdout
    assert "  --version   Show the version and exit.\n  -h, --help  Show this message and exit.\n" in top
    own = _plan_process(env, "status", "-h", "--lang", "en").stdout
    assert own.endswith("\n  -h, --help      Show this message and exit.\n"), own
    wrong = _plan_process(env, "status", "--bogus")
    assert wrong.returncode == 2
    assert wrong.stderr.startswith("Usage: plan status [OPTIONS] [INCIDENT]\nTry 'plan status --help' for help.\n")


def test_plan_status_of_an_incident_with_its_text_cached_folds_nothing_and_reads_no_timezone(env):
    """Where `plan tick` (or `plan watch`) left the incident's status text at the head of its log,
    `plan status INC --json` reads it: zoneinfo (which reads sysconfig) is never imported."""
    env.start()
    tick = _plan_process(env, "tick", "--db", env.db)
    assert tick.returncode == 0, tick.stderr
    done = _plan_process(env, "status", "INC-1", "--json", "--db", env.db, importtime=True)
    assert done.returncode == 0, done.stderr
    imported = _imported(done.stderr)
    assert "planengine.core.incident.status" in imported, "the import list was read"
    assert not {"zoneinfo", "sysconfig"} & imported
    assert '"id": "INC-1"' in done.stdout


def test_the_engine_and_a_status_read_leave_the_collector_on_and_freeze_nothing_outside_the_plan_process(env):
    """`plan` imports the engine (and reads a cached status) with the collector paused, and freezes
    what that loaded only where the process froze its start-up (planengine/entry.py)."""
    import gc

    env.start()
    env.ok("tick")
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert env.status("INC-1")["id"] == "INC-1"
    assert gc.isenabled() and gc.get_freeze_count() == 0

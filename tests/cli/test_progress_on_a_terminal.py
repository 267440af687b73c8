"""Long work shows a progress bar on a terminal: on stderr, only when stderr is a terminal, never
with --json, never in a pipe or a file (CliRunner, cron). Checked on a real pseudo-terminal."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BAR = re.compile(r"\[[#-]{10,}\]")  # click's bar: [####------]

PLAN = """\
id: many
title: A plan for a long drill
version: 1
lang: en
timezone: Asia/Shanghai
roles:
  office: {title: Office}
initial: open
phases:
  open:
    steps:
      - {id: log, role: office}
    on:
      - {event: stand_down, to: closed}
  closed: {final: true}
"""


def drill(n: int) -> str:
    lines = [
        "drill: long_day",
        "plan: many.yaml",
        "title: A drill of many injects",
        "start: 2090-05-12T10:00:00+08:00",
        "injects:",
    ]
    lines += [f"  - {{at: {i}s, say: message {i}, to: office}}" for i in range(n)]
    return "\n".join(lines) + "\n"


def child_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANENGINE_")}
    env.update(PLANENGINE_LOAD_PLUGINS="", PLANENGINE_LANG="en", COLUMNS="100", TERM="xterm")
    return env


def on_a_terminal(cwd, argv, stdout_file):
    """Run ``argv`` with stderr (and stdin) on a pseudo-terminal and stdout to ``stdout_file``.
    Returns (exit code, what the terminal showed)."""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child execs
        try:
            os.chdir(cwd)
            out = os.open(stdout_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(out, 1)
            os.execve(argv[0], argv, child_env())
        finally:
            os._exit(127)
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8", "replace")


def plan_argv(*args):
    return [sys.executable, "-m", "planengine", *args]


@pytest.fixture
def long_drill(env):
    env.write("many.yaml", PLAN)
    return env.write("long.yaml", drill(300))


def test_an_instant_drill_of_many_injects_shows_a_bar_on_a_terminal(env, long_drill):
    code, shown = on_a_terminal(env.root, plan_argv("drill", "run", long_drill, "--db", env.db), env.root / "out.txt")
    assert code == 0, shown
    assert BAR.search(shown) and "drill long_day" in shown and "300/300" in shown, shown
    out = (env.root / "out.txt").read_text()
    assert not BAR.search(out) and "\r" not in out
    assert "Score" in out or "score" in out, out


def test_no_bar_with_json_even_on_a_terminal(env, long_drill):
    code, shown = on_a_terminal(
        env.root, plan_argv("drill", "run", long_drill, "--json", "--db", env.db), env.root / "out.json"
    )
    assert code == 0, shown
    assert not BAR.search(shown) and "drill long_day" not in shown, shown
    result = json.loads((env.root / "out.json").read_text())
    assert result["injects"]["applied"] == 300


def test_no_bar_when_stderr_is_a_pipe(env, long_drill):
    proc = subprocess.run(
        plan_argv("drill", "run", long_drill, "--db", env.db),
        capture_output=True,
        text=True,
        cwd=env.root,
        env=child_env(),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert not BAR.search(proc.stderr) and not BAR.search(proc.stdout)
    assert "\r" not in proc.stderr + proc.stdout
    assert proc.stdout.count("inject say") == 300  # a pipe gets the line per inject


def test_no_bar_through_clirunner(env, long_drill):
    result = env.ok("drill", "run", long_drill)
    assert not BAR.search(result.stdout) and not BAR.search(result.stderr)
    assert result.stdout.count("inject say") == 300


def test_validating_many_files_shows_a_bar_on_a_terminal_and_not_in_a_pipe(env):
    files = [env.write(f"p{i:02d}.yaml", PLAN.replace("id: many", f"id: many{i:02d}")) for i in range(12)]
    code, shown = on_a_terminal(env.root, plan_argv("validate", *files, "--db", env.db), env.root / "out.txt")
    assert code == 0, shown
    assert BAR.search(shown) and "12/12" in shown, shown
    assert (env.root / "out.txt").read_text().count(": ok") == 12
    proc = subprocess.run(
        plan_argv("validate", *files, "--db", env.db), capture_output=True, text=True, cwd=env.root, env=child_env()
    )
    assert proc.returncode == 0 and not BAR.search(proc.stderr) and proc.stdout.count(": ok") == 12


def test_report_all_shows_a_bar_on_a_terminal_and_not_with_json(env):
    env.write("many.yaml", PLAN)
    for i in range(3):
        env.ok("start", "many.yaml", "--id", f"INC-{i}", "--at", "2026-01-05T10:00:00+08:00")
    args = ("report", "--all", "--since", "2026-01-01", "--until", "2026-01-31", "-o", "out", "--db", env.db)
    code, shown = on_a_terminal(env.root, plan_argv(*args), env.root / "out.txt")
    assert code == 0, shown
    assert BAR.search(shown) and "4/4" in shown, shown
    assert len(os.listdir(env.root / "out")) == 4
    code, shown = on_a_terminal(env.root, plan_argv(*args, "--force", "--json"), env.root / "out.txt")
    assert code == 0, shown
    assert not BAR.search(shown), shown


def test_the_benchmark_runner_shows_progress_on_a_terminal_only(tmp_path):
    """bench/run.py (and its benchmarks) say what they are doing on stderr when it is a terminal."""
    bench = str(REPO / "bench")
    script = (
        f"import sys; sys.path.insert(0, {bench!r})\n"
        "from common import progress\n"
        "progress('bench demo: building ...')\n"
        'print(\'{"name": "x"}\')\n'
        "progress('')\n"
    )
    code, shown = on_a_terminal(tmp_path, [sys.executable, "-c", script], tmp_path / "out.txt")
    assert code == 0 and "bench demo: building" in shown
    assert (tmp_path / "out.txt").read_text() == '{"name": "x"}\n'
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.stderr == "" and proc.stdout == '{"name": "x"}\n'

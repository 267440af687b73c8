"""Hostile input through the real `plan` command: a worker process under CPU and memory limits.

`hostile` (a fixture) runs a plan, drill or site configuration through the
commands that read it and checks what every hostile file must get: exit 0 (a
mutation may still be valid) or exit 1 with each stderr line either
``file:line:col: error: ...`` or ``error: ...``; never a traceback, an
"internal error", a control character, more than the CPU budget (a hang) or
more memory than the worker's limit.
"""

from __future__ import annotations

import base64
import json
import os
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "corpus"
AT = "2090-03-05T10:00:00+08:00"

SEED_PLAN = (REPO / "plans" / "sudden_event.yaml").read_bytes()
SEED_DRILL = (
    (REPO / "drills" / "sudden_event_day.yaml")
    .read_bytes()
    .replace(b"plan: sudden_event\n", b"plan: plan.yaml\n")
    .replace(b"start: 2026-05-12T09:30:00+08:00", b"start: 2090-05-12T09:30:00+08:00")
)
# The site configuration of DESIGN.md and docs/routine.md, every section present; the
# receivers are closed ports on 127.0.0.1 (a delivery fails at once and is retried later).
SEED_CONFIG = """\
lang: en
timezone: Asia/Shanghai
notifiers:
  ops_hook: {type: webhook, url: "http://127.0.0.1:9/hook", secret_env: HOSTILE_HOOK_SECRET}
  ding:     {type: dingtalk, url_env: HOSTILE_DING_URL, secret_env: HOSTILE_DING_SECRET}
  wecom:    {type: wecom, url_env: HOSTILE_WECOM_URL}
  mail:     {type: email, host: 127.0.0.1, port: 9, sender: duty@example.gov.cn,
             starttls: false, user_env: HOSTILE_SMTP_USER, password_env: HOSTILE_SMTP_PASSWORD}
  sms:      {type: command, argv: [/nonexistent/send-sms, "{phone}"]}
  screen:   {type: console}
routes:
  leader: [ding, mail]
  duty_officer: [ops_hook, sms]
people:
  陈英: {email: chen@example.gov.cn, phone: "13900000000"}
schedules:
  daily_summary: {plan: plan.yaml, rrule: "FREQ=DAILY;BYHOUR=17;BYMINUTE=0", workdays_only: true}
calendar:
  holidays: [2090-10-01..2090-10-07]
  workdays: [2090-09-27]
roster:
  duty: {rotation: [王焰, 李明], shift: 24h, start: "2090-01-01T08:00+08:00"}
reports:
  drill_every: {sudden_event: 365d}
""".encode()
SECRETS = {
    "HOSTILE_HOOK_SECRET": "hook-secret-7f3a9c",
    "HOSTILE_DING_URL": "http://127.0.0.1:9/robot/send?access_token=ding-token-5b21e8",
    "HOSTILE_DING_SECRET": "SECding-secret-0c4d77",
    "HOSTILE_WECOM_URL": "http://127.0.0.1:9/cgi-bin/webhook/send?key=wecom-key-93aa1f",
    "HOSTILE_SMTP_USER": "duty-user",
    "HOSTILE_SMTP_PASSWORD": "smtp-password-e81b42",
}

# The commands that read each kind of file (relative names: the worker runs in the case's directory).
COMMANDS = {
    "plan": [
        ["validate", "p.yaml"],
        ["lint", "p.yaml"],
        ["start", "p.yaml", "--id", "H-1", "--at", AT, "--db", "h.db"],
    ],
    "drill": [
        ["validate", "d.yaml"],
        ["drill", "run", "d.yaml", "--db", "h.db"],
    ],
    "config": [
        ["start", "plan.yaml", "--id", "H-1", "--at", AT, "--config", "site.yaml", "--db", "h.db"],
        ["tick", "--now", "2090-03-05T12:00:00", "--config", "site.yaml", "--db", "h.db"],
        ["status", "--config", "site.yaml", "--db", "h.db"],
        ["schedule", "list", "--now", "2090-03-05T12:00:00", "--config", "site.yaml", "--db", "h.db"],
        ["roster", "show", "2090-03-05", "--config", "site.yaml", "--db", "h.db"],
    ],
}
FILE = {"plan": "p.yaml", "drill": "d.yaml", "config": "site.yaml"}

LINE = re.compile(r"^(?:\S.*:\d+:\d+: (?:error|warning): |error: )\S")
WALL_BACKSTOP_S = 120  # only for a hang inside C code, which the CPU timer cannot interrupt


class Worker:
    """One worker process (tests/hostile/worker.py), restarted after a case kills it."""

    def __init__(self):
        self.proc = None

    def _start(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLANENGINE_")}
        env.update(SECRETS, PLANENGINE_LOAD_PLUGINS="", PLANENGINE_LANG="en", PYTHONHASHSEED="0")
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("worker.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
        )

    def run(self, directory, files: dict, argv: list, cpu_seconds: float = 2.0) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        case = {
            "dir": str(directory),
            "files": {k: base64.b64encode(v).decode() for k, v in files.items()},
            "argv": argv,
            "cpu_seconds": cpu_seconds,
        }
        self.proc.stdin.write(json.dumps(case) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], WALL_BACKSTOP_S)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            code = self.proc.poll()
            self.close()
            return {"died": True, "returncode": code, "hang": not ready}
        return json.loads(line)

    def close(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self.proc = None


def problems(answer: dict, argv: list) -> list:
    """What is wrong with one command's answer to a hostile file (empty: handled well)."""
    cmd = "plan " + " ".join(argv)
    if answer.get("died"):
        return [f"{cmd}: the worker died (exit {answer['returncode']}; out of memory or a hang in C)"]
    if answer["hang"]:
        return [f"{cmd}: more than its CPU budget (a hang)"]
    out = []
    if answer["exception"]:
        out.append(f"{cmd}: exception escaped:\n{answer['exception']}")
    text = answer["stdout"] + answer["stderr"]
    if "Traceback" in text or "internal error" in text:
        out.append(f"{cmd}: {answer['stderr'].strip()[:2000]}")
    if answer["exit"] not in (0, 1):
        out.append(f"{cmd}: exit {answer['exit']}: {answer['stderr'].strip()[:500]}")
    leaked = [k for k, v in SECRETS.items() if v in text or v.split("=")[-1] in text]
    if leaked:
        out.append(f"{cmd}: the value of {', '.join(leaked)} was printed")
    if any(c in answer["stderr"] for c in "\x00\x1b\r"):
        out.append(f"{cmd}: a control character reached the terminal: {answer['stderr'][:300]!r}")
    if answer["exit"] == 1:
        lines = answer["stderr"].strip().splitlines()
        if not lines:
            out.append(f"{cmd}: refused without a message")
        for line in lines:
            if not LINE.match(line) or len(line) > 500:
                out.append(f"{cmd}: not one located line or one `error:` line: {line[:300]!r}")
    return out


def long_run() -> bool:
    """`pytest --hypothesis-profile long`: every command on every document, more examples."""
    from hypothesis import settings

    return settings.get_current_profile_name() == "long"


class Hostile:
    """Runs hostile files through the commands that read them; see the module docstring."""

    def __init__(self, worker: Worker, tmp_path_factory):
        self.worker = worker
        self.tmp = tmp_path_factory
        self.cases = 0

    def check(self, kind: str, data: bytes, extra_files=None, cpu_seconds: float = 2.0, only=None) -> list:
        """Commands of ``kind`` on ``data`` in a fresh directory; returns the problems found.

        ``only``: indexes into COMMANDS[kind] to run (every command under the long profile);
        ``cpu_seconds``: the CPU time a command may take before it counts as a hang.
        """
        directory = self.tmp.mktemp(kind)
        files = {FILE[kind]: data, **(extra_files or {})}
        if kind in ("drill", "config"):
            files.setdefault("plan.yaml", SEED_PLAN)
        found = []
        commands = COMMANDS[kind] if only is None or long_run() else [COMMANDS[kind][i] for i in only]
        for argv in commands:
            self.cases += 1
            found += problems(self.worker.run(directory, files, argv, cpu_seconds), argv)
            files = {}  # written once; later commands see the same directory (and database)
        for db in directory.glob("h.db*"):  # the database, its WAL and journal
            stored = db.read_bytes()
            found += [f"the value of {k} is in {db.name}" for k, v in SECRETS.items() if v.encode() in stored]
        return found

    def assert_handled(self, kind: str, data: bytes, extra_files=None, cpu_seconds: float = 2.0, only=None):
        found = self.check(kind, data, extra_files, cpu_seconds, only)
        assert not found, f"{kind} file {data[:300]!r}{'...' if len(data) > 300 else ''}:\n" + "\n".join(found)


@pytest.fixture(scope="session")
def _worker():
    worker = Worker()
    yield worker
    worker.close()


@pytest.fixture
def hostile(_worker, tmp_path_factory) -> Hostile:
    return Hostile(_worker, tmp_path_factory)

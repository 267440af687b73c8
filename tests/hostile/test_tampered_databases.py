"""Tampered databases (tests/hostile/tampering.py) through every command that reads an incident.

Each case edits one value of a real database and runs `plan status` (one, all,
text and --json), `log`, `report` (md and html), `verify`, `replay`, `drill
extract`, `drill score`, `note`, `done`, `tick`, `watch --once`, the web API
(the list, the incident, a note) and the pages (the wall board, the console) on it. Whatever the edit, each must answer:
exit 0, or exit 1 with one line on stderr; never a traceback or an "internal
error", and the web never a 500. A refused `note` leaves the log as it was.

The default run takes a fixed sample spread over every kind of edit;
`PLANENGINE_TAMPER=all` runs each of the generator's cases (some minutes).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3

import pytest

from planengine import testing
from planengine.cli import cli
from tests.conftest import Workspace, t
from tests.hostile import tampering

SAMPLE = 7  # every 7th case by default (the values cycle through VALUES, the targets through every column)


def _build(root):
    ws = Workspace(root)
    ws.start("crowd_size=60")
    for i in range(20):  # past a snapshot (every 16 events)
        ws.ok("note", "INC-1", f"note {i}", "--at", t(f"10:{1 + i:02d}"))
    ws.ok("event", "INC-1", "activate", "--at", t("10:31"))  # a notification, timers
    ws.ok("tick", "--now", t("10:32"))  # delivers it; the snapshot and the status text at the head
    ws.ok("done", "INC-1", "muster", "--at", t("10:33"))
    ws.ok("tick", "--now", t("10:34"))
    r = ws.runner.invoke(
        cli, ["user", "add", "li", "--role", "officer", "--password-stdin", "--db", ws.db], input="pw\n"
    )
    assert r.exit_code == 0, r.output
    token = ws.ok("user", "token", "li").stdout.strip().split()[-1]
    conn = sqlite3.connect(ws.db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return ws.db, token


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("tamper-base")
    with pytest.MonkeyPatch.context() as mp:
        testing.isolate(mp, root)
        return _build(root)


def _cases():
    import tempfile

    with tempfile.TemporaryDirectory() as root, pytest.MonkeyPatch.context() as mp:
        testing.isolate(mp, root)
        db, _token = _build(root)
        cases = tampering.tamperings(db)
    if os.environ.get("PLANENGINE_TAMPER") != "all":
        cases = cases[::SAMPLE]
    return cases


CASES = _cases()

READERS = [
    ["status", "INC-1", "--json"],
    ["status", "INC-1"],
    ["status", "--json"],
    ["status"],
    ["log", "INC-1"],
    ["log", "INC-1", "--json"],
    ["report", "INC-1"],
    ["report", "INC-1", "--format", "html"],
    ["verify", "INC-1"],
    ["verify", "INC-1", "--json"],
    ["replay", "INC-1"],
    ["drill", "extract", "INC-1"],
    ["drill", "score", "INC-1"],
    ["watch", "--once"],
]
WRITERS = [
    ["note", "INC-1", "hello", "--at", t("10:40")],
    ["done", "INC-1", "secure", "--at", t("10:41")],
    ["tick", "--now", t("13:00")],  # every timer of INC-1 is due
]


def _log(db):
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT * FROM events ORDER BY incident, seq").fetchall()
    finally:
        conn.close()


def _answers_in_one_line(result, argv):
    out = result.output
    assert "Traceback" not in out and "internal error" not in out, (argv, out)
    assert result.exit_code in (0, 1), (argv, result.exit_code, out)
    if result.exit_code == 1 and argv[0] not in ("verify", "replay"):  # these list each problem, one a line
        assert len(result.stderr.strip().splitlines()) == 1, (argv, result.stderr)


@pytest.mark.parametrize("name, statements", CASES, ids=[c[0] for c in CASES])
def test_every_command_on_a_tampered_database_answers_in_one_line(env, base, name, statements):
    db, token = base
    shutil.copy(db, env.db)
    if not tampering.apply(env.db, statements):
        pytest.skip("SQLite refuses the edit")
    for argv in READERS:
        _answers_in_one_line(env.run(*argv), argv)
    before = _log(env.db)
    for argv in WRITERS:
        result = env.run(*argv)
        _answers_in_one_line(result, argv)
        if argv[0] == "note" and result.exit_code == 1:
            assert _log(env.db) == before, "a refused note changed the log"

    from starlette.testclient import TestClient

    from planengine.web.app import create_app

    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(env.db, lang="en"), raise_server_exceptions=False) as client:
        for path in ("/api/incidents", "/api/incidents/INC-1"):
            r = client.get(path, headers=headers)
            assert r.status_code < 500 and "internal error" not in r.text, (path, r.status_code, r.text[:300])
        r = client.post("/api/incidents/INC-1/note", json={"text": "x"}, headers=headers)
        assert r.status_code < 500 and "internal error" not in r.text, ("note", r.status_code, r.text[:300])
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        r = client.post("/login", data={"user": "li", "password": "pw", "csrf": csrf}, follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        for path in ("/", "/board", "/incidents/INC-1"):  # the wall board, its recent events, the console
            r = client.get(path)
            assert r.status_code < 500 and "internal error" not in r.text, (path, r.status_code, r.text[:300])

"""Which files planengine opens as its database, and what it never does to them.

Read commands never create a database; a SQLite file of another application
is refused and left byte for byte as it was; a read-only database still reads;
an empty name, ':memory:' and a full disk each get their own clear line.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile

import pytest

APPLICATION_ID = 0x706C616E  # "plan"

READ_COMMANDS = [
    ("status",),
    ("status", "INC-1"),
    ("log", "INC-1"),
    ("verify", "INC-1"),
    ("replay", "INC-1"),
    ("drill", "score", "INC-1"),
    ("drill", "extract", "INC-1"),
    ("watch", "--once"),
]


def sha(path) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    return lines[0]


@pytest.mark.parametrize("argv", READ_COMMANDS, ids=" ".join)
def test_read_commands_where_there_is_no_database_say_so_and_create_none(env, argv):
    line = one_line_error(env.run(*argv, db=False))  # the default ./planengine.db
    assert "no database at planengine.db" in line
    line = one_line_error(env.run(*argv))  # --db of a file that does not exist
    assert f"no database at {env.db}" in line
    assert sorted(os.listdir(env.root)) == [], "nothing was created"


def test_tick_before_the_first_incident_creates_nothing(env):
    assert "nothing to do" in env.ok("tick").stdout
    assert not os.path.exists(env.db)


def foreign_db(env, name="other_app.db") -> str:
    path = str(env.root / name)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO customers(name) VALUES ('Acme')")
    conn.close()
    return path


@pytest.mark.parametrize(
    "argv",
    [
        *READ_COMMANDS,
        ("start", "PLAN", "--id", "INC-1"),
        ("note", "INC-1", "hello"),
        ("tick",),
        ("drill", "run", "DRILL"),
    ],
    ids=" ".join,
)
def test_a_sqlite_file_of_another_application_is_refused_and_left_unchanged(env, argv):
    path = foreign_db(env)
    plan = env.plan()
    drill = env.write(
        "d.yaml", f"drill: d\nplan: {plan}\nstart: 2090-03-05T10:00:00+08:00\ninjects:\n  - {{at: 1m, note: hi}}\n"
    )
    before = sha(path)
    argv = [plan if a == "PLAN" else drill if a == "DRILL" else a for a in argv]
    line = one_line_error(env.run(*argv, "--db", path, db=False))
    assert f"{path}: not a planengine database" in line and "customers" in line
    assert sha(path) == before, "not one byte changed"
    assert not os.path.exists(path + "-wal"), "never switched to WAL"
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["customers"]
    finally:
        conn.close()


def test_a_sqlite_file_marked_by_another_application_is_refused_even_without_tables(env):
    path = str(env.root / "theirs.db")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id=1234")
    conn.close()
    before = sha(path)
    line = one_line_error(env.run("start", env.plan(), "--db", path, db=False))
    assert "not a planengine database" in line and "0x4d2" in line
    assert sha(path) == before


def test_a_new_database_is_marked_as_planengine_and_in_wal_mode(env):
    env.start()
    conn = sqlite3.connect(env.db)
    try:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_a_database_written_before_the_mark_is_read_unchanged_and_upgraded_on_the_next_write(env, schema_7):
    env.start()
    env.json("done", "INC-1", "report_up", "--at", env.t("10:03"))
    expected = env.status()
    schema_7(env.db)
    conn = sqlite3.connect(env.db)  # back to schema 2, as every database written before the mark
    conn.execute("DROP TABLE snapshots")
    conn.execute("DROP TABLE status_cache")
    conn.execute("DROP TABLE deliveries")
    conn.execute("ALTER TABLE outbox DROP COLUMN meta")
    conn.execute("DROP TABLE users")
    conn.execute("ALTER TABLE plans DROP COLUMN compiled")
    conn.execute("ALTER TABLE plans DROP COLUMN compiled_format")
    conn.execute("PRAGMA user_version=2")
    conn.execute("PRAGMA application_id=0")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = sha(env.db)
    assert env.status() == expected
    assert "INC-1" in env.ok("status").stdout
    env.ok("verify", "INC-1")
    assert sha(env.db) == before, "reading neither marks nor migrates it"
    env.json("note", "INC-1", "still here", "--at", env.t("10:05"))
    conn = sqlite3.connect(env.db)
    try:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 3
    finally:
        conn.close()


@pytest.mark.parametrize("name", ["", ":memory:"])
@pytest.mark.parametrize("argv", [("start", "PLAN", "--id", "INC-1"), ("status",), ("tick",)], ids=" ".join)
def test_an_empty_or_in_memory_database_name_is_refused(env, name, argv):
    argv = [env.plan() if a == "PLAN" else a for a in argv]
    line = one_line_error(env.run(*argv, "--db", name, db=False))
    assert f"--db {name!r}: give the path of a database file" in line
    assert sorted(os.listdir(env.root)) == (["petition.yaml"] if "start" in argv else [])


def _as_another_user(fn):
    """Run ``fn`` in a child process that cannot write the workspace: as root, it drops to
    'nobody' (root ignores file modes). Returns what ``fn`` returned (JSON-able)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        os.close(r)
        try:
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            payload = json.dumps(fn())
        except BaseException as e:
            payload = json.dumps({"crashed": repr(e)})
        os.write(w, payload.encode())
        os._exit(0)
    os.close(w)
    chunks = []
    while chunk := os.read(r, 65536):
        chunks.append(chunk)
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks))


def test_a_read_only_database_is_still_read_by_status_log_and_verify(env):
    env.start("crowd_size=8")
    env.json("done", "INC-1", "report_up", "--at", env.t("10:03"))
    expected = env.status()
    env.ok("verify", "INC-1", "--json")  # every lazily imported module is loaded before the fork
    env.ok("log", "INC-1")
    env.ok("status")
    conn = sqlite3.connect(env.db)  # everything in the main file, as when the writer's process exits
    assert conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    conn.close()
    # a directory anyone may traverse (pytest's own are private), then made read-only
    shared = tempfile.mkdtemp(prefix="planengine-ro-")
    db = os.path.join(shared, "incidents.db")
    shutil.copyfile(env.db, db)
    before = sha(db)
    os.chmod(db, 0o444)
    os.chmod(shared, 0o555)  # no -shm index can be created next to it either

    def reads():
        def run(*args):
            r = env.runner.invoke(ws_cli(), [*args, "--db", db])
            return {"code": r.exit_code, "out": r.stdout, "err": r.stderr}

        return {
            "status": run("status", "INC-1", "--json"),
            "list": run("status"),
            "list_json": run("status", "--json"),  # folds INC-1 and may not keep its text
            "verify": run("verify", "INC-1", "--json"),
            "log": run("log", "INC-1", "--json"),
            "note": run("note", "INC-1", "cannot write"),
        }

    try:
        out = _as_another_user(reads)
        assert sha(db) == before
        assert sorted(os.listdir(shared)) == ["incidents.db"]
    finally:
        os.chmod(shared, 0o755)
        shutil.rmtree(shared)
    assert "crashed" not in out, out
    assert out["status"]["code"] == 0, out["status"]["err"]
    got = json.loads(out["status"]["out"])
    assert got["facts"] == expected["facts"] and got["steps"] == expected["steps"]
    assert out["list"]["code"] == 0 and "INC-1" in out["list"]["out"]
    assert out["list_json"]["code"] == 0 and out["list_json"]["err"] == "", out["list_json"]["err"]
    assert [x["steps"] for x in json.loads(out["list_json"]["out"])] == [expected["steps"]]
    assert out["verify"]["code"] == 0 and json.loads(out["verify"]["out"])["ok"] is True
    assert out["log"]["code"] == 0 and len(json.loads(out["log"]["out"])) == len(env.events())
    assert out["note"]["code"] == 1
    assert "read-only" in out["note"]["err"] and len(out["note"]["err"].strip().splitlines()) == 1


def ws_cli():
    from planengine.cli import cli

    return cli


def _limit_pages(monkeypatch, pages):
    """Every connection planengine opens may grow the file to ``pages`` pages: SQLite then
    answers SQLITE_FULL ("database or disk is full"), exactly as on a full disk."""
    real = sqlite3.connect

    def connect(*args, **kwargs):
        conn = real(*args, **kwargs)
        conn.execute(f"PRAGMA max_page_count={pages}")
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)


def test_a_full_disk_is_reported_as_such_and_records_nothing(env, monkeypatch):
    env.start()
    events = len(env.events())
    conn = sqlite3.connect(env.db)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    _limit_pages(monkeypatch, pages)
    line = one_line_error(env.run("note", "INC-1", "x" * 200_000, "--at", env.t("10:05")))
    assert "disk is full" in line and "nothing was recorded" in line
    assert "not a planengine database" not in line
    monkeypatch.undo()
    assert len(env.events()) == events
    env.ok("verify", "INC-1")


def test_a_full_disk_when_creating_the_database_is_reported_as_such(env, monkeypatch):
    _limit_pages(monkeypatch, 2)
    line = one_line_error(env.run("start", env.plan(), "--id", "INC-1"))
    assert "disk is full" in line and "not a planengine database" not in line


def test_a_file_size_limit_is_reported_as_such_and_leaves_the_database_unchanged(env):
    """A real full-disk condition in a real process: `ulimit -f` (RLIMIT_FSIZE) stops every file
    growing, the WAL included; the write fails with EFBIG, which SQLite calls "disk I/O error"."""
    import resource
    import subprocess
    import sys

    env.start()
    conn = sqlite3.connect(env.db)
    assert conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    conn.close()
    before, events = sha(env.db), env.events()

    def limit():  # Python ignores SIGXFSZ, so a write past the limit fails instead of killing it
        resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))

    environ = {k: v for k, v in os.environ.items() if not k.startswith("PLANENGINE_")}
    environ.update(PLANENGINE_LOAD_PLUGINS="", PLANENGINE_LANG="en")
    proc = subprocess.run(
        [sys.executable, "-m", "planengine", "note", "INC-1", "x" * 100_000, "--at", env.t("10:05"), "--db", env.db],
        capture_output=True,
        text=True,
        env=environ,
        cwd=env.root,
        preexec_fn=limit,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "file-size limit (50000 bytes" in lines[0] and "nothing was recorded" in lines[0]
    assert sha(env.db) == before
    assert env.events() == events
    env.ok("verify", "INC-1")


def test_a_database_in_a_read_only_directory_is_read_and_refuses_writes_unchanged(env):
    """The file may be written but its directory may not: no -wal or -shm can be created."""
    env.start("crowd_size=8")
    expected = env.status()
    env.ok("verify", "INC-1", "--json")  # every lazily imported module is loaded before the fork
    env.ok("log", "INC-1")
    env.ok("tick", "--now", env.t("10:01"))
    conn = sqlite3.connect(env.db)
    assert conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    conn.close()
    shared = tempfile.mkdtemp(prefix="planengine-rodir-")
    db = os.path.join(shared, "incidents.db")
    shutil.copyfile(env.db, db)
    before = sha(db)
    os.chmod(db, 0o666)  # the file itself is writable by anyone
    os.chmod(shared, 0o555)

    def attempts():
        def run(*args):
            r = env.runner.invoke(ws_cli(), [*args, "--db", db])
            return {"code": r.exit_code, "out": r.stdout, "err": r.stderr}

        return {
            "status": run("status", "INC-1", "--json"),
            "note": run("note", "INC-1", "cannot write", "--at", env.t("10:05")),
            "tick": run("tick", "--now", env.t("10:30")),
        }

    try:
        out = _as_another_user(attempts)
        assert sha(db) == before
        assert sorted(os.listdir(shared)) == ["incidents.db"]
    finally:
        os.chmod(shared, 0o755)
        shutil.rmtree(shared)
    assert "crashed" not in out, out
    assert out["status"]["code"] == 0 and json.loads(out["status"]["out"])["steps"] == expected["steps"]
    for name in ("note", "tick"):
        assert out[name]["code"] == 1, out[name]
        lines = out[name]["err"].strip().splitlines()
        assert len(lines) == 1 and "read-only" in lines[0], out[name]["err"]

"""Security (issue 13 part 6): no file, configuration or web value reaches a shell, eval or a template
as code, or a path the user did not name; secrets from the environment appear in no output,
report, page, error, database file or event log.

Other tests pin parts of this in place: the command channel's argv and a `$(touch x)` argument
(tests/notifiers/test_channels.py), HTTP failures of robots and webhooks without their secrets
(same file), markup in reports and pages (tests/report/test_report_escaping.py,
tests/web/test_api_and_access.py). These add what was missing.
"""

from __future__ import annotations

import ast
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = sorted(
    p
    for p in [*(REPO / "planengine").rglob("*.py"), *(REPO / "plugins").glob("*/*/*.py")]
    if "tests" not in p.relative_to(REPO).parts
)

# -- 1. the code itself -----------------------------------------------------------------------

BUILTINS = {"eval", "exec", "compile", "__import__", "breakpoint"}
ATTRIBUTES = {
    ("os", "system"),
    ("os", "popen"),
    ("os", "execl"),
    ("os", "execlp"),
    ("os", "execv"),
    ("os", "execvp"),
    ("os", "spawnl"),
    ("os", "spawnv"),
    ("yaml", "load"),
    ("yaml", "load_all"),
    ("yaml", "unsafe_load"),
    ("yaml", "full_load"),
    ("yaml", "Loader"),
    ("yaml", "UnsafeLoader"),
    ("yaml", "FullLoader"),
    ("pickle", "load"),
    ("pickle", "loads"),
    ("marshal", "loads"),
    ("subprocess", "getoutput"),
    ("subprocess", "getstatusoutput"),
    ("jinja2", "Template"),
}


def unsafe_uses(tree: ast.AST) -> list:
    """(line, what) for every construct that could run a value as code or through a shell."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in BUILTINS:
                found.append((node.lineno, f"{f.id}()"))
            if isinstance(f, ast.Attribute) and f.attr == "from_string":
                found.append((node.lineno, "a template compiled from a string"))
            for kw in node.keywords:
                if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                    found.append((node.lineno, "shell=..."))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in ATTRIBUTES:
                found.append((node.lineno, f"{node.value.id}.{node.attr}"))
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if (node.module.split(".")[0], alias.name) in ATTRIBUTES or alias.name in BUILTINS:
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
    return found


def test_the_scan_finds_what_it_looks_for():
    bad = ast.parse(
        "eval(x)\nexec(y)\nimport os, yaml\nos.system(c)\nsubprocess.run(c, shell=True)\n"
        "yaml.load(t)\nfrom yaml import unsafe_load\nenv.from_string(t)\nsubprocess.run(c, shell=flag)\n"
    )
    assert sorted(line for line, _ in unsafe_uses(bad)) == [1, 2, 4, 5, 6, 7, 8, 9]
    assert unsafe_uses(ast.parse("re.compile(p)\nyaml.safe_load(t)\nsubprocess.run([a], shell=False)\n")) == []


def test_the_package_never_evals_execs_uses_a_shell_or_loads_unsafe_yaml():
    assert len(SOURCES) > 50, "the scan must see the package and the plugins"
    found = []
    for path in SOURCES:
        for line, what in unsafe_uses(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            found.append(f"{path.relative_to(REPO)}:{line}: {what}")
    assert found == []


# -- 2. values never reach a shell --------------------------------------------------------

SHELLISH = ["$(touch pwned1)", "; touch pwned2", "`touch pwned3`", "| touch pwned4", "&& touch pwned5"]


def test_shell_syntax_in_every_value_the_command_channel_passes_creates_nothing(env, tmp_path):
    # a recording script as the command channel; every placeholder carries shell syntax
    log = tmp_path / "calls.jsonl"
    script = tmp_path / "send-sms"
    script.write_text(
        "#!/usr/bin/env python3\nimport json, sys\n"
        f"open({str(log)!r}, 'a').write(json.dumps({{'argv': sys.argv[1:], 'stdin': sys.stdin.read()}}) + '\\n')\n"
    )
    script.chmod(0o755)
    name, phone = SHELLISH[0], "13900000000"
    plan = env.plan(
        env.PLAN.replace(
            "leader: {title: Leader, people: [{name: Chen}]}",
            f"leader: {{title: Leader, people: [{{name: '{name}'}}]}}",
        ).replace("message: respond now", f"message: 'respond {SHELLISH[1]} {SHELLISH[2]}'")
    )
    env.write(
        "planengine.yaml",
        json.dumps(
            {
                "notifiers": {
                    "sms": {"type": "command", "argv": [str(script), "{phone}", "{name}", "{incident}", "{role}"]}
                },
                "routes": {"leader": ["sms"], "team": ["sms"]},
                "people": {name: {"phone": phone}, "Wang": {"phone": "13900000001"}},
            }
        ),
    )
    env.ok("start", plan, "--id", "INC-1", "--at", env.t("10:00"), "--set", f"location={SHELLISH[3]}")
    env.ok("note", "INC-1", SHELLISH[4], "--at", env.t("10:01"))
    env.ok("event", "INC-1", "activate", "--at", env.t("10:05"))
    out = env.json("tick", "--now", env.t("10:06"))
    assert out["delivered"] >= 1, [f.get("error") for f in out["failed"]]
    calls = [json.loads(x) for x in log.read_text().splitlines()]
    assert [phone, name] in [c["argv"][:2] for c in calls]  # the values arrived as single arguments
    assert any(SHELLISH[1] in c["stdin"] for c in calls)
    created = [p.name for d in (env.root, tmp_path, Path.cwd()) for p in d.iterdir() if p.name.startswith("pwned")]
    assert created == []


# -- 3. templates are never code ----------------------------------------------------------

INJECT = "{{ 6*7007 }}{% for x in [1,2] %}Zq{% endfor %}{{ ''.__class__ }}"


@pytest.fixture
def templated(env):
    plan = env.plan(
        env.PLAN.replace("title: Test petition plan", f"title: '{INJECT}'")
        .replace("title: Reported", f"title: 'R {INJECT}'")
        .replace("      - id: report_up\n", f"      - id: report_up\n        title: 'S {INJECT}'\n")
    )
    env.ok("start", plan, "--id", "INC-1", "--at", env.t("10:00"), "--set", f"location={INJECT}")
    env.ok("note", "INC-1", f"N {INJECT}", "--at", env.t("10:01"))
    env.ok("done", "INC-1", "report_up", "--by", INJECT, "--note", INJECT, "--at", env.t("10:02"))
    return env


def _literal(text: str, where: str):
    """The template text is shown as written (markdown may escape its `*`), never evaluated."""
    assert "42042" not in text, f"{where}: {{{{ 6*7007 }}}} was evaluated"
    assert "ZqZq" not in text and "class 'str'" not in text and "class &#39;str" not in text, where
    shown = text.replace("\\*", "*").replace("\\[", "[").replace("\\]", "]")
    assert "{{ 6*7007 }}" in shown and "{% for x in [1,2] %}Zq{% endfor %}" in shown, f"{where}: not shown as written"


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_template_syntax_in_plans_facts_and_notes_prints_literally_in_reports(templated, fmt):
    out = templated.root / f"r.{fmt}"
    templated.ok("report", "INC-1", "--format", fmt, "-o", str(out))
    _literal(out.read_text(encoding="utf-8"), fmt)


def test_template_syntax_prints_literally_in_the_pdf_report(templated):
    out = templated.root / "r.pdf"
    templated.ok("report", "INC-1", "--format", "pdf", "-o", str(out))
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    _literal(text, "pdf")


def test_template_syntax_prints_literally_on_the_board_status_and_web_pages(templated):
    from starlette.testclient import TestClient

    from planengine.cli import cli
    from planengine.web.app import create_app

    _literal(templated.ok("status", "INC-1").stdout, "board")
    _literal(templated.ok("show", templated.root / "petition.yaml").stdout, "plan show")
    r = templated.runner.invoke(
        cli, ["user", "add", "wang", "--role", "officer", "--password-stdin", "--db", templated.db], input="pw-wang\n"
    )
    assert r.exit_code == 0, r.output
    with TestClient(create_app(templated.db, lang="en")) as c:
        import re

        token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
        c.post("/login", data={"user": "wang", "password": "pw-wang", "csrf": token})
        for path in ("/", "/incidents/INC-1"):
            page = c.get(path)
            assert page.status_code == 200
            _literal(page.text, path)


# -- 4. paths ---------------------------------------------------------------------------------


@pytest.mark.parametrize("incident", ["../../escape", "/etc/x", "a/b", "..", "a\\b", "x\x00y"])
def test_incident_ids_that_are_paths_are_refused_and_write_nothing(env, incident):
    result = env.run("start", env.plan(), "--id", incident, "--at", env.t("10:00"))
    assert result.exit_code in (1, 2) and env.count("incidents") == 0


def test_report_all_writes_only_inside_the_directory_it_was_given(env, tmp_path):
    env.start()
    env.ok("event", "INC-1", "activate", "--at", env.t("10:01"))
    before = {p for p in tmp_path.rglob("*")}
    out = tmp_path / "out"
    env.ok("report", "--all", "--since", env.DAY, "--until", env.DAY, "--format", "md", "-o", str(out))
    new = {p for p in tmp_path.rglob("*")} - before
    assert new and all(p == out or out in p.parents for p in new), sorted(map(str, new))


@pytest.mark.parametrize("ref", ["/etc/passwd", "../../../../../../etc/passwd", "/etc/hostname", "/dev/zero"])
def test_a_drill_plan_reference_outside_yaml_is_never_read_or_echoed(env, ref):
    drill = env.write(
        "d.yaml", f"drill: d\nplan: {ref}\nstart: 2090-03-05T10:00:00+08:00\ninjects:\n  - {{at: 1m, say: hi}}\n"
    )
    for args in (("validate", drill), ("drill", "run", drill)):
        result = env.run(*args)
        assert result.exit_code == 1 and "root:" not in result.output, result.output
        [line] = result.stderr.strip().splitlines()
        assert "d.yaml:2:" in line


# -- 5. secrets -------------------------------------------------------------------------------

SECRETS = {
    "SEC_HOOK_SECRET": "hook-secret-5e1d0c",
    "SEC_DING_URL": "http://127.0.0.1:{port}/robot/send?access_token=ding-token-88aa31",
    "SEC_DING_SECRET": "SECding-secret-2f9e4b",
    "SEC_WECOM_URL": "http://127.0.0.1:{port}/cgi-bin/webhook/send?key=wecom-key-61c0d2",
    "SEC_SMTP_USER": "smtp-user-0a7e",
    "SEC_SMTP_PASSWORD": "smtp-password-93b7f1",
}
VALUES = (
    "hook-secret-5e1d0c",
    "ding-token-88aa31",
    "SECding-secret-2f9e4b",
    "wecom-key-61c0d2",
    "smtp-password-93b7f1",
)


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the test connects: connection refused


def test_secrets_never_appear_in_outputs_reports_pages_the_database_or_errors(env, monkeypatch, tmp_path):
    port = _closed_port()
    for k, v in SECRETS.items():
        monkeypatch.setenv(k, v.format(port=port))
    env.write(
        "planengine.yaml",
        f"""\
        notifiers:
          hook:  {{type: webhook, url: "http://127.0.0.1:{port}/hook", secret_env: SEC_HOOK_SECRET}}
          ding:  {{type: dingtalk, url_env: SEC_DING_URL, secret_env: SEC_DING_SECRET}}
          wecom: {{type: wecom, url_env: SEC_WECOM_URL}}
          mail:  {{type: email, host: 127.0.0.1, port: {port}, sender: duty@example.gov.cn,
                  user_env: SEC_SMTP_USER, password_env: SEC_SMTP_PASSWORD}}
        routes:
          leader: [hook, ding, wecom, mail]
          team: [ding, mail]
        people:
          Chen: {{email: chen@example.gov.cn, phone: "13900000000"}}
          Wang: {{email: wang@example.gov.cn, phone: "13900000001"}}
        """,
    )
    outputs = []

    def run(*args, **kw):
        result = env.run(*args, **kw)
        outputs.append(result.output)
        return result

    run("start", env.plan(), "--id", "INC-1", "--at", env.t("10:00"))
    run("event", "INC-1", "activate", "--at", env.t("10:05"))
    for hhmm in ("10:06", "10:08", "10:15", "10:40", "11:30", "14:00"):
        run("tick", "--now", env.t(hhmm), "--json")
        run("tick", "--now", env.t(hhmm))
    for args in (("status", "INC-1", "--json"), ("status", "INC-1"), ("status",), ("log", "INC-1", "--json")):
        run(*args)
    run("log", "INC-1")
    run("verify", "INC-1")
    for fmt in ("md", "html"):
        out = tmp_path / f"r.{fmt}"
        run("report", "INC-1", "--format", fmt, "-o", str(out))
        outputs.append(out.read_text(encoding="utf-8"))
    # a configuration error (a channel that is now broken) names the variable, never its value
    env.write(
        "bad.yaml",
        'notifiers:\n  ding: {type: dingtalk, url_env: SEC_DING_URL, secret: "x", secret_env: SEC_DING_SECRET}\n',
    )
    bad = run("tick", "--now", env.t("15:00"), "--config", "bad.yaml")
    assert bad.exit_code == 1
    failures = [e for e in env.events() if e["kind"] in ("notify_failed",)]
    conn = sqlite3.connect(env.db)
    attempts = conn.execute("SELECT * FROM deliveries").fetchall()
    conn.close()
    assert failures or any("refused" in repr(a).lower() or "error" in repr(a).lower() for a in attempts), (
        "the deliveries must have failed (connection refused), or the test proves nothing"
    )
    from starlette.testclient import TestClient

    from planengine.cli import cli
    from planengine.web.app import create_app

    r = env.runner.invoke(
        cli, ["user", "add", "wang", "--role", "admin", "--password-stdin", "--db", env.db], input="pw-wang-7c1e\n"
    )
    token = env.runner.invoke(cli, ["user", "token", "wang", "--db", env.db])
    assert r.exit_code == 0 and token.exit_code == 0
    api_token = token.output.strip().split()[-1]
    with TestClient(create_app(env.db, lang="en")) as c:
        import re

        csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
        c.post("/login", data={"user": "wang", "password": "pw-wang-7c1e", "csrf": csrf})
        for path in ("/", "/incidents/INC-1", "/api/incidents", "/api/incidents/INC-1"):
            outputs.append(c.get(path).text)
    text = "\n".join(outputs)
    stored = b"".join(p.read_bytes() for p in env.root.glob("*.db*"))
    for value in VALUES:
        assert value not in text, value
        assert value.encode() not in stored, value
    assert "pw-wang-7c1e" not in text and b"pw-wang-7c1e" not in stored
    assert api_token not in "\n".join(outputs[-4:]) and api_token.encode() not in stored

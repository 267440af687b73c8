"""Fixtures for the web edge: a database with accounts and an incident, and a TestClient per role."""

from __future__ import annotations

import re

import pytest

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def site(env):
    """A database with an officer, a viewer and one open incident (a step title carries hostile markup)."""
    plan = env.plan(env.PLAN.replace("      - id: report_up\n", f"      - id: report_up\n        title: '{HOSTILE}'\n"))
    env.start(plan=plan)
    for name, role in (("wang", "officer"), ("li", "viewer"), ("boss", "admin")):
        r = env.runner.invoke(
            __import__("planengine.cli", fromlist=["cli"]).cli,
            ["user", "add", name, "--role", role, "--password-stdin", "--db", env.db],
            input=f"pw-{name}\n",
        )
        assert r.exit_code == 0, r.output
    return env


def client(site):
    from starlette.testclient import TestClient

    from planengine.web.app import create_app

    return TestClient(create_app(site.db, lang="en"))


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(c, name):
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"user": name, "password": f"pw-{name}", "csrf": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return c

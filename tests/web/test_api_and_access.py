"""The JSON API and the access rules of `plan serve`, through Starlette's TestClient on a real database."""

from __future__ import annotations

import pytest

from tests.web.conftest import HOSTILE, client, csrf_of, login


def snapshot(env):
    return (env.count("events"), env.count("users"))  # commands are recorded on their events


def token_for(env, name):
    r = env.ok("user", "token", name)
    return r.stdout.strip()


def test_the_api_lists_what_plan_status_json_prints(site):
    cli = site.json("status")
    with client(site) as c:
        r = c.get("/api/incidents", headers={"Authorization": f"Bearer {token_for(site, 'li')}"})
    assert r.status_code == 200
    assert r.json() == cli
    with client(site) as c:
        one = c.get("/api/incidents/INC-1", headers={"Authorization": f"Bearer {token_for(site, 'li')}"}).json()
    assert one == site.json("status", "INC-1")


def test_the_api_list_read_from_cached_texts_and_with_drills_is_still_plan_status_json(site):
    site.start(incident="INC-2", at="10:02")
    site.ok("note", "INC-2", "路口已封闭", "--at", site.t("10:03"))
    site.ok("tick", "--now", site.t("10:40"))  # overdue marks, and every open incident's text at its head
    site.start(incident="INC-3", at="10:41")  # and one that is not
    from planengine.core.engine import Engine

    eng = Engine(db=site.db)
    eng.start(str(site.root / "petition.yaml"), {"crowd_size": 60}, at=site.t("10:42"), incident_id="D-1", kind="drill")
    eng.command("D-1", "event", {"name": "activate"}, at=site.t("10:43"))
    eng.store.close()
    headers = {"Authorization": f"Bearer {token_for(site, 'li')}"}
    with client(site) as c:
        listed = c.get("/api/incidents", headers=headers)
        with_drills = c.get("/api/incidents?drills=1", headers=headers).json()
    assert listed.headers["content-type"] == "application/json"
    assert listed.json() == site.json("status") and [x["id"] for x in listed.json()] == ["INC-1", "INC-2", "INC-3"]
    assert with_drills == site.json("status", "--drills") and "D-1" in [x["id"] for x in with_drills]


def test_an_officers_command_is_recorded_with_the_officer_as_actor(site):
    token = token_for(site, "wang")
    with client(site) as c:
        r = c.post(
            "/api/incidents/INC-1/done",
            json={"step": "report_up", "note": "by phone", "at": site.t("10:04")},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert r.status_code == 200, r.text
    assert site.step(r.json(), "report_up")["status"] == "done"
    done = [e for e in site.events() if e["kind"] == "step_done"][-1]
    assert done["actor"] == "wang" and done["data"]["by"] == "wang"


@pytest.mark.parametrize("auth", [None, "Bearer nope", "Bearer "])
def test_unauthenticated_writes_get_401_and_write_nothing(site, auth):
    before = snapshot(site)
    headers = {"Authorization": auth} if auth else {}
    with client(site) as c:
        r = c.post("/api/incidents/INC-1/done", json={"step": "report_up"}, headers=headers)
        assert r.status_code == 401 and "error" in r.json()
        assert c.get("/api/incidents", headers=headers).status_code == 401
        assert c.get("/", follow_redirects=False).status_code == 303
    assert snapshot(site) == before


def test_a_viewer_reads_but_every_write_is_403_and_writes_nothing(site):
    token = token_for(site, "li")
    before = snapshot(site)
    with client(site) as c:
        for cmd, body in (("done", {"step": "report_up"}), ("note", {"text": "x"}), ("close", {})):
            r = c.post(f"/api/incidents/INC-1/{cmd}", json=body, headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 403, r.text
        login(c, "li")
        page = c.get("/incidents/INC-1").text
        assert 'action="/incidents/INC-1/done"' not in page  # no console for a viewer
        r = c.post("/incidents/INC-1/done", data={"step": "report_up", "csrf": csrf_of(page)})
        assert r.status_code == 403
    assert snapshot(site) == before


def test_a_form_without_its_csrf_token_is_refused(site):
    before = snapshot(site)
    with client(site) as c:
        login(c, "wang")
        r = c.post("/incidents/INC-1/done", data={"step": "report_up"})
        assert r.status_code == 403
        r = c.post("/incidents/INC-1/done", data={"step": "report_up", "csrf": "forged"})
        assert r.status_code == 403
        # the session's own API calls need the token too (a cookie alone is not enough)
        r = c.post("/api/incidents/INC-1/done", json={"step": "report_up"})
        assert r.status_code == 403
    assert snapshot(site) == before


def test_refusals_are_4xx_with_the_clis_message_and_write_nothing(site):
    token = {"Authorization": f"Bearer {token_for(site, 'wang')}"}
    before = snapshot(site)
    with client(site) as c:
        r = c.post("/api/incidents/INC-1/done", json={"step": "brief", "at": site.t("10:04")}, headers=token)
        assert r.status_code == 422
        cli = site.run("done", "INC-1", "brief", "--at", site.t("10:04"))
        assert r.json()["error"] == cli.stderr.strip().removeprefix("error: ")
        assert c.post("/api/incidents/INC-1/done", json={"stpe": "x"}, headers=token).status_code == 400
        assert (
            c.post("/api/incidents/INC-1/checkin", json={"role": "team", "count": "many"}, headers=token).status_code
            == 400
        )
        assert c.post("/api/incidents/INC-404/note", json={"text": "x"}, headers=token).status_code == 404
        assert c.post("/api/incidents/INC-1/frobnicate", json={}, headers=token).status_code == 404
        assert c.post("/api/incidents/INC-1/note", content=b"[1]", headers=token).status_code == 400
    assert snapshot(site) == before


def test_back_dating_and_short_forms_work_in_the_console(site):
    with client(site) as c:
        login(c, "wang")
        page = c.get("/incidents/INC-1").text
        r = c.post(
            "/incidents/INC-1/done",
            data={"step": "1", "at": site.t("10:03"), "csrf": csrf_of(page)},
            follow_redirects=False,
        )
        assert r.status_code == 303
    st = site.step(site.status(), "report_up")
    assert st["status"] == "done" and st["done_at"].startswith(f"{site.DAY}T10:03")
    assert [e for e in site.events() if e["kind"] == "step_done"][-1]["actor"] == "wang"


def test_every_page_sends_a_strict_content_security_policy_and_an_httponly_strict_cookie(site):
    with client(site) as c:
        r = c.get("/login")
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        token = csrf_of(r.text)
        r = c.post("/login", data={"user": "wang", "password": "pw-wang", "csrf": token}, follow_redirects=False)
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        for path in ("/", "/incidents/INC-1", "/board", "/static/board.css"):
            assert "script-src 'self'" in c.get(path).headers["content-security-policy"]
        assert "<script>" not in c.get("/").text.replace('<script src="', "")


def test_hostile_plan_text_is_escaped(site):
    with client(site) as c:
        login(c, "wang")
        for path in ("/", "/incidents/INC-1"):
            html = c.get(path).text
            assert HOSTILE not in html
            assert "&lt;script&gt;alert(" in html


def test_login_attempts_are_rate_limited(site):
    with client(site) as c:
        token = csrf_of(c.get("/login").text)
        codes = [
            c.post("/login", data={"user": "wang", "password": "wrong", "csrf": token}).status_code for _ in range(6)
        ]
        assert codes[:5] == [401] * 5 and codes[5] == 429
        # even the right password waits now
        r = c.post("/login", data={"user": "wang", "password": "pw-wang", "csrf": token}, follow_redirects=False)
        assert r.status_code == 429


def test_passwords_and_tokens_are_stored_only_as_hashes(site):
    import sqlite3

    token = token_for(site, "wang")
    row = sqlite3.connect(site.db).execute("SELECT password_hash, token_hash FROM users WHERE name='wang'").fetchone()
    assert row[0].startswith("scrypt$") and "pw-wang" not in row[0]
    assert token not in row[1] and len(row[1]) == 64


def test_the_board_shows_levels_musters_and_the_watermark_of_drills(site):
    site.ok("set", "INC-1", "casualties=3", "crowd_size=6", "--at", site.t("10:01"))
    site.ok("event", "INC-1", "activate", "--at", site.t("10:02"))
    site.ok("checkin", "INC-1", "team", "--count", "4", "--at", site.t("10:03"))
    with client(site) as c:
        login(c, "li")
        html = c.get("/").text
    assert "Level III" in html and "lv-yellow" in html
    assert "4/10" in html  # muster progress
    assert "Wang" in html  # who to call


def test_changing_a_password_ends_the_sessions_begun_under_the_old_one(site):
    with client(site) as old, client(site) as other:
        login(old, "wang")
        login(other, "li")
        assert old.get("/", follow_redirects=False).status_code == 200
        r = site.runner.invoke(
            __import__("planengine.cli", fromlist=["cli"]).cli,
            ["user", "add", "wang", "--role", "officer", "--password-stdin", "--db", site.db],
            input="new-secret\n",
        )
        assert r.exit_code == 0, r.output
        gone = old.get("/", follow_redirects=False)
        assert gone.status_code == 303 and gone.headers["location"].endswith("/login")
        page = old.get("/incidents/INC-1", follow_redirects=False)
        assert page.status_code == 303, "the old session can no longer read an incident"
        assert other.get("/", follow_redirects=False).status_code == 200, "other accounts keep their sessions"
        token = csrf_of(old.get("/login").text)
        r = old.post("/login", data={"user": "wang", "password": "new-secret", "csrf": token}, follow_redirects=False)
        assert r.status_code == 303
        assert old.get("/", follow_redirects=False).status_code == 200

"""Hostile requests to `plan serve` (hypothesis): random JSON bodies, raw bytes and form fields sent
to every command of the API and the console, by a logged-in officer.

Whatever arrives, the answer is a page or a JSON error with one line (never a 500 or a traceback),
the log still verifies, and a refused request writes nothing.
"""

from __future__ import annotations

import json
import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from planengine.web.app import COMMANDS
from tests.web.conftest import csrf_of, login

ANSWERS = {200, 303, 400, 403, 404, 422}
MANY = settings(max_examples=max(200, settings().max_examples))  # the profile's count, at least 200
NAMES = sorted(COMMANDS) + ["bogus", "a..b", "done.json", "%00", "步骤"]
FIELDS = sorted({k for spec in COMMANDS.values() for k in spec}) + ["x", "__class__", "facts.level", ""]
TEXT = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["report_up", "muster", "10:05", "2099-01-01T00:00", "-1d", "{{7*7}}", "<b>x</b>", "\x00", "\u202e", "9" * 400]
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
RIGHT = {str: TEXT, int: st.integers(), dict: st.dictionaries(TEXT, JSON, max_size=3)}


@st.composite
def requests(draw):
    """A command and a body that is mostly its own arguments, each of the right type or not."""
    command = draw(st.sampled_from(sorted(COMMANDS)) | st.sampled_from(NAMES))
    spec = COMMANDS.get(command, {"step": str})
    body = draw(st.dictionaries(st.sampled_from(FIELDS) | TEXT, JSON, max_size=1))
    for name in sorted(spec):
        if draw(st.booleans()):
            body[name] = draw(RIGHT[spec[name]] | JSON)
    return command, body


def hostile_client(site):
    """A TestClient that answers a server error with its 500 instead of raising it here."""
    from starlette.testclient import TestClient

    from planengine.web.app import create_app

    return TestClient(create_app(site.db, lang="en"), raise_server_exceptions=False)


def event_count(db):
    conn = sqlite3.connect(db)
    try:
        return [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("events",)]
    finally:
        conn.close()


def one_line_error(r):
    body = r.json()
    assert set(body) == {"error"} and isinstance(body["error"], str), body
    assert "\n" not in body["error"].strip() and "Traceback" not in body["error"], body["error"]


def test_random_api_bodies_get_an_answer_and_a_refusal_writes_nothing(site):
    token = site.ok("user", "token", "wang").stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    with hostile_client(site) as c:

        @MANY
        @given(requests())
        def send(request):
            command, body = request
            before = event_count(site.db)
            r = c.post(f"/api/incidents/INC-1/{command}", content=json.dumps(body), headers=auth)
            assert r.status_code in ANSWERS, (r.status_code, command, body, r.text[:300])
            if r.status_code != 200:
                one_line_error(r)
                assert event_count(site.db) == before, (command, body)

        send()

        @MANY
        @given(command=st.sampled_from(NAMES), raw=st.binary(max_size=200) | JSON.map(json.dumps).map(str.encode))
        def send_raw(command, raw):
            before = event_count(site.db)
            r = c.post(f"/api/incidents/INC-1/{command}", content=raw, headers=auth)
            assert r.status_code in ANSWERS, (r.status_code, command, raw, r.text[:300])
            if r.status_code != 200:
                one_line_error(r)
                assert event_count(site.db) == before

        send_raw()
    assert site.json("verify", "INC-1")["ok"] is True


def test_random_console_forms_get_a_page_and_a_refusal_writes_nothing(site):
    with hostile_client(site) as c:
        login(c, "wang")
        token = csrf_of(c.get("/incidents/INC-1").text)

        @MANY
        @given(
            command=st.sampled_from(NAMES),
            form=st.dictionaries(
                st.sampled_from(FIELDS + ["facts", "answer", "count"]) | TEXT, TEXT, min_size=1, max_size=5
            ),
        )
        def send(command, form):
            before = event_count(site.db)
            r = c.post(f"/incidents/INC-1/{command}", data={**form, "csrf": token}, follow_redirects=False)
            assert r.status_code in ANSWERS, (r.status_code, command, form, r.text[:300])
            assert "Traceback" not in r.text and "Internal Server Error" not in r.text
            if r.status_code != 303:
                assert event_count(site.db) == before, (command, form)

        send()
    assert site.json("verify", "INC-1")["ok"] is True

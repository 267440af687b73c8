"""Real receivers on 127.0.0.1 for the channel tests: a webhook endpoint that checks the HMAC
signature, DingTalk- and WeCom-shaped robots that check their credentials and answer ``errcode``,
an SMTP server (aiosmtpd), and a script for the command channel. Each is stopped after its test."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

HOOK_SECRET = "hook-secret-7f3a"
DING_SECRET = "SECdingsecret9b21"
DING_TOKEN = "ding-token-5c8e"
WECOM_KEY = "wecom-key-0d4f"


class Receiver:
    """Records what arrives; ``script[path]`` is a list of answers to give first (then success)."""

    secrets = (HOOK_SECRET, DING_SECRET, DING_TOKEN, WECOM_KEY)
    ding_token = DING_TOKEN

    def __init__(self):
        self.received: dict = {"/hook": [], "/ding": [], "/wecom": []}
        self.rejected: list = []
        self.script: dict = {}
        self.always: dict = {}  # path -> answer given every time
        self.gate: dict = {}  # path -> threading.Event the answer waits for
        self.arrived = threading.Event()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def keys(self, path):
        return [r["body"].get("key") for r in self.received[path]]

    def _answer(self, path):
        if path in self.always:
            return self.always[path]
        queue = self.script.get(path) or []
        return queue.pop(0) if queue else None

    def _handler(self):
        rec = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, obj=None):
                data = json.dumps(obj or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = json.loads(raw.decode("utf-8"))
                path = parts.path
                item = {"query": query, "headers": dict(self.headers), "body": body, "raw": raw}
                if path == "/hook":
                    want = "sha256=" + hmac.new(HOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
                    if self.headers.get("X-Planengine-Signature") != want:
                        rec.rejected.append(item)
                        return self._reply(401)
                elif path == "/ding":
                    ts = query.get("timestamp", "")
                    mac = hmac.new(DING_SECRET.encode(), f"{ts}\n{DING_SECRET}".encode(), hashlib.sha256).digest()
                    if query.get("access_token") != DING_TOKEN or query.get("sign") != base64.b64encode(mac).decode():
                        rec.rejected.append(item)
                        return self._reply(200, {"errcode": 310000, "errmsg": "sign not match"})
                elif path == "/wecom":
                    if query.get("key") != WECOM_KEY:
                        rec.rejected.append(item)
                        return self._reply(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
                gate = rec.gate.get(path)
                with rec.lock:
                    rec.received[path].append(item)
                rec.arrived.set()
                if gate is not None:
                    gate.wait(30)
                answer = rec._answer(path)
                if path == "/hook":
                    return self._reply(answer or 200, {"ok": answer is None})
                code = answer if answer is not None else 0
                return self._reply(200, {"errcode": code, "errmsg": "ok" if code == 0 else "send too fast"})

        return Handler


@pytest.fixture
def receiver():
    rec = Receiver()
    rec.thread.start()
    yield rec
    for gate in rec.gate.values():
        gate.set()
    rec.server.shutdown()
    rec.server.server_close()


class Mailbox:
    def __init__(self):
        self.messages: list = []
        self.logins: list = []

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"from": envelope.mail_from, "rcpt": list(envelope.rcpt_tos), "msg": msg})
        return "250 OK"


@pytest.fixture
def smtp():
    """aiosmtpd on a free port, with login (plain text allowed: it is 127.0.0.1) as duty/pw."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    box = Mailbox()

    def auth(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"duty" and auth_data.password == b"pw-31c9"
        box.logins.append(auth_data.login)
        return AuthResult(success=ok)

    import socket

    with socket.socket() as s:  # a free port (aiosmtpd needs a number before it starts)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(
        box, hostname="127.0.0.1", port=port, authenticator=auth, auth_require_tls=False, auth_required=False
    )
    controller.start()
    box.port = port
    yield box
    controller.stop()


@pytest.fixture
def sms_script(tmp_path):
    """A command-channel program: appends its argv and stdin to a log, exits as told by a file."""
    log = tmp_path / "sms.log"
    script = tmp_path / "send-sms"
    script.write_text(
        "#!/usr/bin/env python3\n"
        "import json, os, sys\n"
        f"log = {str(log)!r}\n"
        "text = sys.stdin.buffer.read().decode('utf-8')\n"
        "with open(log, 'a', encoding='utf-8') as f:\n"
        "    f.write(json.dumps({'argv': sys.argv[1:], 'stdin': text}, ensure_ascii=False) + '\\n')\n"
        "code = os.environ.get('SMS_EXIT', '0')\n"
        "sys.exit(int(code))\n",
        encoding="utf-8",
    )
    script.chmod(0o755)

    def calls():
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]

    from types import SimpleNamespace

    return SimpleNamespace(path=str(script), calls=calls)


PEOPLE = {"Chen": {"phone": "13900000000", "email": "chen@example.gov.cn"}, "Wang": {"phone": "13900000001"}}


@pytest.fixture
def site(env, receiver, monkeypatch):
    """write(notifiers, routes): a planengine.yaml whose secrets and robot URLs come from the environment."""
    monkeypatch.setenv("PLANENGINE_HOOK_SECRET", HOOK_SECRET)
    monkeypatch.setenv("PLANENGINE_DING_URL", f"{receiver.url}/ding?access_token={DING_TOKEN}")
    monkeypatch.setenv("PLANENGINE_DING_SECRET", DING_SECRET)
    monkeypatch.setenv("PLANENGINE_WECOM_URL", f"{receiver.url}/wecom?key={WECOM_KEY}")
    channels = {
        "hook": {
            "type": "webhook",
            "url": f"{receiver.url}/hook",
            "secret_env": "PLANENGINE_HOOK_SECRET",
            "timeout": 5,
        },
        "ding": {"type": "dingtalk", "url_env": "PLANENGINE_DING_URL", "secret_env": "PLANENGINE_DING_SECRET"},
        "wecom": {"type": "wecom", "url_env": "PLANENGINE_WECOM_URL"},
    }

    def write(routes, notifiers=None, people=PEOPLE, **extra):
        data = {"lang": "en", "notifiers": dict(channels, **(notifiers or {})), "routes": routes, "people": people}
        data.update(extra)
        return env.write("planengine.yaml", json.dumps(data, ensure_ascii=False, indent=1))

    return write

"""Each channel against a real local receiver: wire format, signature, what the message says, errcode."""

from __future__ import annotations

import json
import sqlite3


def activate(env):
    """Start INC-1 at 10:00 and activate it at 10:05: queues "respond now" to leader and team."""
    env.start(at="10:00")
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))


def tick(env, hhmm):
    result = env.run("tick", "--now", env.t(hhmm), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_webhook_posts_signed_json_naming_incident_plan_phase_and_whom_to_call(env, site, receiver):
    site({"leader": ["hook"], "team": ["hook"]})
    activate(env)
    out = tick(env, "10:06")
    assert out["delivered"] == 1
    [req] = receiver.received["/hook"]
    body = req["body"]
    assert receiver.rejected == []  # the signature checked out
    assert set(body) >= {"key", "incident", "plan", "role", "to", "message", "at"}
    assert body["incident"] == "INC-1" and body["plan"] == "petition" and body["role"] == "leader,team"
    assert {(p["name"], p["phone"]) for p in body["to"]} == {("Chen", "13900000000"), ("Wang", "13900000001")}
    text = body["message"]
    for needle in ("INC-1", "Test petition plan", "Responding", "respond now", "Chen 13900000000", "Wang 13900000001"):
        assert needle in text


def test_a_step_message_carries_its_deadline_in_local_time(env, site, receiver):
    site({"office": ["hook"]})
    env.start(at="10:00")
    tick(env, "10:11")  # report_up (office, within 10m) is overdue at 10:10 local
    [req] = receiver.received["/hook"]
    assert "Deadline: 2090-03-05 10:10" in req["body"]["message"]
    assert req["body"]["step"] == "report_up" and req["body"]["due_at"].startswith("2090-03-05T10:10:00+08:00")


def test_dingtalk_is_signed_and_delivered_on_errcode_0(env, site, receiver):
    site({"leader": ["ding"]})
    activate(env)
    assert tick(env, "10:06")["delivered"] == 2  # ding for the leader, the console for the team
    [req] = receiver.received["/ding"]
    assert req["body"]["msgtype"] == "text" and "respond now" in req["body"]["text"]["content"]
    assert req["query"]["access_token"] == receiver.ding_token and receiver.rejected == []


def test_dingtalk_http_200_with_errcode_310000_is_a_failure(env, site, receiver, monkeypatch):
    monkeypatch.setenv("PLANENGINE_DING_SECRET", "SECwrong")  # DingTalk answers 200 {"errcode": 310000}
    site({"leader": ["ding"]})
    activate(env)
    out = tick(env, "10:06")
    assert out["delivered"] == 1  # the team's console
    [failure] = out["failed"]
    assert failure["channel"] == "ding" and failure["error"].startswith("errcode 310000")
    [n] = [n for n in env.status()["notifications"] if n["channel"] == "ding"]
    assert n["status"] == "queued" and n["attempts"] == 1 and "310000" in n["error"]


def test_wecom_robot_is_delivered_on_errcode_0_and_mentions_the_phones(env, site, receiver):
    site({"team": ["wecom"]})
    activate(env)
    assert tick(env, "10:06")["delivered"] == 2
    [req] = receiver.received["/wecom"]
    assert req["body"]["text"]["mentioned_mobile_list"] == ["13900000001"]
    assert "Wang 13900000001" in req["body"]["text"]["content"]


def test_wecom_errcode_is_a_failure(env, site, receiver):
    receiver.always["/wecom"] = 45009  # "api freq out of limit"
    site({"team": ["wecom"]})
    activate(env)
    out = tick(env, "10:06")
    assert out["delivered"] == 1 and out["failed"][0]["error"].startswith("errcode 45009")


def test_email_logs_in_and_sends_utf8_subject_and_body(env, site, smtp, monkeypatch):
    monkeypatch.setenv("SMTP_USER", "duty")
    monkeypatch.setenv("SMTP_PASSWORD", "pw-31c9")
    mail = {
        "type": "email",
        "host": "127.0.0.1",
        "port": smtp.port,
        "sender": "duty@example.gov.cn",
        "user_env": "SMTP_USER",
        "password_env": "SMTP_PASSWORD",
    }
    site({"leader": ["mail"]}, {"mail": mail})
    plan = env.plan(env.PLAN.replace("lang: en", "lang: zh").replace("message: respond now", "message: 立即赶赴现场"))
    env.start(plan=plan, at="10:00")
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    assert tick(env, "10:06")["delivered"] == 2
    [m] = smtp.messages
    assert m["rcpt"] == ["chen@example.gov.cn"] and smtp.logins == [b"duty"]
    assert "立即赶赴现场" in m["msg"]["Subject"]
    body = m["msg"].get_content()
    assert "事件：INC-1" in body and "联系：Leader Chen 13900000000" in body


def test_email_to_a_role_with_no_address_fails_at_once(env, site, smtp):
    mail = {"type": "email", "host": "127.0.0.1", "port": smtp.port, "sender": "duty@example.gov.cn"}
    site({"team": ["mail"]}, {"mail": mail})  # Wang has a phone but no email
    activate(env)
    out = tick(env, "10:06")
    [f] = out["failed"]
    assert f["final"] is True and "no email address for Wang" in f["error"]
    assert [e["data"]["channel"] for e in env.kinds(kind="notify_failed")] == ["mail"]


def test_command_runs_once_per_person_with_the_message_on_stdin_and_no_shell(env, site, sms_script):
    sms = {"type": "command", "argv": [sms_script.path, "{phone}", "{name}", "{role}", "{incident}", "$(touch x)"]}
    site({"leader": ["sms"], "team": ["sms"]}, {"sms": sms})
    activate(env)
    assert tick(env, "10:06")["delivered"] == 1
    calls = sms_script.calls()
    assert sorted(c["argv"][:4] for c in calls) == [
        ["13900000000", "Chen", "leader", "INC-1"],
        ["13900000001", "Wang", "team", "INC-1"],
    ]
    assert all(c["argv"][4] == "$(touch x)" and "respond now" in c["stdin"] for c in calls)
    assert not (env.root / "x").exists()


def test_a_failing_command_is_retried(env, site, sms_script, monkeypatch):
    monkeypatch.setenv("SMS_EXIT", "3")
    site({"leader": ["sms"]}, {"sms": {"type": "command", "argv": [sms_script.path, "{phone}"]}})
    activate(env)
    out = tick(env, "10:06")
    assert out["failed"][0]["error"] == "send-sms exited 3" and out["failed"][0]["final"] is False


def test_secrets_never_reach_the_log_json_or_errors(env, site, receiver, monkeypatch):
    receiver.always["/ding"] = 310000
    receiver.always["/hook"] = 500
    site({"leader": ["ding", "hook", "wecom"]})
    activate(env)
    outputs = []
    for hhmm in ("10:06", "10:08", "10:12", "10:20", "10:40", "11:30"):
        r = env.run("tick", "--now", env.t(hhmm), "--json")
        outputs.append(r.output)
    outputs.append(env.run("status", "INC-1", "--json").output)
    outputs.append(env.run("status", "INC-1").output)
    outputs.append(env.run("log", "INC-1", "--json").output)
    conn = sqlite3.connect(env.db)
    outputs.append(repr(conn.execute("SELECT * FROM deliveries").fetchall()))
    outputs.append(repr(conn.execute("SELECT * FROM events").fetchall()))
    conn.close()
    text = "\n".join(outputs)
    assert "310000" in text and "HTTP 500" in text  # the failures are there ...
    for secret in receiver.secrets:
        assert secret not in text  # ... the secrets are not

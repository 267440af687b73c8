"""A bad planengine.yaml is refused with file:line:col when delivery first needs it, and nothing is
claimed or sent; secrets never appear in the refusal."""

from __future__ import annotations

import pytest

CASES = {
    "unknown type": ("notifiers:\n  pager: {type: nosuch}\n", 2, "notifier 'pager': unknown type 'nosuch'"),
    "unknown notifier": (
        "notifiers:\n  pager: {type: console}\nroutes:\n  leader: [pagr]\n",
        4,
        "route to unknown notifier 'pagr' (did you mean 'pager'?)",
    ),
    "unknown role": ("routes:\n  leadr: [console]\n", 2, "route for unknown role 'leadr' (did you mean 'leader'?)"),
    "malformed url": ("notifiers:\n  hook: {type: webhook, url: 'ftp:/x'}\n", 2, "url is not an http(s) URL"),
    "unset env": (
        "notifiers:\n  ding:\n    type: dingtalk\n    url_env: PLANENGINE_TEST_UNSET\n",
        4,
        "environment variable PLANENGINE_TEST_UNSET is not set",
    ),
    "routes as a list": ("routes: [leader]\n", 1, "routes: map each plan role to notifier names"),
    "bad email": ("people:\n  Chen: {email: chen-at-example}\n", 2, "Chen: email is not an email address"),
    "unknown key": (
        "notifiers:\n  hook: {type: webhook, url: 'http://127.0.0.1:9/h', secrt_env: X}\n",
        2,
        "unknown key 'secrt_env'",
    ),
    "bad argv": ("notifiers:\n  sms: {type: command, argv: 'send-sms {phone}'}\n", 2, "argv must be a list"),
}


def queued(env):
    env.start(at="10:00")
    env.json("event", "INC-1", "activate", "--at", env.t("10:05"))
    return len(env.events())


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_configuration_is_refused_with_its_position_before_anything_is_claimed(env, case, monkeypatch):
    monkeypatch.delenv("PLANENGINE_TEST_UNSET", raising=False)
    text, line, message = CASES[case]
    before = queued(env)
    env.write("planengine.yaml", text)
    for argv in (("tick", "--now", env.t("10:30")), ("watch", "--once")):
        result = env.run(*argv)
        assert result.exit_code == 1, result.output
        assert f"planengine.yaml:{line}:" in result.stderr and message in result.stderr, result.stderr
        assert "Traceback" not in result.output
    assert env.count("deliveries") == 0, "nothing claimed"
    assert len(env.events()) == before, "nothing fired or recorded"


@pytest.mark.parametrize("text, what", [("- leader\n- team\n", "a list"), ("# only a comment\n", "empty document")])
def test_a_configuration_that_is_not_a_mapping_is_refused_with_a_message(env, text, what):
    queued(env)
    env.write("planengine.yaml", text)
    for argv in (("tick",), ("watch", "--once")):
        result = env.run(*argv)
        assert result.exit_code == 1
        assert "planengine.yaml:1:1: error: " in result.stderr and what in result.stderr
    assert env.count("deliveries") == 0


def test_a_config_path_that_does_not_exist_is_an_error(env):
    queued(env)
    result = env.run("tick", "--config", "nowhere.yaml")
    assert result.exit_code == 1 and "nowhere.yaml: no such file" in result.stderr


def test_a_refusal_never_shows_a_secret(env, monkeypatch):
    monkeypatch.setenv("PLANENGINE_TEST_URL", "ftp://robot.example/send?access_token=tok-93be1")
    queued(env)
    env.write("planengine.yaml", "notifiers:\n  ding: {type: dingtalk, url_env: PLANENGINE_TEST_URL}\n")
    result = env.run("tick")
    assert result.exit_code == 1
    assert "url (from PLANENGINE_TEST_URL) is not an http(s) URL" in result.stderr
    assert "tok-93be1" not in result.output


def test_a_good_configuration_with_every_channel_type_is_accepted(env, monkeypatch, tmp_path):
    monkeypatch.setenv("PLANENGINE_TEST_URL", "https://oapi.dingtalk.com/robot/send?access_token=x")
    queued(env)
    env.write(
        "planengine.yaml",
        """\
        lang: zh
        notifiers:
          hook: {type: webhook, url: "http://127.0.0.1:9/hook"}
          ding: {type: dingtalk, url_env: PLANENGINE_TEST_URL, rate_per_minute: 10}
          wecom: {type: wecom, url_env: PLANENGINE_TEST_URL}
          mail: {type: email, host: 127.0.0.1, port: 8025, sender: duty@example.gov.cn, starttls: false}
          sms: {type: command, argv: [/bin/true, "{phone}"]}
          screen: {type: console}
        routes:
          leader: [screen]
          team: screen
        people:
          Chen: {email: chen@example.gov.cn, phone: "13900000000"}
        """,
    )
    assert env.run("tick", "--now", env.t("10:06")).exit_code == 0

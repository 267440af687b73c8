"""wecom: a WeCom (企业微信) group robot; the URL's ``key`` is the credential, so keep it in ``url_env``.

POST {"msgtype": "text", "text": {"content": ...}}; delivered only when the
answer's ``errcode`` is 0. 20 messages a minute per robot (WeCom group robot
documentation, "消息发送频率限制"); the outbox holds the excess.
"""

from __future__ import annotations

from planengine.notifiers.base import DEFAULT_TIMEOUT, check_timeout, check_url, dumps, post_json, robot_answer

RATE = (20, 60)


def wecom(url, timeout=DEFAULT_TIMEOUT):
    """WeCom group robot; delivered only on errcode 0."""
    url = check_url("url", url)
    timeout = check_timeout(timeout)

    def send(message):
        phones = [p["phone"] for p in message.get("to") or () if p.get("phone")]
        text = {"content": message["message"]}
        if phones:
            text["mentioned_mobile_list"] = phones  # WeCom @-mentions the people to call
        robot_answer(*post_json(url, dumps({"msgtype": "text", "text": text}), timeout))

    send.rate = RATE
    return send

"""dingtalk: a DingTalk group's custom robot (自定义机器人), signed (加签) when a secret is set.

POST {"msgtype": "text", "text": {"content": ...}} to the robot's URL with
``&timestamp=<ms>&sign=<urlencoded base64 HMAC-SHA256 of "<ms>\\n<secret>">``.
DingTalk answers HTTP 200 on failure too: delivered only when ``errcode`` is 0.
A robot takes 20 messages a minute (DingTalk custom robot documentation,
"消息发送频率限制"); the outbox holds the excess.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse

from planengine.notifiers.base import DEFAULT_TIMEOUT, check_timeout, check_url, dumps, post_json, robot_answer

RATE = (20, 60)  # messages per seconds, per robot (DingTalk's documented limit)


def sign(secret: str, ms: int) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def signed_url(url: str, secret: str | None, ms: int) -> str:
    if not secret:
        return url
    return f"{url}{'&' if '?' in url else '?'}timestamp={ms}&sign={sign(secret, ms)}"


def dingtalk(url, secret=None, timeout=DEFAULT_TIMEOUT):
    """DingTalk custom robot (signed with the robot's secret); delivered only on errcode 0."""
    url = check_url("url", url)
    timeout = check_timeout(timeout)

    def send(message):
        body = dumps({"msgtype": "text", "text": {"content": message["message"]}})
        robot_answer(*post_json(signed_url(url, secret, int(time.time() * 1000)), body, timeout))

    send.rate = RATE
    return send

"""What every channel shares: configuration errors, delivery errors, a JSON POST with a timeout."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request

DEFAULT_TIMEOUT = 10.0  # seconds per send; a hung receiver never holds a watcher longer
EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 -]{2,19}$")


class ChannelConfigError(ValueError):
    """A channel's configuration is wrong; ``field`` names the key (planengine.yaml:line:col points at it)."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


class DeliveryError(Exception):
    """A send failed. ``permanent``: retrying cannot help (e.g. nobody on the role has an address)."""

    def __init__(self, message, permanent=False):
        super().__init__(message)
        self.permanent = permanent


def check_url(field, url):
    parts = urllib.parse.urlsplit(str(url))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ChannelConfigError(field, "is not an http(s) URL (e.g. https://host/path)")
    return str(url)


def check_timeout(timeout):
    try:
        value = float(timeout)
    except (TypeError, ValueError):
        raise ChannelConfigError("timeout", "must be a number of seconds") from None
    if not 0 < value <= 300:
        raise ChannelConfigError("timeout", "must be between 0 and 300 seconds")
    return value


def post_json(url, body: bytes, timeout, headers=None):
    """POST ``body`` (JSON bytes); returns (status, answer bytes). Errors never carry the URL (it may hold a key)."""
    req = urllib.request.Request(url, data=body, method="POST")
    req.add_header("Content-Type", "application/json; charset=utf-8")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - http(s) checked in config
            return resp.status, resp.read(65536)
    except urllib.error.HTTPError as e:
        raise DeliveryError(f"HTTP {e.code}") from None
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            raise DeliveryError(f"no answer within {timeout:g}s") from None
        raise DeliveryError(f"cannot connect: {getattr(reason, 'strerror', None) or reason}") from None
    except TimeoutError:
        raise DeliveryError(f"no answer within {timeout:g}s") from None
    except OSError as e:
        raise DeliveryError(f"connection failed: {e.strerror or type(e).__name__}") from None


def robot_answer(status, answer):
    """DingTalk and WeCom robots answer HTTP 200 on failure: delivered only when ``errcode`` is 0."""
    try:
        data = json.loads(answer.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DeliveryError(f"HTTP {status}: the answer is not JSON") from None
    code = data.get("errcode") if isinstance(data, dict) else None
    if code != 0:
        msg = str(data.get("errmsg", "")) if isinstance(data, dict) else ""
        raise DeliveryError(f"errcode {code}: {msg[:200]}".rstrip(": "))


def dumps(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

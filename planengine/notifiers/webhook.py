"""webhook: POST JSON, signed with HMAC-SHA256 when a secret is set; any 2xx is delivered.

Body: {"key", "incident", "plan", "role", "to", "message", "at"} (plus
"channel", "subject", "step", "phase", "due_at"); header
``X-Planengine-Signature: sha256=<hex HMAC-SHA256 of the body>``. A receiver
may drop duplicates by ``key``.
"""

from __future__ import annotations

import hashlib
import hmac

from planengine.notifiers.base import DEFAULT_TIMEOUT, DeliveryError, check_timeout, check_url, dumps, post_json

FIELDS = ("key", "incident", "plan", "role", "to", "message", "at", "channel", "subject", "step", "phase", "due_at")


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def webhook(url, secret=None, timeout=DEFAULT_TIMEOUT):
    """POST JSON to a URL, signed with HMAC-SHA256 (X-Planengine-Signature) when a secret is set."""
    url = check_url("url", url)
    timeout = check_timeout(timeout)

    def send(message):
        body = dumps({k: message.get(k) for k in FIELDS})
        headers = {"X-Planengine-Signature": signature(secret, body)} if secret else {}
        status, _ = post_json(url, body, timeout, headers)
        if not 200 <= status < 300:
            raise DeliveryError(f"HTTP {status}")

    return send

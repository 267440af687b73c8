"""console: print each message to the operator's terminal (stderr)."""

from __future__ import annotations

import sys

from planengine.notifiers.base import DEFAULT_TIMEOUT


def console(timeout=DEFAULT_TIMEOUT):
    """Print to the operator's terminal (stderr)."""

    def send(message):
        print(f"[notify {message['role']}] {message['incident']}: {message['message']}", file=sys.stderr, flush=True)

    return send

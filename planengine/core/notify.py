"""Deliver queued notifications after commit.

A notification is first a ``notify_queued`` event; this claims its outbox row
(so concurrent watchers never send it twice), sends it on the channels routed
for each role, and records the outcome as ``notify_delivered`` or, after
``MAX_ATTEMPTS``, ``notify_failed``.
"""

from __future__ import annotations

import json

MAX_ATTEMPTS = 3


def channels_for(config, role):
    routes = config.get("routes") or {}
    return list(routes.get(role) or ["console"])


def _sender(engine, channel, cache):
    if channel in cache:
        return cache[channel]
    notifiers = engine.config.get("notifiers") or {}
    spec = dict(notifiers.get(channel) or {"type": channel})
    kind = spec.pop("type", channel)
    reg = engine.registry.notifiers.get(kind)
    if reg is None:
        raise LookupError(f"no notifier type '{kind}' (channel '{channel}')")
    cache[channel] = reg.fn(**spec)
    return cache[channel]


def deliver(engine, now=None) -> int:
    from planengine.core import clock

    store = engine.store
    rows = store.queued_notifications()
    if not rows:
        return 0
    now_iso = clock.to_iso(now or engine.clock.now())
    senders: dict = {}
    delivered = 0
    for key, incident, roles, message, queued_at, attempts in rows:
        with store.transaction():
            claimed = store.conn.execute(
                "UPDATE outbox SET status='sending' WHERE key=? AND status='queued'", (key,)
            ).rowcount
        if not claimed:
            continue
        row = store.incident_row(incident) or {}
        results = []
        for role in json.loads(roles):
            for channel in channels_for(engine.config, role):
                payload = {
                    "key": f"{key}:{role}:{channel}",
                    "incident": incident,
                    "plan": row.get("plan"),
                    "role": role,
                    "to": channel,
                    "message": message,
                    "at": queued_at,
                }
                try:
                    _sender(engine, channel, senders)(payload)
                    results.append({"role": role, "channel": channel, "ok": True})
                except Exception as e:
                    results.append({"role": role, "channel": channel, "ok": False, "error": f"{type(e).__name__}: {e}"})
        failed = [r for r in results if not r["ok"]]
        if failed and attempts + 1 < MAX_ATTEMPTS:
            with store.transaction():
                store.note_attempt(key, failed[0]["error"])
                store.conn.execute("UPDATE outbox SET status='queued' WHERE key=?", (key,))
            continue
        engine.command(incident, "deliver", {"key": key, "results": results}, at=now_iso, actor="notifier")
        delivered += not failed
    return delivered

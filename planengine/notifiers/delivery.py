"""Deliver queued notifications after commit.

A notification is first a ``notify_queued`` event; this claims its outbox row
(so concurrent watchers never send it twice), sends it on the channels routed
for each role, and records the outcome as ``notify_delivered`` or, after
``MAX_ATTEMPTS``, ``notify_failed``.
"""

from __future__ import annotations

import json

MAX_ATTEMPTS = 3
CLAIM_TIMEOUT = 300  # seconds after which a claim by a sender that died is taken over


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


def deliver(engine, now=None, failures=None) -> int:
    """Send every queued notification once; returns how many were delivered.

    ``failures``, when a list, receives ``{"incident", "key", "error", "final"}``
    for every attempt that failed (final: no retry is left).

    A notification is claimed before it is sent, so watchers running side by
    side never send it twice; a claim older than ``CLAIM_TIMEOUT`` seconds
    belongs to a sender that died and is taken over. If the outcome cannot be
    written to the incident's log, the row is marked ``unrecorded`` (it was
    sent; it is not sent again) and the reason is kept in ``last_error``.
    """
    from datetime import timedelta

    from planengine.core.incident import clock

    now_dt = now or engine.clock.now()
    now_iso = clock.to_iso(now_dt)
    stale = clock.to_iso(now_dt - timedelta(seconds=CLAIM_TIMEOUT))
    senders: dict = {}
    delivered = 0
    for key, incident, roles, message, queued_at, attempts in engine.pending_notifications(stale):
        if not engine.claim_notification(key, now_iso, stale):
            continue
        row = engine.incident_row(incident) or {}
        results = [
            _send(
                engine,
                senders,
                channel,
                {
                    "key": f"{key}:{role}:{channel}",
                    "incident": incident,
                    "plan": row.get("plan"),
                    "role": role,
                    "to": channel,
                    "message": message,
                    "at": queued_at,
                },
            )
            for role in json.loads(roles)
            for channel in channels_for(engine.config, role)
        ]
        failed = [r for r in results if not r["ok"]]
        if failed and failures is not None:
            final = attempts + 1 >= MAX_ATTEMPTS
            failures.append({"incident": incident, "key": key, "error": failed[0]["error"], "final": final})
        if failed and attempts + 1 < MAX_ATTEMPTS:
            engine.retry_notification(key, failed[0]["error"])
            continue
        # never before it was queued, whatever clock the caller passed (`tick --now`)
        at = max(now_iso, queued_at)
        try:
            engine.command(incident, "deliver", {"key": key, "results": results}, at=at, actor="notifier")
        except Exception as e:
            engine.notification_unrecorded(key, f"{type(e).__name__}: {e}")
            continue
        delivered += not failed
    return delivered


def _send(engine, senders, channel, payload):
    try:
        _sender(engine, channel, senders)(payload)
        return {"role": payload["role"], "channel": channel, "ok": True}
    except Exception as e:
        return {"role": payload["role"], "channel": channel, "ok": False, "error": f"{type(e).__name__}: {e}"}

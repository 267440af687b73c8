"""Deliver queued notifications after commit, per channel, each (key, channel) exactly once.

A notification is first a ``notify_queued`` event (and an outbox row). Here it
is routed to its channels (one delivery row per (key, channel), from the
site's ``routes:``), claimed, sent, and its outcome recorded:

- A claim is a lease on the wall clock (see ``lease``; never the
  ``--now`` clock): a watcher that was killed mid-send leaves a claim that
  another takes over once the lease runs out. A sender that fails cleanly, or
  stops, gives its claim back at once.
- A channel that succeeded is never sent again: each (key, channel) row is
  settled on its own, right after its send.
- Failures are retried with exponential backoff (``BASE_DELAY`` doubling per
  attempt, plus up to 50% jitter derived from the key, so runs are
  reproducible); the next attempt time is stored in the row, on the command
  clock (so ``plan tick --now`` drives retries). After ``MAX_ATTEMPTS`` (or a
  failure retrying cannot mend) the row is ``failed`` and the log gets
  ``notify_failed``; a success gets ``notify_delivered``.
- Robots are rate-limited per channel across every sender (20 a minute for
  DingTalk and WeCom); the excess stays in the outbox.
- Channels send side by side (one worker thread each), so a slow or dead
  receiver never holds up the others; every send has a timeout.
- Fairness: each round takes, per channel, every incident's oldest due
  message before any incident's second, and first attempts before retries,
  so a backlog of thousands never holds back a new incident's messages.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from planengine.notifiers.base import DeliveryError
from planengine.notifiers.message import compose
from planengine.notifiers.site import load_site

MAX_ATTEMPTS = 5  # local practice: 30s, 1m, 2m, 4m apart (plus jitter), then notify_failed
BASE_DELAY = 30  # seconds before the first retry
BATCH = 20  # messages claimed per channel per round: a stop or a new incident waits for at most this many


def lease(channel) -> float:
    """Wall-clock seconds a claim stays valid without progress: two send timeouts and a margin. Each
    settled message renews the sender's other claims on that channel, so a long batch keeps its claims."""
    return 2 * channel.timeout + 30


RECORD_EVERY = 200  # settled deliveries between writes of their outcomes into the incidents' logs


def backoff(key: str, channel: str, attempt: int) -> float:
    """Seconds before retry number ``attempt`` (1-based): BASE_DELAY * 2^(attempt-1), plus 0-50% jitter
    taken from a hash of (key, channel, attempt), so the same failure always waits the same time."""
    h = hashlib.sha256(f"{key}|{channel}|{attempt}".encode()).digest()
    jitter = int.from_bytes(h[:4], "big") / 2**32 * 0.5
    return BASE_DELAY * 2 ** (attempt - 1) * (1 + jitter)


def route(engine, site) -> int:
    """Give every queued notification its channels (one delivery row per (key, channel))."""
    rows = engine.unrouted_notifications()
    out = []
    for key, incident, roles, queued_at in rows:
        channels: dict = {}
        for role in roles:
            for ch in site.channels_for(role):
                channels.setdefault(ch, []).append(role)
        out.append((key, incident, queued_at, channels))
    engine.route_notifications(out)
    return len(out)


class Deliverer:
    """One drain of the outbox; ``stop`` (a threading.Event) ends it after the messages in hand."""

    def __init__(self, engine, site=None, now=None, stop=None, failures=None):
        self.engine = engine
        self.site = site if site is not None else load_site(engine)
        self.now = now
        self.stop = stop or threading.Event()
        self.failures = failures
        self.token = uuid.uuid4().hex
        self.delivered = 0
        self.settled = 0
        self.routed = 0
        self._plans: dict = {}

    def _compose(self, row):
        plan = self._plans.get(row["incident"])
        if plan is None:
            plan = self._plans[row["incident"]] = self.engine.incident_plan(row["incident"])
        # the roster decides at send time who fills a role; the case's owner (包案人) is told too
        on_duty = self.engine.on_duty(row["incident"], list(row["roles"]), self.now or self.engine.clock.now())
        return compose(plan, row, self.site.people, on_duty)

    def run(self) -> int:
        engine, site = self.engine, self.site
        self.routed = route(engine, site)
        results: queue.Queue = queue.Queue()
        inflight: dict = {}
        names = list(site.channels)
        with ThreadPoolExecutor(max_workers=max(1, min(8, len(names))), thread_name_prefix="notify") as pool:
            while True:
                if not self.stop.is_set():
                    now = self.now or engine.clock.now()
                    for name in names:
                        if name in inflight:
                            continue
                        ch = site.channels[name]
                        rows = engine.claim_deliveries(name, self.token, now, time.time(), lease(ch), BATCH, ch.rate)
                        if not rows:
                            continue
                        for row in rows:
                            row["payload"] = self._compose(row)
                        inflight[name] = rows
                        pool.submit(self._work, ch, rows, results)
                if not inflight:
                    break
                name, row, error, permanent = results.get()
                if row is None:  # the worker is through its batch; ``error`` lists rows it never tried
                    engine.release_deliveries([(r["key"], r["channel"]) for r in error], self.token)
                    del inflight[name]
                    continue
                self._settle(row, error, permanent)
        if self.settled or self.routed:
            engine.record_deliveries(self.now)
        return self.delivered

    def _work(self, ch, rows, results):
        for i, row in enumerate(rows):
            if self.stop.is_set():
                results.put((ch.name, None, rows[i:], False))
                return
            try:
                ch.send(row["payload"])
                results.put((ch.name, row, None, False))
            except DeliveryError as e:
                results.put((ch.name, row, self.site.redact(str(e)), e.permanent))
            except Exception as e:  # a channel's bug is this message's failure, not the watcher's
                results.put((ch.name, row, self.site.redact(f"{type(e).__name__}: {e}"), False))
        results.put((ch.name, None, [], False))

    def _settle(self, row, error, permanent):
        engine = self.engine
        now = self.now or engine.clock.now()
        key, channel = row["key"], row["channel"]
        attempt = row["attempts"] + 1
        if error is None:
            engine.settle_delivery(key, channel, self.token, "delivered", now=now)
            self.delivered += 1
        else:
            final = permanent or attempt >= MAX_ATTEMPTS
            if final:
                engine.settle_delivery(key, channel, self.token, "failed", error, now=now)
            else:
                retry_at = now + timedelta(seconds=backoff(key, channel, attempt))
                engine.settle_delivery(key, channel, self.token, "queued", error, next_at=retry_at, now=now)
            if self.failures is not None:
                self.failures.append(
                    {
                        "incident": row["incident"],
                        "key": key,
                        "channel": channel,
                        "attempt": attempt,
                        "error": error,
                        "final": final,
                    }
                )
        self.settled += 1
        if self.settled % RECORD_EVERY == 0:
            engine.record_deliveries(self.now)


def deliver(engine, now=None, failures=None, site=None, stop=None) -> int:
    """Route, send and record every due notification once; returns how many deliveries succeeded.

    ``failures``, when a list, receives ``{"incident", "key", "channel", "attempt", "error",
    "final"}`` for every failed attempt (final: no retry is left). The site
    configuration is checked first (SourceError): on a bad one nothing is claimed.
    """
    return Deliverer(engine, site=site, now=now, stop=stop, failures=failures).run()

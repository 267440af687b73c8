"""Auditing the record: replay an incident's commands against its stored plan and compare the logs."""

from __future__ import annotations


def replay(engine, incident_id) -> dict:
    """Re-apply an incident's stored commands to its stored plan in a fresh state.

    Returns {"incident", "ok", "commands", "events", "problems"}: problems lists
    every difference between the recomputed log (hash chain included) and the
    stored one, plus the stored chain's own integrity problems.
    """
    from planengine.core.incident.runner import Command, Runner

    canonical, event_hash = engine.canonical, engine.event_hash
    plan = engine.incident_plan(incident_id)
    runner = Runner(plan, engine.registry)
    state = runner.new_state(incident_id)
    problems = []
    replayed = []
    prev = ""
    commands = engine.commands(incident_id)
    for c in commands:
        cmd = Command(c["name"], c["at"], c["actor"], c["args"])
        try:
            events = runner.execute(state, cmd)
        except Exception as e:  # a refusal on replay is itself a difference
            problems.append(f"command {c['n']} ({c['name']} at {c['at']}) is refused on replay: {e}")
            break
        if events and (events[0]["seq"], events[-1]["seq"]) != (c["first_seq"], c["last_seq"]):
            problems.append(
                f"command {c['n']} ({c['name']}): replay gives events {events[0]['seq']}-{events[-1]['seq']},"
                f" the store has {c['first_seq']}-{c['last_seq']}"
            )
        for ev in events:
            ev["prev_hash"] = prev
            ev["hash"] = prev = event_hash(prev, ev)
            replayed.append(ev)
    stored = engine.events(incident_id, times=False)  # an edited time is a difference
    for i in range(max(len(stored), len(replayed))):
        s = stored[i] if i < len(stored) else None
        r = replayed[i] if i < len(replayed) else None
        if s is None:
            problems.append(f"event {r['seq']} ({r['kind']}) is missing from the stored log")
            continue
        if r is None:
            problems.append(f"event {s['seq']} ({s['kind']}) is in the stored log but replay does not produce it")
            continue
        for k in ("seq", "at", "kind", "actor"):
            if s[k] != r[k]:
                problems.append(f"event {s['seq']}: {k} is {s[k]!r} in the store, replay gives {r[k]!r}")
        if canonical(s["data"]) != canonical(r["data"]):
            problems.append(
                f"event {s['seq']} ({s['kind']}): data differs: stored {canonical(s['data'])},"
                f" replay gives {canonical(r['data'])}"
            )
        if s["prev_hash"] != r["prev_hash"] or s["hash"] != r["hash"]:
            problems.append(
                f"event {s['seq']} ({s['kind']}): hash differs (stored {s['hash'][:12]}, replay {r['hash'][:12]})"
            )
    for p in engine.verify(incident_id):
        msg = f"hash chain: {p}"
        if msg not in problems:
            problems.append(msg)
    return {
        "incident": incident_id,
        "ok": not problems,
        "commands": len(commands),
        "events": len(replayed),
        "stored_events": len(stored),
        "last_hash": prev,
        "problems": problems,
    }


def command_differences(engine, incident_id, plan, commands, rows) -> list:
    """`plan verify`'s check of the recorded commands (not in the hash chain) against the log: each
    command, re-run in order on the incident's plan from a new state, must give exactly the events
    recorded after it (their seq, time, kind, actor and data). ``rows`` are the stored events as
    (seq, at, kind, actor, data JSON, hash). The first command that differs is named, with the
    event it differs on: its record (arguments, time, actor) or that event was edited. Cheaper than
    replay(): no hashes are recomputed (the chain check has read the stored ones) and the events'
    data are compared as the canonical texts the log stores."""
    import json

    from planengine.core.incident.runner import Command, Runner

    canonical = engine.canonical
    runner = Runner(plan, engine.registry)
    state = runner.new_state(incident_id)
    stored = {r[0]: r for r in rows}
    for c in commands:
        where = f"the command recorded on event {c['first_seq']} ({c['name']} at {c['at']})"
        try:
            events = runner.execute(state, Command(c["name"], c["at"], c["actor"], c["args"]))
        except Exception as e:  # noqa: BLE001 - a refusal on replay is itself a difference
            return [f"{where} is refused when re-run on its plan: {str(e)[:200]}"]
        last = events[-1]["seq"] if events else c["first_seq"] - 1
        if (events and events[0]["seq"] != c["first_seq"]) or last != c["last_seq"]:
            return [
                f"{where} gives events {c['first_seq']}-{last} when re-run, the log records"
                f" {c['first_seq']}-{c['last_seq']}"
            ]
        for ev in events:
            seq, r = ev["seq"], stored.get(ev["seq"])
            if r is None:
                return [f"{where} gives event {seq} ({ev['kind']}) when re-run, which is not in the log"]
            for i, field in ((1, "at"), (2, "kind"), (3, "actor")):
                if r[i] != ev[field]:
                    return [
                        f"event {seq}: {field} is {repr(r[i])[:60]} in the log, {where} gives {repr(ev[field])[:60]}"
                        " when re-run: the command record or the event was edited"
                    ]
            text = canonical(ev["data"])
            if text != r[4]:
                try:
                    same = canonical(json.loads(r[4])) == text
                except (ValueError, TypeError, RecursionError):
                    same = False
                if not same:
                    return [
                        f"event {seq} ({ev['kind']}): data {str(r[4])[:80]} in the log, {where} gives {text[:80]}"
                        " when re-run: the command record or the event was edited"
                    ]
    return []

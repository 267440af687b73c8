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
    stored = engine.events(incident_id)
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

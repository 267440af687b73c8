"""Rehearsing the record: turn a recorded incident into a drill script that re-enacts it."""

from __future__ import annotations

import os
from zoneinfo import ZoneInfo

from planengine.core.digest import sha256_hex
from planengine.core.drill.script import META, _resolve_plan
from planengine.core.drill.verbs import VERBS, verb_for
from planengine.core.incident import clock as clocks
from planengine.core.plan import durations
from planengine.core.plan.source import SourceError, read


def _source_sha(path):
    """sha256 of a plan file as the loader computes it (BOM dropped), or None if unreadable."""
    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    return sha256_hex(text.encode("utf-8"))


def _plan_ref(engine, plan, stored_path, drill_path):
    """``(ref, comment lines)``: a ``plan:`` value that load_drill resolves to the very source ``plan`` was.

    First the plan id, when the plan path finds this very source; then the file
    the incident was started from (relative to the drill file, else absolute),
    when it still holds this source. Otherwise the id, with a warning comment:
    the drill will run against whatever the plan path holds.
    """
    from planengine.core.plan.library import PlanNotFound

    def resolves(ref):
        try:
            return _resolve_plan(ref, drill_path, engine)
        except PlanNotFound:
            return None

    on_path = resolves(plan.id)
    if on_path is not None and _source_sha(on_path) == plan.sha256:
        return plan.id, []
    if stored_path and _source_sha(stored_path) == plan.sha256:
        target = os.path.abspath(stored_path)
        refs = []
        try:
            refs.append(os.path.relpath(target, os.path.dirname(os.path.abspath(drill_path))))
        except ValueError:  # another drive (Windows)
            pass
        refs.append(target)
        for ref in refs:
            found = resolves(ref)
            if found is not None and _source_sha(found) == plan.sha256:
                return ref, []
    ran = f"v{plan.version}, sha256 {plan.sha256[:12]}"
    if on_path is not None:
        try:
            version = read(on_path).data.get("version", "?")
        except (SourceError, AttributeError):
            version = "?"
        now = f"{on_path} (v{version}, sha256 {(_source_sha(on_path) or '?')[:12]})"
        why = f"plan '{plan.id}' on disk is now {now}"
    else:
        why = f"plan '{plan.id}' was not found on the plan path"
    why = " ".join(f"{why}, not the source this incident ran ({ran}, from {stored_path or '?'}).".splitlines())
    return plan.id, [
        f"# WARNING: {why}",
        "# The drill runs against the plan on disk; restore that version to re-enact the incident exactly.",
    ]


def extract(engine, incident_id, drill_id=None, output=None) -> str:
    """A drill script (YAML text) that re-enacts a recorded incident's commands.

    ``output`` is where the script will be written (None or "-": stdout, read
    from the working directory); a plan file is named relative to it.
    """
    plan = engine.incident_plan(incident_id)
    stored_path = plan.path
    drill_path = output if output and output != "-" else "<extract>"
    plan_ref, warning = _plan_ref(engine, plan, stored_path, drill_path)
    commands = engine.commands(incident_id)
    try:
        if not commands or commands[0].get("name") != "start":
            raise ValueError("event 1 records no `start` command")
        return _script(plan, plan_ref, warning, commands, incident_id, drill_id)
    except (ValueError, TypeError, AttributeError, KeyError) as e:  # commands edited in the database
        from planengine.core.incident.commands import Refused

        raise Refused(
            "{incident}: the recorded commands cannot be re-enacted ({what}); `plan verify {incident}` lists"
            " what is wrong with the record",
            incident=incident_id,
            what=str(e)[:80],
        ) from None


def _script(plan, plan_ref, warning, commands, incident_id, drill_id) -> str:
    from planengine.core.plan.facts import FactError, coerce_fact
    from planengine.core.plan.yamllib import yaml

    start_cmd = commands[0]
    t0 = start_cmd["at"]
    tz = ZoneInfo(plan.timezone)

    def typed(facts):
        out = {}
        for k, v in facts.items():
            try:
                out[k] = coerce_fact(plan, k, v)
            except FactError:
                out[k] = v
        return out

    def flow(obj):
        # inside a list, so that scalars come out without YAML's document-end marker
        text = yaml.safe_dump([obj], default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**9)
        return text.strip()[1:-1]

    injects = []
    last = 0
    for c in commands[1:]:
        offset = max(0, clocks.seconds_between(t0, c["at"]))
        last = max(last, offset)
        a, name = c["args"], c["name"]
        verb = verb_for(name, a)
        if verb is None:  # fire, deliver: timers and notifications happen by themselves
            continue
        _, main, extras = VERBS[verb]
        inj = {"at": durations.format(offset), verb: typed(a[main]) if verb == "set" else a.get(main)}
        for extra in extras:
            if a.get(extra) is not None:
                inj[extra] = a[extra]
        if name == "note":
            for k in META:
                if a.get(k) is not None:
                    inj[k] = a[k]
        by = a.get("by") or c["actor"]
        if by:
            inj["by"] = by
        injects.append(inj)
    start_local = clocks.from_iso(t0).astimezone(tz).isoformat()
    did = drill_id or incident_id.lower().replace("-", "_")
    title = f"{plan.title}（据 {incident_id} 复盘）" if plan.lang == "zh" else f"{plan.title} (from {incident_id})"
    lines = [
        f"# Extracted from incident {incident_id} (plan {plan.id} v{plan.version}, sha256 {plan.sha256[:12]}).",
        "# Times are offsets from the incident's opening; timers and notifications are not injects:",
        "# the engine fires them again by itself. Use --start to shift the exercise.",
        *warning,
        f"drill: {flow(did)}",
        f"plan: {flow(plan_ref)}",
        f"title: {flow(title)}",
        f"start: {flow(start_local)}",
    ]
    if start_cmd["actor"]:
        lines.append(f"by: {flow(start_cmd['actor'])}")
    facts = typed(start_cmd["args"].get("facts") or {})
    if facts:
        lines.append(f"facts: {flow(facts)}")
    skipped = (start_cmd["args"].get("drill") or {}).get("not_exercised")
    if skipped:
        lines.append(f"not_exercised: {flow(list(skipped))}")
    final = clocks.seconds_between(t0, commands[-1]["at"]) if commands else 0
    if final > last:
        lines.append(f"end: {durations.format(final)}")
    lines.append("injects:")
    for inj in injects:
        lines.append(f"  - {flow(inj)}")
    if not injects:
        lines.append(f"  - {flow({'at': '0s', 'say': f'{incident_id} opened'})}")
    return "\n".join(lines) + "\n"

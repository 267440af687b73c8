"""Read-only `plan` commands: status, log, verify. Kept light: they must start fast."""

from __future__ import annotations

import json
import os
import sys

import click

from planengine.cli import _now_iso, common, emit_json, print_state


@click.command()
@click.argument("incident", required=False)
@click.option("--all", "show_all", is_flag=True, help="Include closed incidents and drills in the list.")
@click.option("--drills", is_flag=True, help="Include open drills (e.g. a live-paced exercise) in the list.")
@common
def status(incident, show_all, drills, db, as_json, plans_dir, config_path):
    """Open incidents, or one INCIDENT in full."""
    from planengine.core.incident import fold
    from planengine.core.store import Store

    store = Store(db, create=False) if os.path.exists(db) or incident else None
    if incident:
        store.require_incident(incident)
        print_state(fold(store.event_rows(incident), incident), as_json)
        if not as_json:
            from planengine.core.views import LEGEND

            click.echo(LEGEND)
        return
    ids = store.incident_ids(open_only=not show_all, drills=show_all or drills) if store else []
    now = _now_iso()
    states = [fold(store.event_rows(i), i) for i in ids]
    if as_json:
        from planengine.core.views import status_dict

        emit_json([status_dict(s, now) for s in states])
        return
    if not states:
        click.echo("no open incidents")
        hidden = len(store.incident_ids(open_only=True, drills=True)) if store else 0
        if hidden and not drills:
            click.echo(f"({hidden} open drill(s): plan status --drills)")
    for s in states:
        print_state(s, False, now)
        click.echo("")


@click.command()
@click.argument("incident")
@common
def log(incident, db, as_json, plans_dir, config_path):
    """The event log of INCIDENT."""
    from planengine.core.views import local, zone

    events = _store_of(db, incident).events(incident)
    if as_json:
        emit_json(events)
        return
    tz = None
    for ev in events:
        if ev["kind"] == "started":
            tz = zone(ev["data"].get("timezone", "UTC"))
        when = local(ev["at"], tz or zone("UTC"))[:19].replace("T", " ")
        data = json.dumps(ev["data"], ensure_ascii=False, sort_keys=True)
        click.echo(f"{ev['seq']:>5} {when} {ev['kind']:<15} {ev['actor'] or '':<10} {data}")


@click.command()
@click.argument("incident")
@common
def verify(incident, db, as_json, plans_dir, config_path):
    """Check INCIDENT's hash chain; exit 1 if any event was altered."""
    problems = _store_of(db, incident).verify(incident)
    if as_json:
        emit_json({"incident": incident, "ok": not problems, "problems": problems})
    elif problems:
        for p in problems:
            click.echo(f"{incident}: {p}", err=True)
    else:
        click.echo(f"{incident}: hash chain intact")
    if problems:
        sys.exit(1)


def _store_of(db, incident):
    """The store holding ``incident``; refuses (one line) when either is missing."""
    from planengine.core.store import Store

    store = Store(db, create=False)
    store.require_incident(incident)
    return store

"""The auditor's commands: log, verify, replay. Read-only; they never create a database."""

from __future__ import annotations

import json
import sys

import click

from planengine.cli import common, emit_json, engine


@click.command()
@click.argument("incident")
@common
def log(incident, db, as_json, plans_dir, config_path):
    """The event log of INCIDENT."""
    from planengine.core.incident.clock import local, zone

    events = engine(db, plans_dir, config_path, read_only=True).events(incident, times=False)
    if as_json:
        emit_json(events)
        return
    tz = None
    for ev in events:
        if ev["kind"] == "started" and tz is None:
            try:
                tz = zone(ev["data"].get("timezone", "UTC"))
            except Exception:  # noqa: BLE001 - an edited event: the times stay in UTC
                tz = zone("UTC")
        try:
            when = local(ev["at"], tz or zone("UTC"))[:19].replace("T", " ")
        except (ValueError, TypeError, AttributeError):  # an edited time: shown as recorded
            when = repr(ev["at"])[:40]
        data = json.dumps(ev["data"], ensure_ascii=False, sort_keys=True)
        click.echo(f"{ev['seq']:>5} {when} {ev['kind']:<15} {ev['actor'] or '':<10} {data}")


def _head(ctx, param, value):
    if value is None:
        return None
    from planengine.core.incident.audit import parse_head

    try:
        return parse_head(value)
    except ValueError as e:
        raise click.BadParameter(str(e).split(": ", 1)[-1]) from None


@click.command()
@click.argument("incident")
@click.option(
    "--head",
    "head",
    callback=_head,
    metavar="SEQ:HASH",
    help="A head printed by an earlier verify (or a report) and kept outside the database: the log must still hold it.",
)
@common
def verify(incident, head, db, as_json, plans_dir, config_path):
    """Check INCIDENT's record; exit 1 if anything was altered.

    Checks the hash chain (naming the first bad event), the recorded commands
    against the log (re-run on the stored plan, as replay does), the stored plan
    against the sha256 in its `started` event, and the incidents row, timers,
    snapshot and cached status text against the log; prints the head (SEQ:HASH) to
    keep outside the database, and with --head checks the log against one kept earlier.
    """
    eng = engine(db, plans_dir, config_path, read_only=True)
    problems = eng.verify(incident, head=head)
    seq, h = eng.head(incident)
    if as_json:
        emit_json({"incident": incident, "ok": not problems, "problems": problems, "head": {"seq": seq, "hash": h}})
    else:
        for p in problems:
            click.echo(f"{incident}: {p}", err=True)
        if not problems:
            checked = f", and holds the recorded head {head[0]}" if head else ""
            click.echo(f"{incident}: hash chain intact, record consistent{checked}")
        click.echo(f"{incident}: head {seq}:{h}")
    if problems:
        sys.exit(1)


@click.command()
@click.argument("incident")
@common
def replay(incident, db, as_json, plans_dir, config_path):
    """Re-apply INCIDENT's commands to its plan version; exit 1 unless the log is reproduced exactly."""
    eng = engine(db, plans_dir, config_path, read_only=True)
    out = eng.replay(incident)
    if as_json:
        emit_json(out)
    elif out["ok"]:
        click.echo(
            f"{incident}: replay reproduces the log exactly ({out['commands']} commands, {out['events']} events,"
            f" head {out['last_hash'][:12]})"
        )
    else:
        for p in out["problems"]:
            click.echo(f"{incident}: {p}", err=True)
    if not out["ok"]:
        sys.exit(1)

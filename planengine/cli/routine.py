"""`plan` commands for routine work: schedules, the duty roster, case owners (包案) and transfers (移送)."""

from __future__ import annotations

import click

from planengine.cli import common, emit_json, engine, print_state

AT = click.option("--at", "at", help="When it happened (ISO 8601; site timezone if no offset).")


@click.group()
def schedule():
    """Recurring duties from planengine.yaml `schedules:`."""


@schedule.command("list")
@click.option("--now", "now", help="List from this time instead of now (ISO 8601).")
@click.option("--count", default=3, show_default=True, help="Occurrences to show per schedule.")
@common
def schedule_list(now, count, db, as_json, plans_dir, config_path):
    """Each schedule with its next occurrences (and the incident ids they will open)."""
    from planengine.core.incident import clock

    eng = engine(db, plans_dir, config_path, create=False)
    when = clock.parse_user_time(now, eng.timezone()) if now else None
    rows = eng.schedule_list(when, count)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("no schedules in the site configuration (planengine.yaml `schedules:`)")
    for r in rows:
        flag = "  (workdays only)" if r["workdays_only"] else ""
        click.echo(f"{r['schedule']}: plan {r['plan']}  {r['rrule']}{flag}")
        for t, i in zip(r["next"], r["next_ids"]):
            click.echo(f"  {t[:16].replace('T', ' ')}  {i}")
        if not r["next"]:
            click.echo("  (no further occurrences)")


@click.group()
def roster():
    """Who is on duty (planengine.yaml `roster:`), and swaps."""


@roster.command("show")
@click.argument("day", required=False)
@common
def roster_show(day, db, as_json, plans_dir, config_path):
    """Who holds each rostered role on DAY (default today, site timezone)."""
    from datetime import date

    from planengine.core.incident import clock
    from planengine.core.incident.runner import Refused

    eng = engine(db, plans_dir, config_path, create=False)
    if day:
        try:
            the_day = date.fromisoformat(day.strip())
        except ValueError:
            raise Refused(f"bad date {day!r}: write 2026-10-01") from None
    else:
        the_day = clock.WallClock().now().astimezone(eng.timezone()).date()
    rows = eng.roster_day(the_day)
    if as_json:
        emit_json({"date": the_day.isoformat(), "slots": rows})
        return
    if not rows:
        click.echo("no roster in the site configuration (planengine.yaml `roster:`)")
    for r in rows:
        mark = "  (swap)" if r["swapped"] else ""
        click.echo(f"{r['role']}: {r['name'] or '-'}  {r['from'][:16].replace('T', ' ')} - {r['to'][11:16]}{mark}")


@roster.command("swap")
@click.argument("role")
@click.argument("day")
@click.argument("name")
@click.option("--by", "by", required=True, help="Who records the swap.")
@AT
@common
def roster_swap(role, day, name, by, at, db, as_json, plans_dir, config_path):
    """Put NAME on duty as ROLE for DAY (a date: that day's shift; or a time: the shift then)."""
    eng = engine(db, plans_dir, config_path)
    ev = eng.roster_swap(role, day, name, by, at=at)
    if as_json:
        emit_json(ev)
        return
    d = ev["data"]
    tz = eng.timezone()
    from planengine.core.incident import clock

    begin, end = (clock.from_iso(d[k]).astimezone(tz) for k in ("from", "to"))
    span = f"{begin:%Y-%m-%d %H:%M} - {end:%m-%d %H:%M}"
    click.echo(f"{role}: {name} replaces {d['replaces'] or '-'} ({span}), recorded by {by}")


@click.command()
@click.argument("incident")
@click.option("--to", "to", required=True, help="The person who answers for the case (包案人).")
@click.option("--by", "by", required=True, help="Who assigns it.")
@AT
@common
def assign(incident, to, by, at, db, as_json, plans_dir, config_path):
    """Give INCIDENT its owner (包案): one named person answers for the case."""
    eng = engine(db, plans_dir, config_path, create=False)
    print_state(eng.command(incident, "assign", {"to": to, "by": by}, at=at, actor=by), as_json)


@click.command()
@click.argument("incident")
@click.option("--to", "to", required=True, help="The receiving centre (e.g. 县矛盾纠纷调处化解中心).")
@click.option("--by", "by", required=True, help="Who hands it up.")
@click.option("--reason", help="Why the case goes up a level.")
@AT
@common
def transfer(incident, to, by, reason, at, db, as_json, plans_dir, config_path):
    """Hand INCIDENT up a level (移送): records the receiving centre and the facts."""
    eng = engine(db, plans_dir, config_path, create=False)
    args = {"to": to, "by": by}
    if reason:
        args["reason"] = reason
    print_state(eng.command(incident, "transfer", args, at=at, actor=by), as_json)

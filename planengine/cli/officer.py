"""`plan` commands that change incidents, and the timers: start, done, checkin, ..., tick, watch."""

from __future__ import annotations

import sys

import click

from planengine.cli import common, emit_json, engine, parse_facts, print_state

# -- incidents ------------------------------------------------------------

AT = click.option(
    "--at",
    "at",
    help="When it happened: 21:04 (today), -6m (six minutes ago) or ISO 8601 (plan timezone if no offset).",
)
BY = click.option("--by", "by", help="Who did it.")


@click.command()
@click.argument("plan")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="A fact (repeatable).")
@click.option("--id", "incident_id", help="Incident id (default INC-YYYYMMDD-NNNN).")
@AT
@BY
@common
def start(plan, sets, incident_id, at, by, db, as_json, plans_dir, config_path):
    """Open an incident of PLAN; prints its id and first steps."""
    eng = engine(db, plans_dir, config_path)
    state = eng.start(plan, parse_facts(sets), at=at, incident_id=incident_id, actor=by)
    warn_if_future(at)  # after success: a refusal stays one line
    print_state(state, as_json, eng=eng)


def warn_if_future(at):
    """`--at` back-dates; a time days ahead is almost always a typo, so say so (it is still recorded)."""
    if at is None:
        return
    from datetime import timedelta

    from planengine.core.incident import clock

    try:
        when = clock.parse_user_time(at, clock.UTC)
    except clock.TimeError:
        return
    if when - clock.WallClock().now() > timedelta(days=1):
        click.echo(f"warning: --at {at} is in the future; deadlines will count from then", err=True)


def _apply(name, incident, args, at, by, db, as_json, plans_dir, config_path):
    eng = engine(db, plans_dir, config_path, create=False)
    state = eng.command(_incident(eng, incident, args), name, args, at=at, actor=by)
    warn_if_future(at)  # after success: a refusal stays one line
    skipped = [e["data"]["step"] for e in eng.last_events if e["kind"] == "step_skipped"]
    if skipped and not as_json:  # steps a phase change or a close left undone: said, never silent
        # (with --json they are the steps whose status is "skipped")
        from planengine import i18n

        click.echo(i18n.t("board.skipped_line", steps=", ".join(skipped)))
    print_state(state, as_json, eng=eng)


def _incident(eng, incident, args=None):
    """The incident named, or the current one (`plan use`); a missing argument is a usage error."""
    if incident:
        return incident
    from planengine import i18n

    current = eng.current_incident()
    moved = [v for k, v in (args or {}).items() if k in ("step", "role", "name", "text") and isinstance(v, str)]
    if not current or any(eng.incident_row(v) is not None for v in moved):
        # `plan done INC-1` (STEP missing), or no incident at all
        raise click.UsageError(i18n.t("refused.no_current"))
    return current


def _shift(first, *rest):
    """``plan done STEP`` with a current incident: the arguments move one place to the left."""
    if rest and rest[-1] is None:
        return (None, first, *rest[:-1])
    return (first, *rest)


# Commands take INCIDENT first; after `plan use INC` it may be left out (`plan done 3`).


@click.command()
@click.argument("incident")
@click.argument("step", required=False)
@click.option("--note", help="A remark recorded with the step.")
@AT
@BY
@common
def done(incident, step, note, at, by, db, as_json, plans_dir, config_path):
    """Mark STEP of INCIDENT done."""
    incident, step = _shift(incident, step)
    _apply("done", incident, {"step": step, "note": note, "by": by}, at, by, db, as_json, plans_dir, config_path)


@click.command()
@click.argument("incident")
@click.argument("role", required=False)
@click.option("--count", type=click.IntRange(min=0), help="Head count arriving (ICS 211).")
@AT
@BY
@common
def checkin(incident, role, count, at, by, db, as_json, plans_dir, config_path):
    """A team (ROLE) reports mustered or arrived, with head count."""
    incident, role = _shift(incident, role)
    _apply("checkin", incident, {"role": role, "count": count, "by": by}, at, by, db, as_json, plans_dir, config_path)


@click.command()
@click.argument("incident", required=False)
@click.argument("step", required=False)
@click.option("--by", "by", required=True, help="Who confirms.")
@AT
@common
def ack(incident, step, by, at, db, as_json, plans_dir, config_path):
    """A person confirms an order (STEP) was received."""
    if incident and step is None:  # one argument: an incident, or a step of the current one
        eng = engine(db, plans_dir, config_path, create=False)
        if eng.incident_row(incident) is None and eng.current_incident():
            incident, step = None, incident
    _apply("ack", incident, {"step": step, "by": by}, at, by, db, as_json, plans_dir, config_path)


@click.command()
@click.argument("incident")
@click.argument("step")
@click.argument("answer", required=False)
@click.option("--by", "by", required=True, help="Who decided.")
@AT
@common
def decide(incident, step, answer, by, at, db, as_json, plans_dir, config_path):
    """Answer decision STEP with ANSWER."""
    incident, step, answer = _shift(incident, step, answer)
    _apply("decide", incident, {"step": step, "answer": answer, "by": by}, at, by, db, as_json, plans_dir, config_path)


@click.command("set")
@click.argument("incident")
@click.argument("pairs", nargs=-1, metavar="KEY=VALUE...")
@AT
@BY
@common
def set_(incident, pairs, at, by, db, as_json, plans_dir, config_path):
    """Record facts (re-evaluates level and conditions)."""
    if "=" in incident:
        incident, pairs = None, (incident, *pairs)
    if not pairs:
        raise click.UsageError("give at least one KEY=VALUE")
    _apply("set", incident, {"facts": parse_facts(pairs)}, at, by, db, as_json, plans_dir, config_path)


@click.command()
@click.argument("incident")
@click.argument("name", required=False)
@AT
@BY
@common
def event(incident, name, at, by, db, as_json, plans_dir, config_path):
    """Fire the plan event NAME."""
    incident, name = _shift(incident, name)
    _apply("event", incident, {"name": name}, at, by, db, as_json, plans_dir, config_path)


@click.command()
@click.argument("incident")
@click.argument("text", required=False)
@AT
@BY
@common
def note(incident, text, at, by, db, as_json, plans_dir, config_path):
    """Add a free-text entry to the log."""
    incident, text = _shift(incident, text)
    _apply("note", incident, {"text": text, "by": by}, at, by, db, as_json, plans_dir, config_path)


@click.command()
@click.argument("incident", required=False)
@click.option("--outcome", help="How it ended.")
@AT
@BY
@common
def close(incident, outcome, at, by, db, as_json, plans_dir, config_path):
    """Close INCIDENT."""
    _apply("close", incident, {"outcome": outcome}, at, by, db, as_json, plans_dir, config_path)


@click.command()
@click.argument("incident")
@click.argument("step", required=False)
@click.option("--by", "by", required=True, help="Who releases the step.")
@click.option("--reason", required=True, help="Why it will not be done (on the record).")
@AT
@common
def waive(incident, step, by, reason, at, db, as_json, plans_dir, config_path):
    """Release STEP (a required duty) that will not be done, on the record."""
    incident, step = _shift(incident, step)
    _apply("waive", incident, {"step": step, "by": by, "reason": reason}, at, by, db, as_json, plans_dir, config_path)


@click.command()
@click.argument("incident")
@click.argument("step", required=False)
@click.option("--by", "by", required=True, help="Who reopens.")
@click.option("--reason", required=True, help="Why (on the record).")
@AT
@common
def reopen(incident, step, by, reason, at, db, as_json, plans_dir, config_path):
    """Undo a mistaken `done` of STEP (pending again, same deadline), or a close (back to its phase)."""
    args = {"step": step, "by": by, "reason": reason}
    _apply("reopen", incident, args, at, by, db, as_json, plans_dir, config_path)


@click.command()
@click.argument("incident")
@common
def use(incident, db, as_json, plans_dir, config_path):
    """Make INCIDENT the current one, so later commands may omit it."""
    from planengine import i18n

    eng = engine(db, plans_dir, config_path, create=False)
    eng.use(incident)
    emit_json({"current": incident}) if as_json else click.echo(i18n.t("board.using", incident=incident))


@click.command()
@click.option("--now", "now", help="Pretend it is this time (ISO 8601).")
@common
def tick(now, db, as_json, plans_dir, config_path):
    """Fire every due timer once, then deliver queued notifications."""
    from planengine.cli import board
    from planengine.core.incident import clock
    from planengine.notifiers.delivery import MAX_ATTEMPTS, deliver
    from planengine.notifiers.site import load_site

    eng = engine(db, plans_dir, config_path)
    if not eng.database_exists() and not eng.routine.schedules:  # nothing to do, nothing created
        emit_json({"fired": [], "delivered": 0}) if as_json else click.echo("no database yet: nothing to do")
        return
    site = load_site(eng)  # a bad configuration is refused before anything fires or is claimed
    when = clock.parse_user_time(now, eng.timezone()) if now else None
    if when is not None:
        eng.refuse_early_tick(when)  # --now ahead of the clock would fire live deadlines early
    fired = eng.tick(when)
    failures: list = []
    delivered = deliver(eng, when, failures, site=site)
    eng.refresh_caches(limit=10_000)  # incidents' cached status texts at their heads, for `plan status --json`
    if when is not None and not as_json and clock.is_naive(now):  # said once the tick ran: a refusal is one line
        zone_name = getattr(eng.timezone(), "key", "the site timezone")
        click.echo(f"note: --now {now} read in {zone_name} (the site timezone); add an offset to say so", err=True)
    for e in eng.tick_errors:  # recorded in the log (and on `plan status`); the other timers fired
        if e.get("schedule"):  # a schedule that could not open (its plan is missing or broken)
            click.echo(f"error: schedule {e['schedule']}: {e['error']}", err=True)
            continue
        if e["key"] is None:  # an incident none of whose timers could fire (the error names it)
            click.echo(f"error: {e['error']}", err=True)
            continue
        click.echo(f"error: {e['incident']}: {board.describe_timer(e['key'])}: {e['error']}", err=True)
    for f in failures:
        retry = (
            f"gave up after {f['attempt']} attempt(s)"
            if f["final"]
            else f"attempt {f['attempt']}/{MAX_ATTEMPTS}, will retry"
        )
        what = f"notification {f['key']} to {f['channel']}"
        click.echo(f"warning: {f['incident']}: {what} not delivered ({retry}): {f['error']}", err=True)
    if as_json:
        fired_json = [{"incident": i, "key": k, "due_at": d} for i, k, d in fired]
        emit_json(
            {
                "opened": eng.opened,
                "fired": fired_json,
                "delivered": delivered,
                "failed": failures,
                "errors": eng.tick_errors,
            }
        )
        sys.exit(1 if eng.tick_errors else 0)
    tz = eng.timezone()
    for o in eng.opened:
        missed = f" ({len(o['missed'])} earlier occurrence(s) missed)" if o["missed"] else ""
        click.echo(f"opened {o['incident']} (schedule {o['schedule']}){missed}")
    for i, k, d in fired:
        click.echo(f"{i}: {board.describe_timer(k)} (due {clock.from_iso(d).astimezone(tz):%Y-%m-%d %H:%M})")
    zone_name = getattr(tz, "key", str(tz))
    click.echo(f"{len(fired)} timer(s) fired, {delivered} notification(s) delivered (times in {zone_name})")
    if eng.tick_errors:
        sys.exit(1)

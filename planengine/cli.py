"""The `plan` command: parses, calls the library, prints. Nothing else lives here.

Heavy modules are imported inside commands so `plan --help`, `plan --version`
and `plan status` start fast.
"""

from __future__ import annotations

import functools
import json
import os
import sys

import click

from planengine import __version__


class Refusal(click.ClickException):
    """A one-line refusal: exit 1."""

    exit_code = 1

    def show(self, file=None):
        click.echo(f"error: {self.message}", err=True)


def _known_errors():
    from planengine.core.conditions import CheckError
    from planengine.core.durations import DurationError
    from planengine.core.engine import PlanNotFound
    from planengine.core.facts import FactError
    from planengine.core.runner import Refused
    from planengine.core.store import StoreError

    return (Refused, StoreError, PlanNotFound, FactError, CheckError, DurationError)


def handle_errors(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as e:
            from planengine.core.yamlsrc import SourceError

            if isinstance(e, SourceError):
                for p in e.problems:
                    click.echo(str(p), err=True)
                sys.exit(1)
            if isinstance(e, _known_errors()):
                raise Refusal(str(e)) from None
            if os.environ.get("PLANENGINE_DEBUG"):
                raise
            import sqlite3

            if isinstance(e, sqlite3.Error):
                raise Refusal(f"database: {e}") from None
            raise Refusal(f"internal error: {type(e).__name__}: {e} (set PLANENGINE_DEBUG=1 for details)") from None

    return wrapper


def common(fn):
    """--db, --json, --plans, --config on every command, so they go after the command name."""
    fn = click.option("--config", "config_path", envvar="PLANENGINE_CONFIG", help="Site configuration YAML.")(fn)
    fn = click.option("--plans", "plans_dir", envvar="PLANENGINE_PLANS", help="Directory of plans.")(fn)
    fn = click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")(fn)
    fn = click.option(
        "--db", envvar="PLANENGINE_DB", default="planengine.db", show_default=True, help="SQLite database file."
    )(fn)
    return handle_errors(fn)


def engine(db, plans_dir=None, config_path=None, create=True):
    from planengine.core.engine import Engine

    return Engine(db=db, plans=plans_dir, config=config_path, create=create)


def emit_json(obj):
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def _now_iso():
    from planengine.core import clock

    return clock.to_iso(clock.WallClock().now())


def print_state(state, as_json, now_iso=None):
    from planengine.core.views import board_lines, status_dict

    now_iso = now_iso or _now_iso()
    if as_json:
        emit_json(status_dict(state, now_iso))
    else:
        for line in board_lines(state, now_iso):
            click.echo(line)


def parse_facts(pairs):
    facts = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.UsageError(f"expected key=value, got {pair!r}")
        k, v = pair.split("=", 1)
        facts[k.strip()] = v.strip()
    return facts


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="planengine")
def cli():
    """Run emergency plans and drills as YAML state machines."""


# -- plans ----------------------------------------------------------------


@cli.command()
@click.argument("files", nargs=-1, required=True)
@common
def validate(files, db, as_json, plans_dir, config_path):
    """Check plan and drill files: file:line:col: error: ... per problem."""
    _check_files(files, lint=False, as_json=as_json, plans_dir=plans_dir, config_path=config_path, db=db)


@cli.command()
@click.argument("files", nargs=-1, required=True)
@common
def lint(files, db, as_json, plans_dir, config_path):
    """Validate, then warn about unreachable phases, dead ends, unmeetable timers..."""
    _check_files(files, lint=True, as_json=as_json, plans_dir=plans_dir, config_path=config_path, db=db)


def _check_files(files, lint, as_json, plans_dir, config_path, db):
    from planengine.core.validate import check_file

    eng = engine(db, plans_dir, config_path)
    results = []
    failed = False
    for f in files:
        problems = check_file(f, eng, lint=lint)
        failed |= any(p.severity == "error" for p in problems)
        results.append(
            {
                "file": f,
                "ok": not any(p.severity == "error" for p in problems),
                "problems": [p.to_dict() for p in problems],
            }
        )
        if not as_json:
            for p in problems:
                click.echo(str(p), err=p.severity == "error")
            if not problems:
                click.echo(f"{f}: ok")
    if as_json:
        emit_json(results)
    if failed:
        sys.exit(1)


@cli.command("list")
@common
def list_(db, as_json, plans_dir, config_path):
    """Plans on the plan path: id, version, title, source."""
    from planengine.core.yamlsrc import SourceError, read

    eng = engine(db, plans_dir, config_path)
    rows = []
    for path, origin in eng.plan_files():
        try:
            data = read(path).data
        except SourceError as e:
            rows.append(
                {
                    "id": None,
                    "version": None,
                    "title": None,
                    "source": path,
                    "origin": origin,
                    "error": str(e.problems[0]),
                }
            )
            continue
        if not isinstance(data, dict) or "phases" not in data:
            continue  # a drill or another YAML file
        rows.append(
            {
                "id": data.get("id"),
                "version": data.get("version"),
                "title": data.get("title"),
                "source": path,
                "origin": origin,
            }
        )
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        click.echo(
            f"{r['id'] or '?':<20} v{r['version'] or '?':<3} {r['title'] or r.get('error', '')}  ({r['source']})"
        )


@cli.command()
@click.argument("plan")
@common
def show(plan, db, as_json, plans_dir, config_path):
    """A printable checklist of PLAN by phase: step, role, timer."""
    from planengine.core.describe import checklist, plan_dict

    p = engine(db, plans_dir, config_path).load_plan(plan)
    if as_json:
        emit_json(plan_dict(p))
    else:
        click.echo(checklist(p))


@cli.command()
@click.argument("plan")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True)
@common
def graph(plan, fmt, db, as_json, plans_dir, config_path):
    """Diagram of PLAN's phases and transitions."""
    from planengine.core.describe import graph as draw

    p = engine(db, plans_dir, config_path).load_plan(plan)
    text = draw(p, fmt)
    if as_json:
        emit_json({"plan": p.id, "format": fmt, "source": text})
    else:
        click.echo(text)


@cli.command()
@click.argument("kind", type=click.Choice(["plan", "drill"]), default="plan")
@common
def schema(kind, db, as_json, plans_dir, config_path):
    """JSON Schema for plan or drill files, for editors."""
    from planengine.core.schema import SCHEMAS

    emit_json(SCHEMAS[kind])


@cli.command()
@common
def plugins(db, as_json, plans_dir, config_path):
    """Installed plugins with their checks, actions and notifiers."""
    reg = engine(db, plans_dir, config_path).registry
    out = []
    for name, version in reg.plugins.items():

        def mine(table, name=name):
            return [{"name": r.name, "description": r.description} for r in table.values() if r.plugin == name]

        out.append(
            {
                "name": name,
                "version": version,
                "checks": mine(reg.checks),
                "actions": mine(reg.actions),
                "notifiers": mine(reg.notifiers),
                "plans": [p for pl, p in reg.plans if pl == name],
            }
        )
    if as_json:
        emit_json(out)
        return
    for p in out:
        click.echo(f"{p['name']} {p['version']}")
        for kind in ("checks", "actions", "notifiers"):
            for r in p[kind]:
                click.echo(f"  {kind[:-1]:<8} {r['name']:<40} {r['description']}")


# -- incidents ------------------------------------------------------------

AT = click.option("--at", "at", help="When it happened (ISO 8601; plan timezone if no offset).")
BY = click.option("--by", "by", help="Who did it.")


@cli.command()
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
    print_state(state, as_json)


@cli.command()
@click.argument("incident", required=False)
@click.option("--all", "show_all", is_flag=True, help="Include closed incidents in the list.")
@common
def status(incident, show_all, db, as_json, plans_dir, config_path):
    """Open incidents, or one INCIDENT in full."""
    from planengine.core.incident import fold
    from planengine.core.store import Store

    store = Store(db, create=False) if os.path.exists(db) or incident else None
    if incident:
        store.require_incident(incident)
        print_state(fold(store.event_rows(incident), incident), as_json)
        return
    ids = store.incident_ids(open_only=not show_all) if store else []
    now = _now_iso()
    states = [fold(store.event_rows(i), i) for i in ids]
    if as_json:
        from planengine.core.views import status_dict

        emit_json([status_dict(s, now) for s in states])
        return
    if not states:
        click.echo("no open incidents")
    for s in states:
        print_state(s, False, now)
        click.echo("")


def _apply(name, incident, args, at, by, db, as_json, plans_dir, config_path):
    eng = engine(db, plans_dir, config_path, create=False)
    state = eng.command(incident, name, args, at=at, actor=by)
    print_state(state, as_json)


@cli.command()
@click.argument("incident")
@click.argument("step")
@click.option("--note", help="A remark recorded with the step.")
@AT
@BY
@common
def done(incident, step, note, at, by, db, as_json, plans_dir, config_path):
    """Mark STEP of INCIDENT done."""
    _apply("done", incident, {"step": step, "note": note, "by": by}, at, by, db, as_json, plans_dir, config_path)


@cli.command()
@click.argument("incident")
@click.argument("role")
@click.option("--count", type=click.IntRange(min=0), help="Head count arriving (ICS 211).")
@AT
@BY
@common
def checkin(incident, role, count, at, by, db, as_json, plans_dir, config_path):
    """A team (ROLE) reports mustered or arrived, with head count."""
    _apply("checkin", incident, {"role": role, "count": count, "by": by}, at, by, db, as_json, plans_dir, config_path)


@cli.command()
@click.argument("incident")
@click.argument("step", required=False)
@click.option("--by", "by", required=True, help="Who confirms.")
@AT
@common
def ack(incident, step, by, at, db, as_json, plans_dir, config_path):
    """A person confirms an order (STEP) was received."""
    _apply("ack", incident, {"step": step, "by": by}, at, by, db, as_json, plans_dir, config_path)


@cli.command()
@click.argument("incident")
@click.argument("step")
@click.argument("answer")
@click.option("--by", "by", required=True, help="Who decided.")
@AT
@common
def decide(incident, step, answer, by, at, db, as_json, plans_dir, config_path):
    """Answer decision STEP with ANSWER."""
    _apply("decide", incident, {"step": step, "answer": answer, "by": by}, at, by, db, as_json, plans_dir, config_path)


@cli.command("set")
@click.argument("incident")
@click.argument("pairs", nargs=-1, required=True, metavar="KEY=VALUE...")
@AT
@BY
@common
def set_(incident, pairs, at, by, db, as_json, plans_dir, config_path):
    """Record facts (re-evaluates level and conditions)."""
    _apply("set", incident, {"facts": parse_facts(pairs)}, at, by, db, as_json, plans_dir, config_path)


@cli.command()
@click.argument("incident")
@click.argument("name")
@AT
@BY
@common
def event(incident, name, at, by, db, as_json, plans_dir, config_path):
    """Fire the plan event NAME."""
    _apply("event", incident, {"name": name}, at, by, db, as_json, plans_dir, config_path)


@cli.command()
@click.argument("incident")
@click.argument("text")
@AT
@BY
@common
def note(incident, text, at, by, db, as_json, plans_dir, config_path):
    """Add a free-text entry to the log."""
    _apply("note", incident, {"text": text, "by": by}, at, by, db, as_json, plans_dir, config_path)


@cli.command()
@click.argument("incident")
@click.option("--outcome", help="How it ended.")
@AT
@BY
@common
def close(incident, outcome, at, by, db, as_json, plans_dir, config_path):
    """Close INCIDENT."""
    _apply("close", incident, {"outcome": outcome}, at, by, db, as_json, plans_dir, config_path)


@cli.command()
@click.option("--now", "now", help="Pretend it is this time (ISO 8601).")
@common
def tick(now, db, as_json, plans_dir, config_path):
    """Fire every due timer once, then deliver queued notifications."""
    from planengine.core import clock
    from planengine.core.notify import deliver

    if not os.path.exists(db):
        emit_json({"fired": [], "delivered": 0}) if as_json else click.echo("no database yet: nothing to do")
        return
    eng = engine(db, plans_dir, config_path)
    when = clock.parse_user_time(now) if now else None
    fired = eng.tick(when)
    delivered = deliver(eng, when)
    if as_json:
        emit_json({"fired": [{"incident": i, "key": k, "due_at": d} for i, k, d in fired], "delivered": delivered})
        return
    for i, k, d in fired:
        click.echo(f"{i}: {k} (due {d})")
    click.echo(f"{len(fired)} timer(s) fired, {delivered} notification(s) delivered")


@cli.command()
@click.option("--interval", default=5.0, show_default=True, help="Seconds between ticks.")
@click.option("--once", is_flag=True, help="Tick and draw once, then exit.")
@common
def watch(interval, once, db, as_json, plans_dir, config_path):
    """Tick continuously and redraw a board of open incidents."""
    import time

    from planengine.core.incident import fold
    from planengine.core.notify import deliver
    from planengine.core.views import board_lines, status_dict

    eng = engine(db, plans_dir, config_path)
    while True:
        fired = eng.tick()
        deliver(eng)
        now = _now_iso()
        states = [fold(eng.store.event_rows(i), i) for i in eng.store.incident_ids()]
        if as_json:
            click.echo(
                json.dumps(
                    {"now": now, "fired": len(fired), "incidents": [status_dict(s, now) for s in states]},
                    ensure_ascii=False,
                )
            )
        else:
            if not once:
                click.clear()
            click.echo(f"planengine watch  {now}  open incidents: {len(states)}")
            for s in states:
                for line in board_lines(s, now, show_all=False):
                    click.echo(line)
                click.echo("")
        if once:
            return
        try:
            time.sleep(interval)
        except KeyboardInterrupt:
            return


@cli.command()
@click.argument("incident")
@common
def log(incident, db, as_json, plans_dir, config_path):
    """The event log of INCIDENT."""
    from planengine.core.store import Store
    from planengine.core.views import _tz, local

    store = Store(db, create=False)
    store.require_incident(incident)
    events = store.events(incident)
    if as_json:
        emit_json(events)
        return
    tz = None
    for ev in events:
        if ev["kind"] == "started":
            tz = _tz(ev["data"].get("timezone", "UTC"))
        when = local(ev["at"], tz or _tz("UTC"))[:19].replace("T", " ")
        data = json.dumps(ev["data"], ensure_ascii=False, sort_keys=True)
        click.echo(f"{ev['seq']:>5} {when} {ev['kind']:<15} {ev['actor'] or '':<10} {data}")


@cli.command()
@click.argument("incident")
@common
def verify(incident, db, as_json, plans_dir, config_path):
    """Check INCIDENT's hash chain; exit 1 if any event was altered."""
    from planengine.core.store import Store

    store = Store(db, create=False)
    store.require_incident(incident)
    problems = store.verify(incident)
    if as_json:
        emit_json({"incident": incident, "ok": not problems, "problems": problems})
    elif problems:
        for p in problems:
            click.echo(f"{incident}: {p}", err=True)
    else:
        click.echo(f"{incident}: hash chain intact")
    if problems:
        sys.exit(1)


def _register_optional_commands():
    """Drill and report commands live in their own modules (they import only click at load)."""
    import importlib

    for module, names in (("planengine.cli_drill", ("drill", "replay")), ("planengine.cli_report", ("report",))):
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        for name in names:
            cmd = getattr(mod, name, None)
            if cmd is not None:
                cli.add_command(cmd)


_register_optional_commands()

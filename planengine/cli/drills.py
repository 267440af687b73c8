"""`plan drill run|score|extract` and `plan replay`.

Imports only click at module level; everything else is loaded inside the
commands so `plan --help` stays fast.
"""

from __future__ import annotations

import sys

import click


def _cli():
    from planengine import cli

    return cli


def common(fn):
    return _cli().common(fn)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def drill():
    """Run scripted drills, score incidents, turn incidents into drills."""


def _fmt(seconds):
    from planengine.core.plan.durations import format as fmt

    return "-" if seconds is None else fmt(seconds)


def _local(iso, tz):
    from planengine.core.incident import clock

    return clock.from_iso(iso).astimezone(tz).strftime("%m-%d %H:%M:%S")


def print_score(result):
    """The score object as a human table."""
    echo = click.echo
    head = f"{result['incident']}  {result['plan']} v{result['plan_version']}"
    if result.get("drill"):
        head += f"  drill {result['drill']}"
    echo(head)
    if result["score"] is None:
        echo("score: nothing to score (no timed step became active)")
    else:
        r = result["ratings"]
        echo(
            f"score {result['score']}  {result['grade']} ({result['grade_en']})"
            f"   P {r['P']}  S {r['S']}  M {r['M']}  U {r['U']}"
        )
    if result["steps"]:
        echo(f"  {'step':<26} {'limit':>7} {'took':>7} {'late':>7} {'points':>6} {'weight':>6}  rating")
        for s in result["steps"]:
            took = _fmt(s["took_seconds"]) if s["took_seconds"] is not None else s["status"]
            late = _fmt(s["late_seconds"]) if s["late_seconds"] else ""
            echo(
                f"  {s['id']:<26} {_fmt(s['limit_seconds']):>7} {took:>7} {late:>7} {s['points']!s:>6}"
                f" {s['weight']!s:>6}  {s['rating']}"
            )
    if result["musters"]:
        echo("musters:")
        for m in result["musters"]:
            if not m["strength"]:
                strength = ""
            elif m["count"] is None:
                strength = f"all/{m['strength']}"  # a check-in without a head count reports the whole team
            else:
                strength = f"{m['count']}/{m['strength']}"
            if m["met"]:
                verdict = "in time"
            elif m["took_seconds"] is not None:
                verdict = "LATE"
            else:
                verdict = "NOT MUSTERED"
            echo(
                f"  {m['role']:<14} limit {_fmt(m['limit_seconds']):>6}"
                f"  first arrival {_fmt(m['first_arrival_seconds']):>6}"
                f"  full strength {_fmt(m['took_seconds']):>6} {strength:>7}  {verdict}"
            )
    if result["findings"]:
        echo("findings:")
        for f in result["findings"]:
            echo(f"  {f['class']} [{f['rating']}] {f['text']}")


@drill.command("run")
@click.argument("script", type=click.Path(dir_okay=False))
@click.option("--speed", type=click.FloatRange(min=0, min_open=True), help="Pace injects in real time, N x faster.")
@click.option("--start", "start", help="Shift the exercise to start at this time (ISO 8601, or 'now').")
@click.option("--id", "incident_id", help="Incident id (default DRL-YYYYMMDD-NNNN).")
@click.option("--strict", is_flag=True, help="Exit 1 when an inject is refused by the engine.")
@common
def run_cmd(script, speed, start, incident_id, strict, db, as_json, plans_dir, config_path):
    """Run the drill SCRIPT (instant by default) and print its score."""
    from planengine.cli import emit_json, engine
    from planengine.core.drill.run import run_drill
    from planengine.core.drill.scoring import score
    from planengine.core.incident import clock

    eng = engine(db, plans_dir, config_path)
    d = eng.load_drill(script)
    if start == "now":
        start = clock.to_iso(eng.clock.now())
    from zoneinfo import ZoneInfo

    from planengine.cli.board import describe_timer
    from planengine.cli.progress import progress
    from planengine.core.incident.clock import local

    tz = ZoneInfo(d.plan.timezone)
    board = _Board(tz, as_json) if speed else None
    bar = progress(len(d.injects), f"drill {d.id}", as_json=as_json or bool(speed))
    err = bar.echo if not as_json else (lambda msg: click.echo(msg, err=True))
    listing = not (bar.shown and sys.stdout.isatty())  # on a terminal the bar stands for the inject lines

    def report(kind, item, at, detail):
        if kind != "timer":
            bar.update()
        when = _local(at, tz)
        if kind == "timer":
            line = f"{when}  timer  {describe_timer(item)}"
        elif kind == "applied":
            line = f"{when}  inject {item.describe()}"
            if item.to or item.channel:
                line += f"  -> {','.join(item.to)}{' / ' + item.channel if item.channel else ''}"
            if item.expect:
                line += f"  (expect: {item.expect})"
        elif kind == "skipped":
            line = f"{when}  skip   {item.describe()} ({detail})"
        else:
            line = f"{when}  REFUSED {item.describe()}: {detail}"
            bar.echo(f"{d.path}:{item.loc[0]}:{item.loc[1]}: warning: inject refused: {detail}", err=True)
        if board is not None:
            board.log(line)
        elif not as_json and kind != "refused" and listing:
            err(line)

    with bar:
        result = run_drill(
            eng,
            d,
            start=start,
            speed=speed,
            on_inject=report,
            incident_id=incident_id,
            on_wait=board.draw if board else None,
        )
    out = score(result.state, d.plan)
    out["injects"] = {
        "total": len(d.injects),
        "applied": len(result.applied),
        "skipped": [{"at": at, "inject": i.describe()} for i, at in result.skipped],
        "refused": [{"at": at, "inject": i.describe(), "error": msg} for i, at, msg in result.refused],
        "timers_fired": len(result.fired),
    }
    out["start"], out["end"] = local(result.start, tz), local(result.end, tz)
    if as_json:
        emit_json(out)
    else:
        click.echo("")
        print_score(out)
    if strict and result.refused:
        sys.exit(1)


class _Board:
    """A live board for paced runs: the drill incident's checklist on drill time, plus recent injects."""

    def __init__(self, tz, quiet):
        self.tz, self.quiet = tz, quiet
        self.lines: list = []
        self.tty = sys.stdout.isatty() and not quiet
        self._last = None

    def log(self, line):
        self.lines.append(line)
        if not self.tty and not self.quiet:
            click.echo(line)

    def draw(self, state, sim_now):
        if not self.tty:
            return
        from planengine.cli.board import board_lines

        key = (state.seq, sim_now)
        if key == self._last:
            return
        self._last = key
        click.clear()
        click.echo(f"drill time {_local(sim_now, self.tz)}   (players: plan done {state.id} STEP, ...)")
        for line in board_lines(state, sim_now):
            click.echo(line)
        click.echo("")
        for line in self.lines[-12:]:
            click.echo(line)


@drill.command("score")
@click.argument("incident")
@click.option(
    "--rule", "rule_plan", help="Use the `scoring:` rule of this plan (id or file) instead of the stored one."
)
@common
def score_cmd(incident, rule_plan, db, as_json, plans_dir, config_path):
    """Score a drill (or any incident): steps, musters, HSEEP ratings, findings."""
    from planengine.cli import emit_json, engine

    eng = engine(db, plans_dir, config_path, read_only=True)
    out = eng.score(incident, rule_plan)
    if as_json:
        emit_json(out)
    else:
        print_score(out)


@drill.command("extract")
@click.argument("incident")
@click.option("-o", "--output", "output", default="-", show_default=True, help="Drill file to write ('-': stdout).")
@click.option("--name", "drill_id", help="Drill id (default: from the incident id).")
@click.option("--force", is_flag=True, help="Replace an existing output file (never a database).")
@common
def extract_cmd(incident, output, drill_id, force, db, as_json, plans_dir, config_path):
    """Turn a recorded INCIDENT into a drill script that re-enacts it."""
    from planengine.cli import Refusal, emit_json, engine

    if output != "-":
        _check_output(output, force, Refusal)
    eng = engine(db, plans_dir, config_path, read_only=True)
    text = eng.extract(incident, drill_id=drill_id, output=output)
    # it must load as a drill against the exact plan the incident ran
    d = eng.load_drill(output if output != "-" else "<extract>", text=text, plan=eng.incident_plan(incident))
    if output == "-":
        click.echo(text, nl=False)
    else:
        with open(output, "w" if force else "x", encoding="utf-8") as fh:
            fh.write(text)
    if as_json and output != "-":
        emit_json({"incident": incident, "output": output, "drill": d.id, "injects": len(d.injects)})
    elif output != "-":
        click.echo(f"{output}: {len(d.injects)} injects from {incident}", err=True)


def _check_output(output, force, Refusal):
    """Refuse to replace a file unless --force, and a SQLite database (an incident log) ever."""
    import os

    if os.path.isdir(output):
        raise Refusal(f"{output} is a directory: give a file name for the drill")
    if not os.path.exists(output):
        return
    try:
        with open(output, "rb") as fh:
            head = fh.read(16)
    except OSError:
        head = b""
    if head == b"SQLite format 3\x00":
        raise Refusal(f"{output} is a SQLite database: plan drill extract never writes over one")
    if not force:
        raise Refusal(f"{output} exists: choose another file, or add --force to replace it")

"""`plan status`: the board most runs of `plan` read, in a module of its own so that reading
it does not define the officer's other commands (planengine/cli/officer.py)."""

from __future__ import annotations

import json
import sys

import click

from planengine.cli import _now_iso, collector_paused, common, emit_json, emit_json_list, engine, print_state


def duty_line(eng, at=None) -> str:
    """「on duty: duty 王焰, leader 陈英」 from the roster, or '' without one."""
    names = [(role, eng.who_is_on(role, at)) for role in eng.routine.rotations]
    return "on duty: " + ", ".join(f"{role} {name or '-'}" for role, name in names) if names else ""


@click.command()
@click.argument("incident", required=False)
@click.option("--all", "show_all", is_flag=True, help="Include closed incidents and drills in the list.")
@click.option("--drills", is_flag=True, help="Include open drills (e.g. a live-paced exercise) in the list.")
@common
def status(incident, show_all, drills, db, as_json, plans_dir, config_path):
    """Open incidents, or one INCIDENT in full."""
    eng = engine(db, plans_dir, config_path, read_only=True)
    if incident:
        if as_json:  # from the text plan tick / plan watch cached at the head of its log, if any
            with collector_paused():  # it imports the store and the renderer and reads a few rows
                text = eng.cached_status(incident, _now_iso())
            if text is not None:
                emit_json(json.loads(text))
                return
        print_state(eng.state(incident), as_json, eng=eng)
        if not as_json:
            from planengine.cli.board import legend

            click.echo(legend())
        return
    now = _now_iso()
    if as_json:  # one incident a line; most read from the text plan tick / plan watch cached
        emit_json_list(eng.status_texts(now, open_only=not show_all, drills=show_all or drills, keep=True))
        _left_out(eng)
        return
    states = eng.incidents(open_only=not show_all, drills=show_all or drills)
    if duty_line(eng):
        click.echo(duty_line(eng))
    from planengine import i18n

    if not states:
        click.echo(i18n.t("board.none_open"))
        hidden = eng.count_incidents(open_only=True, drills=True)
        if hidden and not drills:
            click.echo(i18n.t("board.hidden_drills", count=hidden))
    for s in states:
        print_state(s, False, now, eng=eng)
        click.echo("")
    _left_out(eng)


def _left_out(eng):
    """The incidents a list left out because their log cannot be read: one error line each, exit 1."""
    for why in eng.unreadable.values():
        click.echo(f"error: {why}", err=True)
    if eng.unreadable:
        sys.exit(1)

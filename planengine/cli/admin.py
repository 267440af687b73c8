"""`plan user` (accounts) and `plan serve` (the duty console and wall board in a browser)."""

from __future__ import annotations

import sys

import click

from planengine.cli import common, emit_json, engine


@click.group()
def user():
    """Accounts for `plan serve`."""


@user.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["officer", "viewer", "admin"]),
    default="officer",
    show_default=True,
    help="What the account may do in the browser.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (first line).")
@common
def user_add(name, role, password_stdin, db, as_json, plans_dir, config_path):
    """Create or update account NAME (password hashed with scrypt); asks for the password."""
    from planengine import i18n

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(i18n.t("web.password"), hide_input=True, confirmation_prompt=True)
    eng = engine(db, plans_dir, config_path)
    eng.add_user(name, role, password)
    emit_json({"name": name, "role": role}) if as_json else click.echo(i18n.t("board.user_added", name=name, role=role))


@user.command("token")
@click.argument("name")
@common
def user_token(name, db, as_json, plans_dir, config_path):
    """Print a new API token for NAME (Authorization: Bearer TOKEN); the previous one stops working."""
    eng = engine(db, plans_dir, config_path, create=False)
    token = eng.new_token(name)
    emit_json({"name": name, "token": token}) if as_json else click.echo(token)


@user.command("list")
@common
def user_list(db, as_json, plans_dir, config_path):
    """Accounts and their roles."""
    eng = engine(db, plans_dir, config_path, create=False)
    users = eng.users()
    if as_json:
        emit_json(users)
    else:
        for u in users:
            click.echo(f"{u['name']}\t{u['role']}")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (other desks: see docs/web.md).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="TCP port to listen on.")
@click.option("--secure-cookies", is_flag=True, help="Send the session cookie only over HTTPS (behind a TLS proxy).")
@click.option("--poll", default=0.25, show_default=True, help="Seconds between checks for changes.")
@common
def serve(host, port, secure_cookies, poll, db, as_json, plans_dir, config_path):
    """Serve the duty console and wall board in a browser."""
    from planengine import i18n
    from planengine.web.app import run

    click.echo(i18n.t("board.serving", host=host, port=port), err=True)
    run(db=db, plans=plans_dir, config=config_path, host=host, port=port, secure=secure_cookies, poll=poll)

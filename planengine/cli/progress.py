"""Progress for long work (an instant drill of thousands of injects, `plan report --all`, many
files to validate), drawn on stderr only when stderr is a terminal and the output is not --json:
pipes, files, cron mail, CliRunner and JSON never see it. The bar is click's."""

from __future__ import annotations

import sys

import click

MIN_ITEMS = 50  # fewer items end before a bar would tell anyone anything


class Silent:
    """No bar: messages go where they would have gone."""

    shown = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n: int = 1) -> None:
        pass

    def echo(self, message: str, err: bool = False) -> None:
        click.echo(message, err=err)


class Bar(Silent):
    """click.progressbar on stderr; ``echo`` first clears the bar's line so text never runs into it."""

    shown = True

    STEPS = 200  # redraws over the whole bar at most (100,000 injects do not mean 100,000 redraws)

    def __init__(self, total: int, label: str):
        self.bar = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True, width=30)
        self.every = max(1, total // self.STEPS)
        self.pending = 0
        self.done = 0
        self.total = total

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        if self.pending:
            self.bar.update(self.pending)
        return self.bar.__exit__(*exc)

    def update(self, n: int = 1) -> None:
        self.pending += n
        self.done += n
        if self.pending >= self.every or self.done >= self.total:
            self.bar.update(self.pending)
            self.pending = 0

    def echo(self, message: str, err: bool = False) -> None:
        if err or sys.stdout.isatty():  # the text lands on the bar's terminal: clear its line first
            sys.stderr.write("\r\033[K")  # the bar is redrawn on its next step
            sys.stderr.flush()
        click.echo(message, err=err)


def progress(total: int, label: str, as_json: bool = False, minimum: int = MIN_ITEMS):
    """A bar over ``total`` items when it can help a person at a terminal, else a Silent one."""
    if as_json or total < minimum or not sys.stderr.isatty():
        return Silent()
    return Bar(total, label)

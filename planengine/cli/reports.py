"""`plan report`: after-action reports and the period summary, as Markdown, HTML or PDF."""

from __future__ import annotations

import functools
import os
import sys
from contextlib import contextmanager

import click

from planengine.cli import Refusal, common, engine

SQLITE_MAGIC = b"SQLite format 3\x00"


def _is_sqlite(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def check_target(path: str, force: bool, db: str | None = None) -> None:
    """Refuse to write over a file that exists (unless ``force``), and never over a SQLite database."""
    if os.path.isdir(path):
        raise Refusal(f"{path} is a directory: give a file name with -o")
    if db and os.path.exists(path) and os.path.exists(db) and os.path.samefile(path, db):
        raise Refusal(f"{path} is the incident database: choose another output file")
    if _is_sqlite(path):
        raise Refusal(f"{path} is a SQLite database: a report never writes over one")
    if os.path.exists(path) and not force:
        raise Refusal(f"{path} exists: use --force to replace it")


def write_out(content, path: str | None, fmt: str, force: bool, db: str | None = None) -> None:
    if path is None:
        if isinstance(content, bytes):
            if sys.stdout.isatty():
                raise Refusal("a PDF is binary: write it to a file with -o FILE.pdf")
            sys.stdout.buffer.write(content)
            sys.stdout.flush()
        else:
            click.echo(content, nl=False)
        return
    check_target(path, force, db)
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


@contextmanager
def pdf_refusal():
    """PdfUnavailable and bad periods are refusals: one line (naming what to install), exit 1."""
    from planengine.report.pdf import PdfUnavailable

    try:
        yield
    except PdfUnavailable as e:
        raise Refusal(str(e)) from None


def _pdf_refusal(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with pdf_refusal():
            return fn(*args, **kwargs)

    return wrapper


@click.command()
@click.argument("incident", required=False)
@click.option(
    "--format", "fmt", type=click.Choice(["md", "html", "pdf"]), default="md", show_default=True, help="Output format."
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="Report language (default: the plan's).")
@click.option("-o", "--output", "output", default=None, help="Write to FILE (with --all: a directory).")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
@click.option("--all", "all_", is_flag=True, help="Period summary (and one report per incident) for --since/--until.")
@click.option("--since", default=None, help="With --all: first day (YYYY-MM-DD, site timezone).")
@click.option("--until", default=None, help="With --all: last day, inclusive (default: today).")
@click.option("--at", "at", default=None, help="Report as of this time (default: closing time or last event).")
@common
@_pdf_refusal
def report(incident, fmt, lang, output, force, all_, since, until, at, db, as_json, plans_dir, config_path):
    """After-action report of INCIDENT (a drill: the drill evaluation report), or --all --since DATE."""
    if all_:
        if incident:
            raise click.UsageError("give either INCIDENT or --all, not both")
        if not since:
            raise click.UsageError("--all needs --since DATE")
        return _all(fmt, lang, output, force, since, until, db, plans_dir, config_path, as_json)
    if not incident:
        raise click.UsageError("give an INCIDENT, or --all --since DATE")
    if since or until:
        raise click.UsageError("--since/--until go with --all")
    from planengine.report import incident_report

    eng = engine(db, plans_dir, config_path, create=False)
    if output is not None:
        check_target(output, force, db)
    at_iso = None
    if at is not None:
        at_iso = eng.at(at, eng.state(incident).timezone)
    content = incident_report(eng, incident, fmt=fmt, lang=lang, at=at_iso)
    write_out(content, output, fmt, force, db)
    if output is not None:
        click.echo(output, err=True)


def _all(fmt, lang, output, force, since, until, db, plans_dir, config_path, as_json=False):
    from planengine.cli.progress import progress
    from planengine.report import incident_report, summary, summary_report

    if output is None:
        raise click.UsageError("--all writes several files: give -o DIR")
    if os.path.exists(output) and not os.path.isdir(output):
        raise Refusal(f"{output} is not a directory")
    eng = engine(db, plans_dir, config_path, create=False)
    lang = lang or str(eng.config.get("lang") or "zh")
    lang = "en" if lang == "en" else "zh"
    start, end = summary.period(eng, since, until)
    ids = summary.incident_ids(eng, start, end)
    name = f"summary-{since}-{until or 'now'}.{fmt}"
    targets = [os.path.join(output, name)] + [os.path.join(output, f"{i}.{fmt}") for i in ids]
    for t in targets:
        check_target(t, force, db)
    os.makedirs(output, exist_ok=True)
    with progress(len(targets), f"{len(targets)} reports", as_json=as_json, minimum=2) as bar:
        write_out(summary_report(eng, since, until, fmt=fmt, lang=lang), targets[0], fmt, True, db)
        bar.update()
        for incident_id, path in zip(ids, targets[1:]):
            write_out(incident_report(eng, incident_id, fmt=fmt, lang=lang), path, fmt, True, db)
            bar.update()
    for t in targets:
        click.echo(t)

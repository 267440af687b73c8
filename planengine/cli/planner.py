"""`plan` commands for planners: validate, lint, list, show, graph, schema, plugins."""

from __future__ import annotations

import sys

import click

from planengine.cli import collector_paused, common, emit_json, engine

# -- plans ----------------------------------------------------------------


FILES_FOR_A_BAR = 10  # checking fewer files ends before a bar would help


@click.command()
@click.argument("files", nargs=-1, required=True)
@common
def validate(files, db, as_json, plans_dir, config_path):
    """Check plan and drill files: file:line:col: error: ... per problem."""
    _check_files(files, lint=False, as_json=as_json, plans_dir=plans_dir, config_path=config_path, db=db)


@click.command()
@click.argument("files", nargs=-1, required=True)
@common
def lint(files, db, as_json, plans_dir, config_path):
    """Validate, then warn about unreachable phases, dead ends, unmeetable timers..."""
    _check_files(files, lint=True, as_json=as_json, plans_dir=plans_dir, config_path=config_path, db=db)


def _check_files(files, lint, as_json, plans_dir, config_path, db):
    from planengine.cli.progress import progress

    eng = engine(db, plans_dir, config_path)
    results = []
    # many files (plans/*.yaml of a county) show a bar on a terminal; problems print above it
    with progress(len(files), "checking", as_json=as_json, minimum=FILES_FOR_A_BAR) as bar, collector_paused():
        for f in files:
            problems = eng.check_file(f, lint=lint)
            results.append(
                {
                    "file": f,
                    "ok": not any(p.severity == "error" for p in problems),
                    "problems": [p.to_dict() for p in problems],
                }
            )
            if not as_json:
                for p in problems:
                    bar.echo(str(p), err=p.severity == "error")
                if not problems:
                    bar.echo(f"{f}: ok")
            bar.update()
    if as_json:
        emit_json(results)
    if not all(r["ok"] for r in results):
        sys.exit(1)


@click.command("list")
@common
def list_(db, as_json, plans_dir, config_path):
    """Plans on the plan path: id, version, title, source."""
    from planengine.core.plan.source import SourceError, read

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


@click.command()
@click.argument("plan")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "html", "pdf"]),
    default="text",
    show_default=True,
    help="text for the terminal; html or pdf to print for the wall and the duty desk.",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None, help="html/pdf language (default: the plan's).")
@click.option("-o", "--output", default=None, help="Write to FILE.")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
@common
def show(plan, fmt, lang, output, force, db, as_json, plans_dir, config_path):
    """A printable checklist of PLAN by phase: step, role, timer (people and phones in html/pdf)."""
    from planengine.core.plan.describe import checklist, plan_dict

    eng = engine(db, plans_dir, config_path)
    p = eng.load_plan(plan)
    values = eng.local_settings(p) if p.settings else None  # local figures as this site sets them
    if as_json:
        emit_json(plan_dict(p, values))
    elif fmt == "text":
        text = checklist(p, values)
        if output is None:
            click.echo(text)
        else:
            from planengine.cli.reports import write_out

            write_out(text + "\n", output, fmt, force, db)
    else:
        from planengine.cli.reports import check_target, pdf_refusal, write_out
        from planengine.report import plan_checklist

        if output is not None:
            check_target(output, force, db)
        with pdf_refusal():
            content = plan_checklist(p, fmt=fmt, lang=lang, values=values)
        write_out(content, output, fmt, force, db)


@click.command()
@click.argument("plan")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot"]),
    default="mermaid",
    show_default=True,
    help="Mermaid (Markdown, GitHub, Gitea) or Graphviz DOT (`dot -Tsvg`).",
)
@common
def graph(plan, fmt, db, as_json, plans_dir, config_path):
    """Diagram of PLAN's phases and transitions."""
    from planengine.core.plan.describe import graph as draw

    p = engine(db, plans_dir, config_path).load_plan(plan)
    text = draw(p, fmt)
    if as_json:
        emit_json({"plan": p.id, "format": fmt, "source": text})
    else:
        click.echo(text)


@click.command()
@click.argument("kind", type=click.Choice(["plan", "drill"]), default="plan")
@common
def schema(kind, db, as_json, plans_dir, config_path):
    """JSON Schema for plan or drill files, for editors."""
    from planengine.core.plan.schema import SCHEMAS

    emit_json(SCHEMAS[kind])


@click.command()
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

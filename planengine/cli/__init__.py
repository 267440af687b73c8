"""The `plan` command: parses, calls the library, prints. Nothing else lives here.

Heavy modules are imported inside commands so `plan --help`, `plan --version`
and `plan status` start fast.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib
import json
import os
import sys

import click

from planengine import __version__


class Refusal(click.ClickException):
    """A one-line refusal: exit 1."""

    exit_code = 1

    def show(self, file=None):
        from planengine.core.plan.source import printable

        click.echo(f"error: {printable(self.message)}", err=True)


def _known_errors():
    from planengine.core.accounts import AccountError
    from planengine.core.engine import StoreError
    from planengine.core.incident.clock import TimeError
    from planengine.core.incident.conditions import CheckError
    from planengine.core.incident.runner import Refused
    from planengine.core.plan.durations import DurationError
    from planengine.core.plan.facts import FactError
    from planengine.core.plan.library import PlanNotFound

    return (Refused, StoreError, PlanNotFound, FactError, CheckError, DurationError, TimeError, AccountError)


def handle_errors(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:  # `plan log INC | head`
            sys.stderr.close()
            sys.exit(0)
        except Exception as e:
            from planengine.core.plan.source import SourceError

            if isinstance(e, SourceError):
                for p in e.problems:
                    click.echo(str(p), err=True)
                sys.exit(1)
            if isinstance(e, _known_errors()):
                from planengine import i18n

                raise Refusal(i18n.say(e)) from None
            if os.environ.get("PLANENGINE_DEBUG"):
                raise
            if isinstance(e, UnicodeError):
                raise Refusal(_unicode_message(e)) from None
            if isinstance(e, OSError) and e.strerror:  # `-o missing/dir/x.yaml`, a read-only file ...
                raise Refusal(f"{e.filename}: {e.strerror}" if e.filename else e.strerror) from None
            import sqlite3

            if isinstance(e, sqlite3.Error):
                raise Refusal(f"database: {e}") from None
            raise Refusal(f"internal error: {type(e).__name__}: {e} (set PLANENGINE_DEBUG=1 for details)") from None

    return wrapper


def _unicode_message(e: UnicodeError) -> str:
    """One line for text that cannot be encoded or decoded (no raw surrogates in it)."""
    obj = getattr(e, "object", None)
    start, end = getattr(e, "start", 0), getattr(e, "end", 0)
    if isinstance(e, UnicodeEncodeError) and e.encoding.replace("-", "").lower() != "utf8":
        # the terminal or file cannot show the text (e.g. LANG=C with Chinese text)
        return f"cannot write text as {e.encoding}: set a UTF-8 locale (e.g. LANG=C.UTF-8)"
    bad = b""
    if isinstance(obj, str):
        # an argument the shell gave as bytes: Python keeps each bad byte as a surrogate
        bad = obj[start:end].encode("utf-8", "surrogateescape")
    elif isinstance(obj, (bytes, bytearray)):
        bad = bytes(obj[start:end])
    where = "".join(f"\\x{b:02x}" for b in bad[:8])
    return "text is not valid UTF-8" + (f" (byte {where})" if where else "") + ": give arguments and files as UTF-8"


def _choose_lang(ctx, param, value):
    from planengine import i18n

    i18n.choose(value)  # every invocation chooses afresh (tests run many in one process)
    return value


LANG = click.option(
    "--lang",
    "ui_lang",
    type=click.Choice(["zh", "en"]),
    expose_value=False,
    is_eager=True,
    callback=_choose_lang,
    help="Interface language: zh or en (default: PLANENGINE_LANG, the site's lang:, then zh).",
)


_COMMON = None


def _common_options() -> tuple:
    """The options :func:`common` gives, made once: a click Option keeps nothing of the command it
    belongs to, so every command shares them (five new options for each of 38 commands were most
    of what importing a module of commands cost)."""
    global _COMMON
    if _COMMON is None:

        def probe():
            pass

        for option in (
            LANG,
            click.option("--config", "config_path", envvar="PLANENGINE_CONFIG", help="Site configuration YAML."),
            click.option("--plans", "plans_dir", envvar="PLANENGINE_PLANS", help="Directory of plans."),
            click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout."),
            click.option(
                "--db", envvar="PLANENGINE_DB", default="planengine.db", show_default=True, help="SQLite database file."
            ),
        ):
            probe = option(probe)
        _COMMON = tuple(probe.__click_params__)
    return _COMMON


def common(fn):
    """--db, --json, --plans, --config, --lang on every command, so they go after the command name."""
    fn.__dict__.setdefault("__click_params__", []).extend(_common_options())  # as click's decorators add them
    return handle_errors(fn)


@contextlib.contextmanager
def collector_paused():
    """Work that makes no reference cycles, run with the cyclic collector paused
    (core/collector.py): importing modules (alive until exit), checking files
    (tests/core/plan/test_reading.py pins that it makes none)."""
    from planengine.core.collector import collector_paused as paused

    with paused():
        yield
        if gc.get_freeze_count():
            # a `plan` process froze its start-up (planengine/entry.py) and exits after this
            # command: what the work loaded (the engine, PyYAML, the plugins, the plans) lives until
            # then too, so it is frozen as well and the collections at exit skip it. (Elsewhere, as
            # in a test's CliRunner, nothing was frozen and nothing is.)
            gc.freeze()


def engine(db, plans_dir=None, config_path=None, create=True, read_only=False):
    """The engine of one command. Read commands pass ``read_only`` (never create, never write)."""
    from planengine import i18n

    with collector_paused():
        from planengine.core.engine import Engine

    eng = Engine(db=db, plans=plans_dir, config=config_path, create=create, read_only=read_only)
    i18n.use_site(lambda: eng.config.get("lang"))  # the site's lang:, read when needed
    return eng


def emit_json(obj):
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def emit_json_list(items):
    """A long JSON list of items already encoded as UTF-8 (an iterable), one a line, written as
    bytes about a megabyte at a time (`plan status --json` of 10,000 incidents: 30 MB)."""
    chunk, size, sep = [], 0, b"[\n"
    for item in items:
        chunk += (sep, item)
        size += len(item)
        sep = b",\n"
        if size > 1 << 20:
            click.echo(b"".join(chunk), nl=False)
            chunk, size = [], 0
    chunk.append(b"[]" if sep == b"[\n" else b"\n]")
    click.echo(b"".join(chunk))


def _now_iso():
    from planengine.core.incident import clock

    return clock.to_iso(clock.WallClock().now())


def print_state(state, as_json, now_iso=None, eng=None):
    """The status object (--json) or the text board; with ``eng``, delivery state from the outbox
    and phases and facts by their titles."""
    now_iso = now_iso or _now_iso()
    rows = eng.notifications(state.id) if eng is not None and state.kind != "drill" else None
    if as_json:
        from planengine.core.incident.status import status_dict

        emit_json(status_dict(state, now_iso, rows))
    else:
        from planengine.cli.board import board_lines

        plan = None
        if eng is not None:
            try:
                plan = eng.plan_for(state.plan_sha)
            except Exception:  # the board still shows ids when the stored plan cannot be read
                plan = None
        for line in board_lines(state, now_iso, notifications=rows, plan=plan):
            click.echo(line)


def parse_facts(pairs):
    facts = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.UsageError(f"expected key=value, got {pair!r}")
        k, v = pair.split("=", 1)
        facts[k.strip()] = v.strip()
    return facts


# name -> "module:attribute"; modules are imported only when their command runs,
# so `plan status` does not pay for defining every other command.
COMMANDS = {
    "validate": "planengine.cli.planner:validate",
    "lint": "planengine.cli.planner:lint",
    "list": "planengine.cli.planner:list_",
    "show": "planengine.cli.planner:show",
    "graph": "planengine.cli.planner:graph",
    "schema": "planengine.cli.planner:schema",
    "plugins": "planengine.cli.planner:plugins",
    "start": "planengine.cli.officer:start",
    "done": "planengine.cli.officer:done",
    "checkin": "planengine.cli.officer:checkin",
    "ack": "planengine.cli.officer:ack",
    "decide": "planengine.cli.officer:decide",
    "set": "planengine.cli.officer:set_",
    "event": "planengine.cli.officer:event",
    "note": "planengine.cli.officer:note",
    "close": "planengine.cli.officer:close",
    "waive": "planengine.cli.officer:waive",
    "reopen": "planengine.cli.officer:reopen",
    "tick": "planengine.cli.officer:tick",
    "watch": "planengine.cli.watch:watch",
    "status": "planengine.cli.status:status",
    "log": "planengine.cli.auditor:log",
    "verify": "planengine.cli.auditor:verify",
    "drill": "planengine.cli.drills:drill",
    "replay": "planengine.cli.auditor:replay",
    "report": "planengine.cli.reports:report",
    "use": "planengine.cli.officer:use",
    "user": "planengine.cli.admin:user",
    "serve": "planengine.cli.admin:serve",
    "schedule": "planengine.cli.routine:schedule",
    "roster": "planengine.cli.routine:roster",
    "assign": "planengine.cli.routine:assign",
    "transfer": "planengine.cli.routine:transfer",
}


def _argv_lang():
    """--lang as typed (help is built before options are parsed)."""
    argv = sys.argv[1:]
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return None


def localize(cmd, name):
    """Say a command's help in the user's language (catalogue keys help.NAME and help.opt.OPTION),
    when its help is shown: running a command never loads the catalogue for its help."""
    params = getattr(cmd, "params", None)
    if params and any(p.name != "ui_lang" and "--lang" in getattr(p, "opts", ()) for p in params):
        cmd.params = [p for p in params if p.name != "ui_lang"]  # a command's own --lang (plan report) wins
    if "get_help_option" not in vars(cmd):
        cmd.get_help_option = functools.partial(_help_option, cmd)
    if "format_help" not in vars(cmd):  # once per command object: each showing says it afresh
        shown, short = cmd.format_help, cmd.get_short_help_str

        def format_help(ctx, formatter):
            _help_texts(cmd, name)
            return shown(ctx, formatter)

        def get_short_help_str(limit=45):
            _help_texts(cmd, name)
            return short(limit)

        cmd.format_help, cmd.get_short_help_str = format_help, get_short_help_str
    if isinstance(cmd, click.Group) and "get_command" not in vars(cmd):  # `plan drill run --help` too
        found = cmd.get_command

        def get_command(ctx, sub):
            subcmd = found(ctx, sub)
            return localize(subcmd, f"{name}.{sub}") if subcmd is not None else None

        cmd.get_command = get_command
    return cmd


def _help_texts(cmd, name):
    """``name``: the command's catalogue name (``drill.run`` for a subcommand). An option's help is
    ``help.opt.NAME.OPTION``, or the shared ``help.opt.OPTION`` where the option's own text is the
    shared one (a command's `--at` that means something else keeps its meaning)."""
    from planengine import i18n

    lang = i18n.current(_argv_lang())
    if i18n.has(f"help.{name}"):
        cmd.help = i18n.t(f"help.{name}", lang)
    for p in getattr(cmd, "params", ()):
        if not isinstance(p, click.Option):
            continue
        own = vars(p).setdefault("_help_en", p.help)  # the text written beside the option
        if i18n.has(f"help.opt.{name}.{p.name}"):
            p.help = i18n.t(f"help.opt.{name}.{p.name}", lang)
        elif i18n.has(f"help.opt.{p.name}") and i18n.t(f"help.opt.{p.name}", "en") == own:
            p.help = i18n.t(f"help.opt.{p.name}", lang)  # a shared text (--db, --json, --at ...)
        else:
            p.help = own  # the options of `common` are one object for every command: say its own text


def _show_help(ctx, param, value):
    if value and not ctx.resilient_parsing:
        click.echo(ctx.get_help(), color=ctx.color)
        ctx.exit()


_HELP_OPTIONS: dict = {}  # option names -> the help option of every command that has these


def _help_option(cmd, ctx):
    """click's Command.get_help_option, its option made with its text given. click's own (and
    click.version_option) asks gettext to translate the text each time, which imports locale
    and looks on disk for a catalogue click does not ship: a tenth of what `plan status INC`
    costs above bare Python and click. One option for all commands: it keeps nothing of its
    command (the same object for a command every time, as click's ordering of eager options needs)."""
    names = cmd.get_help_option_names(ctx)
    if not names or not cmd.add_help_option:
        return None
    option = _HELP_OPTIONS.get(tuple(names))
    if option is None:
        option = _HELP_OPTIONS[tuple(names)] = click.Option(
            [*names, "plan_help"],
            is_flag=True,
            expose_value=False,
            is_eager=True,
            callback=_show_help,
            help="Show this message and exit.",
        )
    return option


class LazyGroup(click.Group):
    """click's documented lazy-subcommand pattern."""

    def get_help_option(self, ctx):
        return _help_option(self, ctx)

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return localize(getattr(importlib.import_module(module), attr), name)


def _show_version(ctx, param, value):
    if value and not ctx.resilient_parsing:
        click.echo(f"planengine, version {__version__}", color=ctx.color)
        ctx.exit()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(  # click.version_option's option, with its text given (see _help_option)
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and exit.",
)
def cli():
    """Run emergency plans and drills as YAML state machines."""
    from planengine import i18n

    i18n.choose(None)  # a command's --lang chooses again; `plan CMD --help` may end before it does

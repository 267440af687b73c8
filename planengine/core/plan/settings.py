"""Local figures: values a plan declares under `settings:` with a default and its source,
that a centre may set otherwise in planengine.yaml (`settings: {PLAN: {NAME: VALUE}}`,
or `settings: {all: {NAME: VALUE}}` for every plan declaring NAME).

A plan uses one as a whole value, never inside an expression: `within: {setting: NAME}`
(a duration or {day, night}), a plain duration (`after:` of a phase timer or an `overdue`
link, `repeat:`, `remind:`) or a check or action argument `{setting: NAME}`. The values
in force when an incident starts are recorded in its `started` event (`local_settings`),
and the incident reads them from there, so replay, verify, drills and scores do not
depend on what the configuration says later.
"""

from __future__ import annotations

from planengine.core.plan import durations
from planengine.core.plan.model import Within

ALL = "all"  # planengine.yaml `settings: {all: {...}}`: for every plan that declares the name


def ref(value):
    """The setting a value names (`{setting: NAME}`), or None."""
    if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("setting"), str):
        return value["setting"]
    return None


def within_of(value) -> Within:
    """A duration or {day: D, night: D} as a Within; raises ValueError with a one-line message."""
    if isinstance(value, dict):
        if set(value) != {"day", "night"}:
            raise ValueError("write a duration (10m) or {day: DURATION, night: DURATION}")
        return Within(durations.parse(value["day"]), durations.parse(value["night"]))
    seconds = durations.parse(value)
    return Within(seconds, seconds)


# where a setting stands for a plain duration, and whether that duration must be longer than 0
PLAIN_USES = {"after": False, "overdue.after": False, "repeat": True, "remind": True}


def plain_problem(name, value, uses, line=None) -> str | None:
    """Why ``value`` cannot be setting ``name`` used as the plain durations ``uses`` (keys of
    PLAIN_USES; ``line``: of the use, for the loader), or None: a duration, never {day, night};
    longer than 0 for `repeat:` and `remind:`."""
    where = " and ".join(f"`{u}:`" for u in uses) + (f" (line {line})" if line else "")
    if isinstance(value, dict):
        why = "only `within:` takes {day, night}" if set(value) == {"day", "night"} else "not a mapping"
        return f"setting '{name}' is used as {where}: write one duration (e.g. 30m); {why}"
    try:
        span = durations.parse(value)
    except ValueError as e:
        return f"setting '{name}' is used as {where}: {e}"
    positive = [u for u in uses if PLAIN_USES.get(u)]
    if span <= 0 and positive:
        what = "it" if len(uses) == 1 else f"`{positive[0]}:`"
        return f"setting '{name}' is used as {where}: {what} needs a duration longer than 0"
    return None


def seconds(plan, recorded, name, default) -> int:
    """A plain duration counted by setting ``name`` for an incident, in seconds: the value recorded
    when it started (else the plan's ``default``, which the loader checked)."""
    try:
        return durations.parse(value(plan, recorded, name))
    except ValueError:  # not reachable with values checked at start; the plan's default then
        return default


def _kind(value) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "empty"


def problem(setting, value):
    """Why ``value`` cannot stand for ``setting`` (None when it can): a duration where the plan
    uses a duration, otherwise the default's kind (a mapping's known keys keep their kind)."""
    if setting.plain:
        why = plain_problem(setting.id, value, setting.plain)
        if why:
            return why
    if setting.duration:
        try:
            within_of(value)
        except ValueError as e:
            return f"setting '{setting.id}' is a time limit: {e}"
    if setting.plain or setting.duration:
        return None
    want, got = _kind(setting.default), _kind(value)
    if want != got:
        return f"setting '{setting.id}' is {want} (default {_short(setting.default)}), not {got}"
    if isinstance(value, dict):
        for k, v in value.items():
            if k in setting.default and _kind(setting.default[k]) != _kind(v):
                return f"setting '{setting.id}': {k} is {_kind(setting.default[k])}, not {_kind(v)}"
    return None


def _short(value) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def effective(plan, config_src) -> dict:
    """{name: {"value": V, "from": "plan" | "site"}} for every setting ``plan`` declares.

    ``config_src`` is planengine.yaml as read (None: no file). A bad `settings:` section
    raises SourceError with planengine.yaml:line:col, naming every problem.
    """
    from planengine.core.plan.source import Problem, SourceError, did_you_mean

    out = {sid: {"value": s.default, "from": "plan"} for sid, s in plan.settings.items()}
    data = config_src.data if config_src is not None else {}
    section = data.get("settings") if isinstance(data, dict) else None
    if section is None:
        return out
    problems = []
    where: dict = {}  # name -> the section (`all` or the plan's id) its site value comes from

    def err(path, message, key=False):
        line, col = config_src.pos(path, key=key)
        problems.append(Problem(config_src.file, line, col, message))

    if not isinstance(section, dict):
        err(
            ("settings",),
            "settings: map a plan id (or `all`) to its local figures, e.g. `mass_petition: {immediate: 5m}`",
        )
        raise SourceError(problems)
    for scope in (ALL, plan.id):  # the plan's own section wins
        values = section.get(scope)
        if values is None:
            continue
        if not isinstance(values, dict):
            err(("settings", scope), f"settings: {scope}: write NAME: VALUE pairs, e.g. `immediate: 5m`")
            continue
        for name, value in values.items():
            setting = plan.settings.get(name)
            if setting is None:
                if scope == plan.id:
                    known = list(plan.settings)
                    hint = did_you_mean(str(name), known) or (
                        f" (it declares: {', '.join(known)})" if known else " (it declares none)"
                    )
                    err(("settings", scope, name), f"plan '{plan.id}' declares no setting '{name}'{hint}", key=True)
                continue  # `all:` names figures of other plans too
            why = problem(setting, value)
            if why:
                err(("settings", scope, name), why)
                continue
            out[name] = {"value": value, "from": "site"}
            where[name] = scope
    if not problems:
        told = set()
        for name, message in _early_reminders(plan, out):
            if name not in told:
                told.add(name)
                err(("settings", where[name], name), message)
    if problems:
        raise SourceError(problems)
    return out


def _early_reminders(plan, values):
    """(setting, message) for each reminder the site's values put at or before the moment its step's
    clock starts (the loader refuses the same of the plan's defaults): the setting a site set that
    moved it, the reminder's own or else the limit's."""
    for step in plan.steps():
        within = step.within
        if not step.remind or within is None or within.days is not None:
            continue
        names = step.remind_settings or (None,) * len(step.remind)
        if within.setting is None and not any(names):
            continue
        if within.setting is not None and within.setting in values:
            within = within_of(values[within.setting]["value"])
        limit = min(within.day, within.night)
        for default, name in zip(step.remind, names):
            before = durations.parse(values[name]["value"]) if name in values else default
            if before < limit:
                continue
            moved = [n for n in (name, step.within.setting) if n is not None and values[n]["from"] == "site"]
            if moved:
                span, ahead = durations.format(limit), durations.format(before)
                yield (
                    moved[0],
                    (
                        f"setting '{moved[0]}': step '{step.id}' has a limit of {span}, so a reminder {ahead}"
                        " before its deadline would come before its clock starts"
                    ),
                )
                break


def value(plan, recorded, name):
    """A setting's value for an incident: as recorded when it started, else the plan's default."""
    if recorded and name in recorded:
        return recorded[name]["value"]
    s = plan.settings.get(name)
    return s.default if s is not None else None


def resolve(obj, plan, recorded):
    """``obj`` (check or action arguments) with every `{setting: NAME}` replaced by its value."""
    name = ref(obj)
    if name is not None:
        return value(plan, recorded, name)
    if isinstance(obj, dict):
        return {k: resolve(v, plan, recorded) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(resolve(v, plan, recorded) for v in obj)
    return obj


def uses_settings(args) -> bool:
    """Whether frozen arguments ((key, value), ...) name a setting anywhere."""

    def walk(obj):
        if ref(obj) is not None:
            return True
        if isinstance(obj, dict):
            return any(walk(v) for v in obj.values())
        if isinstance(obj, (list, tuple)):
            return any(walk(v) for v in obj)
        return False

    return any(walk(v) for _, v in args)

"""The site's delivery configuration (planengine.yaml `notifiers:`, `routes:`, `people:`), checked in full.

Checked when a command first needs it (`plan tick`, `plan watch`), before
anything is claimed or sent; every problem is reported as
``planengine.yaml:line:col: error: ...``. ``*_env`` keys name environment
variables that hold the value (secrets, robot URLs); their values never appear
in messages, logs or errors.
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass, field

from planengine.notifiers.base import DEFAULT_TIMEOUT, EMAIL, PHONE, ChannelConfigError

GENERIC = ("type", "rate_per_minute")


@dataclass
class Channel:
    name: str
    type: str
    send: object
    rate: tuple | None = None  # (messages, seconds) across every sender
    timeout: float = DEFAULT_TIMEOUT


@dataclass
class Site:
    channels: dict = field(default_factory=dict)  # name -> Channel
    routes: dict = field(default_factory=dict)  # role -> [channel names]
    people: dict = field(default_factory=dict)  # name -> {phone, email}
    secrets: list = field(default_factory=list)  # values read from *_env: scrubbed from every error

    def channels_for(self, role) -> list:
        return list(self.routes.get(role) or ["console"])

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text


def load_site(engine) -> Site:
    """Build every channel of the site configuration; raises SourceError listing every problem."""
    from planengine.core.plan.source import Problem, SourceError, did_you_mean

    src = engine.config_source
    data = src.data if src is not None else {}
    problems = []

    def err(path, message, key=False):
        line, col = src.pos(path, key=key)
        problems.append(Problem(src.file, line, col, message))

    site = Site()
    registry = engine.registry.notifiers
    notifiers = data.get("notifiers")
    if notifiers is None:
        notifiers = {}
    elif not isinstance(notifiers, dict):
        err(("notifiers",), "notifiers: map each channel name to its settings, e.g. `ding: {type: dingtalk, ...}`")
        notifiers = {}
    for name in [n for n in notifiers if not isinstance(n, str)]:  # 1.5: a number, never a channel name
        err(("notifiers", name), f"notifier name {name!r} is not text: routes name channels by text", key=True)
    notifiers = {n: spec for n, spec in notifiers.items() if isinstance(n, str)}
    for name, spec in notifiers.items():
        path = ("notifiers", name)
        if not isinstance(spec, dict):
            err(path, f"notifier '{name}': write its settings as a mapping with a `type:`")
            continue
        kind = spec.get("type")
        if not isinstance(kind, str) or kind not in registry:
            known = sorted(registry)
            if kind is None:
                err(path, f"notifier '{name}' has no `type:` ({', '.join(known)})")
            else:
                hint = did_you_mean(str(kind), known) or f" (known: {', '.join(known)})"
                err(path + ("type",), f"notifier '{name}': unknown type '{kind}'{hint}")
            continue
        channel = _build(name, str(kind), spec, registry[kind].fn, path, err, site)
        if channel is not None:
            site.channels[name] = channel
    if "console" not in site.channels and "console" not in notifiers:
        site.channels["console"] = Channel("console", "console", registry["console"].fn())
    _routes(data, notifiers, engine, err, site)
    _people(data, err, site)
    if problems:
        raise SourceError(sorted(problems, key=lambda p: (p.line, p.col)))
    return site


def _build(name, kind, spec, factory, path, err, site):
    from planengine.core.plan.source import did_you_mean

    params = inspect.signature(factory).parameters
    open_ended = any(p.kind is p.VAR_KEYWORD for p in params.values())
    kwargs, origin, ok = {}, {}, True
    for key, value in spec.items():
        if key in GENERIC:
            continue
        if isinstance(key, str) and key.endswith("_env"):
            arg = key[:-4]
            if not open_ended and arg not in params:
                kwargs[arg], origin[arg] = None, (key, key)  # reported as an unknown key below
                continue
            if arg in spec:
                err(path + (key,), f"notifier '{name}': give either {arg} or {key}, not both", key=True)
                ok = False
                continue
            if not isinstance(value, str) or not value:
                err(path + (key,), f"notifier '{name}': {key} names an environment variable")
                ok = False
                continue
            got = os.environ.get(value)
            if not got:
                err(path + (key,), f"notifier '{name}': environment variable {value} is not set")
                ok = False
                continue
            site.secrets.append(got)
            kwargs[arg], origin[arg] = got, (key, f"{arg} (from {value})")
        else:
            kwargs[key], origin[key] = value, (key, str(key))
    if not open_ended:
        for arg in list(kwargs):
            if arg not in params:
                where = origin[arg][0]
                known = [n for n, p in params.items() if p.kind is not p.VAR_POSITIONAL]
                err(
                    path + (where,),
                    f"notifier '{name}' ({kind}): unknown key '{where}'{did_you_mean(arg, known)}",
                    key=True,
                )
                ok = False
                del kwargs[arg]
        for p in params.values():
            if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD and p.name not in kwargs:
                if f"{p.name}_env" in spec or p.name in spec:
                    continue  # already reported
                err(path, f"notifier '{name}' ({kind}) needs `{p.name}:` (or `{p.name}_env:`)")
                ok = False
    rate = getattr(factory, "rate", None)
    per_minute = spec.get("rate_per_minute")
    if per_minute is not None:
        if not isinstance(per_minute, int) or isinstance(per_minute, bool) or per_minute < 1:
            err(path + ("rate_per_minute",), f"notifier '{name}': rate_per_minute is a whole number of messages")
            ok = False
        else:
            rate = (per_minute, 60)
    if not ok:
        return None
    try:
        send = factory(**kwargs)
    except ChannelConfigError as e:
        key, label = origin.get(e.field, (e.field, e.field))
        err(path + (key,) if key in spec else path, f"notifier '{name}': {label} {e}")
        return None
    except Exception as e:  # a third-party factory: its message, never the values it was given
        err(path, f"notifier '{name}' ({kind}) cannot be set up: {type(e).__name__}")
        return None
    timeout = kwargs.get("timeout", DEFAULT_TIMEOUT)
    timeout = float(timeout) if isinstance(timeout, (int, float)) else DEFAULT_TIMEOUT
    return Channel(name, kind, send, getattr(send, "rate", None) if per_minute is None else rate, timeout)


def _routes(data, notifiers, engine, err, site):
    from planengine.core.plan.source import did_you_mean

    routes = data.get("routes")
    if routes is None:
        return
    if not isinstance(routes, dict):
        err(("routes",), "routes: map each plan role to notifier names, e.g. `leader: [ding, mail]`")
        return
    known_channels = sorted(set(notifiers) | {"console"})
    roles = None
    for role, names in routes.items():
        path = ("routes", role)
        if roles is None:
            roles = engine.known_roles()
        if str(role) not in roles:
            hint = did_you_mean(str(role), sorted(roles)) or " (no plan on the plan path has this role)"
            err(path, f"route for unknown role '{role}'{hint}", key=True)
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not names:
            err(path, f"routes.{role}: a list of notifier names, e.g. [ding, mail]")
            continue
        ok = []
        for i, ch in enumerate(names):
            if ch not in known_channels:
                hint = did_you_mean(str(ch), known_channels) or f" (notifiers: {', '.join(known_channels)})"
                err(path + (i,) if isinstance(routes[role], list) else path, f"route to unknown notifier '{ch}'{hint}")
            elif ch not in ok:
                ok.append(ch)
        site.routes[str(role)] = ok


def _people(data, err, site):
    people = data.get("people")
    if people is None:
        return
    if not isinstance(people, dict):
        err(("people",), "people: map each person's name to {phone, email}")
        return
    for name, info in people.items():
        path = ("people", name)
        if not isinstance(info, dict):
            err(path, f"people.{name}: write {{phone: ..., email: ...}}")
            continue
        entry = {}
        for key, value in info.items():
            if key == "email":
                if not isinstance(value, str) or not EMAIL.match(value):
                    err(path + ("email",), f"{name}: email is not an email address")
                    continue
                entry["email"] = value
            elif key == "phone":
                if not PHONE.match(str(value)):
                    err(path + ("phone",), f"{name}: phone is not a phone number (digits, optional +)")
                    continue
                entry["phone"] = str(value)
            else:
                err(path + (key,), f"{name}: unknown key '{key}' (phone, email)", key=True)
        site.people[str(name)] = entry

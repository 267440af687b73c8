"""Interface text in the user's language: zh or en.

The language is, in order: ``--lang``, ``PLANENGINE_LANG``, the site
configuration's ``lang:``, then zh. Messages live in one catalogue
(:mod:`planengine.i18n.catalogue`), every one in both languages. Refusals
raised by the core carry an English template and parameters
(``Refused("step '{step}' is already {status}", ...)``); :func:`say` finds the
template in the catalogue and says it in the user's language.
"""

from __future__ import annotations

import os

LANGS = ("zh", "en")
DEFAULT = "zh"

_chosen: str | None = None  # --lang of this invocation
_config_lang = None  # a callable giving the site configuration's lang:, read only when needed

_messages = None  # the catalogue, imported when the first message is needed (`plan status --json` needs none)
_by_template: dict = {}  # English template -> key, for refusals raised by the core


def _catalogue() -> dict:
    global _messages, _by_template
    if _messages is None:
        from planengine.i18n.catalogue import MESSAGES

        _by_template = {m["en"]: k for k, m in MESSAGES.items()}
        _messages = MESSAGES
    return _messages


def __getattr__(name):
    if name == "MESSAGES":
        return _catalogue()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def choose(lang=None, config_lang=None) -> None:
    """Set this process's language choice (``--lang``) and where to read the site's ``lang:``."""
    global _chosen, _config_lang
    _chosen = lang if lang in LANGS else None
    _config_lang = config_lang


def use_site(config_lang) -> None:
    """Where to read the site configuration's ``lang:`` (a callable, called only when a message is needed)."""
    global _config_lang
    _config_lang = config_lang


def current(lang=None) -> str:
    if lang in LANGS:
        return lang
    if _chosen:
        return _chosen
    env = os.environ.get("PLANENGINE_LANG", "").strip().lower()[:2]
    if env in LANGS:
        return env
    if _config_lang is not None:
        try:
            site = _config_lang()
        except Exception:  # a broken configuration is reported by the command that reads it
            site = None
        if site in LANGS:
            return site
    return DEFAULT


def t(key: str, lang=None, **params) -> str:
    """The message ``key`` in ``lang`` (or the current language), filled with ``params``."""
    msg = _catalogue()[key][current(lang)]
    return msg.format(**params) if params else msg


def has(key: str) -> bool:
    return key in _catalogue()


def say(exc, lang=None) -> str:
    """An exception's message in the user's language (its English text when it is not in the catalogue)."""
    template = getattr(exc, "template", None)
    _catalogue()
    key = _by_template.get(template) if template else _by_template.get(str(exc))
    if key is None:
        return str(exc)
    params = getattr(exc, "params", None) or {}
    lang = current(lang)
    if lang == "zh":
        params = {k: _zh_value(v) for k, v in params.items()}
    try:
        return t(key, lang, **params)
    except (KeyError, IndexError, ValueError):
        return str(exc)


_STATUS_ZH = {"done": "完成", "late": "完成（超时）", "overdue": "逾期", "skipped": "跳过", "waived": "豁免"}


def _zh_value(v):
    if isinstance(v, str) and v in _STATUS_ZH:
        return _STATUS_ZH[v]
    if isinstance(v, str) and v.startswith(" (did you mean"):
        return v.replace(" (did you mean", "（是否想写").replace("?)", "？）")
    return v


# -- values as people read them ---------------------------------------------------

ROMAN = {"I": "Ⅰ", "II": "Ⅱ", "III": "Ⅲ", "IV": "Ⅳ", "V": "Ⅴ"}


def level_title(level, lang=None) -> str:
    """``III`` -> ``Ⅲ级`` (zh) or ``Level III`` (en); other level names as they are."""
    if level is None:
        return ""
    if current(lang) == "zh":
        return f"{ROMAN.get(level, level)}级"
    return f"Level {level}"


def yes_no(value, lang=None) -> str:
    return t("value.yes" if value else "value.no", lang)


def value(v, lang=None) -> str:
    """A fact's value: 是/否 for booleans, numbers and text as they are."""
    if isinstance(v, bool):
        return yes_no(v, lang)
    if v is None:
        return "—"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def status_label(status, lang=None) -> str:
    return t(f"status.{status}", lang) if has(f"status.{status}") else status


__all__ = [
    "LANGS",
    "MESSAGES",
    "choose",
    "current",
    "has",
    "level_title",
    "say",
    "status_label",
    "t",
    "value",
    "yes_no",
]

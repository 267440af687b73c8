"""Patterns compiled on first use behave as compiled ones."""

from __future__ import annotations

import re

import pytest

from planengine.core.patterns import lazy


def test_a_lazy_pattern_matches_as_the_compiled_one_and_compiles_once(monkeypatch):
    compiled = []
    real = re.compile
    monkeypatch.setattr(re, "compile", lambda *a: compiled.append(a) or real(*a))
    p = lazy(r"[+-]?[0-9]+", re.ASCII)
    assert compiled == [], "nothing compiled before the first use"
    assert p.fullmatch("-12") is not None and p.fullmatch("１２") is None  # ASCII digits only
    assert p.match("3a").group() == "3" and p.search("x7").group() == "7"
    assert p.sub("#", "a1b22") == "a#b#" and p.findall("1 2") == ["1", "2"]
    assert len(compiled) == 1


def test_a_lazy_pattern_has_no_other_attributes():
    with pytest.raises(AttributeError):
        lazy("x").groups  # noqa: B018

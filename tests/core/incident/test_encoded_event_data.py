"""The text the runner keeps for an event's data is exactly what the store would encode (the hash chain's form)."""

from __future__ import annotations

import glob
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planengine import testing
from planengine.core.drill.run import run_drill
from planengine.core.drill.script import load_drill
from planengine.core.engine import Engine
from planengine.core.incident.encoded import Template
from planengine.core.incident.runner import Runner
from planengine.core.store.chain import canonical

ROOT = Path(__file__).resolve().parents[3]
BUNDLED = ("flood", "forest_fire", "mass_petition")

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner))


@given(st.dictionaries(st.text(max_size=6), values, min_size=1, max_size=8), st.data())
def test_a_template_renders_what_canonical_encodes(data, draw):
    slots = tuple(draw.draw(st.lists(st.sampled_from(sorted(data)), unique=True, max_size=len(data))))
    template = Template(data, slots)
    fresh = {k: draw.draw(values) for k in slots}
    text = template.render(*(fresh[k] for k in slots))
    if text is not None:  # None: the fixed values hold the marker's NUL, the caller encodes the dict
        assert text == canonical(dict(data, **fresh))
    else:  # it gives up only when the text of the fixed values holds the marker's escape
        assert "\\u0000" in canonical(data)


def test_fixed_values_holding_the_marker_make_the_template_give_up():
    assert Template({"a": "\x000\x00", "b": 1}, ("b",)).render(2) is None


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(ROOT, "drills", "*.yaml"))))
def test_every_event_text_the_runner_keeps_is_the_canonical_encoding_of_its_data(path, tmp_path, monkeypatch):
    testing.isolate(monkeypatch, tmp_path, load_plugins=",".join(BUNDLED))
    seen = []
    execute = Runner.execute

    def recording(self, state, cmd):
        events = execute(self, state, cmd)
        seen.extend(events)
        return events

    monkeypatch.setattr(Runner, "execute", recording)
    eng = Engine(db=str(tmp_path / "d.db"), plans=str(ROOT / "plans"))
    run_drill(eng, load_drill(path, eng), incident_id="DRL-1")
    kept = [ev for ev in seen if "data_json" in ev]
    assert kept, "the runner kept the text of some events"
    for ev in kept:
        assert ev["data_json"] == canonical(ev["data"]), ev

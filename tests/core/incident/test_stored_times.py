"""A time given exactly as the log stores it (``2026-03-05T02:00:00Z``) is taken as it is; any
other text is read as a person's time (parse_user_time), which may refuse it."""

from __future__ import annotations

import re
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from planengine.core.incident.clock import MAX_YEAR, MIN_YEAR, stored_form

_FORM = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
VALID = "2026-03-05T02:00:00Z"


def _reference(value):
    """The stored form by its definition: the pattern, a real date and time, a year we accept."""
    if not isinstance(value, str) or not _FORM.fullmatch(value):
        return None
    try:
        year = datetime.fromisoformat(value[:-1]).year
    except ValueError:
        return None
    return value if MIN_YEAR <= year <= MAX_YEAR else None


def test_the_stored_form_and_its_near_misses():
    assert stored_form(VALID) == VALID
    for value in (
        "1970-01-01T00:00:00Z",
        "2999-12-31T23:59:59Z",
        "2024-02-29T12:00:00Z",
    ):
        assert stored_form(value) == value
    for value in (
        "1969-12-31T23:59:59Z",  # years parse_user_time refuses
        "3000-01-01T00:00:00Z",
        "2026-02-29T12:00:00Z",  # no such day
        "2026-13-01T00:00:00Z",
        "2026-03-05T24:00:00Z",
        "2026-03-05T23:60:00Z",
        "2026-W10-4T02:00:00Z",  # an ISO week date fromisoformat reads
        "2026-03-05 02:00:00Z",
        "2026-03-05T02:00:00+",
        "٢٠٢٦-03-05T02:00:00Z",  # digits, but not ASCII ones
        "2026-03-05T02:00:00",
        "2026-03-05T02:00:00.0Z",
        None,
        20260305,
    ):
        assert stored_form(value) is None, value


@given(
    st.lists(
        st.tuples(st.integers(0, len(VALID) - 1), st.sampled_from([*map(chr, range(128)), "٢", "０", "²", "é"])),
        min_size=1,
        max_size=3,
    )
)
def test_any_edit_of_a_stored_time_is_taken_exactly_when_the_definition_takes_it(edits):
    value = list(VALID)
    for i, c in edits:
        value[i] = c
    value = "".join(value)
    assert stored_form(value) == _reference(value)

"""Property: any canonical frame of a built-in instrument round-trips exactly through every format.

Random valid codes (excluded ones too), nulls, unicode text (no NUL; no U+FFFE/U+FFFF, which XLSX
refuses), finite weights, waves as Int64 or String. What each format gives back is
``test_writers.expected``: everything, but for SPSS's blank-padded strings.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_writers import assert_round_trip

from collabstate.dataset import FORMATS, KIND_DTYPES, Responses, write_responses
from collabstate.dataset._spss import SYSTEM_MISSING
from collabstate.instrument import DESIGN_COLUMNS, load_instrument

INSTRUMENTS = {name: load_instrument(name) for name in ("readiness-2018", "leaders")}
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00\ufffe\uffff"), max_size=24)
WEIGHT = st.floats(allow_nan=False, allow_infinity=False)
INT_WAVE = st.integers(-(2**53) + 1, 2**53 - 1)
# A text wave that is not a whole number, or CSV could not tell it from an Int64 wave.
TEXT_WAVE = st.builds(lambda a, b: a + b, st.sampled_from(["W", "wave ", "2024-"]), TEXT)


def _values(column) -> st.SearchStrategy:
    if column.kind == "code":
        return st.sampled_from([c.code for c in column.choices])
    if column.kind == "flag":
        return st.sampled_from([0, 1])
    if column.kind == "text":
        return TEXT
    return WEIGHT


@st.composite
def responses(draw, name: str) -> Responses:
    instrument = INSTRUMENTS[name]
    n = draw(st.integers(0, 5))

    def column(values: st.SearchStrategy) -> list:
        return draw(st.lists(st.none() | values, min_size=n, max_size=n))

    frame: dict[str, pl.Series] = {}
    for name in draw(st.sets(st.sampled_from(DESIGN_COLUMNS))):
        if name == "wave":
            if draw(st.booleans()):
                frame[name] = pl.Series(column(TEXT_WAVE), dtype=pl.String)
            else:
                frame[name] = pl.Series(column(INT_WAVE), dtype=pl.Int64)
        elif name == "weight":
            frame[name] = pl.Series(column(WEIGHT), dtype=pl.Float64)
        else:
            frame[name] = pl.Series(column(TEXT), dtype=pl.String)
    # Most columns of a real file are sparse: draw a subset, leave the rest unanswered.
    chosen = draw(st.sets(st.sampled_from(range(len(instrument.columns))), min_size=1, max_size=25))
    for c in (instrument.columns[i] for i in sorted(chosen)):
        frame[c.name] = pl.Series(column(_values(c)), dtype=KIND_DTYPES[c.kind])
    return Responses(instrument, pl.DataFrame(frame, height=n))


@pytest.mark.parametrize("name", sorted(INSTRUMENTS))
@pytest.mark.parametrize("fmt", FORMATS)
def test_any_responses_round_trip(fmt, name):
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(responses(name))
    def check(r: Responses) -> None:
        # SPSS reads ±DBL_MAX and LOWEST as system-missing: its writer refuses them (test_writers).
        floats = {v for c in r.data.select(pl.col(pl.Float64)).iter_columns() for v in c.drop_nulls()}
        assume(fmt != "sav" or not floats & set(SYSTEM_MISSING))
        with tempfile.TemporaryDirectory() as folder:
            assert_round_trip(r, write_responses(r, Path(folder) / f"r.{fmt}"))

    check()

"""Properties of every reader: whatever the input, the outcome is a Validation (whose parts agree
with each other) or a ResponsesError, never another exception; and valid data read back whole."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pandas as pd
import polars as pl
import pyreadstat
import xlsxwriter
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from collabstate.dataset import Responses, ResponsesError, Validation, read_responses
from collabstate.dataset.responses import canonical_schema
from collabstate.instrument import DESIGN_COLUMNS, load_instrument

LEADERS = load_instrument("leaders")
READINESS = load_instrument("readiness-2018")
INSTRUMENTS = {"leaders": LEADERS, "readiness-2018": READINESS}
FILES = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

words = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


# --- what a near-valid file holds ---------------------------------------------------------------


def _cased(label: str) -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from([str, str.lower, str.upper]), st.sampled_from(["", " ", "  "])).map(
        lambda t: f"{t[1]}{t[0](label)}{t[1]}"
    )


def cell(column) -> st.SearchStrategy[str]:
    junk = st.one_of(st.just(""), words, st.integers(-5, 15).map(str), st.sampled_from(["1.0", "nan", "-0", "1e1"]))
    if column.kind == "code":
        good = st.one_of(
            st.sampled_from([str(c.code) for c in column.choices]),
            st.sampled_from([c.label for c in column.choices]).flatmap(_cased),
        )
    elif column.kind == "flag":
        good = st.sampled_from(["0", "1", "", "true", "FALSE", " yes", "no", "1.0", "2"])
    elif column.kind == "text":
        good = words
    else:
        good = st.floats(allow_nan=True).map(str)
    return st.one_of(good, good, good, junk)


def design_cell(name: str) -> st.SearchStrategy[str]:
    if name == "weight":
        return st.one_of(st.floats(-2, 5).map(lambda x: f"{x:.3f}"), st.sampled_from(["", "0", "abc", "1"]))
    if name == "wave":
        return st.sampled_from(["2024", "2025", "", "2024.0", "w1"])
    return st.one_of(st.sampled_from(["a", "b", "c", ""]), words)


def _heading(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from([name, name.upper(), f" {name} ", name.replace("/", ".")])


@st.composite
def near_valid(draw) -> tuple[str, list[str], list[list[str]]]:
    """An instrument, a header of some of its columns (and maybe strangers), and rows."""
    instrument_id = draw(st.sampled_from(sorted(INSTRUMENTS)))
    instrument = INSTRUMENTS[instrument_id]
    columns = draw(st.lists(st.sampled_from(instrument.columns), min_size=1, max_size=12, unique_by=lambda c: c.name))
    design = draw(st.lists(st.sampled_from(DESIGN_COLUMNS), max_size=3, unique=True))
    strangers = draw(st.lists(st.sampled_from(["notes", "Sectr", "", "id", "row"]), max_size=2, unique=True))
    header = [*design, *(c.name for c in columns), *strangers]
    cells = [design_cell(d) for d in design] + [cell(c) for c in columns] + [words for _ in strangers]
    rows = draw(st.lists(st.tuples(*cells).map(list), max_size=12))
    shown = [draw(_heading(h)) for h in header]
    return instrument_id, shown, rows


def check(v: Validation, instrument_id: str) -> None:
    """The parts of a Validation agree with each other."""
    assert isinstance(v, Validation)
    instrument = INSTRUMENTS[instrument_id]
    assert v.n_read == v.responses.n + v.rejected.height
    assert v.ok == (v.n_problems == 0) and len(v.problems) <= v.n_problems
    rows = [p.row for p in v.problems]
    file_level = [r for r in rows if r is None]
    assert rows[: len(file_level)] == file_level and rows[len(file_level) :] == sorted(rows[len(file_level) :])
    assert {p.row for p in v.problems if p.row is not None} == set(v.rejected["row"].to_list())
    assert v.rejected.columns[0] == "row" and v.rejected.columns[-1] == "problems"
    assert all(dtype == pl.String for dtype in v.rejected.schema.dtypes()[1:])
    for text, row in zip(v.rejected["problems"], v.rejected["row"]):
        assert f", row {row}, " in text
    for p in v.problems:
        assert str(p).startswith(v.file)
    schema = canonical_schema(instrument, v.responses.design_columns)
    if "wave" in schema and v.responses.data.schema["wave"] == pl.String:
        schema["wave"] = pl.String()
    assert dict(v.responses.data.schema) == schema
    data = v.responses.data
    flags = [c.name for c in instrument.columns if c.kind == "flag"]
    if flags and data.height:
        assert data.select(pl.col(flags).is_in([0, 1]).fill_null(True).all()).row(0) == tuple([True] * len(flags))
    if "weight" in data.columns and data.height:
        assert (data["weight"] > 0).all()


def attempt(source, instrument_id: str = "leaders", **kw) -> None:
    try:
        v = read_responses(source, INSTRUMENTS[instrument_id], **kw)
    except ResponsesError as exc:
        assert str(exc)
        event("ResponsesError")
        return
    event("Validation, ok" if v.ok else "Validation with problems")
    check(v, instrument_id)


def write_text_csv(path: Path, header: list[str], rows: list[list[str]], sep: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


# --- CSV -----------------------------------------------------------------------------------------


@FAST
@given(st.binary(max_size=400))
def test_csv_any_bytes(content):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "junk.csv"
        path.write_bytes(content)
        attempt(path)


@FAST
@given(
    st.lists(st.lists(st.sampled_from(["sector", "role", "1", "", '"', "a b", "é", "\r", ";", "\t", "9"]), max_size=6), max_size=8),
    st.sampled_from([",", ";", "\t"]),
)
def test_csv_text_junk(lines, sep):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "junk.csv"
        path.write_text("\n".join(sep.join(line) for line in lines), encoding="utf-8")
        attempt(path)


@FILES
@given(near_valid(), st.sampled_from([",", ";", "\t"]), st.booleans())
def test_csv_near_valid(data, sep, bom):
    instrument_id, header, rows = data
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "near.csv"
        write_text_csv(path, header, rows, sep)
        if bom:
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
        attempt(path, instrument_id)


@st.composite
def valid_frames(draw) -> pl.DataFrame:
    """Canonical leaders data that break no rule: no skip logic, no exclusive option."""
    names = [c for c in LEADERS.columns if c.condition is None and c.question.id not in ("org_support",)]
    n = draw(st.integers(0, 8))
    data: dict[str, list] = {
        "respondent_id": [f"R{i}" for i in range(n)],
        "weight": draw(st.lists(st.floats(0.01, 100), min_size=n, max_size=n)),
    }
    answered = {q: draw(st.lists(st.booleans(), min_size=n, max_size=n)) for q in LEADERS.multiple}
    for c in names:
        if c.kind == "code":
            data[c.name] = draw(st.lists(st.one_of(st.none(), st.sampled_from([x.code for x in c.choices])), min_size=n, max_size=n))
        elif c.kind == "flag":
            ticks = draw(st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n))
            data[c.name] = [t if a else None for t, a in zip(ticks, answered[c.question.id])]
        elif c.kind == "text":
            data[c.name] = draw(st.lists(st.one_of(st.none(), words.filter(lambda s: s.strip() != "")), min_size=n, max_size=n))
    return Responses(LEADERS, pl.DataFrame(data, schema_overrides={"weight": pl.Float64}, strict=False)).data


@FILES
@given(valid_frames())
def test_csv_valid_data_reads_back_whole(frame):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "valid.csv"
        frame.write_csv(path)
        v = read_responses(path, LEADERS)
        assert v.ok, [str(p) for p in v.problems[:3]]
        assert_frame_equal(v.responses.data, frame)


# --- XLSX ----------------------------------------------------------------------------------------

xlsx_values = st.one_of(
    st.none(),
    st.integers(-3, 12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    words.map(lambda s: s.replace("\r", "")),
)


@FILES
@given(st.sampled_from(sorted(INSTRUMENTS)), st.data())
def test_xlsx_near_valid(instrument_id, data):
    instrument = INSTRUMENTS[instrument_id]
    header = data.draw(
        st.lists(st.sampled_from([c.name for c in instrument.columns] + ["weight", "junk"]), min_size=1, max_size=8, unique=True)
    )
    rows = data.draw(st.lists(st.lists(xlsx_values, min_size=len(header), max_size=len(header)), max_size=8))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "near.xlsx"
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("S")
        sheet.write_row(0, 0, header)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
        book.close()
        attempt(path, instrument_id)


@FAST
@given(st.binary(max_size=300), st.sampled_from(["junk.xlsx", "junk.sav", "junk.parquet", "junk.tsv"]))
def test_other_formats_any_bytes(content, name):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(b"PK\x03\x04" + content if name.endswith(".xlsx") else content)
        attempt(path)


# --- SPSS .sav -----------------------------------------------------------------------------------


@FILES
@given(st.sampled_from(sorted(INSTRUMENTS)), st.data())
def test_sav_near_valid(instrument_id, data):
    instrument = INSTRUMENTS[instrument_id]
    names = data.draw(
        st.lists(
            st.sampled_from([c.name.replace("/", ".") for c in instrument.columns] + ["weight", "wave"]),
            min_size=1,
            max_size=8,
            unique=True,
        )
    )
    n = data.draw(st.integers(0, 6))
    columns = {}
    for name in names:
        if data.draw(st.booleans()):
            columns[name] = data.draw(
                st.lists(st.one_of(st.none(), st.integers(-2, 12).map(float), st.floats(-5, 5)), min_size=n, max_size=n)
            )
        else:
            columns[name] = data.draw(st.lists(st.sampled_from(["1", "2", "", "Public", "x", "yes"]), min_size=n, max_size=n))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "near.sav"
        pyreadstat.write_sav(pd.DataFrame(columns), str(path))
        attempt(path, instrument_id)


# --- Parquet and frames --------------------------------------------------------------------------


def column_values(n: int) -> st.SearchStrategy[pl.Series]:
    return st.one_of(
        st.lists(st.one_of(st.none(), st.integers(-3, 12)), min_size=n, max_size=n).map(lambda v: pl.Series(v, dtype=pl.Int64)),
        st.lists(st.one_of(st.none(), st.floats()), min_size=n, max_size=n).map(lambda v: pl.Series(v, dtype=pl.Float64)),
        st.lists(st.one_of(st.none(), st.booleans()), min_size=n, max_size=n).map(lambda v: pl.Series(v, dtype=pl.Boolean)),
        st.lists(st.one_of(st.none(), words), min_size=n, max_size=n).map(lambda v: pl.Series(v, dtype=pl.String)),
        st.lists(st.sampled_from(["Public", "Private", "x"]), min_size=n, max_size=n).map(lambda v: pl.Series(v, dtype=pl.Categorical)),
    )


@st.composite
def frames(draw) -> pl.DataFrame:
    n = draw(st.integers(0, 6))
    names = draw(
        st.lists(
            st.one_of(st.sampled_from([c.name for c in LEADERS.columns] + list(DESIGN_COLUMNS)), words),
            min_size=1,
            max_size=7,
            unique_by=lambda s: s.strip().lower().replace(".", "/"),
        )
    )
    return pl.DataFrame([draw(column_values(n)).alias(name) for name in names])


@FILES
@given(frames())
def test_parquet_any_frame(frame):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.parquet"
        frame.write_parquet(path)
        attempt(path)


@FAST
@given(frames())
def test_polars_frames(frame):
    attempt(frame)


@FAST
@given(frames())
def test_pandas_frames(frame):
    attempt(frame.to_pandas())


@FAST
@given(
    st.lists(st.one_of(st.none(), st.integers(), st.floats(), words, st.booleans()), min_size=1, max_size=6),
    st.lists(st.one_of(words, st.integers()), min_size=1, max_size=3),
)
def test_pandas_mixed_object_columns(values, names):
    frame = pd.DataFrame(dict.fromkeys(names, values))
    frame["sector"] = values
    attempt(frame)

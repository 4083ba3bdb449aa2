"""Writers: every format written for both built-in instruments, checked cell by cell, and read back
to the very same responses; the codebook; SPSS labels and user-missing values; the limits."""

from __future__ import annotations

import csv
import re
import struct
import textwrap
from pathlib import Path

import fastexcel
import openpyxl
import polars as pl
import pyreadstat
import pytest
from polars.testing import assert_frame_equal

from collabstate.dataset import FORMATS, Responses, canonical_schema, codebook, write_responses
from collabstate.dataset.csv_text import neutralised
from collabstate.instrument import DESIGN_COLUMNS, Instrument, load_instrument, parse_instrument

READINESS = load_instrument("readiness-2018")
LEADERS = load_instrument("leaders")
TEXTS = [
    "line one\nline two\r\nline three",
    'she said "yes", then left',
    "  leading and trailing  ",
    "007",
    "=1+1",
    "é 漢字 😀 — ünïcödé",
    "_x000D_ and a tab\t and a control \x01",
]
WEIGHTS = [0.1 + 0.2, 1 / 3, 1234.567890123456789, 5e-324]


# --- reading back: the canonical frame from each format, with the libraries directly ------------


def _wave(frame: pl.DataFrame, typed: bool, text: bool) -> pl.DataFrame:
    """The canonical rule for wave: Int64 when every wave is a whole number, otherwise String.
    Parquet and SPSS say which; in CSV whole numbers are whole numbers; in CSV and XLSX a wave
    column with no value at all is Int64."""
    if "wave" not in frame.columns:
        return frame
    wave = frame["wave"]
    if wave.null_count() == frame.height and not typed:  # no wave at all: Int64, vacuously
        return frame.with_columns(pl.col("wave").cast(pl.Int64))
    if wave.dtype == pl.String:
        if not (typed or text) and wave.drop_nulls().str.contains(r"^-?[0-9]+$").all():
            return frame.with_columns(pl.col("wave").cast(pl.Int64))
        return frame
    return frame.with_columns(pl.col("wave").cast(pl.Int64, strict=True))


def read_back(path: Path, instrument: Instrument) -> Responses:
    fmt = path.suffix.lstrip(".")
    header = _header(path, fmt)
    schema = canonical_schema(instrument, [c for c in DESIGN_COLUMNS if c in header])
    if fmt == "csv":
        overrides = {name: (pl.String if name == "wave" else dtype) for name, dtype in schema.items()}
        frame = pl.read_csv(path, schema=overrides)
    elif fmt == "parquet":
        frame = pl.read_parquet(path)
    elif fmt == "xlsx":
        kinds = {pl.String: "string", pl.Float64: "float", pl.Int64: "int", pl.Int8: "int"}
        dtypes = {name: kinds[dtype] for name, dtype in schema.items() if name != "wave"}
        sheet = fastexcel.read_excel(path).load_sheet_by_name("responses", dtypes=dtypes)
        frame = sheet.to_polars()
        # Spreadsheet readers drop trailing empty rows; the writer records how many there are.
        book = openpyxl.load_workbook(path, read_only=True)
        n = book.custom_doc_props["collabstate.respondents"].value
        book.close()
        frame = pl.concat([frame, pl.DataFrame(schema=frame.schema).clear(n - frame.height)])
        if "wave" in frame.columns and frame["wave"].dtype == pl.Null:
            frame = frame.with_columns(pl.col("wave").cast(pl.Int64))
    else:
        frame, meta = pyreadstat.read_sav(str(path), user_missing=True, output_format="polars")
        if meta.readstat_variable_types.get("wave") == "string":  # with no rows, every column is Null
            frame = frame.with_columns(pl.col("wave").cast(pl.String))
        frame = frame.rename({name: name.replace(".", "/") for name in frame.columns})
        frame = frame.with_columns(pl.col(pl.String).replace("", None))
    frame = _wave(frame, typed=fmt in ("parquet", "sav"), text=fmt == "xlsx").with_columns(
        pl.col(name).cast(dtype, strict=True) for name, dtype in schema.items() if name != "wave"
    )
    return Responses(instrument, frame)


def _header(path: Path, fmt: str) -> list[str]:
    if fmt == "csv":
        return pl.read_csv(path, n_rows=0).columns
    if fmt == "parquet":
        return list(pl.read_parquet_schema(path))
    if fmt == "xlsx":
        return fastexcel.read_excel(path).load_sheet_by_name("responses", n_rows=0).to_polars().columns
    return [n.replace(".", "/") for n in pyreadstat.read_sav(str(path), metadataonly=True)[1].column_names]


def expected(responses: Responses, fmt: str, raw_text: bool = False) -> pl.DataFrame:
    """What each format gives back: everything, except the documented limits of two formats, and
    in CSV, text a spreadsheet would run as a formula after an apostrophe (unless ``raw_text``).

    SPSS strings have no missing value and are blank-padded: empty text reads back as not answered
    and trailing spaces go. A wave column with no value at all cannot say its type in CSV or XLSX.
    """
    data = responses.data
    if fmt == "csv" and not raw_text:
        data = neutralised(data)
    if fmt == "sav":
        strip = pl.col(pl.String).str.strip_chars_end(" ")
        data = data.with_columns(pl.when(strip == "").then(None).otherwise(strip).name.keep())
    if fmt in ("csv", "xlsx") and "wave" in data.columns and data["wave"].null_count() == data.height:
        data = data.with_columns(pl.col("wave").cast(pl.Int64))
    return data


def assert_round_trip(responses: Responses, path: Path, raw_text: bool = False) -> None:
    fmt = path.suffix.lstrip(".")
    back = read_back(path, responses.instrument)
    want = expected(responses, fmt, raw_text)
    assert_frame_equal(back.data, want, check_exact=True)
    for name, dtype in want.schema.items():
        if dtype == pl.Float64:  # bit for bit, not merely equal (-0.0, last bits)
            assert [_bits(v) for v in back.data[name]] == [_bits(v) for v in want[name]], name


def _bits(value: float | None) -> bytes | None:
    return None if value is None else struct.pack("<d", value)


# --- hand-made responses --------------------------------------------------------------------


def readiness_responses() -> Responses:
    n = len(TEXTS)
    return Responses(
        READINESS,
        pl.DataFrame(
            {
                "respondent_id": ["001", "002", "r 3", None, "5", "ü6", "007"],
                "wave": pl.Series([2018, 2018, 2019, 2019, None, 2020, 2020], dtype=pl.Int64),
                "weight": [*WEIGHTS, None, -0.0, 1e300],
                "stratum": ["a", "b", None, "a", "b", "a", "b"],
                "cluster": ["1", "2", "3", "4", "5", "6", "7"],
                "q1_example": [1, 2, 1, None, 1, 2, 1],
                "q2_description": TEXTS,
                "q3_stakeholders/ccg": pl.Series([1, 0, None, 0, 1, None, 1], dtype=pl.Int8),
                "q3_stakeholders/other": pl.Series([0, 1, None, 0, 0, None, 1], dtype=pl.Int8),
                "q3_other_text": [None, "=SUM(A1:A2)", None, None, None, None, "http://example.org"],
                "q4_n_orgs": [2, 5, None, None, 3, None, 4],
                "q7_importance": [5, 4, 3, 2, 1, None, 5],
                "q8_why": list(reversed(TEXTS)),
                "q10_involvement": [9, 1, 5, None, 9, 3, 2],
                "q11_incentivise": [0, 1, 2, 3, None, 0, 0],
                "imp_behaviours": [9, 0, 3, None, 2, 1, 9],
                "prev_requirements": [0, 9, None, 3, 3, 9, 1],
                "q16_sector": [1, 2, 3, None, 1, 2, 3],
                "q18_region/northern_ireland": pl.Series([1] * n, dtype=pl.Int8),
            }
        ),
    )


def leaders_responses() -> Responses:
    return Responses(
        LEADERS,
        pl.DataFrame(
            {
                "respondent_id": ["a", "b", "c", "d"],
                "wave": ["2024 spring", "2025", None, "2025"],
                "weight": [0.5, 1.5000000000000002, 2 / 3, 1e-20],
                "sector": [1, 4, None, 3],
                "civil_service": [1, None, None, None],
                "growth_belief": [5, 4, 3, 1],
                "st_effective": [1, 2, None, 5],
                "org_support/none": pl.Series([0, 1, None, 0], dtype=pl.Int8),
                "domains/net_zero": pl.Series([1, 0, None, 1], dtype=pl.Int8),
                "optimism": [None, 5, 4, 1],
                "enablers_text": TEXTS[:4],
                "example_text": [TEXTS[4], None, TEXTS[5], TEXTS[6]],
            }
        ),
    )


BUILT = {"readiness-2018": readiness_responses, "leaders": leaders_responses}


@pytest.fixture(params=sorted(BUILT))
def responses(request) -> Responses:
    return BUILT[request.param]()


# --- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip(responses, fmt, tmp_path):
    path = write_responses(responses, tmp_path / f"{responses.instrument.id}.{fmt}")
    assert path == tmp_path / f"{responses.instrument.id}.{fmt}"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
    assert_round_trip(responses, path)


def test_every_column_is_written_in_canonical_order(responses, tmp_path):
    path = write_responses(responses, tmp_path / "r.csv")
    assert _header(path, "csv") == responses.data.columns
    design = len(responses.design_columns)
    assert responses.data.columns[design:] == [c.name for c in responses.instrument.columns]


def test_format_from_extension_or_argument(tmp_path):
    r = leaders_responses()
    assert write_responses(r, tmp_path / "UPPER.CSV").read_text().startswith("respondent_id,wave,")
    path = write_responses(r, tmp_path / "leaders.dat", format="sav")
    assert_round_trip(r, path.rename(tmp_path / "leaders.sav"))
    with pytest.raises(ValueError, match=re.escape(str(tmp_path / "r.txt"))):
        write_responses(r, tmp_path / "r.txt")
    with pytest.raises(ValueError, match="unknown format 'json'.*csv, xlsx, sav, parquet"):
        write_responses(r, tmp_path / "r.csv", format="json")


# --- CSV --------------------------------------------------------------------------------------


def test_csv_cells(tmp_path):
    r = readiness_responses()
    path = write_responses(r, tmp_path / "r.csv")
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == r.data.columns
    assert len(rows) == r.n + 1
    for i, record in enumerate(neutralised(r.data).iter_rows()):
        for name, value, cell in zip(r.data.columns, record, rows[i + 1]):
            if value is None:
                assert cell == "", (i, name)
            elif isinstance(value, float):
                assert _bits(float(cell)) == _bits(value), (i, name, cell)
            else:
                assert cell == str(value), (i, name, cell)  # integers as "1", never "1.0"
    assert '"she said ""yes"", then left"' in raw.decode()
    assert "\n007," in raw.decode() or ",007," in raw.decode()
    assert ",'=1+1," in raw.decode() and ",=1+1," not in raw.decode()  # no formula leaves (issue 14, item 2)


def test_csv_raw_text_writes_text_as_typed(tmp_path):
    r = readiness_responses()
    path = write_responses(r, tmp_path / "r.csv", raw_text=True)
    assert ",=1+1," in path.read_text(encoding="utf-8")
    assert_round_trip(r, path, raw_text=True)


# --- XLSX -------------------------------------------------------------------------------------


def test_xlsx_cells_and_sheets(tmp_path):
    r = readiness_responses()
    path = write_responses(r, tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["responses", "codebook", "labels"]
    sheet = book["responses"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == r.data.columns
    for i, record in enumerate(r.data.iter_rows()):
        for j, value in enumerate(record):
            cell = sheet.cell(row=i + 2, column=j + 1)
            if value is None:
                assert cell.value is None, (i, j)
            elif isinstance(value, str):
                assert cell.data_type == "s", (i, j, value)  # "=1+1" and "007" stay text
                if "_x" not in value and "\r" not in value:
                    assert cell.value == value
            else:
                assert cell.data_type == "n" and cell.value == value, (i, j)
                assert isinstance(cell.value, int) == isinstance(value, int), (i, j)
    assert book.custom_doc_props["collabstate.instrument"].value == "readiness-2018"
    assert book.custom_doc_props["collabstate.respondents"].value == r.n

    header, *rows = book["codebook"].values
    book_sheet = pl.DataFrame(rows, schema=list(header), orient="row")
    assert book_sheet["column"].to_list() == r.data.columns
    assert book["codebook"].freeze_panes == "A2"
    design = book_sheet.head(5)
    assert design["type"].to_list() == ["design"] * 5
    assert design["label"].to_list() == ["Respondent ID", "Wave", "Weight", "Stratum", "Cluster"]
    assert_frame_equal(book_sheet.slice(5), codebook(READINESS))

    labels = list(book["labels"].values)
    assert labels[0] == ("column", "code", "label", "excluded")
    assert ("q10_involvement", 9, "Not applicable", True) in labels
    assert ("q16_sector", 3, "Third sector", False) in labels
    assert ("q3_stakeholders/ccg", 1, "Selected", False) in labels


def test_xlsx_keeps_text_that_looks_like_something_else(tmp_path):
    texts = ["=1+1", "{=A1}", "007", "1e5", "TRUE", "http://x.org", "_x0041_", "a\rb", "\x01", " ", ""]
    r = Responses(LEADERS, pl.DataFrame({"example_text": texts}))
    path = write_responses(r, tmp_path / "r.xlsx")
    assert_round_trip(r, path)


def test_xlsx_keeps_trailing_respondents_who_answered_nothing(tmp_path):
    r = Responses(LEADERS, pl.DataFrame({"sector": [1, None, None], "role": [None, None, None]}))
    assert_round_trip(r, write_responses(r, tmp_path / "r.xlsx"))


def test_xlsx_text_limit_names_row_and_column(tmp_path):
    ok = Responses(LEADERS, pl.DataFrame({"barriers_text": ["x", "a" * 32767, "😀" * 16383]}))
    assert_round_trip(ok, write_responses(ok, tmp_path / "ok.xlsx"))
    for long in ["a" * 32768, "😀" * 16384]:
        r = Responses(LEADERS, pl.DataFrame({"barriers_text": ["x", None, long]}))
        target = tmp_path / "long.xlsx"
        message = r"long\.xlsx.*'barriers_text', row 3 .*32768 characters.*32,767"
        with pytest.raises(ValueError, match=message):
            write_responses(r, target)
        assert list(tmp_path.glob("*long*")) == []  # nothing half-written


def test_xlsx_refuses_what_it_cannot_hold(tmp_path):
    cases = [
        ({"example_text": ["a", "b\ufffe"]}, r"'example_text', row 2 .*U\+FFFE"),
        ({"wave": [1, 2**53]}, r"'wave', row 2 .*2\*\*53"),
        ({"weight": [1.0, float("inf")]}, r"'weight', row 2 .*inf"),
    ]
    for frame, message in cases:
        with pytest.raises(ValueError, match=message):
            write_responses(Responses(LEADERS, pl.DataFrame(frame)), tmp_path / "r.xlsx")


# --- Parquet ----------------------------------------------------------------------------------


def test_parquet_is_the_canonical_frame_with_instrument_id(responses, tmp_path):
    path = write_responses(responses, tmp_path / "r.parquet")
    assert pl.read_parquet_metadata(path)["collabstate.instrument"] == responses.instrument.id
    assert_frame_equal(pl.read_parquet(path), responses.data, check_exact=True)


# --- SPSS -------------------------------------------------------------------------------------


def test_sav_metadata(tmp_path):
    r = readiness_responses()
    path = write_responses(r, tmp_path / "r.sav")
    _, meta = pyreadstat.read_sav(str(path), metadataonly=True, user_missing=True)
    assert meta.column_names == [c.replace("/", ".") for c in r.data.columns]
    assert "q3_stakeholders.ccg" in meta.column_names and not any("/" in n for n in meta.column_names)
    assert meta.notes == ["collabstate instrument: readiness-2018"]
    assert meta.file_label == "readiness-2018"

    labels = meta.column_names_to_labels
    assert labels["weight"] == "Weight"
    assert labels["q16_sector"] == "Sector"
    assert labels["imp_behaviours"] == "Importance of the readiness factors: Behaviours"
    assert labels["prev_markets"] == "Prevalence of the readiness factors: Markets"
    assert labels["q3_stakeholders.ccg"] == "Organisations involved: CCG"

    values = meta.variable_value_labels
    assert values["q16_sector"] == {1: "Public", 2: "Private", 3: "Third sector"}
    assert values["q10_involvement"][9] == "Not applicable"
    extent = {0: "Not at all", 1: "A little", 2: "Somewhat", 3: "A great deal", 9: "Not applicable"}
    assert values["imp_behaviours"] == extent
    assert values["q18_region.wales"] == {0: "Not selected", 1: "Selected"}
    coded = [c.name.replace("/", ".") for c in READINESS.columns if c.kind in ("code", "flag")]
    assert set(values) == set(coded)

    nine = [{"lo": 9.0, "hi": 9.0}]
    excluded = [c.name for c in READINESS.columns if any(ch.excluded for ch in c.choices)]
    assert len(excluded) == 17
    assert meta.missing_ranges == dict.fromkeys(excluded, nine)

    measure = meta.variable_measure
    assert measure["q16_sector"] == "nominal" and measure["q3_stakeholders.ccg"] == "nominal"
    assert measure["q7_importance"] == "ordinal" and measure["imp_places"] == "ordinal"
    assert measure["weight"] == "scale" and measure["q2_description"] == "nominal"

    widths = meta.original_variable_types
    for name in ["respondent_id", "q2_description", "q8_why", "q3_other_text"]:
        longest = max(len(v.encode("utf-8")) for v in r.data[name].drop_nulls())
        assert widths[name] == f"A{longest}", name
    assert widths["q16_sector"] == "F8.0" and widths["q18_region.wales"] == "F1.0"


def test_sav_not_applicable_is_user_missing(tmp_path):
    r = readiness_responses()
    path = write_responses(r, tmp_path / "r.sav")
    as_spss, _ = pyreadstat.read_sav(str(path), output_format="polars")
    kept, _ = pyreadstat.read_sav(str(path), user_missing=True, output_format="polars")
    assert kept["q10_involvement"].to_list() == [9, 1, 5, None, 9, 3, 2]
    assert as_spss["q10_involvement"].to_list() == [None, 1, 5, None, None, 3, 2]


def test_sav_text_limits(tmp_path):
    spaced = Responses(LEADERS, pl.DataFrame({"example_text": ["  lead", "trail  ", " ", "", "tab\t"]}))
    back = read_back(write_responses(spaced, tmp_path / "s.sav"), LEADERS)
    assert back.data["example_text"].to_list() == ["  lead", "trail", None, None, "tab\t"]
    wide = Responses(LEADERS, pl.DataFrame({"example_text": ["é" * 16383, None]}))
    assert_round_trip(wide, write_responses(wide, tmp_path / "w.sav"))
    too_wide = Responses(LEADERS, pl.DataFrame({"example_text": [None, "é" * 16384]}))
    with pytest.raises(ValueError, match=r"'example_text', row 2 is 32768 bytes.*32767"):
        write_responses(too_wide, tmp_path / "t.sav")


def test_sav_refuses_numbers_spss_reads_as_missing(tmp_path):
    for value in [float("nan"), -1.7976931348623157e308, -1.7976931348623155e308, 1.7976931348623157e308]:
        r = Responses(LEADERS, pl.DataFrame({"weight": [1.0, value]}))
        with pytest.raises(ValueError, match=r"r\.sav.*'weight', row 2: .*system-missing"):
            write_responses(r, tmp_path / "r.sav")
    extreme = [float("inf"), -5e-324, 1.7976931348623155e308, -1.7976931348623153e308]
    extreme = Responses(LEADERS, pl.DataFrame({"weight": extreme}))
    assert_round_trip(extreme, write_responses(extreme, tmp_path / "r.sav"))


def test_sav_user_missing_declarations():
    from collabstate.dataset._spss import _user_missing

    assert _user_missing("q", [9], [0, 1, 2, 3]) == [9]
    assert _user_missing("q", [7, 8, 9], [1, 2]) == [7, 8, 9]
    assert _user_missing("q", [6, 7, 8, 9], [1, 2]) == [{"lo": 6, "hi": 9}]
    with pytest.raises(ValueError, match="'q'.*at most three user-missing values or one range"):
        _user_missing("q", [6, 7, 8, 99], [1, 50])


def _instrument(questions: str) -> Instrument:
    head = "id: test\ntitle: Test\nquestions:\n"
    return parse_instrument(head + textwrap.indent(textwrap.dedent(questions), "  "))


def test_sav_names_must_be_valid(tmp_path):
    reserved = _instrument("- {id: with, type: text, text: 'With what'}\n")
    with pytest.raises(ValueError, match=r"r\.sav.*'with'.*reserve"):
        write_responses(Responses(reserved, pl.DataFrame({"with": ["x"]})), tmp_path / "r.sav")
    long_id = "q" + "x" * 55
    options = "[{code: option_ten, label: Ten}]"
    too_long = _instrument(f"- {{id: {long_id}, type: multiple, text: 'Which', options: {options}}}\n")
    frame = pl.DataFrame({f"{long_id}/option_ten": pl.Series([1], dtype=pl.Int8)})
    with pytest.raises(ValueError, match=rf"'{long_id}/option_ten'.*{long_id}\.option_ten.*67 bytes.*64"):
        write_responses(Responses(too_long, frame), tmp_path / "r.sav")
    assert write_responses(Responses(too_long, frame), tmp_path / "r.csv").exists()


# --- the codebook -----------------------------------------------------------------------------


def test_codebook_readiness():
    book = codebook(READINESS)
    assert book.columns == ["column", "question", "type", "kind", "label", "text", "codes", "excluded", "relevant", "holds"]
    assert book["column"].to_list() == [c.name for c in READINESS.columns]
    row = {r["column"]: r for r in book.iter_rows(named=True)}
    assert row["q16_sector"]["codes"] == "1 = Public; 2 = Private; 3 = Third sector"
    assert row["q16_sector"]["type"] == "single" and row["q16_sector"]["excluded"] is None
    assert row["q10_involvement"]["excluded"] == "9 = Not applicable"
    assert row["q10_involvement"]["codes"].endswith("; 9 = Not applicable")
    assert row["imp_places"]["label"] == "Importance of the readiness factors: Places"
    assert row["imp_places"]["question"] == "q13_importance" and row["imp_places"]["type"] == "matrix"
    assert row["imp_places"]["text"].endswith("beyond its own prescribed or statutory remits.")
    assert row["q3_stakeholders/other"]["codes"] == "0 = Not selected; 1 = Selected"
    assert row["q3_stakeholders/other"]["kind"] == "flag"
    assert row["q3_other_text"]["relevant"] == "selected(q3_stakeholders, other)"
    assert row["q2_description"]["relevant"] == "q1_example == 1" and row["q2_description"]["codes"] is None


def test_codebook_leaders():
    book = codebook(LEADERS)
    assert book.height == len(LEADERS.columns) == 55
    row = {r["column"]: r for r in book.iter_rows(named=True)}
    assert row["growth_belief"]["codes"].startswith("1 = Strongly disagree; 2 = Disagree")
    assert row["civil_service"]["relevant"] is not None
    assert book["excluded"].null_count() == book.height


# --- through the project's readers ---------------------------------------------------------------

from collabstate.dataset import read_responses  # noqa: E402


def valid(responses: Responses) -> Responses:
    """The responses made valid for the readers' checks: design values everywhere, weights
    above 0, and no answer to a question the skip logic did not ask."""
    data = responses.data.with_columns(
        pl.col("respondent_id").fill_null("filled"),
        pl.col("wave").fill_null(pl.col("wave").drop_nulls().first()),
        pl.when(pl.col("weight") > 0).then(pl.col("weight")).otherwise(0.25).alias("weight"),
        *[pl.col(name).fill_null("s") for name in ("stratum", "cluster") if name in responses.data.columns],
    )
    multiple = responses.instrument.multiple
    for question, options in multiple.items():  # a question answered: its other options are 0
        flags = [f"{question}/{o}" for o in options]
        answered = pl.any_horizontal(pl.col(flags).is_not_null())
        data = data.with_columns(pl.when(answered).then(pl.col(flags).fill_null(0)).otherwise(None))
    for column in responses.instrument.columns:
        if column.condition is not None:
            asked = column.condition.expr(multiple)
            data = data.with_columns(pl.when(asked).then(pl.col(column.name)).otherwise(None).name.keep())
    return Responses(responses.instrument, data)


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_through_read_responses(responses, fmt, tmp_path):
    responses = valid(responses)
    path = write_responses(responses, tmp_path / f"r.{fmt}")
    result = read_responses(path, responses.instrument)
    assert result.problems == []
    assert_frame_equal(result.responses.data, expected(responses, fmt), check_exact=True)

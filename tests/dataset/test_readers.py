"""Readers: every format read into the same canonical frame, with true row numbers; files that
cannot be read are a ResponsesError that names the file and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import pyreadstat
import pytest
import xlsxwriter
from polars.testing import assert_frame_equal

from collabstate.dataset import Responses, ResponsesError, read_responses
from collabstate.instrument import load_instrument

LEADERS = load_instrument("leaders")

# what a small file holds, as text, and the canonical frame it must give
HEADER = [
    "respondent_id",
    "wave",
    "weight",
    "sector",
    "civil_service",
    "growth_belief",
    "org_support/secondments",
    "org_support/none",
    "example_text",
]
ROWS = [
    ["R1", "2024", "1.5", "1", "2", "4", "1", "0", "Joint board"],
    ["R2", "2024", "0.5", "Private", "", "Strongly agree", "0", "1", ""],
    ["R3", "2025", "1", "3", "", "", "", "", 'Café, 漢字 and "quotes"'],
]


def expected() -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "respondent_id": ["R1", "R2", "R3"],
            "wave": [2024, 2024, 2025],
            "weight": [1.5, 0.5, 1.0],
            "sector": [1, 2, 3],
            "civil_service": [2, None, None],
            "growth_belief": [4, 5, None],
            "org_support/secondments": [1, 0, None],
            "org_support/none": [0, 1, None],
            "example_text": ["Joint board", None, 'Café, 漢字 and "quotes"'],
        }
    )
    return Responses(LEADERS, frame).data


def write_csv(path: Path, sep: str = ",", header: list[str] = HEADER, rows: list[list[str]] = ROWS, **kw) -> Path:
    def cell(v: str) -> str:
        return f'"{v.replace(chr(34), chr(34) * 2)}"' if any(ch in v for ch in f'"{sep}\n') else v

    eol = kw.get("eol", "\n")
    text = eol.join(sep.join(cell(v) for v in row) for row in [header, *rows]) + eol
    path.write_bytes((b"\xef\xbb\xbf" if kw.get("bom") else b"") + text.encode("utf-8"))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]], start_row: int = 0) -> Path:
    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None and value != "":
                    sheet.write(start_row + r, c, value)
    book.close()
    return path


def numeric(value: str):
    try:
        return float(value)
    except ValueError:
        return value


# --- CSV -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "sep", "options"),
    [
        ("comma.csv", ",", {}),
        ("semicolon.csv", ";", {}),
        ("tab.txt", "\t", {}),
        ("tab.tsv", "\t", {}),
        ("bom.csv", ",", {"bom": True}),
        ("crlf.csv", ",", {"eol": "\r\n"}),
        ("cr.csv", ";", {"eol": "\r"}),
        ("UPPER.CSV", ",", {}),
    ],
)
def test_csv_variants_give_the_canonical_frame(tmp_path, name, sep, options):
    v = read_responses(write_csv(tmp_path / name, sep, **options), "leaders")
    assert v.ok, [str(p) for p in v.problems]
    assert_frame_equal(v.responses.data, expected())
    assert v.responses.source == name


def test_csv_row_numbers_count_the_header_as_row_1(tmp_path):
    rows = [r[:] for r in ROWS]
    rows[2][3] = "7"
    v = read_responses(write_csv(tmp_path / "s.csv", rows=rows), "leaders")
    assert [(p.row, p.column) for p in v.problems] == [(4, "sector")]


def test_csv_quoted_newlines_do_not_shift_row_numbers(tmp_path):
    rows = [r[:] for r in ROWS]
    rows[0][8] = "two\nlines"
    rows[1][3] = "9"
    v = read_responses(write_csv(tmp_path / "s.csv", rows=rows), "leaders")
    assert [p.row for p in v.problems] == [3]


def test_csv_short_rows_are_problems_naming_the_row(tmp_path):
    """A row with fewer cells than the header (a lost separator, a truncated file) is not read as
    valid answers with the rest empty: it is a problem naming the row and the first missing column
    (issue 14, item 6); a row with every cell, some of them empty, is valid."""
    path = tmp_path / "s.csv"
    path.write_text("sector,role,growth_belief\n1,2\n2\n3,1,\n")
    v = read_responses(path, "leaders")
    assert [(p.row, p.column, p.kind) for p in v.problems] == [(2, "growth_belief", "short_row"), (3, "role", "short_row")]
    assert str(v.problems[1]) == (
        "s.csv, row 3, column role: the row ends before this column; expected 3 cells in the row, one for each column "
        "of the header; it has 1 (is a separator or a closing quote missing?)"
    )
    assert v.responses.data["sector"].to_list() == [3] and v.rejected["row"].to_list() == [2, 3]


def test_csv_trailing_separator_column_without_heading_is_ignored(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("sector,role,\n1,2,\n2,3,\n")
    v = read_responses(path, "leaders")
    assert v.ok and v.rejected.columns == ["row", "sector", "role", "problems"]


def test_csv_column_without_heading_but_with_values_is_unknown(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("sector,,role\n1,x,2\n")
    v = read_responses(path, "leaders")
    assert next(str(p) for p in v.problems).startswith("s.csv, column (column 2): unknown column")
    assert v.responses.n == 1


def test_csv_repeated_unknown_headings_are_kept_apart(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("note,sector,note\na,9,b\n")
    v = read_responses(path, "leaders")
    assert v.rejected.columns == ["row", "note", "sector", "note (column 3)", "problems"]
    assert v.rejected.row(0)[:4] == (2, "a", "9", "b")


def test_csv_columns_named_row_or_problems_do_not_clash(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("row,sector,problems\n1,9,none\n")
    v = read_responses(path, "leaders")
    assert v.rejected.columns == ["row", "row (in the file)", "sector", "problems (in the file)", "problems"]


def test_csv_in_another_encoding_names_the_byte_offset(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("sector,example_text\n1,ok\n2,café\n".encode("latin-1"))
    with pytest.raises(ResponsesError) as info:
        read_responses(path, "leaders")
    assert str(info.value) == (
        "latin.csv: not UTF-8 text: byte 0xE9 at offset 30 (line 3) cannot be decoded; save the file as UTF-8 (in Excel: 'CSV UTF-8')"
    )


def test_csv_bad_byte_far_into_a_large_file_is_found(tmp_path):
    path = tmp_path / "big.csv"
    body = b"sector,example_text\n" + b"1,fine text\n" * 200_000
    path.write_bytes(body + b"2,\xff\n")
    with pytest.raises(ResponsesError, match=rf"byte 0xFF at offset {len(body) + 2} \(line 200002\)"):
        read_responses(path, "leaders")


def test_csv_in_utf16_is_refused_clearly(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes("sector\n1\n".encode("utf-16"))
    with pytest.raises(ResponsesError, match="u16.csv: the file is UTF-16 text; save it as UTF-8"):
        read_responses(path, "leaders")


def test_a_workbook_saved_as_csv_is_refused_clearly(tmp_path):
    book = write_xlsx(tmp_path / "b.xlsx", {"S": [["sector"], [1]]})
    path = tmp_path / "b.csv"
    path.write_bytes(book.read_bytes())
    with pytest.raises(ResponsesError, match="b.csv: this is a zip file"):
        read_responses(path, "leaders")


def test_csv_with_a_row_longer_than_the_header_names_the_row(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("sector,role\n1,2\n1,2,3\n2,2\n3,3,3,3\n")
    with pytest.raises(ResponsesError) as info:
        read_responses(path, "leaders")
    assert str(info.value) == (
        "r.csv: some rows have more cells than the header's 2 columns (row 3 has 3, row 5 has 4); is there an unquoted ',' in a value?"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "e.csv: the file is empty"),
        (b"\n\n1,2\n", "e.csv: no header row"),
        (b'sector,role\n"1,2\n', "e.csv: cannot be read as CSV"),
        (b"\xef\xbb\xbf", "e.csv: no header row"),
    ],
)
def test_csv_that_cannot_be_read(tmp_path, content, message):
    path = tmp_path / "e.csv"
    path.write_bytes(content)
    with pytest.raises(ResponsesError, match=message):
        read_responses(path, "leaders")


def test_missing_file_directory_and_unknown_format(tmp_path):
    with pytest.raises(ResponsesError, match=r"nope.csv: no such file"):
        read_responses(tmp_path / "nope.csv", "leaders")
    with pytest.raises(ResponsesError, match=r"not a file"):
        read_responses(tmp_path, "leaders")
    (tmp_path / "d.json").write_text("{}")
    with pytest.raises(ResponsesError, match=r"d.json: cannot read a '.json' file; give CSV"):
        read_responses(tmp_path / "d.json", "leaders")
    with pytest.raises(ResponsesError, match=r"cannot read responses from a dict"):
        read_responses({"sector": [1]}, "leaders")


def test_name_replaces_the_file_name_in_messages(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("sector\n9\n")
    v = read_responses(path, "leaders", name="upload #3")
    assert str(v.problems[0]).startswith("upload #3, row 2, column sector:")


def test_sheet_is_for_workbooks_only(tmp_path):
    with pytest.raises(ResponsesError, match="sheet= applies to XLSX"):
        read_responses(write_csv(tmp_path / "s.csv"), "leaders", sheet=1)


# --- XLSX ----------------------------------------------------------------------------------------


def test_xlsx_with_numbers_text_and_blanks_gives_the_canonical_frame(tmp_path):
    rows = [[numeric(v) if i in (1, 2, 3, 4, 5, 6, 7) else v for i, v in enumerate(r)] for r in ROWS]
    path = write_xlsx(tmp_path / "b.xlsx", {"Responses": [HEADER, *rows]})
    v = read_responses(path, "leaders")
    assert v.ok, [str(p) for p in v.problems]
    assert_frame_equal(v.responses.data, expected())


def test_xlsx_numbers_are_read_in_full_and_text_cells_as_written(tmp_path):
    weights = [1 / 3, 1e-20, 1234.567890123456, 2.0]
    rows = [["weight", "sector", "example_text"], *[[w, 1, "007"] for w in weights]]
    v = read_responses(write_xlsx(tmp_path / "w.xlsx", {"S": rows}), "leaders")
    assert v.ok
    assert v.responses.data["weight"].to_list() == weights
    assert v.responses.data["example_text"].to_list() == ["007"] * 4


def test_xlsx_flags_written_as_booleans(tmp_path):
    path = write_xlsx(tmp_path / "b.xlsx", {"S": [["sector", "org_support/none"], [1, True], [2, False]]})
    v = read_responses(path, "leaders")
    assert v.responses.data["org_support/none"].to_list() == [1, 0]


def test_xlsx_rows_are_the_sheet_rows_even_with_blank_rows_and_a_header_lower_down(tmp_path):
    rows = [["sector", "role"], [1, 2], [None, None], [9, 2], [1, 7]]
    path = write_xlsx(tmp_path / "b.xlsx", {"S": rows}, start_row=2)
    v = read_responses(path, "leaders")
    assert [(p.row, p.column, p.value) for p in v.problems] == [(6, "sector", "9"), (7, "role", "7")]
    assert v.n_read == 3


def test_xlsx_first_sheet_by_default_or_the_one_asked_for(tmp_path):
    sheets = {"First": [["sector"], [1]], "Second": [["sector"], [2], [3]]}
    path = write_xlsx(tmp_path / "b.xlsx", sheets)
    assert read_responses(path, "leaders").responses.data["sector"].to_list() == [1]
    assert read_responses(path, "leaders", sheet="Second").responses.n == 2
    assert read_responses(path, "leaders", sheet="second").responses.n == 2
    assert read_responses(path, "leaders", sheet=1).responses.n == 2
    v = read_responses(write_xlsx(tmp_path / "c.xlsx", {"A": [["sector"], [1]], "B": [["sector"], [9]]}), "leaders", sheet="B")
    assert str(v.problems[0]).startswith("c.xlsx [B], row 2, column sector:")
    with pytest.raises(ResponsesError, match=r"b.xlsx: no sheet 'Third'; the workbook has 0 'First', 1 'Second'"):
        read_responses(path, "leaders", sheet="Third")
    with pytest.raises(ResponsesError, match=r"no sheet 5"):
        read_responses(path, "leaders", sheet=5)


def test_xlsx_empty_sheet_and_broken_workbook(tmp_path):
    path = write_xlsx(tmp_path / "e.xlsx", {"Empty": []})
    with pytest.raises(ResponsesError, match="e.xlsx: the sheet 'Empty' is empty"):
        read_responses(path, "leaders")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ResponsesError, match="broken.xlsx: cannot be read as an XLSX workbook"):
        read_responses(broken, "leaders")


# --- SPSS .sav -----------------------------------------------------------------------------------


def sav_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "respondent_id": ["R1", "R2", "R3"],
            "wave": [2024.0, 2024.0, 2025.0],
            "weight": [1.5, 0.5, 1.0],
            "sector": ["1", "2", "3"],
            "civil_service": [2.0, None, None],
            "growth_belief": [4.0, 5.0, None],
            "org_support.secondments": [1.0, 0.0, None],
            "org_support.none": [0.0, 1.0, None],
            "example_text": ["Joint board", "", 'Café, 漢字 and "quotes"'],
        }
    )


def test_sav_with_dotted_option_names_and_a_labelled_string_column(tmp_path):
    path = tmp_path / "s.sav"
    pyreadstat.write_sav(
        sav_frame(),
        str(path),
        variable_value_labels={
            "sector": {"1": "Public", "2": "Private", "3": "Not-for-profit"},
            "growth_belief": {4.0: "Agree", 5.0: "Strongly agree"},
        },
    )
    v = read_responses(path, "leaders")
    assert v.ok, [str(p) for p in v.problems]
    assert_frame_equal(v.responses.data, expected())


def test_sav_user_missing_codes_are_answers(tmp_path):
    path = tmp_path / "m.sav"
    frame = pd.DataFrame({"imp_behaviours": [9.0, 3.0, None], "q10_involvement": [9.0, 1.0, 2.0]})
    pyreadstat.write_sav(frame, str(path), missing_ranges={"imp_behaviours": [9.0], "q10_involvement": [9.0]})
    v = read_responses(path, "readiness-2018")
    assert v.ok
    assert v.responses.data["imp_behaviours"].to_list() == [9, 3, None]
    assert v.responses.data["q10_involvement"].to_list() == [9, 1, 2]


def test_sav_rows_are_case_numbers(tmp_path):
    frame = sav_frame()
    frame.loc[1, "growth_belief"] = 7.0
    path = tmp_path / "s.sav"
    pyreadstat.write_sav(frame, str(path))
    v = read_responses(path, "leaders")
    assert [(p.row, p.column, p.value) for p in v.problems] == [(2, "growth_belief", "7")]


def test_not_a_sav_file(tmp_path):
    path = tmp_path / "x.sav"
    path.write_bytes(b"$FL2 nonsense")
    with pytest.raises(ResponsesError, match="x.sav: cannot be read as an SPSS .sav file"):
        read_responses(path, "leaders")


# --- Parquet and frames --------------------------------------------------------------------------


def typed_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "respondent_id": ["R1", "R2", "R3"],
            "wave": [2024, 2024, 2025],
            "weight": [1.5, 0.5, 1.0],
            "sector": pl.Series(["Public", "Private", "Not-for-profit"], dtype=pl.Categorical),
            "civil_service": [2, None, None],
            "growth_belief": [4.0, 5.0, None],
            "org_support/secondments": [True, False, None],
            "org_support/none": pl.Series([0, 1, None], dtype=pl.Int8),
            "example_text": ["Joint board", None, 'Café, 漢字 and "quotes"'],
        }
    )


def test_parquet_with_typed_columns(tmp_path):
    path = tmp_path / "p.parquet"
    typed_frame().write_parquet(path)
    v = read_responses(path, "leaders")
    assert v.ok, [str(p) for p in v.problems]
    assert_frame_equal(v.responses.data, expected())


def test_parquet_rows_are_case_numbers_and_broken_parquet(tmp_path):
    path = tmp_path / "p.parquet"
    typed_frame().with_columns(pl.Series("growth_belief", [4.0, 5.5, None])).write_parquet(path)
    v = read_responses(path, "leaders")
    assert [(p.row, p.value) for p in v.problems] == [(2, "5.5")]
    broken = tmp_path / "b.parquet"
    broken.write_bytes(b"PAR1 not parquet")
    with pytest.raises(ResponsesError, match="b.parquet: cannot be read as Parquet"):
        read_responses(broken, "leaders")


def test_polars_frame_typed_or_text_gives_the_canonical_frame():
    v = read_responses(typed_frame(), "leaders")
    assert v.ok and v.file == "<frame>"
    assert_frame_equal(v.responses.data, expected())
    text = pl.DataFrame(dict(zip(HEADER, zip(*ROWS))), schema=dict.fromkeys(HEADER, pl.String))
    assert_frame_equal(read_responses(text, "leaders").responses.data, expected())


def test_polars_frame_named_frame_in_messages():
    v = read_responses(typed_frame().with_columns(pl.Series("civil_service", [2, 3, None])), "leaders")
    assert str(v.problems[0]).startswith("<frame>, row 2, column civil_service: '3' is not valid")


def test_pandas_frame_with_nan_mixed_objects_and_a_named_index():
    frame = pd.DataFrame(
        {
            "wave": [2024, 2024, 2025],
            "weight": [1.5, 0.5, 1.0],
            "sector": [1, "Private", 3],
            "civil_service": [2, float("nan"), None],
            "growth_belief": [4.0, 5.0, float("nan")],
            "org_support/secondments": [1, 0, None],
            "org_support/none": [0.0, 1.0, None],
            "example_text": ["Joint board", None, 'Café, 漢字 and "quotes"'],
        },
        index=pd.Index(["R1", "R2", "R3"], name="respondent_id"),
    )
    v = read_responses(frame, "leaders")
    assert v.ok, [str(p) for p in v.problems]
    assert_frame_equal(v.responses.data, expected())


def test_frame_with_nested_values_cannot_be_read():
    with pytest.raises(ResponsesError, match="<frame>: column sector holds List"):
        read_responses(pl.DataFrame({"sector": [[1, 2]]}), "leaders")


def test_frame_without_columns():
    with pytest.raises(ResponsesError, match="has no columns"):
        read_responses(pl.DataFrame(), "leaders")


def test_instrument_may_be_given_as_an_object_or_a_name():
    frame = pl.DataFrame({"sector": ["1"]})
    assert read_responses(frame, LEADERS).responses.instrument is LEADERS
    assert read_responses(frame, "leaders").responses.instrument.id == "leaders"

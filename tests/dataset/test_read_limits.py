"""Readers judge a file by what it declares before they allocate (issue 14, item 3), the file named
is the file read (item 5), and a read in its own process keeps to its limits and reads the same."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import polars as pl
import pyreadstat
import pytest
from polars.testing import assert_frame_equal

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
from hostile_cases import GOOD_ROWS, PULSE, sheet_xml, workbook

from collabstate.dataset import ReadLimits, ResponsesError, read_source, read_source_isolated
from collabstate.instrument import parse_instrument


@pytest.mark.parametrize("ending", [".csv", ".parquet"])
def test_a_name_with_brackets_is_that_file_not_a_pattern(tmp_path, ending):
    def write(name: str, ids: list[int]) -> None:
        frame = pl.DataFrame({"respondent_id": [str(i) for i in ids]})
        frame.write_csv(tmp_path / name) if ending == ".csv" else frame.write_parquet(tmp_path / name)

    write(f"survey1{ending}", [9])
    write(f"survey[1]{ending}", [1, 2])
    write(f"wave1{ending}", [3])
    write(f"wave2{ending}", [4])
    write(f"wave[12]{ending}", [5])
    assert read_source(tmp_path / f"survey[1]{ending}").frame["c0"].to_list() == ["1", "2"]
    assert read_source(tmp_path / f"wave[12]{ending}").frame["c0"].to_list() == ["5"]
    with pytest.raises(ResponsesError, match=r"wave\*: no such file"):
        read_source(tmp_path / f"wave*{ending}", name="wave*")


def test_a_leading_tilde_is_a_folder_of_that_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "~").mkdir()
    (tmp_path / "~" / "answers.csv").write_text("respondent_id\n7\n")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert read_source("~/answers.csv").frame["c0"].to_list() == ["7"]


def test_a_far_cell_is_refused_before_the_workbook_is_read(tmp_path):
    path = tmp_path / "far.xlsx"
    path.write_bytes(workbook(sheet_xml(GOOD_ROWS + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')))
    with pytest.raises(ResponsesError) as caught:
        read_source(path)
    assert str(caught.value) == (
        "far.xlsx: the sheet 'Answers' spans A1:XFD1048576 (17,179,869,184 cells for the 11 it holds; delete the rows and columns "
        "beyond the data); reading it would need about 1.5 TB of memory, more than the limit of 2.0 GB (COLLABSTATE_READ_MEMORY)"
    )


def test_a_workbook_within_the_limit_reads_and_the_limit_is_a_setting(tmp_path, monkeypatch):
    path = tmp_path / "ok.xlsx"
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c><c r="D{i}"><v>1</v></c></row>' for i in range(4, 204))
    path.write_bytes(workbook(sheet_xml(GOOD_ROWS + rows)))
    assert read_source(path).frame.height == 202
    monkeypatch.setenv("COLLABSTATE_READ_MEMORY", "20K")
    with pytest.raises(
        ResponsesError, match=r"ok.xlsx: the sheet 'Answers' spans A1:D203 \(812 cells for the 410 it holds; .* limit of 20.0 KB"
    ):
        read_source(path)
    monkeypatch.setenv("COLLABSTATE_READ_MEMORY", "lots")
    with pytest.raises(ResponsesError, match="the setting COLLABSTATE_READ_MEMORY='lots' is not a size; expected e.g. 2G, 512M"):
        read_source(path)


def test_sav_and_parquet_are_judged_by_their_declared_rows(tmp_path):
    frame = pd.DataFrame({"respondent_id": [1.0, 2.0, 3.0], "works": [1.0, 2.0, 1.0]})
    pyreadstat.write_sav(frame, str(tmp_path / "a.sav"))
    pl.from_pandas(frame).write_parquet(tmp_path / "a.parquet")
    small = ReadLimits(memory=64)
    for name in ("a.sav", "a.parquet"):
        assert read_source(tmp_path / name).frame.height == 3
        with pytest.raises(
            ResponsesError, match=f"{name}: the file declares 3 (rows|cases) of 2 (columns|variables).*more than the limit of 64 bytes"
        ):
            read_source(tmp_path / name, limits=small)


@pytest.mark.parametrize("ending", [".csv", ".xlsx", ".sav", ".parquet"])
def test_a_read_in_its_own_process_reads_what_read_source_reads(tmp_path, ending):
    instrument = parse_instrument(PULSE)
    path = tmp_path / f"answers{ending}"
    frame = pl.DataFrame({"respondent_id": ["1", "2", "3"], "works": ["1", "2", "1"], "why_not": [None, "More time, ‘please’", None]})
    if ending == ".csv":
        frame.write_csv(path)
    elif ending == ".xlsx":
        frame.write_excel(path)
    elif ending == ".sav":
        pyreadstat.write_sav(frame.to_pandas(), str(path))
    else:
        frame.write_parquet(path)
    from collabstate.dataset.validate import coded_columns

    direct = read_source(path, coded=coded_columns(instrument))
    isolated = read_source_isolated(path, instrument)
    assert_frame_equal(isolated.frame, direct.frame, categorical_as_str=True, check_dtypes=False)
    assert (isolated.header, isolated.name, isolated.first_row, isolated.fmt) == (direct.header, direct.name, direct.first_row, direct.fmt)
    assert [d.base_type() for d in isolated.frame.dtypes] == [d.base_type() for d in direct.frame.dtypes]  # categoricals stay so


def test_a_read_in_its_own_process_keeps_the_rows_that_end_early(tmp_path):
    path = tmp_path / "short.csv"
    path.write_bytes(b"respondent_id,works,why_not,partners\n1,1,,3\n2,2\n3,1,,4\n")
    direct, isolated = read_source(path), read_source_isolated(path)
    assert direct.short is not None and direct.short.height == 1
    assert_frame_equal(isolated.short, direct.short)


def test_a_read_in_its_own_process_keeps_to_its_limits(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"respondent_id,why_not\n" + b"".join(b"%d,%s\n" % (i, b"x" * 100) for i in range(300_000)))
    with pytest.raises(ResponsesError, match=r"big.csv: reading it needs more memory than the limit of 4.0 MB \(COLLABSTATE_READ_MEMORY\)"):
        read_source_isolated(path, limits=ReadLimits(memory=4 << 20))
    with pytest.raises(
        ResponsesError, match=r"big.csv: reading it took longer than the limit of 0.01 seconds \(COLLABSTATE_READ_SECONDS\)"
    ):
        read_source_isolated(path, limits=ReadLimits(seconds=0.01))
    with pytest.raises(ResponsesError, match="gone.csv: no such file"):
        read_source_isolated(tmp_path / "gone.csv")

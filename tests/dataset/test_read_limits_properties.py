"""The rectangle the workbook check computes is the one the XLSX library allocates (issue 14,
item 3): for sheets of cells written with and without references, in any order, with odd spacing,
and read in chunks that cut anywhere, the check's last row and column are those of the sheet
fastexcel loads (anchored at A1)."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import fastexcel
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
from hostile_cases import sheet_xml, workbook

from collabstate.dataset import ReadLimits, _limits


def column_letters(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


cell = st.tuples(st.integers(1, 60), st.integers(1, 40), st.booleans(), st.sampled_from(['r="{}"', "r='{}'", 'r = "{}"', 's="1" r="{}"']))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(cell, min_size=1, max_size=40), chunk=st.integers(16, 400), shuffle=st.randoms(use_true_random=False),
       unnumbered=st.sets(st.integers(2, 60)), empty=st.sets(st.integers(2, 80), max_size=5))  # fmt: skip
def test_the_rectangle_is_the_librarys(tmp_path, monkeypatch, cells, chunk, shuffle, unnumbered, empty):
    """``unnumbered``: rows written without ``r`` (the one after the last); ``empty``: rows with no cell."""
    rows: dict[int, list[str]] = {1: ['<c r="A1"><v>0</v></c>']}  # anchored at A1, as a sheet read from its top
    for row, column, with_ref, style in cells:
        ref = style.format(f"{column_letters(column)}{row}") if with_ref else ""
        rows.setdefault(row, []).append(f"<c {ref}><v>{column}</v></c>" if ref else f"<c><v>{column}</v></c>")
    for row in empty:
        rows.setdefault(row, [])
    order = sorted(rows)
    for row in order[1:]:
        shuffle.shuffle(rows[row])
    xml = "".join(f"<row{'' if row in unnumbered else f' r={chr(34)}{row}{chr(34)}'}>{''.join(rows[row])}</row>" for row in order)
    data = workbook(sheet_xml(xml))
    path = tmp_path / "w.xlsx"
    path.write_bytes(data)
    loaded = fastexcel.read_excel(path).load_sheet(0, header_row=None, dtypes="string").to_polars()

    monkeypatch.setattr(_limits, "_CHUNK", chunk)  # chunks that cut the XML anywhere
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = _limits._scan(z, z.getinfo("xl/worksheets/sheet1.xml"), "w.xlsx", np.zeros(0, np.int64), ReadLimits())
    assert (sheet.rows, sheet.columns) == (loaded.height, loaded.width)

"""The rows of a CSV file with more or fewer cells than its header, counted by pyarrow's parser.

polars reads a row with fewer cells than the header with its missing trailing cells empty, and
cannot say which they were: ``4,5`` and ``4,5,`` read alike. A row cut short (a lost separator,
a closing quote too early, a truncated file) would then be read as valid answers in the wrong
place or none. So when some row of the frame polars read ends in empty cells, the file is parsed
again by pyarrow's CSV reader, which reports every row whose number of cells is not the header's
to a callback, with the row's number; only its first column is converted (as bytes, unchecked),
so the pass costs about 0.3 to 0.5 s for 150 MB (a tenth of reading and validating it), in
bounded memory, and is not made for a file whose last column is filled in every row.

Row numbers are pyarrow's (1 for the header), which are the user's row numbers of
:mod:`collabstate.dataset.readers` (a data row ``i`` of the frame, from 0, is row ``i + 2``);
both readers count a blank line as a row. Where the two parsers do not count the same number of
rows (a bare carriage return outside quotes in a file of line feeds), the rows cannot be told
apart with certainty, and the file is refused with a message that says so.
"""

from __future__ import annotations

from array import array
from pathlib import Path

import polars as pl

from ._problems import ResponsesError

__all__ = ["long_rows", "short_rows"]


def _count(
    path: Path, separator: str, width: int, keep_short: int, keep_long: bool
) -> tuple[int, list[tuple[int, int]], array[int], array[int]]:
    """(rows counted with the header, the long rows' (row, cells), short rows' indices and cells)."""
    import pyarrow as pa
    import pyarrow.csv as pc

    idx, cells = array("q"), array("q")
    long: list[tuple[int, int]] = []
    skipped = 0

    def handler(row: pc.InvalidRow) -> str:
        nonlocal skipped
        skipped += 1
        number = row.number if row.number is not None else -1
        if row.actual_columns < keep_short:
            idx.append(number - 2)
            cells.append(row.actual_columns)
        elif keep_long and row.actual_columns > width and len(long) < 5:
            long.append((number, row.actual_columns))
        return "skip"

    names = [f"c{i}" for i in range(width)]
    reader = pc.open_csv(
        path,
        read_options=pc.ReadOptions(use_threads=False, column_names=names, block_size=1 << 20),  # one thread: rows numbered
        parse_options=pc.ParseOptions(
            delimiter=separator, quote_char='"', double_quote=True, newlines_in_values=True, ignore_empty_lines=False,
            invalid_row_handler=handler,
        ),
        convert_options=pc.ConvertOptions(include_columns=["c0"], column_types={"c0": pa.binary()}, check_utf8=False),
    )  # fmt: skip
    valid = sum(batch.num_rows for batch in reader)
    return valid + skipped, long, idx, cells


def short_rows(path: Path, label: str, separator: str, frame: pl.DataFrame, header: list[str]) -> pl.DataFrame | None:
    """The rows of the frame polars read (``c0`` … in file order) that have fewer cells than the
    header's columns up to the last one with a heading or a value: ``idx`` (the frame's row) and
    ``cells`` (how many the row has). None when no row can be short: every row has a value in
    that last column."""
    needed = 0
    for i in range(frame.width - 1, -1, -1):
        if (header[i] or "").strip() or frame[frame.columns[i]].is_not_null().any():
            needed = i + 1
            break
    if needed < 2 or not frame[frame.columns[needed - 1]].is_null().any():
        return None
    try:
        total, _, idx, cells = _count(path, separator, frame.width, needed, keep_long=False)
    except Exception as exc:  # pyarrow's ArrowInvalid and the like: a row the parser cannot read
        raise ResponsesError(f"{label}: cannot count the cells of each row: {str(exc).strip().splitlines()[0]}") from None
    if total != frame.height + 1:
        raise ResponsesError(
            f"{label}: the rows cannot be told apart with certainty ({frame.height + 1} or {total} rows, with the header); "
            "is there a line break, such as a carriage return, outside quotes in a value? Quote values that hold line breaks"
        )
    return pl.DataFrame({"idx": idx, "cells": cells}, schema={"idx": pl.Int64, "cells": pl.Int64})


def long_rows(path: Path, separator: str, width: int) -> list[tuple[int, int]] | None:
    """The first rows (at most 5) with more cells than the ``width`` of the header: (row, cells)."""
    try:
        _, long, _, _ = _count(path, separator, width, 0, keep_long=True)
    except Exception:  # the caller says the file cannot be read, with polars' reason
        return None
    return long or None

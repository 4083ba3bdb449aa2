"""Reading responses: CSV, XLSX, SPSS .sav, Parquet, or a data frame, validated in one pass.

>>> from collabstate.dataset import read_responses
>>> result = read_responses("survey.csv", "leaders")          # doctest: +SKIP
>>> result.ok, result.responses.n, len(result.problems)       # doctest: +SKIP
(False, 998, 2)
>>> print(result.problems[0])                                 # doctest: +SKIP
survey.csv, row 7, column sector: '5' is not valid; expected a code of Sector: 1 Public, 2 Private, ...
>>> result.write_rejects("survey-rejects.csv")               # doctest: +SKIP

Formats, by extension (case-insensitive)
- ``.csv``, ``.tsv``, ``.txt``: UTF-8, with or without a byte-order mark. The separator is
  comma, or semicolon or tab when the header line holds more of those (``.tsv``: tab). Any other
  encoding is a :class:`ResponsesError` naming the byte offset and line of the first byte that
  is not UTF-8. A row with more cells than the header is a :class:`ResponsesError`; a row with
  fewer is a problem (``short_row``) naming the row, not answers with the rest empty (the cells
  of each row are counted by pyarrow's parser: :mod:`collabstate.dataset._row_widths`).
- ``.xlsx``, ``.xlsm``: the first sheet, or ``sheet`` (its name, or its 0-based index). The
  header is the first row with a value.
- ``.sav``: SPSS, read with pyreadstat; numeric codes are read as they are, value labels are
  not needed (a string variable with labels is read as its strings).
- ``.parquet``, and a polars or pandas frame (named ``<frame>`` in messages unless ``name``):
  numbers such as 1.0 are read as ``1``; a named pandas index becomes a column.

The file named is the file read: a path is never a pattern (``survey[1].csv`` is that file, not
``survey1.csv``; a leading ``~`` is a folder of that name).

Limits: a workbook, .sav or Parquet file is judged by what it declares before it is read (an
XLSX's parts and how far they expand, the rectangle its cells span and the shared text they show;
the cases or rows and columns of the others); one that would need more memory than
``COLLABSTATE_READ_MEMORY`` (default 2G) is a :class:`ResponsesError` saying what it holds and
what it would need. The web app also reads every upload in a process of its own, limited to that
memory and to ``COLLABSTATE_READ_SECONDS`` (default 120), and takes files up to
``COLLABSTATE_MAX_UPLOAD`` (default 512M): see :func:`~collabstate.dataset.read_source_isolated`.

Row numbers are the rows the user sees
- CSV and XLSX: the header is row 1, so the first data row is row 2 (data row ``i``, counted
  from 0, is row ``i + 2``; in a sheet whose header is lower down, the rows above it count too).
- .sav, Parquet and frames: the case number, from 1 (data row ``i`` is row ``i + 1``).

Columns are matched to the instrument case-insensitively after trimming; ``question.option``
is accepted for ``question/option`` (.sav variable names cannot hold ``/``). Design columns:
respondent_id, wave, weight, stratum, cluster, org_id. Two columns that name the same instrument
column are a :class:`ResponsesError`. A column with no heading and no values (a trailing
separator) is ignored. What is validated, and how: see :mod:`collabstate.dataset.validate`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from ..instrument import Instrument, builtin_instruments, load_instrument
from ._problems import DataProblem, ResponsesError
from ._sources import read_source
from .validate import Validation, coded_columns, validate_source

__all__ = ["DataProblem", "ResponsesError", "Validation", "read_responses"]


def read_responses(
    source: str | Path | pl.DataFrame | Any,
    instrument: Instrument | str | Path,
    *,
    name: str | None = None,
    sheet: str | int | None = None,
) -> Validation:
    """Read and validate responses to ``instrument`` from a file or a data frame.

    Returns a :class:`Validation`: the valid rows as :class:`Responses` in the canonical wide
    frame, every problem found, and the rejected rows as read. Raises :class:`ResponsesError`
    only when the file cannot be read at all. ``name`` is the file name used in messages
    (default: the file's name, or ``<frame>``).
    """
    if not isinstance(instrument, Instrument):
        instrument = _builtin(instrument) if instrument in builtin_instruments() else load_instrument(instrument)
    return validate_source(read_source(source, name=name, sheet=sheet, coded=coded_columns(instrument)), instrument)


@lru_cache(maxsize=8)
def _builtin(ref: str) -> Instrument:
    """A built-in instrument, parsed once per process."""
    return load_instrument(ref)

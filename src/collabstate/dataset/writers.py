"""Writers: responses out to CSV, XLSX, SPSS .sav and Parquet, and the codebook of an instrument.

Every format holds the canonical wide frame (see :mod:`collabstate.dataset.responses`): design
columns, then one column per instrument column in questionnaire order, with the canonical names
(a multiple-choice flag is ``question/option``; SPSS, which forbids "/", gets ``question.option``).
Reading a written file back gives the same responses:

- **csv**: UTF-8, no BOM, a header of column names; codes and flags as integers, numbers in
  the shortest form that reads back to the same double, an empty field for not answered (an
  empty text is written ``""``), text quoted when needed; a text that a spreadsheet would run as
  a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written
  after an apostrophe, ``'=1+1``, and reads back so, unless ``raw_text=True``
  (:mod:`collabstate.dataset.csv_text`).
- **xlsx**: sheet ``responses`` in the CSV layout (header frozen; numbers as numbers, text always
  as text, so ``=1+1`` and ``007`` stay text), then ``codebook`` and ``labels`` sheets; custom
  properties ``collabstate.instrument`` (the id) and ``collabstate.respondents`` (the number of
  rows, which a reader needs when the last respondents answered nothing).
- **sav**: variable and value labels, excluded codes (9 "Not applicable") declared user-missing,
  measure levels; an empty text reads back as not answered and trailing spaces are dropped, as
  SPSS pads strings with blanks.
- **parquet**: the canonical frame as is; the instrument id is in the key-value metadata
  under ``collabstate.instrument``.

>>> import polars as pl, tempfile, pathlib
>>> from collabstate.instrument import load_instrument
>>> from collabstate.dataset import Responses
>>> r = Responses(load_instrument("leaders"), pl.DataFrame({"sector": [1, 3]}))
>>> out = write_responses(r, pathlib.Path(tempfile.mkdtemp()) / "leaders.csv")
>>> out.read_text().splitlines()[1][:12]
'1,,,,,,,,,,,'
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ..errors import InputError, UsageError
from ..instrument import Column, Instrument
from ..instrument.bounds import NUMBER_CHARACTERS, TEXT_LENGTH, number_bounds
from ..instrument.model import MatrixQuestion, NumberQuestion
from . import _spss
from .csv_text import write_csv
from .responses import Responses

if TYPE_CHECKING:  # xlsxwriter is imported when a workbook is written
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

__all__ = [
    "FORMATS",
    "INSTRUMENT_KEY",
    "RESPONDENTS_KEY",
    "codebook",
    "format_of",
    "variable_label",
    "write_responses",
]

#: The formats :func:`write_responses` writes, named as their file extensions.
FORMATS: tuple[str, ...] = ("csv", "xlsx", "sav", "parquet")
#: Key of the instrument id in Parquet metadata and XLSX custom properties.
INSTRUMENT_KEY = "collabstate.instrument"
#: XLSX custom property holding the number of respondents: spreadsheet readers drop trailing
#: empty rows, so a last respondent with nothing answered and no design values needs it.
RESPONDENTS_KEY = "collabstate.respondents"

DESIGN_LABELS = {
    "respondent_id": "Respondent ID",
    "wave": "Wave",
    "weight": "Weight",
    "stratum": "Stratum",
    "cluster": "Cluster",
    "org_id": "Organisation ID",
}
EXCEL_MAX_TEXT = 32767  # characters (UTF-16 code units) in one cell
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
EXACT_INTEGER = 2**53  # beyond this an integer is not exact as an Excel number
SHEETS = ("responses", "codebook", "labels")
_CODEBOOK_COLUMNS = ("column", "question", "type", "kind", "label", "text", "codes", "excluded", "relevant", "holds")
#: What a text column holds, as the codebook says it (the bounds, and how a CSV writes it).
TEXT_HOLDS = (
    f"text of at most {TEXT_LENGTH:,} characters; in a CSV file, a text starting with =, +, -, @, a tab or a carriage "
    "return (and not a plain number) is written after an apostrophe, '=1+1, so that a spreadsheet never runs it as a "
    "formula, unless the file was written with raw text (--raw-text)"
)


def variable_label(column: Column) -> str:
    """What a data column holds, in words: the question's label; for a matrix row
    ``"Matrix label: row label"``; for a flag ``"Question: option label"``."""
    if isinstance(column.question, MatrixQuestion):
        return f"{column.question.label}: {column.label}"
    return column.label


def _codes(pairs: list[tuple[int, str]]) -> str | None:
    return "; ".join(f"{code} = {label}" for code, label in pairs) or None


def codebook(instrument: Instrument) -> pl.DataFrame:
    """One row per data column of ``instrument``, in questionnaire order.

    Columns: ``column``, ``question`` (question id), ``type`` (question type), ``kind`` (code,
    flag, text or number), ``label`` (the variable label), ``text`` (the wording),
    ``codes`` (``"1 = Public; 2 = Private; 3 = Third sector"``), ``excluded`` (codes left out
    of bases, ``"9 = Not applicable"``), ``relevant`` (skip logic) and ``holds``: what an
    answer may be (:mod:`collabstate.instrument.bounds`; for text, also how a CSV file writes it).

    >>> from collabstate.instrument import load_instrument
    >>> book = codebook(load_instrument("readiness-2018"))
    >>> book.filter(pl.col("column") == "q16_sector")["codes"].item()
    '1 = Public; 2 = Private; 3 = Third sector'
    """
    rows = []
    for column in instrument.columns:
        q = column.question
        if column.kind == "flag":
            codes = _codes(list(_spss.FLAG_LABELS.items()))
        else:
            codes = _codes([(c.code, c.label) for c in column.choices])
        text = q.text
        if isinstance(q, MatrixQuestion):
            text = f"{q.text} {next(r.text for r in q.rows if r.id == column.name)}"
        rows.append(
            {
                "column": column.name,
                "question": q.id,
                "type": q.type,
                "kind": column.kind,
                "label": variable_label(column),
                "text": text,
                "codes": codes,
                "excluded": _codes([(c.code, c.label) for c in column.choices if c.excluded]),
                "relevant": q.relevant,
                "holds": _holds(column),
            }
        )
    return pl.DataFrame(rows, schema=dict.fromkeys(_CODEBOOK_COLUMNS, pl.String))


def _holds(column: Column) -> str:
    if column.kind == "code":
        return "one of the codes"
    if column.kind == "flag":
        return "1 selected or 0 not selected"
    if column.kind == "text":
        return TEXT_HOLDS
    bounds = number_bounds(column.question) if isinstance(column.question, NumberQuestion) else None
    return f"{bounds.describe() if bounds else 'a number'}, written in at most {NUMBER_CHARACTERS} characters"


def _labels(responses: Responses) -> dict[str, str]:
    labels = {name: DESIGN_LABELS[name] for name in responses.design_columns}
    labels.update({c.name: variable_label(c) for c in responses.instrument.columns})
    return labels


# --- formats -------------------------------------------------------------------------------


def _write_csv(responses: Responses, path: Path, raw_text: bool = False) -> None:
    write_csv(responses.data, path, raw_text=raw_text, include_bom=False, null_value="", quote_style="necessary")


def _write_parquet(responses: Responses, path: Path) -> None:
    responses.data.write_parquet(path, metadata={INSTRUMENT_KEY: responses.instrument.id})


def _write_sav(responses: Responses, path: Path) -> None:
    _spss.write_sav(responses, path, _labels(responses))


@lru_cache(maxsize=1)
def _exact_worksheet() -> type[Worksheet]:
    """The worksheet class of the workbooks written here (defined on first use, so that reading
    data never imports xlsxwriter)."""
    from xlsxwriter.worksheet import Worksheet

    class _ExactWorksheet(Worksheet):  # type: ignore[misc]  # xlsxwriter has no type information: Worksheet is Any
        """A worksheet that writes each number in the shortest form reading back to the same double
        (xlsxwriter writes 16 significant digits, which loses the last bits of some weights)."""

        def _xml_number_element(self, number: float, attributes: list[tuple[str, str | int]] = []) -> None:  # noqa: B006 (as xlsxwriter)
            # The attributes are a cell reference and a style index: nothing to escape.
            attr = "".join([f' {k}="{v}"' for k, v in attributes])
            self.fh.write(f"<c{attr}><v>{number!r}</v></c>")

    return _ExactWorksheet


def _first(data: pl.DataFrame, bad: pl.Expr) -> int | None:
    """Index of the first row where ``bad`` holds, or None."""
    found = data.select(bad.arg_true().first()).item()
    return None if found is None else int(found)


def _where(name: str, row: int) -> str:
    return f"column {name!r}, row {row + 1} (spreadsheet row {row + 2})"


def _check_excel(data: pl.DataFrame) -> None:
    if data.height + 1 > EXCEL_MAX_ROWS or data.width > EXCEL_MAX_COLUMNS:
        raise InputError(
            f"{data.height} rows by {data.width} columns do not fit an Excel sheet "
            f"({EXCEL_MAX_ROWS - 1} rows of data, {EXCEL_MAX_COLUMNS} columns at most)"
        )
    for name, dtype in data.schema.items():
        col = pl.col(name)
        if dtype == pl.String:
            # Excel counts UTF-16 code units: characters, plus one for each beyond the BMP.
            units = col.str.len_chars() + col.str.count_matches(r"[\x{10000}-\x{10FFFF}]")
            if (row := _first(data, units.gt(EXCEL_MAX_TEXT))) is not None:
                n = data.select(units.get(row)).item()
                raise InputError(f"text in {_where(name, row)} is {n} characters long; Excel cells hold at most {EXCEL_MAX_TEXT:,}")
            if (row := _first(data, col.str.contains("[\ufffe\uffff]"))) is not None:
                raise InputError(f"text in {_where(name, row)} holds U+FFFE or U+FFFF, which XLSX cannot store")
        elif dtype.is_integer():
            if (row := _first(data, col.abs().ge(EXACT_INTEGER))) is not None:
                raise InputError(f"{_where(name, row)}: integers from 2**53 are not exact in Excel")
        elif dtype.is_float() and (row := _first(data, ~col.is_finite())) is not None:
            raise InputError(f"{_where(name, row)}: Excel cannot hold {data[name][row]}")


def _write_sheet(sheet: Worksheet, frame: pl.DataFrame, header: Format, widths: dict[int, int] | None = None) -> None:
    """A sheet from a frame: header row (frozen, bold), then one row per frame row; a null is
    a blank cell, a string is always text, a number always a number."""
    sheet.freeze_panes(1, 0)
    for col, name in enumerate(frame.columns):
        width = (widths or {}).get(col, min(max(len(name) + 2, 10), 40))
        sheet.set_column(col, col, width)
    for col, name in enumerate(frame.columns):
        sheet.write_string(0, col, name, header)
    write: list[Callable[[int, int, Any], object]] = []  # sheet.write_*(row, column, value): a polars row's values are Any
    for dtype in frame.dtypes:
        if dtype == pl.String:
            write.append(sheet.write_string)
        elif dtype == pl.Boolean:
            write.append(sheet.write_boolean)
        else:
            write.append(sheet.write_number)
    for r, values in enumerate(frame.iter_rows(), start=1):
        for c, value in enumerate(values):
            if value is not None:
                write[c](r, c, value)


def _design_codebook(responses: Responses) -> pl.DataFrame:
    data = responses.data
    rows = [
        {
            "column": name,
            "type": "design",
            "kind": "number" if data.schema[name].is_numeric() else "text",
            "label": DESIGN_LABELS[name],
        }
        for name in responses.design_columns
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(_CODEBOOK_COLUMNS, pl.String))


def _value_labels(instrument: Instrument) -> pl.DataFrame:
    rows: list[tuple[str, int, str, bool]] = []
    for column in instrument.columns:
        if column.kind == "code":
            rows.extend((column.name, c.code, c.label, c.excluded) for c in column.choices)
        elif column.kind == "flag":
            flags = _spss.FLAG_LABELS.items()
            rows.extend((column.name, code, label, False) for code, label in flags)
    schema = {"column": pl.String, "code": pl.Int64, "label": pl.String, "excluded": pl.Boolean}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _write_xlsx(responses: Responses, path: Path) -> None:
    _check_excel(responses.data)
    instrument = responses.instrument
    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    }
    import xlsxwriter

    with xlsxwriter.Workbook(str(path), options) as book:
        book.set_properties({"title": instrument.title, "subject": "Survey responses", "keywords": instrument.id})
        book.set_custom_property(INSTRUMENT_KEY, instrument.id)
        book.set_custom_property(RESPONDENTS_KEY, responses.n)
        header = book.add_format({"bold": True})
        sheets = {n: book.add_worksheet(n, worksheet_class=_exact_worksheet()) for n in SHEETS}
        _write_sheet(sheets["responses"], responses.data, header)
        book_frame = pl.concat([_design_codebook(responses), codebook(instrument)])
        _write_sheet(sheets["codebook"], book_frame, header, {4: 50, 5: 60, 6: 50})
        _write_sheet(sheets["labels"], _value_labels(instrument), header, {0: 36, 2: 50})


_WRITERS: dict[str, Callable[[Responses, Path], None]] = {
    "csv": _write_csv,
    "xlsx": _write_xlsx,
    "sav": _write_sav,
    "parquet": _write_parquet,
}


def format_of(path: Path, format: str | None) -> str:
    """The format to write ``path`` in: ``format`` when given (checked), else the file's ending."""
    if format is not None:
        if format.lower() not in FORMATS:
            raise UsageError(f"cannot write {path}: unknown format {format!r}; use one of {', '.join(FORMATS)}")
        return format.lower()
    ext = path.suffix.lower().lstrip(".")
    if ext not in FORMATS:
        raise UsageError(f"cannot tell the format of {path} from its extension; use one of .{', .'.join(FORMATS)} or pass format=")
    return ext


def write_responses(responses: Responses, path: str | Path, format: str | None = None, *, raw_text: bool = False) -> Path:
    """Write ``responses`` to ``path`` in ``format`` (one of :data:`FORMATS`; by default the
    path's extension) and return the path. In CSV, text that a spreadsheet would run as a
    formula is written after an apostrophe unless ``raw_text`` (see
    :mod:`collabstate.dataset.csv_text`); the other formats always hold text as it is.

    The file appears whole or not at all: it is written beside ``path`` and moved into place.
    Raises ``ValueError`` naming the path for an unknown format, or naming the column and row
    of a value the format cannot hold (e.g. text over Excel's 32,767 characters).
    """
    path = Path(path)
    fmt = format_of(path, format)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        try:
            if fmt == "csv":
                _write_csv(responses, temporary, raw_text)
            else:
                _WRITERS[fmt](responses, temporary)
        except ValueError as error:
            raise InputError(f"cannot write {path}: {error}") from error
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path

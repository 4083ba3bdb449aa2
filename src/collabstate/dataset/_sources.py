"""Reading a source into a frame of strings, exactly as written, with the header kept aside.

Every reader returns a :class:`Source`: one String column per column of the file (values as
read, nothing trimmed), the header as written, the name to use in messages, and the row number
the user sees for the first data row. Anything that stops a file being read as a table raises
:class:`ResponsesError` naming the file and what is wrong.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ._limits import ReadLimits, check_parquet, check_sav, check_xlsx
from ._problems import ResponsesError
from ._row_widths import long_rows, short_rows

__all__ = ["Source", "decode_text", "read_source", "stringify"]

CSV_EXTENSIONS = (".csv", ".tsv", ".txt")
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
_HEAD = 1 << 20  # bytes read to find the header line


@dataclass
class Source:
    frame: pl.DataFrame  # String columns, unique placeholder names, in file order
    header: list[str | None]  # the column headings as written (None: no heading)
    name: str
    first_row: int  # the row number the user sees for frame row 0
    fmt: str
    short: pl.DataFrame | None = None  # CSV: rows with fewer cells than the header (idx, cells); see _row_widths


def read_source(
    source: Any,
    *,
    name: str | None = None,
    sheet: str | int | None = None,
    coded: Callable[[str], bool] = lambda heading: False,
    limits: ReadLimits | None = None,
) -> Source:
    """Read a path (CSV, TSV, TXT, XLSX, SAV, Parquet) or a polars/pandas frame.

    ``coded(heading)`` says which CSV columns hold few distinct values (codes, flags): they are
    turned into categoricals as the file is read, which holds a large file in a fraction of the
    memory. A workbook, .sav or Parquet file that declares more than ``limits`` allow (default:
    :meth:`ReadLimits.from_env`) is refused before it is read. The path is the file read: never
    a pattern (``survey[1].csv`` is that file, not ``survey1.csv``).
    """
    if isinstance(source, pl.DataFrame):
        return _from_polars(source, name or "<frame>")
    if _is_pandas(source):
        return _from_pandas(source, name or "<frame>")
    if not isinstance(source, (str, Path)):
        raise ResponsesError(f"cannot read responses from a {type(source).__name__}; give a file path or a data frame")
    path = Path(source)
    label = name or path.name or str(path)
    if not path.exists():
        raise ResponsesError(f"{label}: no such file ({path})")
    if not path.is_file():
        raise ResponsesError(f"{label}: not a file ({path})")
    ext = path.suffix.lower()
    if sheet is not None and ext not in XLSX_EXTENSIONS:
        raise ResponsesError(f"{label}: sheet= applies to XLSX workbooks only")
    if path.stat().st_size == 0:
        raise ResponsesError(f"{label}: the file is empty")
    path = path.absolute()  # read as given: a leading "~" is a folder named so, not the home folder
    limits = limits or ReadLimits.from_env()
    if ext in CSV_EXTENSIONS:
        return _read_csv(path, label, ext, coded)
    if ext in XLSX_EXTENSIONS:
        check_xlsx(path, label, limits)
        return _read_xlsx(path, label, sheet)
    if ext == ".sav":
        check_sav(path, label, limits)
        return _read_sav(path, label)
    if ext == ".parquet":
        check_parquet(path, label, limits)
        return _read_parquet(path, label)
    raise ResponsesError(
        f"{label}: cannot read a '{ext or 'no extension'}' file; give CSV (.csv, .tsv, .txt), XLSX, SPSS (.sav) or Parquet"
    )


# --- CSV --------------------------------------------------------------------------------------


def _read_csv(path: Path, label: str, ext: str, coded: Callable[[str], bool]) -> Source:
    with open(path, "rb") as fh:
        head = fh.read(_HEAD)
    if head.startswith(b"PK\x03\x04"):
        raise ResponsesError(f"{label}: this is a zip file (an Excel workbook?), not CSV text; save it as CSV UTF-8")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ResponsesError(f"{label}: the file is UTF-16 text; save it as UTF-8 (in Excel: 'CSV UTF-8')")
    bom = 3 if head.startswith(codecs.BOM_UTF8) else 0
    eol = "\r" if b"\n" not in head and b"\r" in head else "\n"
    cut = head.rfind(eol.encode()) if len(head) == _HEAD else len(head)
    first = head[bom : cut if cut > 0 else len(head)]
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _encoding_error(path, label, bom + exc.start, first[exc.start]) from None
    line = text.split(eol, 1)[0]
    separator = "\t" if ext == ".tsv" else _sniff(line)
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=separator), [])
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise ResponsesError(
                f"{label}: the header row holds a heading of more than {csv.field_size_limit():,} characters; the first row must name the columns"
            ) from None
        raise ResponsesError(f"{label}: cannot read the header row: {exc}") from None
    if not any(h.strip() for h in header):
        raise ResponsesError(f"{label}: no header row; the first row must name the columns")
    # Parsed as text, so that every field is checked for proper quoting, and streamed; a coded
    # column is parsed straight into a categorical (its text as written, each distinct value held
    # once), so the whole file is never held as text (a third less time and memory than parsing
    # strings and casting them).
    categorical = pl.Categorical(pl.Categories.random())
    names = [f"c{i}" for i in range(len(header))]
    schema = {n: categorical if coded(h) else pl.String() for n, h in zip(names, header)}
    try:
        scan = pl.scan_csv(
            path,
            glob=False,
            separator=separator,
            schema=schema,
            new_columns=names,
            eol_char=eol,
            encoding="utf8",
            raise_if_empty=False,
        )
        frame = scan.collect(engine="streaming")
    except pl.exceptions.PolarsError as exc:
        raise _csv_error(path, label, separator, exc) from None
    except (Exception, pl.exceptions.PanicException) as exc:
        raise ResponsesError(f"{label}: cannot be read as CSV: {_first_line(exc)}") from None
    return Source(frame, list(header), label, 2, "csv", short=short_rows(path, label, separator, frame, list(header)))


def decode_text(data: bytes, name: str) -> str:
    """Text given as bytes (an uploaded invitee list, a questionnaire): UTF-8, with or without a
    byte-order mark; anything else is a :class:`ResponsesError` naming the offset and line of the
    first byte that is not UTF-8, or of a NUL byte (binary data, not text)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ResponsesError(f"{name}: the file is UTF-16 text; save it as UTF-8 (in Excel: 'CSV UTF-8')")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        at = exc.start + (3 if data.startswith(codecs.BOM_UTF8) else 0)
        line = data[:at].count(b"\n") + 1
        raise ResponsesError(
            f"{name}: not UTF-8 text: byte 0x{data[at]:02X} at offset {at} (line {line}) cannot be decoded; "
            "save the file as UTF-8 (in Excel: 'CSV UTF-8')"
        ) from None
    if "\x00" in text:
        at = text.index("\x00")
        raise ResponsesError(f"{name}: a NUL byte at character {at + 1} (line {text[:at].count(chr(10)) + 1}): this is not a text file")
    return text


def _sniff(line: str) -> str:
    """Comma, semicolon or tab: whichever occurs most often outside quotes in the header line."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda k: (counts[k], k == ","))
    return best if counts[best] else ","


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _encoding_error(path: Path, label: str, offset: int, byte: int) -> ResponsesError:
    with open(path, "rb") as fh:
        line = fh.read(offset).count(b"\n") + 1
    return ResponsesError(
        f"{label}: not UTF-8 text: byte 0x{byte:02X} at offset {offset} (line {line}) cannot be decoded; "
        "save the file as UTF-8 (in Excel: 'CSV UTF-8')"
    )


def _find_bad_utf8(path: Path) -> tuple[int, int] | None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            pending = decoder.getstate()[0]
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                data = pending + chunk
                return offset - len(pending) + exc.start, data[exc.start]
            offset += len(chunk)
        pending = decoder.getstate()[0]
        if pending:
            return offset - len(pending), pending[0]
    return None


def _csv_error(path: Path, label: str, separator: str, exc: Exception) -> ResponsesError:
    message = str(exc)
    if "utf-8" in message.lower() or "utf8" in message.lower():
        found = _find_bad_utf8(path)
        if found:
            return _encoding_error(path, label, *found)
    if "more fields" in message:
        ragged = _ragged_rows(path, separator)
        if ragged:
            width, rows = ragged
            shown = ", ".join(f"row {r} has {n}" for r, n in rows)
            return ResponsesError(
                f"{label}: some rows have more cells than the header's {width} columns ({shown}); "
                f"is there an unquoted '{_sep_name(separator)}' in a value?"
            )
    return ResponsesError(f"{label}: cannot be read as CSV: {_first_line(exc)}")


def _sep_name(separator: str) -> str:
    return {"\t": "tab"}.get(separator, separator)


def _ragged_rows(path: Path, separator: str, limit: int = 5) -> tuple[int, list[tuple[int, int]]] | None:
    """The first rows with more cells than the header (slow path, only for a file that failed)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            width = len(next(csv.reader(fh, delimiter=separator), []))
    except (csv.Error, UnicodeDecodeError):
        return None
    found = long_rows(path, separator, width)
    return (width, found[:limit]) if found else None


# --- XLSX -------------------------------------------------------------------------------------


def _read_xlsx(path: Path, label: str, sheet: str | int | None) -> Source:
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
        names = list(reader.sheet_names)
    except Exception as exc:
        raise ResponsesError(f"{label}: cannot be read as an XLSX workbook: {_first_line(exc)}") from None
    if not names:
        raise ResponsesError(f"{label}: the workbook has no sheets")
    index = _sheet_index(label, names, sheet)
    try:
        text = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string").to_polars()
        numbers = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="float").to_polars()
    except (Exception, pl.exceptions.PanicException) as exc:
        raise ResponsesError(f"{label}: cannot read sheet '{names[index]}': {_first_line(exc)}") from None
    where = f"{label} [{names[index]}]" if sheet is not None else label
    raw = _exact_numbers(text, numbers)
    filled = raw.select(pl.any_horizontal(pl.all().is_not_null() & (pl.all().str.strip_chars() != ""))).to_series()
    if raw.width == 0 or not filled.any():
        raise ResponsesError(f"{where}: the sheet '{names[index]}' is empty")
    top = int(filled.arg_true()[0])
    header = list(raw.row(top))
    frame = raw.slice(top + 1)
    frame.columns = [f"c{i}" for i in range(frame.width)]
    return Source(frame, header, where, top + 2, "xlsx")


def _exact_numbers(text: pl.DataFrame, numbers: pl.DataFrame) -> pl.DataFrame:
    """The sheet as text, with every number cell written in full.

    Read as text, calamine writes a number to about 9 significant digits (1/3 as 0.333333333):
    where that text, read back as a number, is not the cell's number, the number's shortest
    exact form is used instead. Text cells (``007``, ``true``) are kept as written.
    """
    text = text.select(pl.all().cast(pl.String))
    if numbers.shape != text.shape:  # pragma: no cover - both reads cover the same range
        return text
    numbers.columns = text.columns
    exprs = []
    for c in text.columns:
        written, number = pl.col(c), numbers[c].cast(pl.Float64)
        lossy = written.cast(pl.Float64, strict=False).is_not_null() & (written.cast(pl.Float64, strict=False) != number)
        exact = pl.when(number == number.round(0)).then(number.cast(pl.Int64, strict=False).cast(pl.String))
        exprs.append(pl.when(lossy).then(pl.coalesce(exact, pl.lit(number).cast(pl.String))).otherwise(written).alias(c))
    return text.select(exprs)


def _sheet_index(label: str, names: list[str], sheet: str | int | None) -> int:
    if sheet is None:
        return 0
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 0 <= sheet < len(names):
            return sheet
    elif isinstance(sheet, str):
        for i, candidate in enumerate(names):
            if candidate == sheet:
                return i
        for i, candidate in enumerate(names):
            if candidate.strip().lower() == sheet.strip().lower():
                return i
    listed = ", ".join(f"{i} '{n}'" for i, n in enumerate(names))
    raise ResponsesError(f"{label}: no sheet {sheet!r}; the workbook has {listed}")


# --- SPSS, Parquet, frames --------------------------------------------------------------------


def _read_sav(path: Path, label: str) -> Source:
    import pyreadstat

    try:
        # user_missing: codes such as 9 "Not applicable" are answers, not missing values
        frame, _meta = pyreadstat.read_sav(str(path), output_format="polars", user_missing=True)
    except Exception as exc:
        raise ResponsesError(f"{label}: cannot be read as an SPSS .sav file: {_first_line(exc)}") from None
    return _typed_source(frame, label, "sav")


def _read_parquet(path: Path, label: str) -> Source:
    try:
        frame = pl.read_parquet(path, glob=False)
    except (Exception, pl.exceptions.PanicException) as exc:
        raise ResponsesError(f"{label}: cannot be read as Parquet: {_first_line(exc)}") from None
    return _typed_source(frame, label, "parquet")


def _is_pandas(obj: Any) -> bool:
    module = type(obj).__module__ or ""
    return module.startswith("pandas") and type(obj).__name__ == "DataFrame"


def _from_polars(frame: pl.DataFrame, label: str) -> Source:
    return _typed_source(frame, label, "frame")


def _from_pandas(frame: Any, label: str) -> Source:
    frame = frame.copy(deep=False)
    if any(n is not None for n in frame.index.names):
        frame = frame.reset_index()
    header: list[str | None] = [str(c) if not isinstance(c, tuple) else " ".join(str(p) for p in c) for c in frame.columns]
    frame.columns = [f"c{i}" for i in range(len(header))]
    try:
        converted = pl.from_pandas(frame)
    except Exception:
        try:
            objects = {c: "string" for c in frame.columns if frame[c].dtype == object}
            converted = pl.from_pandas(frame.astype(objects))
        except Exception as exc:
            raise ResponsesError(f"{label}: cannot convert the pandas frame: {_first_line(exc)}") from None
    source = _typed_source(converted, label, "frame")
    source.header = header
    return source


def _typed_source(frame: pl.DataFrame, label: str, fmt: str) -> Source:
    header: list[str | None] = list(frame.columns)
    renamed = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})
    return Source(stringify(renamed, label, header), header, label, 1, fmt)


def stringify(frame: pl.DataFrame, label: str, header: list[str | None]) -> pl.DataFrame:
    """Every column as text, as a person would write it: 1.0 as '1', NaN as empty."""
    exprs = []
    for i, (column, dtype) in enumerate(frame.schema.items()):
        col = pl.col(column)
        if dtype == pl.String:
            exprs.append(col)
        elif dtype.is_float():
            whole = col.is_finite() & (col == col.round(0)) & (col.abs() < 2.0**53)
            exprs.append(
                pl.when(col.is_nan())
                .then(None)
                .when(whole)
                .then(col.cast(pl.Int64).cast(pl.String))
                .otherwise(col.cast(pl.String))
                .alias(column)
            )
        elif dtype.is_nested() or dtype == pl.Object:
            raise ResponsesError(f"{label}: column {header[i]} holds {dtype} values; a responses file holds one value per cell")
        elif dtype == pl.Binary:
            exprs.append(col.cast(pl.String))  # strict: bytes that are not UTF-8 stop the read
        else:
            exprs.append(col.cast(pl.String))
    try:
        return frame.select(exprs)
    except pl.exceptions.PolarsError:
        pass
    for i, expr in enumerate(exprs):  # name the column that cannot be read
        try:
            frame.select(expr)
        except pl.exceptions.PolarsError as exc:
            what = f"column {header[i]} holds {frame.dtypes[i]} values that cannot be read as text"
            raise ResponsesError(f"{label}: {what}: {_first_line(exc)}") from None
    raise ResponsesError(f"{label}: cannot read the values as text")  # pragma: no cover

"""What a read may cost, judged from what a file declares before it is read (private).

A 10 KB workbook whose one far cell is XFD1048576 makes the XLSX library allocate a cell for
every one of 17 billion places (549 GB: the process aborts); a 4 MB zip member can expand to
8 GB; a Parquet or SPSS file can declare a billion rows. Each reader asks here first, from the
sizes the file declares (and, for a workbook, from a streamed look at its cells), how much memory
the read would need, and a file over :class:`ReadLimits` is refused with an error naming it,
what it holds, and the setting that allows more. Plain CSV is read as a stream: it needs memory in
proportion to its size and is not checked here.

Limits come from the environment (:meth:`ReadLimits.from_env`):

``COLLABSTATE_READ_MEMORY``  memory a read may need (default ``2G``; ``512M``, bytes also)
``COLLABSTATE_READ_SECONDS`` time a read may take where it runs on its own (the web app; default 120)
``COLLABSTATE_MAX_UPLOAD``   the largest file the web app takes (default ``512M``)
"""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._problems import ResponsesError

__all__ = ["ReadLimits", "check_parquet", "check_sav", "check_xlsx", "size_text"]

#: Excel's own last cell: XFD1048576.
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384
#: What the XLSX library and the two loads of a sheet (as text and as numbers) take per cell of the
#: sheet's rectangle, and per byte of a shared string each time a cell shows it (measured: 2 million
#: cells, 195 MB).
CELL_BYTES, STRING_COPIES = 96, 3
#: A zip member may expand this many times its compressed size once it is over RATIO_FLOOR bytes
#: (XML compresses 5 to 50 times; deflate's most is 1,032; the issue's bomb, 1,800 with nesting).
MAX_RATIO, RATIO_FLOOR = 250, 16 << 20
#: Members of a workbook (a sheet, its styles, strings, images: a few dozen in practice).
MAX_MEMBERS = 10_000
_CHUNK = 1 << 24
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B?\s*$", re.IGNORECASE)


def _bytes(text: str, variable: str) -> int:
    found = _SIZE.match(text)
    if not found:
        raise ResponsesError(f"the setting {variable}={text!r} is not a size; expected e.g. 2G, 512M or a number of bytes")
    return int(float(found.group(1)) * 1024 ** " KMGT".index(found.group(2).upper() or " "))


def size_text(n: float) -> str:
    """A size as a person reads it: 549.8 GB, 8.0 GB, 512 MB."""
    for unit, scale in (("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            value = n / scale
            return f"{value:.1f} {unit}" if value < 100 else f"{value:,.0f} {unit}"
    return f"{int(n)} bytes"


@dataclass(frozen=True)
class ReadLimits:
    """How much a read of one file may take: ``memory`` (bytes, judged before reading; where the
    read runs on its own, also enforced), ``seconds`` (where it runs on its own) and ``upload``
    (the largest file the web app takes)."""

    memory: int = 2 << 30
    seconds: float = 120.0
    upload: int = 512 << 20

    @classmethod
    def from_env(cls) -> ReadLimits:
        env = os.environ
        seconds = env.get("COLLABSTATE_READ_SECONDS", "")
        try:
            time = float(seconds) if seconds.strip() else cls.seconds
        except ValueError:
            raise ResponsesError(f"the setting COLLABSTATE_READ_SECONDS={seconds!r} is not a number of seconds") from None
        return cls(
            memory=_bytes(env["COLLABSTATE_READ_MEMORY"], "COLLABSTATE_READ_MEMORY") if env.get("COLLABSTATE_READ_MEMORY") else cls.memory,
            seconds=time,
            upload=_bytes(env["COLLABSTATE_MAX_UPLOAD"], "COLLABSTATE_MAX_UPLOAD") if env.get("COLLABSTATE_MAX_UPLOAD") else cls.upload,
        )

    def check_upload(self, label: str, size: int | None) -> None:
        """Refuse a file of ``size`` bytes over the largest the web app takes."""
        if size is not None and size > self.upload:
            raise ResponsesError(
                f"{label}: the file is {size_text(size)}; the largest file taken here is {size_text(self.upload)} "
                "(COLLABSTATE_MAX_UPLOAD); `collabstate validate` reads larger files on your own computer"
            )

    def refuse(self, label: str, what: str, need: float) -> None:
        """Raise when ``need`` bytes is over the memory limit: ``what`` says what the file holds."""
        if need > self.memory:
            raise ResponsesError(
                f"{label}: {what}; reading it would need about {size_text(need)} of memory, more than the limit of "
                f"{size_text(self.memory)} (COLLABSTATE_READ_MEMORY)"
            )


# --- XLSX ---------------------------------------------------------------------------------------


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _cell_name(row: int, column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


# As Excel, LibreOffice and openpyxl write cells (``<c r="B7" s="1" t="s"><v>12</v></c>``): read at
# the speed of a literal search; a part written otherwise is read token by token.
_FAST_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
_FAST_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_FAST_ROW_TAG = re.compile(rb'<row r="([0-9]{1,7})"')
_FAST_SHARED = re.compile(rb't="s"><v>([0-9]{1,18})</v>')
_ODD_CELL = re.compile(rb"<c[\t\r\n]")
_ANY_SHARED = re.compile(rb"\bt\s*=\s*(?:\"\s*s\s*\"|'\s*s\s*')")
_TOKEN = re.compile(rb"<(row|c)(?=[\s>/])([^>]*)>|</row>")
_R_ATTR = re.compile(rb"\br\s*=\s*[\"']\s*([A-Za-z]*)([0-9]+)\s*[\"']")
_SI = re.compile(rb"<si[\s>/]")


class _Sheet:
    """A streamed look at one XML member: the rectangle its cells span (from A1, as the library
    allocates it), and an upper bound of the shared text its cells show.

    Each cell that shows a shared string gets its own copy of it. While the cells seen, each
    showing the longest shared string, stay within a quarter of the limit, that bound is enough;
    beyond, each cell's string is looked up (a cell whose string cannot be told counts as the
    longest)."""

    def __init__(self, sizes: np.ndarray, limits: ReadLimits) -> None:
        self.rows = self.columns = 0
        self.cells = 0
        self.sizes, self.longest = sizes, int(sizes.max(initial=0))
        self.room = limits.memory // (4 * STRING_COPIES)
        self.shown = 0  # bytes of shared strings shown by the cells, at most
        self.row = self.column = 0  # where a cell without a reference goes (the library's rule)

    def feed(self, data: bytes) -> None:
        total = data.count(b"<c ") + data.count(b"<c>") + data.count(b"<c/") + len(_ODD_CELL.findall(data))
        if not total:
            self._walk(data)  # rows without cells: where the next cell without a reference goes
            return
        columns = _FAST_COLUMN.findall(data)
        rows = _FAST_ROW.findall(data) if len(columns) == total else []
        numbered = _FAST_ROW_TAG.findall(data) if len(rows) == total else []
        if rows and len(rows) == total and len(numbered) == data.count(b"<row ") + data.count(b"<row>") + data.count(b"<row/"):
            self.cells += total
            self.rows = max(self.rows, max(map(int, set(rows))))
            self.columns = max(self.columns, max(map(_column_number, set(columns))))
            # where a walk of the next chunk goes on from: the last row's number, and the last cell's column
            self.row = int(numbered[-1]) if numbered else self.row
            self.column = _column_number(columns[-1]) if data.rfind(b'<c r="') > data.rfind(b"<row") else 0
        else:
            self._walk(data)
        if self.shown + total * self.longest <= self.room:
            self.shown += total * self.longest
            return
        shared = _FAST_SHARED.findall(data)
        found = np.array(shared, dtype="S").astype(np.int64) if shared else np.zeros(0, np.int64)
        self.shown += int(self.sizes[found[found < self.sizes.size]].sum())
        self.shown += max(len(_ANY_SHARED.findall(data)) - len(shared), 0) * self.longest

    def _walk(self, data: bytes) -> None:
        """Cells without references, one by one, as the library places them: a row is its ``r``, or
        the one after the last row; a cell without ``r`` is in that row, one column after the last
        cell (a cell's own reference moves the column, not the row's count)."""
        for token in _TOKEN.finditer(data):
            kind, attrs = token.group(1), token.group(2) or b""
            ref = _R_ATTR.search(attrs)
            if kind == b"row":
                self.row = int(ref.group(2)) if ref else self.row + 1
                self.column = 0
            elif kind == b"c":
                self.cells += 1
                if ref and ref.group(1):  # where its reference puts it; the row's count goes on as it was
                    self.column = _column_number(ref.group(1))
                    self.rows, self.columns = max(self.rows, int(ref.group(2))), max(self.columns, self.column)
                else:
                    self.column += 1
                    self.rows, self.columns = max(self.rows, self.row, 1), max(self.columns, self.column)


def _members(z: zipfile.ZipFile, label: str, limits: ReadLimits) -> list[zipfile.ZipInfo]:
    infos = z.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ResponsesError(f"{label}: the workbook holds {len(infos):,} parts; a workbook holds at most {MAX_MEMBERS:,}")
    declared = sum(i.file_size for i in infos)
    limits.refuse(label, f"the workbook expands to {size_text(declared)} (from {size_text(sum(i.compress_size for i in infos))})", declared)
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ResponsesError(
                f"{label}: the part {info.filename} expands from {size_text(info.compress_size)} to {size_text(info.file_size)}, "
                f"{info.file_size // max(info.compress_size, 1):,} times; a workbook's parts expand at most {MAX_RATIO} times "
                "(is it a zip bomb?)"
            )
    return infos


def _stream(z: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, room: int) -> Iterator[bytes]:
    """The member's bytes as it truly expands, refusing more than it declares (the library that
    reads it next believes the data, not the declaration) or than ``room``."""
    declared = info.file_size
    info.file_size = min(declared, room) + 1  # zipfile stops at the declared size: let it show more
    seen = 0
    try:
        with z.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                seen += len(chunk)
                if seen > declared:
                    raise ResponsesError(
                        f"{label}: the part {info.filename} declares {size_text(declared)} but expands to more; the workbook is damaged or forged"
                    )
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise ResponsesError(f"{label}: cannot be read as an XLSX workbook: the part {info.filename} is damaged ({exc})") from None
    finally:
        info.file_size = declared


def _shared_string_sizes(z: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, room: int) -> np.ndarray:
    """The bytes of each shared string (its element, mark-up included: an upper bound)."""
    starts = array("q")
    offset, carry = 0, b""
    for chunk in _stream(z, info, label, room):
        data = carry + chunk
        keep = max(0, len(data) - 4)
        starts.extend(offset - len(carry) + m.start() for m in _SI.finditer(data, 0, keep))
        offset += len(chunk)
        carry = data[keep:]
    starts.extend(offset - len(carry) + m.start() for m in _SI.finditer(carry))
    at = np.frombuffer(starts, dtype=np.int64) if len(starts) else np.zeros(0, np.int64)
    return np.diff(np.append(at, offset)) if at.size else at


def _cut(data: bytes) -> int:
    """Where the data can be cut with every cell before it whole: after the last ``</c>``,
    ``</row>`` or ``/>`` (0: nowhere)."""
    return max((at + len(end) for end in (b"</c>", b"</row>", b"/>") if (at := data.rfind(end)) >= 0), default=0)


def _scan(z: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, sizes: np.ndarray, limits: ReadLimits) -> _Sheet:
    sheet, carry = _Sheet(sizes, limits), b""
    for chunk in _stream(z, info, label, limits.memory):
        data = carry + chunk
        cut = _cut(data)
        if not cut and len(data) > 4 * _CHUNK:
            cut = len(data)  # one element of 64 MB: take it as it is
        sheet.feed(data[:cut])
        carry = data[cut:]
    sheet.feed(carry)
    return sheet


_SHEET = re.compile(rb"<sheet\b([^>]*)>")
_RELATION = re.compile(rb"<Relationship\b([^>]*)>")


def _attribute(attrs: bytes, name: bytes) -> str | None:
    found = re.search(rb"(?:^|\s)" + name + rb"\s*=\s*[\"']([^\"']*)[\"']", attrs)
    return found.group(1).decode("utf-8", "replace") if found else None


def _workbook_parts(z: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> tuple[dict[str, str], set[str]]:
    """From the workbook and its relationships (best effort): part name -> the sheet's name as
    Excel shows it (``xl/worksheets/sheet1.xml`` -> ``Sheet1``), for messages; and the parts
    named as the shared strings."""
    small = {i.filename for i in infos if i.file_size < (1 << 20)}
    if "xl/workbook.xml" not in small or "xl/_rels/workbook.xml.rels" not in small:
        return {}, set()
    try:
        book, rels = z.read("xl/workbook.xml"), z.read("xl/_rels/workbook.xml.rels")
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError):
        return {}, set()
    targets, shared = {}, set()
    for m in _RELATION.finditer(rels):
        rid, target, kind = _attribute(m.group(1), b"Id"), _attribute(m.group(1), b"Target"), _attribute(m.group(1), b"Type") or ""
        if rid and target:
            targets[rid] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if kind.endswith("/sharedStrings"):
                shared.add(targets[rid])
    names = {}
    for m in _SHEET.finditer(book):
        name, rid = _attribute(m.group(1), b"name"), _attribute(m.group(1), b"r:id")
        if name and rid in targets:
            names[targets[rid]] = name
    return names, shared


def check_xlsx(path: Path, label: str, limits: ReadLimits) -> None:
    """Refuse a workbook whose parts or sheets would need more than ``limits`` to read: too many
    parts, parts that expand too far (declared, or truly), a cell beyond Excel's last, or a sheet
    whose cells span a rectangle (with the shared strings its cells show) over the memory limit."""
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ResponsesError(f"{label}: cannot be read as an XLSX workbook: not a zip archive ({exc})") from None
    with z:
        infos = _members(z, label, limits)
        room = limits.memory
        names, named_shared = _workbook_parts(z, infos)
        # the shared strings: the part so named, or that the relationships name (the longest of them, if both)
        strings = [i for i in infos if i.filename.lower().endswith("sharedstrings.xml") or i.filename in named_shared]
        found = [_shared_string_sizes(z, info, label, room) for info in strings]
        sizes = max(found, key=lambda s: int(s.max(initial=0)), default=np.zeros(0, np.int64))
        for info in infos:  # every part, whatever its name: the relationships may name any as a sheet
            if info in strings:
                continue
            sheet = _scan(z, info, label, sizes, limits)
            if not sheet.cells:
                continue
            reach = _cell_name(sheet.rows, sheet.columns)
            where = f"the sheet '{names[info.filename]}'" if info.filename in names else f"the part {info.filename}"
            if sheet.rows > MAX_ROWS or sheet.columns > MAX_COLUMNS:
                raise ResponsesError(
                    f"{label}: the cells of {where} reach {reach}, beyond Excel's last cell, XFD1048576; the workbook is damaged or forged"
                )
            shown = sheet.shown
            cells = sheet.rows * sheet.columns
            text = f", and its cells show up to {size_text(shown)} of shared text" if shown * STRING_COPIES > cells * CELL_BYTES else ""
            limits.refuse(
                label,
                f"{where} spans A1:{reach} ({cells:,} cells for the {sheet.cells:,} it holds{text}; "
                "delete the rows and columns beyond the data)",
                cells * CELL_BYTES + shown * STRING_COPIES,
            )


# --- SPSS, Parquet ------------------------------------------------------------------------------


def check_sav(path: Path, label: str, limits: ReadLimits) -> None:
    """Refuse a .sav file whose declared cases would need more than the limit: 8 bytes a number,
    a Python string (64 bytes) and its text a string, read and then turned into text. A string's
    declared width is padding, not text: the text of them all is at most what the file holds (a
    .zsav's deflate expands at most 1,032 times)."""
    import pyreadstat

    try:
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ResponsesError(f"{label}: cannot be read as an SPSS .sav file: {first}") from None
    rows = meta.number_rows
    if rows is None:
        return  # not declared: ReadStat counts the cases as it reads
    kinds = meta.readstat_variable_types or {}
    strings = [name for name, kind in kinds.items() if kind == "string"]
    numbers = max((meta.number_columns or 0) - len(strings), 0)
    with open(path, "rb") as fh:
        zipped = fh.read(4) == b"$FL3"
    declared = rows * sum(int((meta.variable_storage_width or {}).get(name, 8)) for name in strings)
    text = min(declared, path.stat().st_size * (1032 if zipped else 1))
    need = 2.0 * (rows * (8 * numbers + 64 * len(strings)) + text)
    limits.refuse(label, f"the file declares {rows:,} cases of {meta.number_columns:,} variables", need)


def check_parquet(path: Path, label: str, limits: ReadLimits) -> None:
    """Refuse a Parquet file whose declared rows and uncompressed size would need more than the limit."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
    except Exception as exc:
        raise ResponsesError(
            f"{label}: cannot be read as Parquet: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}"
        ) from None
    expanded = sum(max(meta.row_group(i).total_byte_size, 0) for i in range(meta.num_row_groups))
    need = 2.0 * max(expanded, meta.num_rows * meta.num_columns * 8)
    limits.refuse(
        label, f"the file declares {meta.num_rows:,} rows of {meta.num_columns:,} columns ({size_text(expanded)} uncompressed)", need
    )

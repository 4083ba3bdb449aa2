"""A wave's responses out of the database, a chunk of responses at a time: CSV, XLSX, SPSS .sav
and Parquet, and the codebook.

>>> export_wave(wave, "leaders-2026.parquet", progress=lambda done, total: print(done, total))  # doctest: +SKIP
50000 1000000
…
WaveExport(path=PosixPath('leaders-2026.parquet'), format='parquet', n=1000000)

How (answers are stored one row per response and data column, :class:`~.models.Answer`):

1. **Read**: the responses of the wave are taken in order of their id, ``chunk`` at a time. The
   database folds each response's answers into one JSON object (SQLite ``json_group_object``,
   PostgreSQL ``json_object_agg``) and sends a chunk as one row, its response ids and its JSON
   lines, rather than ~2.7 million rows of three Python objects each (what made the ORM's
   reading slow); polars reads the lines into the instrument's columns (``read_ndjson``): the
   pivot, vectorised. Other databases send the rows as they are and polars pivots them.
2. **Validate**: each chunk, a frame of text as a data file would read, goes through the core's
   own reader and validation (:func:`collabstate.dataset.validate.validate_source`), with its
   rows numbered within the whole wave: coding, labels and dtypes are those of every other file.
3. **Write**: CSV is appended chunk by chunk; Parquet gets a row group per chunk (pyarrow's
   ``ParquetWriter``). SPSS .sav and XLSX go through the core writer
   (:func:`collabstate.dataset.write_responses`), which needs every row at once: the string
   widths of a .sav header and the number of respondents of a workbook come before the data.
   The typed chunks are kept for it (about 300 bytes a response of ``readiness-2018``), never
   the text or the answer rows.

The database is read while the previous chunk is validated and written (a second thread, which
never touches the database). The file appears whole or not at all. A response that completes
after the export has passed its id is left out.

A stored answer that no longer fits the instrument (a code taken out of its scale, a number
beyond the limits of :mod:`collabstate.instrument.bounds` stored before they were enforced, an
answer to a question skip logic now skips) never stops an export: the respondent's row is
written with that answer blank (not answered; for a multiple-choice question, all of its
options), every such answer is counted, and the first :data:`~collabstate.dataset.MAX_PROBLEMS`
are listed in :attr:`WaveExport.problems`, which the command line and the export's page show
(:func:`~collabstate.dataset.validate.validate_source` with ``blank_problems=True``).
:func:`read_wave`, which the live results read, leaves them blank the same way.

In CSV, text that a spreadsheet would run as a formula is written after an apostrophe unless
``raw_text`` (:mod:`collabstate.dataset.csv_text`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import polars as pl
from django.db import connection

from ...dataset import MAX_PROBLEMS, DataProblem, Responses, Validation, codebook, format_of, read_source, write_responses
from ...dataset.csv_text import write_csv
from ...dataset.validate import validate_source
from ...dataset.writers import INSTRUMENT_KEY
from ...errors import InputError
from ...instrument import Instrument
from .models import Answer, Response, Wave

if TYPE_CHECKING:
    import pyarrow.parquet as pq

__all__ = ["CHUNK", "WaveExport", "count_responses", "export_codebook", "export_wave", "read_wave", "wave_frames"]

#: Responses per chunk: ~2.7 million answer rows of ``readiness-2018``, ~65 MB of JSON lines.
CHUNK = 50_000


@dataclass
class WaveExport:
    """What :func:`export_wave` wrote."""

    path: Path
    format: str
    n: int  # responses written
    #: Stored answers that do not fit the instrument, written blank: every one counted ...
    n_problems: int = 0
    #: ... and the first MAX_PROBLEMS of them, in row order.
    problems: list[DataProblem] = field(default_factory=list)

    def summary(self, limit: int = 20) -> list[str]:
        """What a person is told about the answers written blank: a sentence, then the first
        ``limit`` problems (none when every stored answer fits)."""
        if not self.n_problems:
            return []
        n = self.n_problems
        lines = [
            f"{n:,} stored answer{'s' if n != 1 else ''} {'do' if n != 1 else 'does'} not fit the questionnaire "
            f"and {'are' if n != 1 else 'is'} written blank (not answered); every other answer is written:"
        ]
        lines += [str(p) for p in self.problems[:limit]]
        if n > limit:
            lines.append(f"… and {n - limit:,} more")
        return lines


# --- reading ---------------------------------------------------------------------------------


def count_responses(wave: Wave, *, completed_only: bool = True) -> int:
    """How many responses :func:`export_wave` will write (the ``total`` of its progress)."""
    responses = Response.objects.filter(wave=wave)
    return (responses.filter(completed=True) if completed_only else responses).count()


def _which(completed_only: bool) -> tuple[str, list]:
    return ("wave_id = %s AND completed = %s", [True]) if completed_only else ("wave_id = %s", [])


def _id_batches(wave: Wave, completed_only: bool, chunk: int) -> Iterator[pl.DataFrame]:
    """(id, respondent_id) of the wave's responses, ``chunk`` at a time, in order of id."""
    where, extra = _which(completed_only)
    sql = f"SELECT id, public_id FROM {Response._meta.db_table} WHERE {where} AND id > %s ORDER BY id LIMIT %s"
    last = -1
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [wave.pk, *extra, last, chunk])
            rows = cursor.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        yield pl.DataFrame(
            {"id": [r[0] for r in rows], "respondent_id": _uuid_text([r[1] for r in rows])},
            schema={"id": pl.Int64, "respondent_id": pl.String},
        )
        if len(rows) < chunk:
            return


def _uuid_text(values: list) -> pl.Series:
    """Public ids as ``str(uuid)`` writes them: PostgreSQL returns UUIDs, SQLite 32 hex digits."""
    if values and isinstance(values[0], uuid.UUID):
        return pl.Series([str(v) for v in values], dtype=pl.String)
    hexes = pl.Series(values, dtype=pl.String).str.to_lowercase()
    cut = [hexes.str.slice(a, b - a) for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))]
    dashed = pl.select(pl.concat_str(cut, separator="-")).to_series()
    return pl.select(pl.when(hexes.str.len_chars() == 32).then(dashed).otherwise(hexes)).to_series()


def answers_object(column: str, value: str) -> str:
    """SQL for the aggregate that folds a group of answer rows into one JSON object (column ->
    value), as text: ``json_object_agg`` on PostgreSQL (NULL for no rows), ``json_group_object``
    on SQLite (``{}``). Used here for whole chunks and by ``actions.find_respondent`` for one
    respondent."""
    if connection.vendor == "postgresql":
        return f"CAST(json_object_agg({column}, {value}) AS text)"
    return f"json_group_object({column}, {value})"


def _answers_sql(how: str, completed_only: bool) -> str:
    """One chunk's answers: the rows as stored (``rows``), or one row of two values: the
    response ids, comma-separated, and their answers as JSON lines, in the same order."""
    where, _ = _which(completed_only)
    column = connection.ops.quote_name("column")
    picked = f"response_id IN (SELECT id FROM {Response._meta.db_table} WHERE {where} AND id BETWEEN %s AND %s)"
    if how == "rows":
        return f"SELECT response_id, {column}, value FROM {Answer._meta.db_table} WHERE {picked}"
    if how == "postgresql":
        lines = "string_agg(CAST(response_id AS text), ',' ORDER BY response_id), convert_to(string_agg(answers, E'\\n' ORDER BY response_id), 'UTF8')"
    else:  # both aggregates see the rows in the same order
        lines = "group_concat(response_id), CAST(group_concat(answers, char(10)) AS BLOB)"
    fold = answers_object(column, "value")
    return f"SELECT {lines} FROM (SELECT response_id, {fold} AS answers FROM {Answer._meta.db_table} WHERE {picked} GROUP BY response_id) folded"


def _fetch(wave: Wave, ids: pl.DataFrame, how: str, completed_only: bool) -> list[tuple]:
    _, extra = _which(completed_only)
    with connection.cursor() as cursor:
        cursor.execute(_answers_sql(how, completed_only), [wave.pk, *extra, ids["id"][0], ids["id"][-1]])
        return cursor.fetchall()


def _text_frame(ids: pl.DataFrame, fetched: list[tuple], names: list[str], how: str) -> pl.DataFrame:
    """One chunk's answers -> respondent_id and the instrument's columns, as text (null: no answer)."""
    schema = dict.fromkeys(names, pl.String)
    if how == "rows":
        long = pl.DataFrame(fetched, schema={"id": pl.Int64, "column": pl.String, "value": pl.String}, orient="row")
        long = long.filter(pl.col("column").is_in(names))
        wide = long.pivot(on="column", index="id", values="value") if long.height else pl.DataFrame(schema={"id": pl.Int64})
        wide = wide.select("id", *[pl.col(n) if n in wide.columns else pl.lit(None, pl.String).alias(n) for n in names])
    elif not fetched or fetched[0][0] is None:  # no answers at all
        wide = pl.DataFrame(schema={"id": pl.Int64, **schema})
    else:
        ((numbers, lines),) = fetched
        wide = pl.read_ndjson(lines if isinstance(lines, bytes) else bytes(lines), schema=schema)
        wide.insert_column(0, pl.Series("id", [numbers]).str.split(",").explode().cast(pl.Int64))
    return ids.join(wide, on="id", how="left", maintain_order="left").select("respondent_id", *names)


def _how() -> str:
    """How the database sends a chunk: JSON lines, or the rows as they are."""
    if connection.vendor == "postgresql":
        return "postgresql"
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            try:
                cursor.execute("SELECT json_group_object('a', 'b')")
                return "sqlite"
            except Exception:
                pass
    return "rows"


def _raw_chunks(wave: Wave, completed_only: bool, chunk: int, how: str | None) -> Iterator[tuple[pl.DataFrame, list[tuple], str]]:
    """(ids, answers as the database sent them, how) per chunk: the only code that reads the
    database, run in the caller's thread."""
    how = how or _how()
    for ids in _id_batches(wave, completed_only, chunk):
        yield ids, _fetch(wave, ids, how, completed_only), how


def wave_frames(wave: Wave, *, completed_only: bool = True, chunk: int = CHUNK, how: str | None = None) -> Iterator[pl.DataFrame]:
    """The wave's stored answers, ``chunk`` responses at a time in order of response, as frames
    of text: ``respondent_id`` (the response's public id), then the instrument's columns, as a
    data file holding them would read. ``how``: ``"rows"`` to pivot the rows in polars whatever
    the database (default: JSON lines from SQLite and PostgreSQL)."""
    names = [c.name for c in wave.instrument.columns]
    for ids, fetched, found in _raw_chunks(wave, completed_only, chunk, how):
        yield _text_frame(ids, fetched, names, found)


def _empty_text(instrument: Instrument) -> pl.DataFrame:
    return pl.DataFrame(schema={"respondent_id": pl.String, **{c.name: pl.String for c in instrument.columns}})


def _validate(frame: pl.DataFrame, instrument: Instrument, name: str, before: int) -> Validation:
    """The core's reading of a data frame (:func:`collabstate.read_responses`), with rows
    numbered after the ``before`` rows of the earlier chunks."""
    source = read_source(frame, name=name)
    source.first_row += before
    return validate_source(source, instrument, blank_problems=True)


def _validations(
    wave: Wave, completed_only: bool, chunk: int, how: str | None, then: Callable[[Validation], None] | None = None
) -> Generator[Validation, None, None]:
    """Each chunk validated (at least one, empty, chunk) and handed to ``then``, in order. This
    thread reads the database, and only this one: while it reads the next chunk, a worker thread
    types and validates the last one and runs ``then`` (writing it); SQLite, psycopg and polars
    let go of the GIL while they work."""
    instrument, name = wave.instrument, f"wave {wave.slug}"
    names = [c.name for c in instrument.columns]
    before = 0

    def convert(frame: pl.DataFrame, before: int) -> Validation:
        part = _validate(frame, instrument, name, before)
        if then is not None:
            then(part)
        return part

    worker = ThreadPoolExecutor(1, thread_name_prefix="wave-export")
    try:
        pending = None
        for ids, fetched, found in _raw_chunks(wave, completed_only, chunk, how):
            submitted = worker.submit(lambda i, f, h, b: convert(_text_frame(i, f, names, h), b), ids, fetched, found, before)
            before += ids.height
            del ids, fetched
            if pending is not None:
                yield pending.result()
            pending = submitted
        yield pending.result() if pending is not None else convert(_empty_text(instrument), 0)
    finally:  # also when the caller stops early: nothing of this export runs on after it
        worker.shutdown(wait=True, cancel_futures=True)


def read_wave(wave: Wave, *, completed_only: bool = True, chunk: int = CHUNK) -> Validation:
    """The wave's stored answers as one :class:`~collabstate.dataset.Validation`, as the core
    reads a file holding them, an answer that does not fit left blank (``blank_problems``), as
    the exports write it (what :func:`.actions.responses_of` returns)."""
    parts = list(_validations(wave, completed_only, chunk, None))
    return _merge(wave.instrument, parts)


def _merge(instrument: Instrument, parts: list[Validation]) -> Validation:
    data = pl.concat([p.responses.data for p in parts], rechunk=False)
    problems = [p for part in parts for p in part.problems][:MAX_PROBLEMS]
    rejected = pl.concat([p.rejected for p in parts])
    file = parts[0].file
    return Validation(
        Responses(instrument, data, source=file), problems, rejected,
        sum(p.n_read for p in parts), sum(p.n_problems for p in parts), file, blank_problems=True,
    )  # fmt: skip


# --- writing ---------------------------------------------------------------------------------


class _Csv:
    """Appends each chunk, as the core's CSV writer writes a whole frame (formula-like text
    neutralised unless ``raw_text``)."""

    def __init__(self, path: Path, instrument: Instrument, raw_text: bool = False) -> None:
        self.file, self.header = open(path, "wb"), True  # noqa: SIM115 (open across add() calls, closed by close())
        self.raw_text = raw_text

    def add(self, data: pl.DataFrame) -> None:
        write_csv(data, self.file, raw_text=self.raw_text, include_header=self.header, include_bom=False, null_value="",
                  quote_style="necessary")  # fmt: skip
        self.header = False

    def close(self) -> None:
        self.file.close()


class _Parquet:
    """One row group per chunk; the instrument id in the metadata, as the core writes it."""

    def __init__(self, path: Path, instrument: Instrument) -> None:
        self.path, self.metadata = path, {INSTRUMENT_KEY: instrument.id}
        self.writer: pq.ParquetWriter | None = None

    def add(self, data: pl.DataFrame) -> None:
        import pyarrow.parquet as pq

        table = data.to_arrow()
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **self.metadata})
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        self.writer.write_table(table, row_group_size=max(table.num_rows, 1))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def export_wave(
    wave: Wave,
    path: str | Path,
    fmt: str | None = None,
    *,
    completed_only: bool = True,
    progress: Callable[[int, int], None] | None = None,
    chunk: int = CHUNK,
    raw_text: bool = False,
) -> WaveExport:
    """Write the wave's responses to ``path`` as ``fmt`` (csv, xlsx, sav or parquet; default: the
    path's extension), chunk by chunk; the file holds what
    ``write_responses(responses_of(wave).responses, path, raw_text=raw_text)`` writes: stored
    answers that do not fit the instrument are written blank, and counted and listed in the
    returned :class:`WaveExport`.

    ``progress(done, total)`` is called after each chunk, in the caller's thread. Raises
    ``ValueError`` naming the path for an unknown format or a value the format cannot hold; then
    nothing is left at ``path``.
    """
    path = Path(path)
    fmt = format_of(path, fmt)
    instrument, name = wave.instrument, f"wave {wave.slug}"
    total = count_responses(wave, completed_only=completed_only)
    streamed = fmt in ("csv", "parquet")
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    writer = (_Csv(temporary, instrument, raw_text) if fmt == "csv" else _Parquet(temporary, instrument)) if streamed else None
    kept: list[pl.DataFrame] = []  # .sav and .xlsx: the typed chunks, for the core writer
    problems: list[DataProblem] = []
    n_problems = done = 0

    def take(part: Validation) -> None:  # in the worker thread, chunk after chunk
        nonlocal n_problems
        n_problems += part.n_problems
        problems.extend(part.problems[: MAX_PROBLEMS - len(problems)])
        if writer is None:
            kept.append(part.responses.data)
        else:
            try:
                writer.add(part.responses.data)
            except ValueError as error:
                raise InputError(f"cannot write {path}: {error}") from error

    parts = _validations(wave, completed_only, chunk, None, take)
    try:
        for part in parts:
            done += part.n_read
            if progress is not None:  # may raise, to stop the export
                progress(done, max(total, done))
        if writer is None:  # the core writer: itself whole or not at all
            write_responses(Responses(instrument, pl.concat(kept, rechunk=False), source=name), path, fmt)
        else:
            writer.close()
            os.replace(temporary, path)
    finally:
        parts.close()  # waits for the worker thread
        if writer is not None:
            writer.close()
            temporary.unlink(missing_ok=True)
    return WaveExport(path, fmt, done, n_problems, problems)


def export_codebook(wave: Wave, target: str | Path | BinaryIO) -> Path | BinaryIO:
    """The wave's codebook (:func:`collabstate.dataset.codebook`: one row per data column, its
    label, codes, excluded codes and skip logic) as CSV, or XLSX for a ``.xlsx`` path or an open
    binary file (the workspace's download); in CSV, formula-like text is neutralised."""
    book = codebook(wave.instrument)
    if not isinstance(target, (str, Path)):
        book.write_excel(target, worksheet="codebook")
        return target
    path = Path(target)
    if path.suffix.lower() == ".xlsx":
        book.write_excel(path, worksheet="codebook")
    else:
        write_csv(book, path)
    return path

"""Importing a response file from another tool into a wave (an action).

The file goes through the core's reader and validation (:func:`collabstate.read_responses`), so
it is read, and every problem reported, exactly as ``collabstate validate`` does: CSV, TSV, XLSX,
SPSS .sav or Parquet; each problem names the file, the row, the column, the value and what was
expected. Nothing is imported unless the whole file is valid.

A valid file's rows become completed :class:`~collabstate.web.surveys.models.Response` s with one
:class:`~collabstate.web.surveys.models.Answer` per answered data column, stored as the
respondents' pages store them (codes ``4``, flags ``1``/``0``, whole numbers without ``.0``,
text as read), so :func:`~collabstate.web.surveys.actions.responses_of` reads them back as the
file read. Each response gets a new ``respondent_id`` (the public id of the wave's exports), and
``imported`` is set (their completion day is not known, so it is left empty).

A wave holds answers only: a file with a design column other than ``respondent_id`` and
``wave`` (weights, strata, clusters, ``org_id``) is refused (they are given when estimating),
with a problem naming the column. A ``wave`` column is accepted when every row names the wave
being imported into, by its slug, its title or both as the report labels it (``Title (slug)``;
trimmed, in any case): a file collabstate wrote with the wave's name in it comes back in. A row
naming another wave is a problem naming the file, the row, the value found and the wave
expected; the column itself is not stored.

A large file is stored ``STORE_BATCH`` responses to a transaction, so people answering the wave's pages
never wait long for the database (SQLite has one writer at a time): the responses are stored not
completed, then all made completed in one last short transaction, so the wave gains the whole file
or nothing. An import that fails or is stopped half-way deletes what it stored
(:func:`discard_unfinished`); the workspace runs one import per wave at a time.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.db import connection, transaction

from ...dataset import MAX_PROBLEMS, DataProblem, ReadLimits, Source, Validation, read_source, read_source_isolated
from ...dataset.validate import coded_columns, validate_source
from ...instrument import DESIGN_COLUMNS
from ..surveys.models import Answer, Response, Wave
from .models import AuditEntry

__all__ = ["STEPS", "ImportReport", "discard_unfinished", "import_responses", "import_upload"]

#: Design columns a wave cannot hold (``respondent_id`` is read and replaced; ``wave`` is
#: checked against the wave and left out).
NOT_STORED = tuple(c for c in DESIGN_COLUMNS if c not in ("respondent_id", "wave"))
BATCH = 10_000
#: Responses stored in one transaction: short enough that a respondent's page save, waiting for
#: SQLite's one writer, waits a fraction of a second.
STORE_BATCH = 2_000
#: The steps of an import, for its progress: reading and checking the file, storing, completing.
STEPS = 3


@dataclass
class ImportReport:
    """What an import found and did: the core's validation, any further problem, how many
    responses were imported (0 when there was any problem)."""

    validation: Validation
    extra: list[DataProblem] = field(default_factory=list)
    imported: int = 0
    #: Every further problem, including those beyond MAX_PROBLEMS (default: ``len(extra)``).
    n_extra: int = -1
    #: The rows (numbered as the user sees them) with a further problem.
    extra_rows: pl.Series = field(default_factory=lambda: pl.Series("row", [], dtype=pl.Int64))

    def __post_init__(self) -> None:
        if self.n_extra < 0:
            self.n_extra = len(self.extra)

    @property
    def problems(self) -> list[DataProblem]:
        """Every problem, those of the whole file first, then row by row (as the core lists them)."""
        return sorted(self.extra + self.validation.problems, key=lambda p: (p.row is not None, p.row or 0))

    @property
    def n_problems(self) -> int:
        return self.n_extra + self.validation.n_problems

    @property
    def ok(self) -> bool:
        return self.n_problems == 0

    @property
    def n_rejected(self) -> int:
        """Rows with any problem."""
        if not self.extra_rows.len():
            return self.validation.rejected.height
        return pl.concat([self.validation.rejected["row"].cast(pl.Int64), self.extra_rows]).n_unique()


def import_upload(wave: Wave, upload, user=None) -> ImportReport:
    """Import an uploaded file (Django's ``UploadedFile``): it is written to a temporary file
    with its own extension, which tells the reader its format. A file over the largest upload
    (``COLLABSTATE_MAX_UPLOAD``) is refused unread."""
    ReadLimits.from_env().check_upload(Path(upload.name).name, upload.size)
    suffix = Path(upload.name).suffix.lower()
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        return import_responses(wave, tmp.name, name=Path(upload.name).name, user=user)


def import_responses(wave: Wave, source, name: str | None = None, user=None,
                     progress: Callable[[int, str], None] | None = None) -> ImportReport:  # fmt: skip
    """Read and validate ``source`` (a path or a data frame) against the wave's instrument; if it
    has no problem at all, store every row as a completed response of the wave (see the module's
    notes: the whole file or nothing), with an audit entry. Raises
    :class:`~collabstate.dataset.ResponsesError` for a file that cannot be read at all, or whose
    reading would take more memory or time than :class:`~collabstate.dataset.ReadLimits` allow: a
    file is read in a process of its own (:func:`~collabstate.dataset.read_source_isolated`), so
    that no upload can take the server's. ``progress`` is called with the step (1 to ``STEPS``)
    and what it does, before each step and after each batch stored."""
    tell = progress or (lambda step, message: None)
    tell(1, "Reading and checking the file")
    instrument = wave.instrument
    if isinstance(source, (str, Path)):
        read = read_source_isolated(source, instrument, name=name)
    else:
        read = read_source(source, name=name, coded=coded_columns(instrument))  # what read_responses does,
    other_wave, other_rows = _other_wave(read, wave)  # with a look at the wave column as written first
    validation = validate_source(read, instrument)
    data = validation.responses.data
    extra = [
        DataProblem(validation.file, None, column, None, "design_column",
                    f"a file without this column: a wave holds answers only, never {', '.join(NOT_STORED)} (given when estimating)")
        for column in NOT_STORED if column in data.columns
    ]  # fmt: skip
    report = ImportReport(validation, extra + other_wave[: MAX_PROBLEMS - len(extra)], n_extra=len(extra) + other_rows.len(),
                          extra_rows=other_rows)  # fmt: skip
    if not report.ok:
        return report
    columns = [c.name for c in wave.instrument.columns]
    kinds = {c.name: c.kind for c in wave.instrument.columns}
    texts = data.select([_as_text(name, kinds[name]) for name in columns])
    discard_unfinished(wave)  # a stopped import's leftovers, if any
    try:
        for start in range(0, data.height, STORE_BATCH):
            tell(2, f"Storing the responses: {start:,} of {data.height:,}")
            _store(wave, texts.slice(start, STORE_BATCH), columns)
        tell(3, f"Completing the import of {data.height:,} responses")
        with transaction.atomic():  # the wave gains them all at once
            Response.objects.filter(wave=wave, imported=True, completed=False).update(completed=True)
            AuditEntry.objects.create(organisation=wave.organisation, wave=wave, user=user, action=AuditEntry.IMPORT,
                                      detail=f"{validation.file}: {data.height} responses imported")  # fmt: skip
    except BaseException:
        discard_unfinished(wave)
        raise
    report.imported = data.height
    return report


def _store(wave: Wave, texts: pl.DataFrame, columns: list[str]) -> None:
    """One batch of rows (canonical text) as responses not yet completed, with their answers."""
    cells = (
        texts.with_row_index("row")
        .unpivot(index="row", on=columns, variable_name="column", value_name="value")
        .filter(pl.col("value").is_not_null() & (pl.col("value") != ""))
        .sort("row", maintain_order=True)
    )
    with transaction.atomic():
        created = Response.objects.bulk_create(
            (Response(wave=wave, completed=False, imported=True) for _ in range(texts.height)), batch_size=BATCH
        )
        ids = pl.Series("response_id", [r.pk for r in created], dtype=pl.Int64)
        rows = cells.select(ids.gather(cells["row"]), "column", "value")
        sql = f"INSERT INTO {Answer._meta.db_table} (response_id, {connection.ops.quote_name('column')}, value) VALUES (%s, %s, %s)"
        with connection.cursor() as cursor:
            for batch in rows.iter_slices(BATCH):
                cursor.executemany(sql, batch.rows())


def discard_unfinished(wave: Wave) -> int:
    """Delete the responses an import stored but did not complete (it failed or was stopped), a
    batch at a time; returns how many. Imported responses are incomplete only while an import runs."""
    deleted = 0
    while pks := list(Response.objects.filter(wave=wave, imported=True, completed=False).values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            Answer.objects.filter(response_id__in=pks).delete()
            Response.objects.filter(pk__in=pks).delete()
        deleted += len(pks)
    return deleted


def _other_wave(source: Source, wave: Wave) -> tuple[list[DataProblem], pl.Series]:
    """The rows of a ``wave`` column naming another wave than ``wave``, as problems (at most
    MAX_PROBLEMS) and as row numbers (all of them). The wave is named by its slug, its title, or
    both as the report labels it (``Title (slug)``), trimmed, in any case. An empty cell is left
    to the validation (``missing_design``)."""
    found = [i for i, heading in enumerate(source.header) if heading is not None and str(heading).strip().lower() == "wave"]
    if not found:
        return [], pl.Series("row", [], dtype=pl.Int64)
    heading = str(source.header[found[0]])
    values = source.frame.get_column(source.frame.columns[found[0]]).cast(pl.String)
    names = [name.strip().lower() for name in (wave.slug, wave.title, f"{wave.title} ({wave.slug})")]
    given = values.str.strip_chars()
    wrong = (given.is_not_null() & (given != "") & ~given.str.to_lowercase().is_in(names)).arg_true()
    rows = (wrong.cast(pl.Int64) + source.first_row).alias("row")
    expected = f"{wave.slug} ('{wave.title}'), the wave these responses are being imported into: a wave column must name it in every row"
    problems = [
        DataProblem(source.name, row, heading, value, "other_wave", expected)
        for row, value in zip(rows.head(MAX_PROBLEMS), values.gather(wrong.head(MAX_PROBLEMS)))
    ]
    return problems, rows


def _as_text(name: str, kind: str) -> pl.Expr:
    """A canonical column as the respondents' pages store it (see ``PageForm.column_values``)."""
    column = pl.col(name)
    if kind == "number":  # Python's own formatting, as the pages use: 3.0 -> "3", 2.5 -> "2.5"
        return column.map_elements(_number, return_dtype=pl.String, skip_nulls=True)
    return column.cast(pl.String)


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)

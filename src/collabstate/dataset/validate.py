"""Validation: every problem in a data file at once, the valid rows, and the rejected rows as read.

>>> import polars as pl
>>> from collabstate.dataset import read_responses
>>> frame = pl.DataFrame({"sector": ["1", "Private", "5"], "growth_belief": ["4", "7", ""]})
>>> v = read_responses(frame, "leaders", name="survey")
>>> v.responses.n, v.rejected.height, v.n_read
(1, 2, 3)
>>> print(v.problems[0])
survey, row 2, column growth_belief: '7' is not valid; expected a code of Collaboration can support growth: 1 Strongly disagree, 2 Disagree, 3 Neither agree nor disagree, 4 Agree, 5 Strongly agree

What is checked, all at once, never stopping at the first problem:

``unknown_column``   a column the instrument does not know (file level: ``row`` is None); it is
                     left out of the responses, the rows are kept
``bad_code``         a code or label not in the question's scale (codes and labels are accepted
                     case-insensitively and trimmed; ``1.0`` counts as 1)
``bad_flag``         a multiple-choice cell that is not 0/1 (also ``true/false``, ``yes/no``)
``not_a_number``     a number question whose cell does not parse as a finite number
``out_of_range``     a number below the question's minimum or above its maximum
``not_whole``        a fraction where the question asks for a whole number
``exclusive_option`` an exclusive option (``none``) ticked with another option
``not_asked``        an answer to a question that skip logic says was not asked
``missing_design``   an empty cell in a design column that the file has
``bad_weight``       a weight that is zero, negative, or not a number
``duplicate_id``     a respondent_id used in an earlier row (the earlier row is kept)

A row with any problem is rejected whole and kept, as read, in :attr:`Validation.rejected`;
the other rows form :attr:`Validation.responses`. A row whose cells are all empty is not a
respondent: it is skipped and not counted. Problems are listed in row order, problems of the
whole file first. Every problem is counted in :attr:`Validation.n_problems`; at most
:data:`MAX_PROBLEMS` (10,000) :class:`DataProblem` objects are built (``problems_truncated``
says when the list is cut), while the ``problems`` column of the rejected rows always carries
every message. ``required`` questions are not checked here: a file may leave any answer empty
(not answered).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..instrument import DESIGN_COLUMNS, Instrument
from ._cells import Target, as_categories, type_cells
from ._problems import KINDS, MAX_PROBLEMS, DataProblem, ResponsesError, message_expr
from ._rows import check_rows, condition_columns
from ._sources import Source
from .responses import Responses

__all__ = ["MAX_PROBLEMS", "Validation", "validate_source"]

_RANK = {kind: i for i, kind in enumerate(KINDS)}


@dataclass
class Validation:
    """The outcome of reading a data file: valid responses, every problem, rejected rows."""

    #: The valid rows, in the canonical wide frame.
    responses: Responses
    #: Every problem, in row order, problems of the whole file first (at most MAX_PROBLEMS).
    problems: list[DataProblem]
    #: The rejected rows as read (all text): ``row`` first, the file's columns, ``problems`` last.
    rejected: pl.DataFrame
    #: Rows read, wholly blank rows left aside: ``responses.n + rejected.height``.
    n_read: int
    #: Every problem found, including those beyond MAX_PROBLEMS.
    n_problems: int = -1
    #: The file's name as used in messages.
    file: str = ""

    def __post_init__(self) -> None:
        if self.n_problems < 0:
            self.n_problems = len(self.problems)

    @property
    def ok(self) -> bool:
        """No problem at all, in the file or in any row."""
        return self.n_problems == 0

    @property
    def problems_truncated(self) -> bool:
        """Whether :attr:`problems` holds fewer problems than were found (see ``n_problems``)."""
        return self.n_problems > len(self.problems)

    def write_rejects(self, path: str | Path) -> Path:
        """Write the rejected rows (``row``, the columns as read, ``problems``) as CSV."""
        path = Path(path)
        self.rejected.write_csv(path)
        return path

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.n_read:,} rows read, {self.responses.n:,} valid, {self.rejected.height:,} rejected; "
            f"{self.n_problems:,} problem{'s' if self.n_problems != 1 else ''}"
        )


def _lookup(instrument: Instrument) -> dict[str, str]:
    names = {n: n for n in DESIGN_COLUMNS}
    names.update({c.name: c.name for c in instrument.columns})
    return names


def recognise(heading: str | None, names: dict[str, str]) -> str | None:
    """The canonical column a heading names: case-insensitive, trimmed, ``q.option`` for ``q/option``."""
    if heading is None:
        return None
    key = heading.strip().lower()
    return names.get(key) or names.get(key.replace(".", "/"))


def coded_columns(instrument: Instrument) -> Callable[[str | None], bool]:
    """Which headings name a coded column (codes or flags) of the instrument."""
    names = _lookup(instrument)
    kinds = {c.name: c.kind for c in instrument.columns}

    def coded(heading: str | None) -> bool:
        return kinds.get(recognise(heading, names) or "") in ("code", "flag")

    return coded


def _headings(source: Source, instrument: Instrument) -> tuple[list[str], list[Target], list[int]]:
    """Final headings, the known columns, and the positions of unknown ones."""
    names = _lookup(instrument)
    seen: dict[str, str] = {}
    used: set[str] = set()
    headings, targets, unknown = [], [], []
    columns = {c.name: c for c in instrument.columns}
    for pos, (raw, heading) in enumerate(zip(source.frame.columns, source.header)):
        blank = heading is None or not str(heading).strip()
        label = f"(column {pos + 1})" if blank else str(heading)
        canonical = None if blank else recognise(label, names)
        if canonical is not None:
            if canonical in seen:
                raise ResponsesError(f"{source.name}: columns '{seen[canonical]}' and '{label}' both hold {canonical}; keep one of them")
            seen[canonical] = label
            targets.append(Target(canonical, raw, label, pos, columns.get(canonical)))
        else:
            unknown.append(pos)
        if label in used:
            label = f"{label} (column {pos + 1})"
        used.add(label)
        headings.append(label)
    return headings, targets, unknown


def _unknown_problem(source: Source, heading: str, instrument: Instrument) -> DataProblem:
    candidates = list(DESIGN_COLUMNS) + [c.name for c in instrument.columns]
    close = difflib.get_close_matches(heading.strip().lower(), candidates, n=1, cutoff=0.75)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    expected = f"a column of instrument {instrument.id} or a design column ({', '.join(DESIGN_COLUMNS)}){hint}"
    return DataProblem(source.name, None, heading, None, "unknown_column", expected)


def validate_source(source: Source, instrument: Instrument) -> Validation:
    """Validate a frame of strings read from a file (see :mod:`collabstate.dataset.readers`)."""
    headings, targets, unknown_pos = _headings(source, instrument)
    raw = source.frame
    if not raw.width:
        raise ResponsesError(f"{source.name}: the file has no columns")
    unnamed = [p for p in unknown_pos if source.header[p] is None or not str(source.header[p]).strip()]
    # a column with neither a heading nor a value (a trailing separator) is nothing at all
    empty = [raw.columns[p] for p in unnamed if not raw[raw.columns[p]].str.strip_chars().str.len_bytes().sum()]
    unknown_pos = [p for p in unknown_pos if raw.columns[p] not in empty]
    if not targets:
        shown = ", ".join(f"'{headings[p]}'" for p in unknown_pos[:5]) + (" …" if len(unknown_pos) > 5 else "")
        raise ResponsesError(
            f"{source.name}: none of the columns ({shown}) is a column of instrument {instrument.id}; "
            "the first row must be the header, naming questions such as "
            f"{', '.join(c.name for c in instrument.columns[:3])}"
        )
    file_problems = [_unknown_problem(source, headings[p], instrument) for p in unknown_pos]

    # rows whose cells are all empty are not respondents
    filled = raw.select(pl.any_horizontal([pl.col(c).is_not_null() & (pl.col(c) != "") for c in raw.columns])).to_series()
    if filled.all():
        index = pl.int_range(0, raw.height, dtype=pl.Int64, eager=True)
    else:
        index = filled.arg_true().cast(pl.Int64)
        raw = raw.filter(filled)
    del filled
    row_numbers = index + source.first_row

    raw = as_categories(raw, targets)
    typed, cell_problems, failed = type_cells(raw, targets, condition_columns(instrument))
    typed, row_problems = check_rows(typed, raw, instrument, targets, failed, row_numbers)
    typed = _wave(typed)

    found = pl.concat([cell_problems, *row_problems], how="vertical")
    found = found.with_columns(rank=pl.col("kind").replace_strict(_RANK, return_dtype=pl.Int64)).sort(
        ["idx", "pos", "rank"], maintain_order=True
    )
    found = found.with_columns(
        row=row_numbers.gather(found["idx"]),
        column=pl.col("pos").replace_strict(dict(enumerate(headings)), return_dtype=pl.String),
    )
    n_problems = len(file_problems) + found.height
    room = max(MAX_PROBLEMS - len(file_problems), 0)
    problems = file_problems + [
        DataProblem(source.name, r["row"], r["column"], r["value"], r["kind"], r["expected"])
        for r in found.head(room).iter_rows(named=True)
    ]

    bad_rows = found["idx"].unique(maintain_order=True)
    messages = (
        found.select("idx", message_expr(source.name))
        .group_by("idx", maintain_order=True)
        .agg(pl.col("message").str.join("; ").alias("problems"))
    )
    rejected = _rejected(raw, headings, empty, bad_rows, row_numbers, messages)
    n_read = raw.height
    # The strings are the largest thing held: let them go. Source.frame stays typed as a frame, as every
    # reader of a source sees it; nothing reads it after validation.
    source.frame = None  # type: ignore[assignment]  # released on purpose, see above
    del raw
    keep = pl.repeat(True, n_read, dtype=pl.Boolean, eager=True).scatter(bad_rows, False) if bad_rows.len() else None
    design = [t.name for t in targets if t.column is None]
    data = typed.select([*[d for d in DESIGN_COLUMNS if d in design], *[c.name for c in instrument.columns]])
    del typed
    if keep is not None:
        data = _filter(data, keep)
        row_numbers = row_numbers.filter(keep)
    responses = Responses(instrument, data, source=source.name, rows=row_numbers.to_numpy())
    return Validation(responses, problems, rejected, n_read, n_problems, source.name)


def _filter(data: pl.DataFrame, keep: pl.Series) -> pl.DataFrame:
    """``data.filter(keep)``, column by column, so that at most one column is held twice."""
    columns = []
    for name in list(data.columns):
        columns.append(data.drop_in_place(name).filter(keep))
    return pl.DataFrame(columns)


def _wave(typed: pl.DataFrame) -> pl.DataFrame:
    """Wave as Int64 when every wave is a whole number, otherwise as text."""
    if "wave" not in typed.columns:
        return typed
    number = typed["wave"].cast(pl.Float64, strict=False)
    present = typed["wave"].is_not_null()
    whole = number.is_finite() & (number == number.round(0)) & (number.abs() < 2.0**53)
    if (whole.fill_null(False) | ~present).all():
        return typed.with_columns(number.cast(pl.Int64).alias("wave"))
    return typed


def _rejected(
    raw: pl.DataFrame, headings: list[str], empty: list[str], bad_rows: pl.Series, row_numbers: pl.Series, messages: pl.DataFrame
) -> pl.DataFrame:
    columns = [c for c in raw.columns if c not in empty]
    names = {c: h for c, h in zip(raw.columns, headings) if c not in empty}
    for clash in ("row", "problems"):
        for c, h in names.items():
            if h == clash:
                names[c] = f"{h} (in the file)"
    rows = bad_rows.sort()
    out = raw.select(columns).gather(rows).select(pl.all().cast(pl.String)).rename(names)
    out = out.select(
        row_numbers.gather(rows).alias("row"),
        pl.all(),
    )
    ordered = pl.DataFrame({"idx": rows}).join(messages, on="idx", how="left", maintain_order="left")
    return out.with_columns(ordered["problems"].fill_null(""))

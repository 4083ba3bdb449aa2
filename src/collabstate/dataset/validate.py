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
``short_row``        a CSV row with fewer cells than the header (named at its first missing column)
``not_a_number``     a number question whose cell does not parse as a number (``inf``, ``1,000``)
``out_of_range``     a number below the question's minimum or above its maximum, or beyond
                     ±9,007,199,254,740,991 (a whole number of 401 digits: never infinity)
``not_whole``        a fraction where the question asks for a whole number
``too_long``         a number written in more than 32 characters, a text of more than 32,767
``bad_text``         a text holding NUL, U+FFFE or U+FFFF (what an answer can hold is one
                     definition: :mod:`collabstate.instrument.bounds`)
``exclusive_option`` an exclusive option (``none``) ticked with another option
``not_asked``        an answer to a question that skip logic says was not asked
``missing_design``   an empty cell in a design column that the file has
``bad_weight``       a weight that is zero, negative, or not a number
``duplicate_id``     a respondent_id used in an earlier row (the earlier row is kept)

A row with any problem is rejected whole and kept, as read, in :attr:`Validation.rejected`;
the other rows form :attr:`Validation.responses` (with ``blank_problems=True``, as the web's
exports read stored answers, a row keeps its place with the answers that do not fit left blank).
A row whose cells are all empty is not a respondent: it is skipped and not counted. Problems are
listed in row order, problems of the whole file first. Every problem is counted in
:attr:`Validation.n_problems`; at most
:data:`MAX_PROBLEMS` (10,000) :class:`DataProblem` objects are built (``problems_truncated``
says when the list is cut), while the ``problems`` column of the rejected rows always carries
every message. ``required`` questions are not checked here: a file may leave any answer empty
(not answered).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from rapidfuzz import fuzz, process

from ..instrument import DESIGN_COLUMNS, Instrument
from ._cells import Target, as_categories, problem_frame, type_cells
from ._problems import KINDS, MAX_PROBLEMS, DataProblem, ResponsesError, message_expr
from ._rows import check_rows, condition_columns
from ._sources import Source
from .csv_text import write_csv
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
    #: Rows read, wholly blank rows left aside: ``responses.n + rejected.height`` (unless ``blank_problems``).
    n_read: int
    #: Every problem found, including those beyond MAX_PROBLEMS.
    n_problems: int = -1
    #: The file's name as used in messages.
    file: str = ""
    #: Whether rows with problems in answers only were kept, those answers blank
    #: (``validate_source(blank_problems=True)``); then :attr:`rejected` lists every row with a
    #: problem, as read, and ``responses`` leaves out only those with a problem in a design column
    #: or cut short.
    blank_problems: bool = False

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

    def write_rejects(self, path: str | Path, *, raw_text: bool = False) -> Path:
        """Write the rejected rows (``row``, the columns as read, ``problems``) as CSV; a value a
        spreadsheet would run as a formula is written after an apostrophe unless ``raw_text``
        (:mod:`collabstate.dataset.csv_text`)."""
        path = Path(path)
        write_csv(self.rejected, path, raw_text=raw_text)
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


def _unknown_problems(source: Source, headings: list[str], unknown: list[int], instrument: Instrument) -> list[DataProblem]:
    """A problem for each unknown column, with the closest known name when one is close
    (rapidfuzz's ratio of 75 or more, as difflib's 0.75: linear, and fast for 20,000 columns)."""
    candidates = list(DESIGN_COLUMNS) + [c.name for c in instrument.columns]
    listed = f"a column of instrument {instrument.id} or a design column ({', '.join(DESIGN_COLUMNS)})"
    hints: dict[str, str] = {}
    out = []
    for p in unknown:
        heading = headings[p]
        key = heading.strip().lower()
        if key not in hints:
            close = process.extractOne(key, candidates, scorer=fuzz.ratio, score_cutoff=75)
            hints[key] = f"; did you mean '{close[0]}'?" if close else ""
        out.append(DataProblem(source.name, None, heading, None, "unknown_column", listed + hints[key]))
    return out


def validate_source(source: Source, instrument: Instrument, *, blank_problems: bool = False) -> Validation:
    """Validate a frame of strings read from a file (see :mod:`collabstate.dataset.readers`).

    ``blank_problems``: keep every row whose problems are all in answers, with those answers left
    blank (a multiple-choice question: all of its options), rather than rejecting the row; a row
    with a problem in a design column, or cut short, is still left out. What the web's exports
    do with stored answers that no longer fit (:mod:`collabstate.web.surveys.exports`).
    """
    headings, targets, unknown_pos = _headings(source, instrument)
    raw = source.frame
    if not raw.width:
        raise ResponsesError(f"{source.name}: the file has no columns")
    names = raw.columns  # once: polars builds the list afresh at each call
    unnamed = [p for p in unknown_pos if source.header[p] is None or not str(source.header[p]).strip()]
    # a column with neither a heading nor a value (a trailing separator) is nothing at all
    empty = [names[p] for p in unnamed if not raw[names[p]].str.strip_chars().str.len_bytes().sum()]
    nothing = set(empty)
    unknown_pos = [p for p in unknown_pos if names[p] not in nothing]
    if not targets:
        shown = ", ".join(f"'{headings[p]}'" for p in unknown_pos[:5]) + (" …" if len(unknown_pos) > 5 else "")
        raise ResponsesError(
            f"{source.name}: none of the columns ({shown}) is a column of instrument {instrument.id}; "
            "the first row must be the header, naming questions such as "
            f"{', '.join(c.name for c in instrument.columns[:3])}"
        )
    file_problems = _unknown_problems(source, headings, unknown_pos, instrument)

    # rows whose cells are all empty are not respondents
    filled = raw.select(pl.any_horizontal(pl.all().is_not_null() & (pl.all() != ""))).to_series()
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
    needed = 1 + max((p for p, c in enumerate(names) if c not in nothing), default=0)
    row_problems.append(_short_rows(source, index, needed, headings))

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

    bad_rows = problem_rows = found["idx"].unique(maintain_order=True)
    if blank_problems:
        design_pos = [t.pos for t in targets if t.column is None]
        whole_row = pl.col("pos").is_in(design_pos) | (pl.col("kind") == "short_row")
        typed = _blank(typed, found.filter(~whole_row), targets, instrument)
        bad_rows = found.filter(whole_row)["idx"].unique(maintain_order=True)
    messages = (
        found.select("idx", message_expr(source.name))
        .group_by("idx", maintain_order=True)
        .agg(pl.col("message").str.join("; ").alias("problems"))
    )
    rejected = _rejected(raw, headings, nothing, problem_rows, row_numbers, messages)
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
    return Validation(responses, problems, rejected, n_read, n_problems, source.name, blank_problems)


def _short_rows(source: Source, index: pl.Series, needed: int, headings: list[str]) -> pl.DataFrame:
    """Rows of a CSV file with fewer cells than the ``needed`` columns of the header (those up to
    the last column with a heading or a value), as problems; a row left aside as blank is not one."""
    short = source.short
    if short is None or not short.height:
        return problem_frame(pl.Series([], dtype=pl.Int64), 0, "short_row", None, "")
    short = short.filter(pl.col("cells") < needed)
    at = index.search_sorted(short["idx"]).clip(0, max(index.len() - 1, 0))
    kept = (index.gather(at) == short["idx"]) if index.len() else pl.repeat(False, short.height, eager=True)
    short = short.with_columns(at=at).filter(kept)
    cells = short["cells"]
    expected = pl.select(
        pl.concat_str(
            [pl.lit(f"{needed} cells in the row, one for each column of the header; it has "), pl.lit(cells).cast(pl.String),
             pl.lit(" (is a separator or a closing quote missing?)")]
        )
    ).to_series()  # fmt: skip
    return problem_frame(short["at"], cells, "short_row", None, expected)


def _blank(typed: pl.DataFrame, cells: pl.DataFrame, targets: list[Target], instrument: Instrument) -> pl.DataFrame:
    """The answers with a problem (``cells``: idx, pos) left blank; a multiple-choice option's
    problem blanks every option of its question, whose answer is the set of options ticked."""
    by_pos = {t.pos: t for t in targets}
    options = {q: [f"{q}/{o}" for o in codes] for q, codes in instrument.multiple.items()}
    rows: dict[str, list[pl.Series]] = {}
    for (pos,), group in cells.group_by(["pos"]):
        t = by_pos.get(pos)
        if t is None or t.column is None:
            continue
        names = [c for c in options[t.column.question.id] if c in typed.columns] if t.kind == "flag" else [t.name]
        for name in names:
            rows.setdefault(name, []).append(group["idx"])
    if not rows:
        return typed
    return typed.with_columns([typed[name].scatter(pl.concat(found).unique(), None) for name, found in rows.items()])


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
    raw: pl.DataFrame, headings: list[str], empty: set[str], bad_rows: pl.Series, row_numbers: pl.Series, messages: pl.DataFrame
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

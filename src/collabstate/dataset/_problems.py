"""Problems found in a data file, how they read, and the error for a file that cannot be read.

A :class:`DataProblem` names the file, the row as the user sees it, the column as it is headed
in the file, the value as read, and what was expected, in plain words::

    survey.csv, row 7, column sector: '5' is not valid; expected a code of Sector: 1 Public, ...

The same sentence is built two ways: by :meth:`DataProblem.__str__` for one problem, and by
:func:`message_expr`, a polars expression, for every problem of a large file at once (the
``problems`` column of the rejected rows). The tests check that both agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ..errors import InputError, place

__all__ = ["CLIP", "KINDS", "MAX_PROBLEMS", "DataProblem", "ResponsesError", "message_expr"]

#: At most this many :class:`DataProblem` objects are built; every problem is still counted
#: (``Validation.n_problems``) and every rejected row still carries all its messages.
MAX_PROBLEMS = 10_000

#: Values longer than this are shortened in messages (the rejected rows keep them whole).
CLIP = 60

#: kind -> what is wrong, in the order problems of one cell are listed.
KINDS: dict[str, str] = {
    "unknown_column": "unknown column, left out of the responses",
    "short_row": "the row ends before this column",
    "missing_design": "empty",
    "bad_weight": "is not a valid weight",
    "duplicate_id": "is a duplicate",
    "bad_code": "is not valid",
    "bad_flag": "is not valid",
    "not_a_number": "is not a number",
    "out_of_range": "is out of range",
    "not_whole": "is not a whole number",
    "too_long": "is too long",
    "bad_text": "holds a character that cannot be stored",
    "exclusive_option": "is ticked with another option",
    "not_asked": "is an answer to a question that was not asked",
}


class ResponsesError(InputError):
    """A file that cannot be read at all: missing, empty, not a table, not UTF-8, no header.

    The message names the file and says what is wrong. Problems in the data themselves are
    never raised: they are listed in :attr:`Validation.problems`.
    """


def _clip(value: str) -> str:
    return value if len(value) <= CLIP else value[: CLIP - 1] + "…"


@dataclass(frozen=True)
class DataProblem:
    """One problem in a data file.

    ``row`` is the row number as the user sees it (see :mod:`collabstate.dataset.readers`),
    ``None`` for a problem of the whole file such as an unknown column; ``column`` is the
    column's heading as written in the file; ``value`` the cell as read.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    kind: str
    expected: str

    def __str__(self) -> str:
        where = place(self.file, self.row, self.column)
        shown = f"'{_clip(self.value)}' " if self.value is not None else ""
        return f"{where}: {shown}{KINDS.get(self.kind, 'is not valid')}; expected {self.expected}"


def message_expr(file: str) -> pl.Expr:
    """The message of :meth:`DataProblem.__str__`, for a frame of problems.

    The frame has the columns ``row`` (integer or null), ``column``, ``value``, ``kind`` and
    ``expected`` (strings, ``column`` and ``value`` may be null).
    """
    value = pl.col("value")
    clipped = pl.when(value.str.len_chars() > CLIP).then(value.str.slice(0, CLIP - 1) + "…").otherwise(value)
    return pl.concat_str(
        [
            pl.lit(file),
            pl.when(pl.col("row").is_not_null()).then(pl.lit(", row ") + pl.col("row").cast(pl.String)).otherwise(pl.lit("")),
            pl.when(pl.col("column").is_not_null()).then(pl.lit(", column ") + pl.col("column")).otherwise(pl.lit("")),
            pl.lit(": "),
            pl.when(value.is_not_null()).then(pl.lit("'") + clipped + pl.lit("' ")).otherwise(pl.lit("")),
            pl.col("kind").replace_strict(KINDS, default="is not valid", return_dtype=pl.String),
            pl.lit("; expected "),
            pl.col("expected"),
        ]
    ).alias("message")

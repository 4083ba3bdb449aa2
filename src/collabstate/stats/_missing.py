"""Blank answers to a weighting variable, and errors that are the data's, not the targets'.

Raking puts every respondent with a weight in one cell of every margin. A respondent who left a
weighting variable blank has no cell, and R's ``rake()`` refuses such data; the usual choices
(anesrake, Displayr, Q) are offered, and none is made silently:

- ``missing=None`` (the default): blank answers are an error (:class:`WeightingDataError`) that
  names the data rows and the column and offers the two choices below, unless the margin gives a
  target for ``missing``, which is itself the choice of a cell of their own;
- ``missing="own-cell"``: blank answers form a cell of their own in every margin that has them,
  raked to its target, the code ``missing`` in the targets (``sector: {1: 0.4, …, missing: 0.03}``;
  in CSV a row ``sector,missing,0.03``; in a cross ``missing*north``);
- ``missing="unweighted"``: respondents with a blank answer to any raking variable are left out of
  the raking and keep their input weight (1 when the data carry no weights); the others are raked
  to the targets, shares being of their own total. The result says how many were left out.

>>> check_missing("own-cell"), is_missing_code("Missing"), is_missing_code(None), is_missing_code(3)
('own-cell', True, True, False)
>>> respondents(1, "have"), respondents(3, "have")
('1 respondent has', '3 respondents have')
"""

from __future__ import annotations

from typing import Any, Literal

from ..errors import InputError, UsageError

__all__ = ["MISSING", "MISSING_MODES", "MissingMode", "WeightingDataError", "check_missing", "is_missing_code", "respondents"]

#: The code of the targets that names blank answers.
MISSING = "missing"
MISSING_MODES = ("own-cell", "unweighted")
MissingMode = Literal["own-cell", "unweighted"] | None


def is_missing_code(code: Any) -> bool:
    """``missing`` (any case) or None, as a code of the targets: the target of blank answers."""
    return code is None or (isinstance(code, str) and code.strip().lower() == MISSING)


def respondents(n: int, verb: str = "") -> str:
    """``respondents(3, "have")`` -> '3 respondents have'; ``respondents(1, "have")`` -> '1 respondent has'."""
    words = f"{n:,} respondent{'' if n == 1 else 's'}"
    return words + (f" {'has' if n == 1 and verb == 'have' else verb}" if verb else "")


def check_missing(missing: MissingMode) -> MissingMode:
    if missing is not None and missing not in MISSING_MODES:
        raise UsageError(argument="missing", value=missing, expected="'own-cell' or 'unweighted' (or None: blank answers are an error)")
    return missing


class WeightingDataError(InputError):
    """Responses that cannot be weighted as they are, through a fault of the data rather than of the
    targets: the message names the data file, the rows as a person sees them and the column.

    ``rows``: every such respondent's row (the message shows the first five); ``count`` how many;
    ``column`` the column; ``source`` the data file. With ``choices``, the respondents left a
    weighting variable blank, and :meth:`message` offers the two ways on (its arguments name them
    as the caller's users know them: the command line passes its ``--weights-missing`` values)."""

    def __init__(self, problem: str, *, source: str | None, column: str, rows: list[int], choices: bool = False):
        self.problem, self.source, self.column, self.rows, self.choices = problem, source, column, rows, choices
        self.count = len(rows)
        super().__init__(self.worded())

    def worded(self, own_cell: str = "missing='own-cell'", unweighted: str = "missing='unweighted'") -> str:
        text = f"{self.source or 'the responses'}: {self.problem}"
        if self.choices:
            text += (
                f". Choose what to do with them: rake them as a cell of their own, with a target for `{MISSING}` under "
                f"{self.column!r} in the targets ({own_cell}), or leave them out of the raking at their input weight ({unweighted})"
            )
        return text

"""No formula leaves in a CSV: every CSV collabstate writes goes through :func:`write_csv`.

A spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``: "CSV injection"), and some also after a leading tab or
carriage return. So, as OWASP advises, a text cell that starts with one of those six characters
is written after an apostrophe, ``'``, which a spreadsheet shows as text and does not run:
``=1+1`` is written ``'=1+1``. Only text: numbers are numbers, and a text that is a plain number
(``-5``, ``+3.2``, ``-1e6``: :data:`~collabstate.instrument.bounds.NUMBER_PATTERN`) is left as it
is, since a spreadsheet reads it as that number, never as a formula.

Reading such a CSV back (with collabstate, polars, pandas or a spreadsheet) gives the text with its
apostrophe: ``'=1+1``. An analyst who needs the text exactly as typed asks for it:
``raw_text=True`` here and in :func:`~collabstate.dataset.write_responses`, ``--raw-text`` on
``collabstate convert``, ``validate`` and ``wave export``, the "exactly as typed" box of the
workspace's export; then a spreadsheet may run those cells. XLSX, SPSS and Parquet files always
hold the text as typed: their cells are typed, and a text cell is never a formula.

>>> import polars as pl
>>> neutralised(pl.DataFrame({"why": ["=1+1", "-5", "- a list", "@here", "fine"], "n": [-1, 2, 3, 4, 5]})).rows()
[("'=1+1", -1), ('-5', 2), ("'- a list", 3), ("'@here", 4), ('fine', 5)]
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import polars as pl

from ..instrument.bounds import NUMBER_PATTERN

__all__ = ["FORMULA_START", "neutralise", "neutralised", "write_csv"]

#: The first characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise(expr: pl.Expr) -> pl.Expr:
    """A String expression with each formula-like value written after an apostrophe (not a blank
    one, such as a lone tab: it holds no formula, and read back it is still unanswered)."""
    risky = expr.str.slice(0, 1).is_in(list(FORMULA_START)) & ~expr.str.contains(NUMBER_PATTERN) & (expr.str.strip_chars() != "")
    return pl.when(risky.fill_null(False)).then(pl.lit("'") + expr).otherwise(expr)


def neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every text column's formula-like values neutralised; other columns as they are."""
    text = [name for name, dtype in frame.schema.items() if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum)]
    return frame.with_columns(neutralise(pl.col(name).cast(pl.String)).alias(name) for name in text) if text else frame


def write_csv(frame: pl.DataFrame, target: str | Path | IO[bytes] | IO[str], *, raw_text: bool = False, **options: Any) -> None:
    """``frame.write_csv(target, **options)``, with formula-like text neutralised unless ``raw_text``."""
    (frame if raw_text else neutralised(frame)).write_csv(target, **options)

"""Rankings: the options of a multiple-choice question (enablers, barriers, policy domains) in
order of the share that chose them, read from the estimate table, with their change against the
previous wave from the wave-change table.

>>> import polars as pl
>>> t = pl.DataFrame({"question": ["q"] * 3, "option": ["a", "b", "c"], "statistic": ["proportion"] * 3,
...                   "group": [None] * 3, "estimate": [0.2, None, 0.7]})
>>> rank_options(t, "q")
['c', 'a', 'b']
"""

from __future__ import annotations

import polars as pl

__all__ = ["rank_options"]


def rank_options(table: pl.DataFrame, question: str, *, by: str | None = None) -> list[str]:
    """Option codes of ``question``, highest total share first; options without an estimate
    (suppressed, no valid answers) last, in questionnaire order."""
    rows = table.filter((pl.col("question") == question) & (pl.col("statistic") == "proportion") & pl.col("group").is_null())
    if by is not None and "by" in rows.columns:
        rows = rows.filter(pl.col("by") == by)
    rows = rows.with_row_index("_order").unique("option", keep="first", maintain_order=True)
    ranked = rows.sort([pl.col("estimate").is_null(), pl.col("estimate"), pl.col("_order")], descending=[False, True, False])
    return ranked["option"].to_list()

"""What is in and out of each base: the counts behind every percentage.

Percentages are of valid answers. This table says, for each question (each matrix row), how many
respondents gave a valid answer (the base), how many gave an answer that is valid but excluded
from bases and scores (such as 9 "Not applicable"), how many were asked but did not answer, and
how many were not asked because skip logic routed them past the question. The four counts add
up to the number of respondents (in the group).

>>> from collabstate.instrument import load_instrument
>>> from collabstate.dataset import Responses
>>> import polars as pl
>>> r = Responses(load_instrument("leaders"), pl.DataFrame({"sector": [1, 2, 2], "civil_service": [1, None, None]}))
>>> answer_counts(r, ["civil_service"]).select("question", "valid", "not_answered", "not_asked").row(0)
('civil_service', 1, 0, 2)
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from ..dataset import Responses
from ..errors import UnknownNameError, UsageError
from ..instrument.model import MatrixQuestion, MultipleQuestion, TextQuestion

__all__ = ["MIN_BASE_FLOOR", "answer_counts", "check_bases"]

#: Bases below this are never shown, whatever ``min_base`` asks (privacy).
MIN_BASE_FLOOR = 5


def check_bases(min_base: int, low_base: int) -> None:
    """The suppression base (at least :data:`MIN_BASE_FLOOR`) and the low-base flag (not below it)."""
    if min_base < MIN_BASE_FLOOR:
        raise UsageError(argument="min_base", value=min_base, expected=f"at least {MIN_BASE_FLOOR} (privacy)")
    if low_base < min_base:
        raise UsageError(argument="low_base", value=low_base, expected=f"min_base ({min_base}) or more")


SCHEMA: dict[str, pl.DataType] = {
    "question": pl.String(),
    "by": pl.String(),
    "group": pl.String(),
    "respondents": pl.Int64(),
    "valid": pl.Int64(),
    "excluded": pl.Int64(),
    "not_answered": pl.Int64(),
    "not_asked": pl.Int64(),
}


def _counted(responses: Responses, questions: Sequence[str] | None) -> list[tuple[str, pl.Expr, pl.Expr, pl.Expr]]:
    """(id, answered, excluded, asked) expressions for each question or matrix row."""
    instrument = responses.instrument
    multiple = instrument.multiple
    wanted = set(questions) if questions is not None else None
    out = []
    for q in instrument.questions:
        asked = q.condition.expr(multiple) if q.condition is not None else pl.lit(True)
        if isinstance(q, MultipleQuestion):
            if wanted is None or q.id in wanted:
                answered = pl.any_horizontal(pl.col(f"{q.id}/{o.code}").is_not_null() for o in q.options)
                out.append((q.id, answered, pl.lit(False), asked))
            continue
        if isinstance(q, MatrixQuestion):
            ids = [r.id for r in q.rows if wanted is None or q.id in wanted or r.id in wanted]
        elif isinstance(q, TextQuestion) or wanted is None or q.id in wanted:
            ids = [q.id] if (wanted is None or q.id in wanted) else []
        else:
            ids = []
        excluded_codes = [c.code for c in instrument.choices(q) if c.excluded]
        for qid in ids:
            col = pl.col(qid)
            excluded = col.is_in(excluded_codes).fill_null(False) if excluded_codes else pl.lit(False)
            out.append((qid, col.is_not_null(), excluded, asked))
    if wanted is not None:
        known = {qid for qid, *_ in out} | {q.id for q in instrument.questions}
        unknown = sorted(wanted - known)
        if unknown:
            raise UnknownNameError(name=unknown[0], kind=f"a question of {instrument.id}", known=sorted(known))
    return out


def answer_counts(responses: Responses, questions: Sequence[str] | None = None, by: str | None = None) -> pl.DataFrame:
    """Valid, excluded, not-answered and not-asked counts per question, overall and by group.

    Unweighted counts of respondents, as bases are reported. ``by`` is a question or design
    column; its groups are the values present in the data, in sorted order, after the total row
    (group null).
    """
    counted = _counted(responses, questions)
    aggs = []
    for i, (_, answered, excluded, asked) in enumerate(counted):
        aggs += [
            (answered & ~excluded).sum().alias(f"v{i}"),
            (answered & excluded).sum().alias(f"x{i}"),
            (asked & ~answered).sum().alias(f"u{i}"),
            (~asked & ~answered).sum().alias(f"k{i}"),
        ]
    if not aggs:
        return pl.DataFrame(schema=SCHEMA)
    data = responses.data
    total = data.select(pl.len().alias("respondents"), *aggs).with_columns(pl.lit(None, pl.String).alias("group"))
    frames = [total]
    if by is not None:
        if by not in data.columns:
            raise UnknownNameError(name=by, kind="a column of the data to break down by", known=data.columns)
        groups = (
            data.filter(pl.col(by).is_not_null())
            .group_by(pl.col(by).cast(pl.String).alias("group"))
            .agg(pl.len().alias("respondents"), *aggs)
        )
        frames.append(groups.sort("group"))
    wide = pl.concat([f.select("group", "respondents", *[a.meta.output_name() for a in aggs]) for f in frames], how="vertical_relaxed")
    rows = []
    for i, (qid, *_) in enumerate(counted):
        rows.append(
            wide.select(
                pl.lit(qid).alias("question"),
                pl.lit(by if by is not None else None, pl.String).alias("by"),
                "group",
                "respondents",
                pl.col(f"v{i}").alias("valid"),
                pl.col(f"x{i}").alias("excluded"),
                pl.col(f"u{i}").alias("not_answered"),
                pl.col(f"k{i}").alias("not_asked"),
            )
        )
    return pl.concat(rows).cast(pl.Schema(SCHEMA))  # a Schema: cast's stubs take no plain dict[str, DataType]

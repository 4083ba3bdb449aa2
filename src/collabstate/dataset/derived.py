"""Computing derived variables (:mod:`collabstate.instrument.derived`) and keeping respondents
within a filter: both give back :class:`Responses` that every estimate, table and report reads.

>>> import polars as pl

from ..errors import UsageError
>>> from collabstate.instrument import load_instrument
>>> from collabstate.instrument import parse_derived
>>> leaders = load_instrument("leaders")
>>> groups = parse_derived('''
... derived:
...   - id: civil_vs_private
...     label: Civil servants and private sector
...     groups:
...       - {code: 1, label: Civil servants, when: "sector == 1 and civil_service == 1"}
...       - {code: 2, label: Private sector, when: "sector == 2"}
... ''', "groups.yaml", leaders)
>>> r = Responses(leaders, pl.DataFrame({"sector": [1, 1, 2, 3], "civil_service": [1, 2, None, None]}))
>>> derive(r, groups).data["civil_vs_private"].to_list()
[1, None, 2, None]
>>> within(r, "sector == 1").data["civil_service"].to_list()
[1, 2, None, None]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import polars as pl

from ..errors import UsageError
from ..instrument.derived import with_derived
from ..instrument.logic import Condition, ConditionError, parse_condition
from ..instrument.model import DESIGN_COLUMNS, Derived, Instrument
from .responses import Responses

__all__ = ["blank_outside", "derive", "derived_expr", "filter_condition", "within", "within_mask"]


def derive(responses: Responses, derived: Sequence[Derived] = ()) -> Responses:
    """``responses`` with the instrument's own derived variables and ``derived`` computed as
    single-choice columns (in order: each may read those before it). Nothing else changes; those
    already computed are not computed again."""
    instrument = with_derived(responses.instrument, derived)
    new = [d for d in instrument.derived if d.id not in responses.data.columns]
    if not new:
        return responses if instrument is responses.instrument else dataclasses.replace(responses, instrument=instrument)
    data = responses.data
    for d in new:  # one at a time: a variable may read the one before it
        data = data.with_columns(derived_expr(d, instrument).alias(d.id))
    return dataclasses.replace(responses, instrument=instrument, data=data)


def derived_expr(derived: Derived, instrument: Instrument) -> pl.Expr:
    """The codes of a derived variable as a polars expression over the wide frame (null for a
    respondent in no group, as one who skipped a question)."""
    none = pl.lit(None, pl.Int64)
    if derived.groups is not None:
        chosen = none
        for group in reversed(derived.groups):  # the first group whose condition holds, outermost
            chosen = pl.when(parse_condition(group.when).expr(instrument.multiple)).then(pl.lit(group.code, pl.Int64)).otherwise(chosen)
        return chosen
    if derived.recode is not None:
        mapping = {old: new for new, olds in derived.recode.items() for old in olds}
        return pl.col(derived.from_ or "").replace_strict(mapping, default=None, return_dtype=pl.Int64)
    if derived.bands is not None:
        x = pl.col(derived.from_ or "").cast(pl.Float64)
        banded = none
        for code, edge in enumerate(derived.bands, start=1):  # the highest edge reached, outermost
            banded = pl.when(x >= edge).then(pl.lit(code, pl.Int64)).otherwise(banded)
        return banded
    hits, answered = [], []
    for name in derived.any_ or []:
        column = instrument.column(name)
        valid = [] if column is None else [c.code for c in column.choices if not c.excluded]
        hits.append(pl.col(name).is_in(derived.codes or []).fill_null(False))
        answered.append(
            pl.col(name).is_not_null() if column is None or column.kind == "flag" else pl.col(name).is_in(valid).fill_null(False)
        )
    return (
        pl.when(pl.any_horizontal(hits)).then(pl.lit(1, pl.Int64)).when(pl.any_horizontal(answered)).then(pl.lit(2, pl.Int64))
        .otherwise(none)
    )  # fmt: skip


def filter_condition(condition: str | Condition) -> Condition:
    """A filter as a condition; one that does not parse is a usage error (exit 2) naming the
    filter and the column where it goes wrong."""
    if isinstance(condition, Condition):
        return condition
    try:
        return parse_condition(condition)
    except ConditionError as exc:
        raise UsageError(argument="filter", value=condition, expected=f"a condition on the data: {exc}") from None


def within_mask(responses: Responses, condition: str | Condition) -> pl.Series:
    """For each respondent, whether ``condition`` (the grammar of ``relevant``) holds; a comparison
    with an unanswered question does not hold, as in R's ``subset``."""
    parsed = filter_condition(condition)
    from ..instrument.checks import check_condition, condition_names

    earlier: dict[str, object] = {name: None for name in DESIGN_COLUMNS if name in responses.data.columns}  # wave == 2025
    earlier.update(condition_names(responses.instrument))
    for _loc, problem in check_condition(responses.instrument, str(parsed), (), earlier, "the questions and derived variables"):
        raise UsageError(argument="filter", value=str(parsed), expected=f"a condition on the data: {problem}")
    schema = responses.data.schema
    for name, _op, value in parsed.literals:  # a design column's values are as the file gave them
        if name in DESIGN_COLUMNS and name in schema and isinstance(value, str) == schema[name].is_numeric():
            holds = "numbers: compare it with a number" if schema[name].is_numeric() else "text: compare it with a quoted string"
            raise UsageError(
                argument="filter", value=str(parsed), expected=f"a condition on the data: {name!r} holds {holds}, not {value!r}"
            )
    return parsed.mask(responses.data, responses.instrument.multiple)


def within(responses: Responses, condition: str | Condition | None) -> Responses:
    """The respondents for whom ``condition`` holds, as a **domain of the full design** (R:
    ``subset(design, condition)``): every respondent stays, with the weights, strata and clusters
    of the design, and the answers of those outside are left out of every base (as unanswered),
    so each standard error is the domain's in the full design, never the one of a cut of the data.
    A ``wave`` column is kept as it is (the waves of a trend do not change)."""
    if condition is None:
        return responses
    return blank_outside(responses, within_mask(responses, condition))


def blank_outside(responses: Responses, mask: pl.Series) -> Responses:
    """``responses`` with the answers of the respondents outside ``mask`` blanked: what
    :func:`within` does once the mask is known (:func:`collabstate.stats.estimate` also needs the
    mask itself, for the groups of a breakdown)."""
    answers = [c for c in responses.data.columns if c not in DESIGN_COLUMNS]
    data = responses.data.with_columns(pl.when(mask).then(pl.col(c)).otherwise(None).alias(c) for c in answers)
    return dataclasses.replace(responses, data=data)

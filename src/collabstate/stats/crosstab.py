"""Crosstabs: rows (questions) by several banners side by side, on the one estimate engine.

:func:`crosstab` returns the estimate table (:data:`~collabstate.stats.estimate.ESTIMATE_SCHEMA`)
of the ``rows``: the total of each statistic once (``by`` and ``group`` null), then for each
banner its groups (``by`` the banner's id), with the letters of the comparisons within that
banner. A ``filter`` is a domain of the full design (R: ``svyby(~q, ~banner, subset(design,
filter), svymean)``), never a cut of the data: the design is built once, from every respondent.

>>> import polars as pl
>>> from collabstate.dataset import Responses
>>> from collabstate.instrument import load_instrument
>>> r = Responses(load_instrument("leaders"), pl.DataFrame({"sector": [1, 2] * 20, "trained": [1, 1, 2, 2] * 10}))
>>> t = crosstab(r, ["trained"], ["sector"])
>>> t.filter(pl.col("option") == "1").select("by", "group", "estimate").rows()
[(None, None, 0.5), ('sector', '1', 0.5), ('sector', '2', 0.5), ('sector', '3', None), ('sector', '4', None)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import polars as pl

from ..dataset import Responses
from ..dataset.derived import filter_condition
from ..errors import UsageError
from ..instrument.logic import Condition
from .design import Design, LonelyPSU
from .estimate import ESTIMATE_SCHEMA, estimate
from .intervals import CIMethod

__all__ = ["crosstab"]

#: Banners a table may have side by side (each adds a pass over the respondents).
MAX_BANNERS = 12


def crosstab(
    responses: Responses,
    rows: Sequence[str],
    columns: Sequence[str] = (),
    *,
    filter: str | Condition | None = None,
    ci: CIMethod = "wilson",
    level: float = 0.95,
    min_base: int = 10,
    low_base: int = 30,
    lonely_psu: LonelyPSU = "adjust",
    letters_level: float | None = None,
    adjust: Literal["bh"] | None = None,
    design: Design | None = None,
) -> pl.DataFrame:
    """The estimates of ``rows`` in total and by each banner of ``columns`` (see the module)."""
    if not rows:
        raise UsageError(argument="rows", value="", expected="at least one question, column or index")
    banners = list(dict.fromkeys(columns))
    if len(banners) > MAX_BANNERS:
        raise UsageError(argument="columns", value=",".join(banners), expected=f"at most {MAX_BANNERS} banners")
    condition = None if filter is None else filter_condition(filter)
    design = design or Design.from_responses(responses, lonely_psu=lonely_psu)
    common = {"ci": ci, "level": level, "min_base": min_base, "low_base": low_base, "letters_level": letters_level, "adjust": adjust,
              "design": design, "filter": condition}  # fmt: skip
    total = estimate(responses, list(rows), **common)  # type: ignore[arg-type]
    parts = [total.with_row_index("_row")]
    key = ["question", "option", "statistic"]
    for banner in banners:
        by = estimate(responses, list(rows), by=banner, **common)  # type: ignore[arg-type]
        groups = by.filter(pl.col("group").is_not_null())
        parts.append(groups.join(parts[0].select(*key, "_row"), on=key, how="left", nulls_equal=True))
    table = pl.concat([p.select(*ESTIMATE_SCHEMA, "_row") for p in parts], how="vertical").with_row_index("_order")
    return table.sort("_row", "_order").select(list(ESTIMATE_SCHEMA))

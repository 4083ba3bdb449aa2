"""Percentile ranks: where an organisation's score sits among the organisations, or the
respondents, of a comparison survey, and how to say it without contradicting the means.

The percentile rank of a value ``x`` among weighted scores is the weighted share of scores below
``x`` plus half the share equal to it, on 0–100 (the "mid-rank" definition). Respondents' scores:
an item's score as the index rows of the estimate table score it (:func:`collabstate.stats.item_scores`:
the index's score map, 0–3 for the readiness factors, else the choices' scores; excluded answers
such as "not applicable" and unanswered items are left out), and a respondent's index score, the
mean of their valid scores over the index factors.

Whom an organisation is ranked among (:class:`Comparators`). An organisation's score is the mean of
its respondents' answers. Ranked among individual respondents' scores, which are far more spread
out than means, an organisation above the mean of all respondents can sit at the 39th percentile.
So when the comparison data say which organisation each respondent belongs to (the ``org_id``
design column, else a question with the id ``organisation``, else the ``cluster`` design column:
:func:`organisation_column`), the
organisation is ranked among organisations, each organisation's respondents averaged exactly as
the organisation's own score is (a factor's weighted mean over valid answers; the index the mean
of the in-index factor means, missing when a factor has no valid answer), each organisation
counted once. Otherwise it is ranked among individual respondents, weighted, and the wording says
so. :class:`Standing` says a rank beside the mean it is read with, and explains when the two
point different ways (the mean sits below or above the middle of the scores).

>>> import numpy as np
>>> percentile_rank(np.array([0.0, 1, 2, 3]), None, 2.0)
62.5
>>> s = Standing(2.45, 2.42, "all respondents", 39.0, "respondent", 115)
>>> print(s.sentence("Importance index"))  # doctest: +NORMALIZE_WHITESPACE
Importance index 2.45: above the mean of all respondents (2.42), yet only 39% of individual
respondents score below it (counting half of those level with it), so it sits below the middle of
the individual scores. More respondents score above it than below; the mean sits below the
middle because the lowest scores pull it down.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from ..dataset import Responses
from ..errors import InputError, UnknownNameError
from ..instrument.model import Dimension, Factor, IndexDefinition
from ..stats import item_scores

__all__ = [
    "Comparators",
    "Standing",
    "index_scores",
    "item_scores",
    "main_group",
    "ordinal",
    "organisation_column",
    "percentile_rank",
]

#: The question id that names a respondent's organisation, when an instrument has one.
ORGANISATION_QUESTION = "organisation"
#: Columns that can say which organisation a respondent belongs to, in the order they are looked for.
ORGANISATION_COLUMNS = ("org_id", ORGANISATION_QUESTION, "cluster")

Unit = Literal["organisation", "respondent"]


def index_scores(responses: Responses, index: IndexDefinition, dimension: Dimension) -> np.ndarray:
    """Each respondent's mean score over the index factors they answered validly (NaN if none)."""
    items = [item_scores(responses, index, index.item(f, dimension)) for f in index.factors if f.in_index]
    stacked = np.vstack(items) if items else np.full((1, responses.n), np.nan)
    valid = ~np.isnan(stacked)
    count = valid.sum(axis=0)
    total = np.where(valid, stacked, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def percentile_rank(values: np.ndarray, weights: np.ndarray | None, x: float) -> float | None:
    """Weighted mid-rank percentile of ``x`` among ``values`` (NaN values ignored); None when no
    value is valid or ``x`` is missing. A value within rounding error of ``x`` is equal to it."""
    values = np.asarray(values, dtype=np.float64)
    w = np.ones_like(values) if weights is None else np.asarray(weights, dtype=np.float64)
    ok = ~np.isnan(values) & (w > 0)
    if not ok.any() or x is None or not np.isfinite(x):
        return None
    v, w = values[ok], w[ok]
    equal = np.isclose(v, x)
    below = w[(v < x) & ~equal].sum()
    return float(100.0 * (below + 0.5 * w[equal].sum()) / w.sum())


def main_group(values: pl.Series) -> str | None:
    """The most common answer (ties: the smallest), as text; None when nobody answered."""
    counts = values.drop_nulls().value_counts(name="n")
    if not counts.height:
        return None
    return str(counts.sort(["n", values.name], descending=[True, False])[values.name][0])


def organisation_column(responses: Responses, column: str | None = "auto") -> str | None:
    """The column of ``responses`` that says which organisation each respondent belongs to.

    ``"auto"``: the first of the ``org_id`` design column, a question ``organisation`` and the
    ``cluster`` design column that the data carry with a value, else None (rank individual
    respondents): a survey clustered by organisation has its organisations as clusters.
    ``None``: none. A name: that column, which must exist and hold a value."""
    if column is None:
        return None
    if column == "auto":
        for name in ORGANISATION_COLUMNS:
            if name in responses.data.columns and responses.data[name].drop_nulls().len():
                return name
        return None
    if column not in responses.data.columns:
        known = [c for c in ORGANISATION_COLUMNS if c in responses.data.columns]
        also = f" (it has: {', '.join(known)})" if known else f" (it has none of the columns {', '.join(ORGANISATION_COLUMNS)})"
        raise UnknownNameError(
            name=column,
            kind=f"a column of the comparison data{also}; it should name each respondent's organisation",
            known=responses.data.columns,
        )
    if not responses.data[column].drop_nulls().len():
        raise InputError(
            file=responses.source,
            column=column,
            problem="holds no value",
            expected="the organisation of each respondent of the comparison data",
        )
    return column


@dataclass(frozen=True)
class Standing:
    """An organisation's score, the mean it is read beside, and its percentile rank among
    ``n`` comparators (``unit``: organisations or individual respondents)."""

    value: float
    mean: float | None
    mean_label: str  # "all respondents", "the public sector's respondents"
    percentile: float | None
    unit: Unit
    n: int
    hidden: str = ""  # why the rank is not shown, when it is not

    @property
    def shown(self) -> bool:
        return self.percentile is not None and not self.hidden

    @property
    def rank(self) -> int | None:
        """The percentile as read (rounded); None when the rank is not shown."""
        if self.percentile is None or not self.shown:
            return None
        return round(self.percentile)

    def _relation(self) -> int | None:
        """+1 above the mean, −1 below, 0 level with it, as the two numbers read (2 decimals)."""
        if self.mean is None or not np.isfinite(self.mean):
            return None
        a, b = round(self.value, 2), round(self.mean, 2)
        return (a > b) - (a < b)

    def cell(self) -> str:
        """The rank in a table cell: '62nd percentile of 23 organisations' or '39% of respondents'."""
        if not self.shown:
            return f"not shown{self.hidden and f' ({self.hidden})'}"
        if self.unit == "organisation":
            return f"{ordinal(self.rank)} of {self.n:,} organisations"
        return f"{self.rank}% of respondents"

    def headline(self) -> str:
        """The rank as a headline figure's value: '62nd percentile' or '39%'."""
        if not self.shown:
            return "not shown"
        return ordinal(self.rank) if self.unit == "organisation" else f"{self.rank}%"

    def conflicts(self) -> bool:
        """The rank points another way than the mean: above the mean yet below the middle, etc."""
        relation = self._relation()
        return self.shown and relation is not None and (rank := self.rank) is not None and relation != (rank > 50) - (rank < 50)

    def sentence(self, label: str) -> str:
        """What a reader can take at its word: the score, where it stands against the mean, its
        rank and, when the rank points another way than the mean, where the middle is and why."""
        value, relation = f"{self.value:.2f}", self._relation()
        against = (
            "" if relation is None else f"{('level with', 'above', 'below')[relation]} the mean of {self.mean_label} ({self.mean:.2f})"
        )
        rank = self.rank
        if rank is None:  # not shown
            return (
                f"{label} {value}" + (f": {against}" if against else "") + f"; its rank is not shown{self.hidden and f' ({self.hidden})'}."
            )
        if not self.conflicts() or relation is None:  # a conflict needs a relation: the second test never holds
            return f"{label} {value}: " + (f"{against}; " if against else "") + f"{self._ranked(rank)}."
        middle = "below" if rank < 50 else ("above" if rank > 50 else "at")
        units = "the organisations" if self.unit == "organisation" else "the individual scores"
        return f"{label} {value}: {against}, yet {self._ranked(rank, yet=True)}, so it sits {middle} the middle of {units}.{self._why(rank, relation)}"

    def _ranked(self, rank: int, yet: bool = False) -> str:
        """How the shown ``rank`` reads."""
        if self.unit == "respondent":
            only = "only " if yet and rank < 50 else ""
            return f"{only}{rank}% of individual respondents score below it (counting half of those level with it)"
        if self.percentile in (0.0, 100.0):
            where = f"{'above' if self.percentile == 100.0 else 'below'} every one of the {self.n:,} organisations ranked"
        else:
            where = f"at the {ordinal(rank)} among {self.n:,} organisations"
        return where + " (each organisation's respondents averaged)"

    def _why(self, rank: int, relation: int) -> str:
        """Why a score above the mean can sit below the middle (or the other way round), given the shown ``rank``."""
        who = "organisations" if self.unit == "organisation" else "respondents"
        if rank == 50:
            more = f" About as many {who} score above it as below;"
        else:
            more = f" More {who} score {'above it than below' if rank < 50 else 'below it than above'};"
        low = rank < 50 or (rank == 50 and relation > 0)  # the mean sits below the middle
        if self.unit == "organisation":
            return (
                f"{more} the mean of {self.mean_label} counts each respondent once, the rank each organisation once, and here the "
                f"mean sits {'below' if low else 'above'} the middle organisation."
            )
        pull = "the lowest scores pull it down" if low else "the highest scores pull it up"
        return f"{more} the mean sits {'below' if low else 'above'} the middle because {pull}."


def ordinal(p: float | None) -> str:
    """62.4 -> '62nd percentile'."""
    if p is None:
        return "not shown"
    k = round(p)
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix} percentile"


class Comparators:
    """The units an organisation's score is ranked among: organisations (respondents of one
    organisation averaged, each organisation counted once) when ``organisation`` names a column
    that says who belongs to which (see :func:`organisation_column`), else individual respondents
    (weighted). ``by``: the breakdown whose group (sector) each unit belongs to, an organisation's
    being the most common answer of its respondents. ``exclude``: organisations left out (the one
    being ranked, when the comparison data hold it too).

    >>> from collabstate.instrument import load_instrument
    >>> ins = load_instrument("readiness-2018")
    >>> frame = pl.DataFrame({"cluster": ["a", "a", "b", "c"], "imp_behaviours": [3, 1, 2, 0]})
    >>> c = Comparators(Responses(ins, frame), ins.indices[0])
    >>> c.unit, c.n, c.scores(ins.indices[0].dimensions[0], ins.indices[0].factors[0]).tolist()
    ('organisation', 3, [2.0, 2.0, 0.0])
    """

    def __init__(
        self,
        responses: Responses,
        index: IndexDefinition,
        *,
        organisation: str | None = "auto",
        by: str | None = None,
        exclude: tuple[str, ...] = (),
    ):
        self.responses, self.index = responses, index
        self.column = organisation_column(responses, organisation)
        self.unit: Unit = "organisation" if self.column else "respondent"
        data = responses.data
        if self.column is None:
            self._codes = np.arange(responses.n)
            self.weights = responses.weights().to_numpy().astype(np.float64)
            self.groups = data[by].cast(pl.String).to_numpy() if by else None
            return
        ids = data[self.column].cast(pl.String)
        kept = ids.filter(ids.is_not_null() & ~ids.is_in(list(exclude)))
        self.ids = kept.unique().sort()
        lookup = {v: i for i, v in enumerate(self.ids.to_list())}
        self._codes = ids.replace_strict(lookup, default=None, return_dtype=pl.Int64).fill_null(-1).to_numpy()
        self.weights = np.ones(len(lookup))
        self.groups = None
        if by:  # an organisation's group: its respondents' most common answer (ties: the smallest), as main_group
            frame = pl.DataFrame({"unit": self._codes, "group": data[by]}).filter((pl.col("unit") >= 0) & pl.col("group").is_not_null())
            counts = frame.group_by("unit", "group").len().sort(["unit", "len", "group"], descending=[False, True, False])
            main = counts.group_by("unit", maintain_order=True).first()
            self.groups = np.full(len(lookup), None, dtype=object)
            self.groups[main["unit"].to_numpy()] = main["group"].cast(pl.String).to_list()

    @property
    def n(self) -> int:
        """How many units (organisations or respondents) there are to rank among."""
        return len(self.weights)

    def _unit_means(self, scores: np.ndarray) -> np.ndarray:
        """Each organisation's weighted mean of the respondents' valid scores (NaN when none)."""
        keep = (self._codes >= 0) & ~np.isnan(scores)
        w = self.responses.weights().to_numpy().astype(np.float64)[keep]
        total = np.bincount(self._codes[keep], weights=w * scores[keep], minlength=self.n)
        base = np.bincount(self._codes[keep], weights=w, minlength=self.n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(base > 0, total / np.where(base > 0, base, 1.0), np.nan)

    def scores(self, dimension: Dimension, factor: Factor | None = None) -> npt.NDArray[np.float64]:
        """Each unit's score on a factor (``None``: the index) of ``dimension``."""
        if self.unit == "respondent":
            if factor is None:
                return index_scores(self.responses, self.index, dimension)
            return item_scores(self.responses, self.index, self.index.item(factor, dimension))
        factors = [factor] if factor is not None else [f for f in self.index.factors if f.in_index]
        means = np.vstack([self._unit_means(item_scores(self.responses, self.index, self.index.item(f, dimension))) for f in factors])
        scores: npt.NDArray[np.float64] = means.mean(axis=0)  # NaN when a factor has no valid answer, as the organisation's own index
        return scores

    def standing(
        self,
        value: float,
        mean: float | None,
        dimension: Dimension,
        factor: Factor | None = None,
        *,
        group: str | None = None,
        mean_label: str = "all respondents",
        min_units: int = 1,
    ) -> Standing:
        """Where ``value`` stands among the units (of ``group`` of the breakdown, when given).
        Fewer than ``min_units`` units with a score: the rank is not shown."""
        scores, weights = self.scores(dimension, factor), self.weights
        if group is not None:
            mask = self.groups == group if self.groups is not None else np.zeros(self.n, dtype=bool)
            scores, weights = scores[mask], weights[mask]
        valid = ~np.isnan(scores) & (weights > 0)
        n = int(valid.sum())
        hidden = f"fewer than {min_units} {self.unit}s to rank among" if n < min_units else ""
        return Standing(value, mean, mean_label, percentile_rank(scores, weights, value), self.unit, n, hidden)

"""An organisation's readiness profile beside its peers', and where it stands among them: what the
``collabstate benchmark`` command reports (the report itself is
:func:`collabstate.report.peer_comparison.build_peer_comparison`).

The profile is the index's rows of the estimate table (each factor's mean score and the index, per
dimension) for three groups of respondents: the organisation's own (estimated here), its sector's
and all respondents of the comparison survey (read from that survey's estimate table, broken down
by sector). The organisation's sector is the most common sector among its respondents. Where it
stands is a percentile rank (:mod:`collabstate.analysis.percentiles`): among the organisations of
the comparison survey when its data say which organisation each respondent belongs to (the
``org_id`` design column, else an ``organisation`` question, else the ``cluster`` design column;
``organisations=`` chooses), each organisation's respondents averaged and the organisation itself
left out; otherwise among individual respondents' scores.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ..dataset import Responses
from ..instrument.model import Dimension, Factor, IndexDefinition
from ..stats import estimate
from ..stats.intervals import CIMethod
from .findings import is_shown
from .percentiles import Comparators, Standing, main_group, organisation_column

__all__ = ["PeerComparison", "sector_of"]

Row = dict[str, Any]


def sector_of(org: Responses, by: str | None) -> str | None:
    """The organisation's sector: its respondents' most common answer to ``by`` (ties: the
    smallest code), as text; None without a breakdown or an answer."""
    if by is None or by not in org.data.columns:
        return None
    return main_group(org.data[by])


class PeerComparison:
    """The organisation's profile beside its sector's and all respondents', and its standings.

    ``everyone`` is the comparison survey and ``table`` its estimate table broken down by ``by``
    (the sector question; None: no sector). ``organisations`` says which column of ``everyone``
    names each respondent's organisation (see :func:`~collabstate.analysis.percentiles.organisation_column`);
    the organisation's own respondents, found there too, are left out of its comparators. The
    organisation is estimated with the same interval method, level and bases as the comparison
    survey (``org_table``); a rank among fewer than ``min_base`` units is not shown."""

    def __init__(
        self,
        org: Responses,
        everyone: Responses,
        table: pl.DataFrame,
        index: IndexDefinition,
        *,
        by: str | None,
        organisations: str | None = "auto",
        ci: CIMethod = "wilson",
        level: float = 0.95,
        min_base: int = 10,
        low_base: int = 30,
    ):
        self.org, self.everyone, self.index, self.by, self.min_base = org, everyone, index, by, min_base
        self.org_table = estimate(org, ci=ci, level=level, min_base=min_base, low_base=low_base)
        self._org = {(r["question"], r["option"], r["statistic"]): r for r in self.org_table.iter_rows(named=True)}
        self._peers = {(r["question"], r["option"], r["statistic"], r["group"]): r for r in table.iter_rows(named=True) if r["by"] == by}
        self.sector = sector_of(org, by)
        column = organisation_column(everyone, organisations)
        ours = org.data[column].drop_nulls().cast(pl.String).unique().to_list() if column and column in org.data.columns else []
        self.comparators = Comparators(everyone, index, organisation=column, by=by if self.sector else None, exclude=tuple(ours))

    @property
    def by_organisation(self) -> bool:
        """Ranked among organisations (else among individual respondents)."""
        return self.comparators.unit == "organisation"

    def org_row(self, question: str, option: str | None, statistic: str) -> Row | None:
        """A row of the organisation's estimate table."""
        return self._org.get((question, option, statistic))

    def rows(self, dimension: Dimension, option: str) -> list[Row | None]:
        """The profile's rows of one factor (``option``: its id, or ``"index"``) on ``dimension``:
        the organisation's, its sector's (when it has one) and all respondents'."""
        question = f"{self.index.id}/{dimension.id}"
        out = [self.org_row(question, option, "index")]
        if self.sector:
            out.append(self._peers.get((question, option, "index", self.sector)))
        out.append(self._peers.get((question, option, "index", None)))
        return out

    def standings(
        self, dimension: Dimension, factor: Factor | None, *, sector_label: str = "the sector's respondents"
    ) -> list[Standing | None]:
        """Where the organisation's score on ``factor`` (None: the index) stands among all units,
        then (with a sector) among the sector's, each read beside the mean of the same row
        (``sector_label`` names the sector's respondents in its sentence); None when the
        organisation's own score is not shown."""
        rows = self.rows(dimension, factor.id if factor else "index")
        own = rows[0]
        if own is None or not is_shown(own):
            return [None] * (2 if self.sector else 1)
        value = float(own["estimate"])  # shown: a finite number
        means = [float(r["estimate"]) if r is not None and is_shown(r) else None for r in rows]
        rank = self.comparators.standing
        out: list[Standing | None] = [rank(value, means[-1], dimension, factor, mean_label="all respondents", min_units=self.min_base)]
        if self.sector:
            out.append(rank(value, means[1], dimension, factor, group=self.sector, mean_label=sector_label, min_units=self.min_base))
        return out

"""A synthetic organisation for the demo's peer comparison (``collabstate benchmark``)."""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["demo_organisation"]


def demo_organisation(everyone_frame: pl.DataFrame, *, size: int = 24, seed: int = 7) -> pl.DataFrame:
    """A synthetic organisation for the demo: ``size`` third-sector respondents drawn with
    replacement from the 2018 demo wave, with collaborative behaviours more prevalent (+1 point,
    at most 'a great deal')."""
    third = everyone_frame.filter(pl.col("q16_sector") == 3)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, third.height, size)
    org = third[picks.tolist()].with_columns(
        pl.when(pl.col("prev_behaviours") < 3)
        .then(pl.col("prev_behaviours") + 1)
        .otherwise(pl.col("prev_behaviours"))
        .alias("prev_behaviours")
    )
    if "respondent_id" in org.columns:
        org = org.with_columns(pl.format("org-{}", pl.int_range(pl.len())).alias("respondent_id"))
    return org

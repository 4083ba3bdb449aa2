"""The leaders' two demo waves (2024 and 2025, with their wave column) with a design: weights,
strata (a region) and clusters within the regions, drawn from a seed. Shared by the command-line
tests of `estimate` and `table`."""

from __future__ import annotations

import numpy as np
import polars as pl

from collabstate.demo import leaders_wave


def designed_waves(seed: int, clusters_per_region: int) -> pl.DataFrame:
    frame = pl.concat([leaders_wave(2024), leaders_wave(2025)])
    rng = np.random.default_rng(seed)
    n = frame.height
    region = rng.choice(["north", "south", "east"], n)
    return frame.with_columns(
        weight=pl.Series(rng.uniform(0.5, 3.0, n)),
        stratum=pl.Series(region),
        cluster=pl.Series([f"{r}-{k}" for r, k in zip(region, rng.integers(0, clusters_per_region, n))]),
    )

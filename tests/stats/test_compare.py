"""Pairwise letters and wave changes: the difference's own linearised variance decides."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from collabstate.dataset import Responses
from collabstate.errors import InputError, UnknownNameError
from collabstate.instrument import load_instrument
from collabstate.stats import Design, benjamini_hochberg, pairwise_letters, wave_change
from collabstate.stats._breakdown import make_breakdown
from collabstate.stats._engine import Engine
from collabstate.stats.variance import linearise_ratio, psu_totals, vcov_totals


def two_waves(n: int = 1000, seed: int = 0, shift: float = 0.0) -> Responses:
    """Leaders' answers in waves 2024 and 2025 sharing strata and clusters; ``shift`` raises the
    chance of agreeing in 2025."""
    rng = np.random.default_rng(seed)
    wave = rng.choice([2024, 2025], n)
    p_agree = 0.4 + shift * (wave == 2025)
    agree = rng.random(n) < p_agree
    growth = np.where(agree, rng.choice([4, 5], n), rng.choice([1, 2, 3], n))
    frame = pl.DataFrame(
        {
            "wave": wave,
            "weight": rng.uniform(0.5, 2, n),
            "stratum": rng.choice(["a", "b"], n),
            "cluster": rng.integers(0, 15, n).astype(str),
            "sector": rng.choice([1, 2, 3, 4], n),
            "growth_belief": growth,
        }
    )
    return Responses(load_instrument("leaders"), frame)


def test_benjamini_hochberg_matches_r_p_adjust():
    # R: p.adjust(c(0.001, 0.04, 0.03, 0.2), "BH") == c(0.004, 0.05333333, 0.05333333, 0.2)
    np.testing.assert_allclose(benjamini_hochberg(np.array([0.001, 0.04, 0.03, 0.2])), [0.004, 0.16 / 3, 0.16 / 3, 0.2])
    np.testing.assert_allclose(benjamini_hochberg(np.array([0.01, 0.02, 0.03, 0.04, 0.05])), [0.05] * 5)
    assert benjamini_hochberg(np.array([])).size == 0


def test_letters_use_the_covariance_of_the_groups():
    est = np.array([0.50, 0.46])
    independent = np.diag([0.0004, 0.0004])
    correlated = np.array([[0.0004, 0.00036], [0.00036, 0.0004]])
    assert pairwise_letters(est, independent) == ["", ""]
    assert pairwise_letters(est, correlated) == ["B", ""]


def test_letters_level_bh_and_unusable_groups():
    est = np.array([0.60, 0.50, 0.40, 0.55])
    cov = np.diag([0.0016] * 4)  # se of a difference 0.057: A > C (p 0.0004), D > C (p 0.008)
    assert pairwise_letters(est, cov) == ["C", "", "", "C"]
    assert pairwise_letters(est, cov, level=0.995) == ["C", "", "", ""]
    assert pairwise_letters(est, cov, np.array([True, True, False, True])) == ["", "", None, ""]
    adjusted = pairwise_letters(est, cov, adjust="bh")
    assert all(len(a) <= len(b) for a, b in zip(adjusted, pairwise_letters(est, cov)))
    with pytest.raises(ValueError):
        pairwise_letters(est, cov, adjust="holm")


def test_engine_covariance_is_that_of_the_difference_over_the_full_design():
    r = two_waves(seed=1)
    design = Design.from_responses(r)
    breakdown = make_breakdown(r, "sector")
    block = next(b for b in Engine(design, breakdown).blocks(r, ["growth_belief"]) if b.statistic == "mean")
    y = r.data["growth_belief"].cast(pl.Float64).to_numpy()
    sector = r.data["sector"].to_numpy()
    za = linearise_ratio(design, y, sector == 1)[1][:, 0]
    zb = linearise_ratio(design, y, sector == 3)[1][:, 0]
    var_diff = vcov_totals(design, psu_totals(design, za - zb))[0, 0]
    c = block.cov
    assert c[0, 0] + c[2, 2] - 2 * c[0, 2] == pytest.approx(var_diff, rel=1e-10)
    assert c[0, 2] != 0  # groups share PSUs: the covariance is not assumed away


def test_wave_change_finds_a_real_rise():
    r = two_waves(n=2000, seed=2, shift=0.25)
    change = wave_change(r, ["growth_belief"])
    agree = change.filter(pl.col("option") == "agree").row(0, named=True)
    assert (agree["wave_from"], agree["wave_to"]) == ("2024", "2025")
    assert agree["change"] == pytest.approx(agree["estimate_to"] - agree["estimate_from"])
    assert agree["change"] > 0.15 and agree["verdict"] == "up" and agree["p_value"] < 0.001
    assert agree["ci_low"] < agree["change"] < agree["ci_high"]
    down = wave_change(r, ["growth_belief"], waves=(2025, 2024)).filter(pl.col("option") == "agree")
    assert down["verdict"].item() == "down"


def test_wave_change_says_no_significant_change_and_gives_both_numbers():
    r = two_waves(n=600, seed=3, shift=0.0)
    change = wave_change(r, ["growth_belief"], by="sector", level=0.999)
    assert set(change["verdict"].drop_nulls()) == {"no significant change"}
    assert change["estimate_from"].null_count() == 0 and change["estimate_to"].null_count() == 0
    assert change["group"].unique(maintain_order=True).to_list() == [None, "1", "2", "3", "4"]


def test_wave_change_se_is_the_differences_linearised_se():
    r = two_waves(n=800, seed=4, shift=0.1)
    row = wave_change(r, ["growth_belief"]).filter(pl.col("statistic") == "mean").row(0, named=True)
    design = Design.from_responses(r)
    y = r.data["growth_belief"].cast(pl.Float64).to_numpy()
    wave = r.data["wave"].to_numpy()
    z = linearise_ratio(design, y, wave == 2025)[1][:, 0] - linearise_ratio(design, y, wave == 2024)[1][:, 0]
    assert row["se"] == pytest.approx(np.sqrt(vcov_totals(design, psu_totals(design, z))[0, 0]), rel=1e-10)


def test_wave_change_suppresses_small_bases_and_needs_waves():
    r = two_waves(n=60, seed=5)
    change = wave_change(r, ["growth_belief"], by="sector", min_base=10)
    small = change.filter(pl.col("flags").list.contains("suppressed"))
    assert small.height and small["verdict"].null_count() == small.height and small["change"].null_count() == small.height
    with pytest.raises(InputError, match="column wave is not in the responses"):
        wave_change(Responses(r.instrument, r.data.drop("wave")), ["growth_belief"])
    with pytest.raises(UnknownNameError, match="is not a wave of the data"):
        wave_change(r, ["growth_belief"], waves=(2020, 2025))

"""Weighting: targets files, raking (convergence report, trimming), post-stratification, the
report of the weights, and the variance of estimates on the calibrated design."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from collabstate.dataset import Responses
from collabstate.demo import leaders_wave
from collabstate.errors import UnknownNameError, UsageError
from collabstate.instrument import load_instrument
from collabstate.stats import Design, Targets, TargetsError, WeightingDataError, domain_mean, estimate, load_targets, poststratify, rake
from collabstate.stats._calibration import CalibratedResponses
from collabstate.stats._kernel import CalibratedKernel

LEADERS = load_instrument("leaders")


def leaders(weighted: bool = True, clustered: bool = True, seed: int = 7) -> Responses:
    """The 2024 demo wave with a random design (strata, clusters, weights); sector always answered."""
    frame = leaders_wave(2024).filter(pl.col("sector").is_not_null())
    rng = np.random.default_rng(seed)
    n = frame.height
    extra = {"stratum": rng.choice(["north", "south", "east"], n)}
    if weighted:
        extra["weight"] = rng.uniform(0.5, 3.0, n)
    if clustered:
        extra["cluster"] = rng.integers(0, 12, n).astype(str)
    return Responses(LEADERS, frame.with_columns(**{k: pl.Series(v) for k, v in extra.items()}))


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


# ---------------------------------------------------------------------------------- targets files
def test_yaml_targets_with_shares_totals_and_a_cross(tmp_path):
    path = write(
        tmp_path,
        "targets.yaml",
        "sector: {1: 0.4, 2: 0.35, 3: 0.2, 4: 0.05}\nstratum:\n  north: 100\n  south: 300\n  east: 200\nsector*role:\n  1*1: 600\n",
    )
    t = load_targets(path, leaders())
    assert t.keys == ["sector", "stratum", ("sector", "role")]
    assert t.is_share("sector") and not t.is_share("stratum")
    assert t.margins[("sector", "role")] == {("1", "1"): 600.0}
    assert t.total(123.0) == 600.0


def test_csv_targets(tmp_path):
    path = write(tmp_path, "targets.csv", "variable,code,target\nsector,1,0.5\nsector,2,0.5\n\nrole , 3 , 10\n")
    t = load_targets(path)
    assert t.margins == {"sector": {"1": 0.5, "2": 0.5}, "role": {"3": 10.0}}
    assert t.lines[("role", "3")] == 5


BAD_FILES = [
    (
        "t.yaml",
        "sector: {1: 0.5, 2: 0.5}\nsecter: {1: 1.0}\n",
        "t.yaml, line 2: 'secter' is not a single-choice question or a design column",
        "did you mean 'sector'",
    ),
    ("t.yaml", "sector:\n  1: 0.5\n  7: 0.5\n", "t.yaml, line 3: code 7 is not a choice of 'sector'", "choices: 1, 2, 3, 4"),
    ("t.yaml", "sector:\n  1: 0.5\n  2: 0.3\n", "t.yaml, line 1: the targets of 'sector' are shares", "sum to 0.8"),
    ("t.yaml", "sector:\n  1: 10\n  2: -3\n", "t.yaml, line 3: the target of code 2 of 'sector' is negative", ""),
    ("t.yaml", "sector:\n  1: 10\n  2: lots\n", "t.yaml, line 3: the target of code 2 of 'sector' must be a number", "'lots'"),
    ("t.yaml", "sector:\n  1: 10\n  1: 20\n", "t.yaml, line 3: code 1 of 'sector' is given twice (also on line 2)", ""),
    ("t.yaml", "- sector\n", "t.yaml, line 1: expected a mapping of variables", ""),
    ("t.yaml", "sector: {1: 0.5\n", "t.yaml", "not valid YAML"),
    ("t.yaml", "", "t.yaml: the file is empty", ""),
    (
        "t.csv",
        "variable,code,target\nsector,1,0.5\nsector,2,x\n",
        "t.csv, line 3: the target 'x' of code 2 of 'sector' is not a number",
        "",
    ),
    ("t.csv", "var,code,value\n", "t.csv, line 1: expected the columns variable, code, target", ""),
    ("t.csv", "variable,code,target\nsector,one,1\n", "t.csv, line 2: code 'one' of 'sector' must be a whole number", ""),
    ("t.txt", "sector: {1: 1}\n", "t.txt: targets are read from .yaml, .yml or .csv files", ""),
    # issue 14, item 6: what Python's csv module refuses is a message naming the line, never a traceback
    ("t.csv", "variable,code,target\nsector,1," + "9" * 200_000 + "\n", "t.csv, line 2: cannot be read as CSV: a value of more", ""),
]


@pytest.mark.parametrize("name,text,message,detail", BAD_FILES)
def test_bad_targets_files_say_where_and_what(tmp_path, name, text, message, detail):
    with pytest.raises(TargetsError) as error:
        load_targets(write(tmp_path, name, text), leaders())
    assert message in str(error.value) and detail in str(error.value)


def test_a_targets_file_that_is_not_utf8_says_so(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"variable,code,target\nsector,1,0.5\nsector,2,\xff\n")
    with pytest.raises(TargetsError, match=r"t.csv, line 3: not UTF-8 text: byte 0xFF at offset 43"):
        load_targets(path, leaders())


def test_targets_that_do_not_fit_the_sample(tmp_path):
    r = leaders()
    r = Responses(LEADERS, r.data.filter(pl.col("sector") != 4))
    empty = load_targets(write(tmp_path, "t.yaml", "sector: {1: 0.3, 2: 0.3, 3: 0.3, 4: 0.1}\n"), r)
    with pytest.raises(TargetsError, match=r"t.yaml, line 1: code 4 of 'sector' has a target of 0.1 but no respondents"):
        rake(r, empty)
    zero = Targets({"sector": {1: 0.5, 2: 0.5, 3: 0.0}})
    with pytest.raises(TargetsError, match=r"code 3 of 'sector' has a target of 0 but \d+ respondents"):
        rake(r, zero)
    missing = Targets({"sector": {1: 0.5, 2: 0.5}})
    with pytest.raises(TargetsError, match=r"cannot be placed in a cell of 'sector': \d+ of them have code 3, which has no target"):
        rake(r, missing)
    unanswered = Responses(LEADERS, leaders_wave(2024))
    with pytest.raises(WeightingDataError, match="3 respondents have no answer to 'sector'"):  # the data's fault, not the targets'
        rake(unanswered, Targets({"sector": {1: 0.25, 2: 0.25, 3: 0.25, 4: 0.25}}))
    clash = Targets({"sector": {1: 50, 2: 50, 3: 50, 4: 50}, "stratum": {"north": 100, "south": 100, "east": 100}})
    with pytest.raises(TargetsError, match="the margins must describe one population"):
        rake(leaders(), clash)


# ---------------------------------------------------------------------------------- raking
SECTOR = {1: 0.3, 2: 0.4, 3: 0.2, 4: 0.1}
STRATUM = {"north": 0.5, "south": 0.3, "east": 0.2}


def test_rake_converges_reproduces_the_margins_and_reports():
    r = leaders()
    result = rake(r, Targets({"sector": SECTOR, "stratum": STRATUM, "role": {1: 0.2, 2: 0.1, 3: 0.3, 4: 0.3, 5: 0.1}}))
    w, base = result.weights, r.data["weight"].to_numpy()
    assert result.converged and result.iterations == len(result.history) >= 2
    assert result.history[-1] < result.tolerance == pytest.approx(1e-10 * base.sum())
    assert w.sum() == pytest.approx(base.sum(), rel=1e-12)  # shares keep the sum of the input weights
    for name, shares in (("sector", SECTOR), ("stratum", STRATUM)):
        achieved = pl.DataFrame({"v": r.data[name], "w": w}).group_by("v").agg(pl.col("w").sum())
        for code, share in shares.items():
            assert achieved.filter(pl.col("v") == code)["w"].item() / w.sum() == pytest.approx(share, abs=1e-9)
    report = result.report()
    assert report.columns == ["margin", "code", "n", "base", "target", "achieved", "error", "target_share", "achieved_share"]
    assert report.height == 4 + 3 + 5 and report["error"].abs().max() < 1e-6
    assert result.max_margin_error < 1e-9
    assert result.efficiency == pytest.approx(w.sum() ** 2 / (len(w) * (w**2).sum()))
    assert result.design_effect == pytest.approx(1 / result.efficiency)
    assert result.ratio == pytest.approx(w.max() / w.min())
    assert result.n_eff == pytest.approx(result.efficiency * len(w))
    text = str(result)
    assert "Raking on sector, stratum, role: converged after" in text and "Efficiency" in text and "north" in text
    assert isinstance(result.responses, CalibratedResponses) and result.responses.weight == "weight"


def test_rake_that_does_not_converge_says_so():
    with pytest.warns(RuntimeWarning, match="raking did not converge after 1 iterations"):
        result = rake(leaders(), Targets({"sector": SECTOR, "stratum": STRATUM}), max_iter=1)
    assert not result.converged and result.iterations == 1 and result.max_margin_error > 1e-6
    assert "did NOT converge" in str(result)


def test_trimming_bounds_hold_and_the_margins_are_met():
    r = leaders()
    targets = Targets({"sector": SECTOR, "stratum": {"north": 0.6, "south": 0.25, "east": 0.15}})
    untrimmed = rake(r, targets)
    assert untrimmed.ratio > 40
    low, high = 0.4, 3.0
    result = rake(r, targets, trim=(low, high), max_iter=500)
    w = result.weights
    assert result.converged and result.n_trimmed > 0
    assert w.min() >= low * w.mean() * (1 - 1e-9) and w.max() <= high * w.mean() * (1 + 1e-9)
    assert result.max_margin_error < 1e-9
    assert result.ratio < untrimmed.ratio and result.efficiency > untrimmed.efficiency
    assert "Trimmed to 0.4–3 × the mean weight" in str(result)
    with pytest.warns(RuntimeWarning, match="the trimming bounds may be too tight"):
        tight = rake(r, targets, trim=(0.9, 1.1), max_iter=100)
    assert not tight.converged and tight.max_margin_error > 1e-3
    with pytest.raises(UsageError, match=r"trim \(1.5, 2\) is not valid; expected bounds with 0 ≤ low ≤ 1 ≤ high"):
        rake(r, targets, trim=(1.5, 2))


def test_epsilon_above_one_is_in_weight_units_and_bad_arguments():
    r = leaders()
    result = rake(r, Targets({"sector": SECTOR, "stratum": STRATUM}), epsilon=5.0)
    assert result.tolerance == 5.0 and result.history[-1] < 5.0
    with pytest.raises(ValueError, match="max_iter"):
        rake(r, Targets({"sector": SECTOR}), max_iter=0)
    with pytest.raises(UnknownNameError, match=r"'nope' is not a column of the responses \(base_weights\)"):
        rake(r, Targets({"sector": SECTOR}), base_weights="nope")


def test_base_weights_and_totals():
    r = leaders()
    totals = {1: 3000, 2: 4000, 3: 2000, 4: 1000}
    a = rake(r, Targets({"sector": totals, "stratum": STRATUM}), base_weights="weight")
    assert a.weights.sum() == pytest.approx(10_000)  # shares scaled to the totals' total
    b = rake(Responses(LEADERS, r.data.drop("weight")), Targets({"sector": totals}))
    assert np.allclose(b.base_weights, 1.0) and b.weights.sum() == pytest.approx(10_000)


# ---------------------------------------------------------------------------------- post-stratification
def test_poststratify_to_a_joint_table():
    r = leaders()
    cells = {f"{s}*{h}": 0.0 for s in (1, 2, 3, 4) for h in ("north", "south", "east")}
    counts = r.data.group_by("sector", "stratum").len()
    for s, h, _ in counts.iter_rows():
        cells[f"{s}*{h}"] = 100.0 * s + (10 if h == "north" else 1)
    result = poststratify(r, Targets({"sector*stratum": cells}))
    got = pl.DataFrame({"s": r.data["sector"], "h": r.data["stratum"], "w": result.weights}).group_by("s", "h").agg(pl.col("w").sum())
    for s, h, w in got.iter_rows():
        assert w == pytest.approx(cells[f"{s}*{h}"], rel=1e-12)
    assert result.converged and result.iterations == 1 and result.max_margin_error < 1e-12
    assert str(result).startswith("Post-stratification on sector*stratum")
    with pytest.raises(ValueError, match="poststratify uses one margin"):
        poststratify(r, Targets({"sector": SECTOR, "stratum": STRATUM}))
    one = poststratify(r, Targets({"sector": SECTOR, "stratum": STRATUM}), variable="stratum")
    assert one.report()["margin"].unique().to_list() == ["stratum"]


def test_stages_accumulate_as_in_r():
    r = leaders()
    first = poststratify(r, Targets({"stratum": STRATUM}))
    second = rake(first.responses, Targets({"sector": SECTOR, "role": {1: 0.2, 2: 0.1, 3: 0.3, 4: 0.3, 5: 0.1}}))
    calibration = second.responses.calibration
    assert [s.kind for s in calibration.stages] == ["poststratify", "rake"]
    assert "poststratify on stratum; rake on sector, role" in repr(Design.from_responses(second.responses))
    assert np.allclose(second.base_weights, first.weights)
    with pytest.raises(ValueError, match="the calibration describes"):
        CalibratedResponses(LEADERS, r.data.head(10), calibration=calibration)


# ---------------------------------------------------------------------------------- variance
@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("clustered", [False, True])
def test_the_grouped_kernel_equals_the_residual_computed_as_r_does(clustered, dense, monkeypatch):
    """estimate() (sums per cell; dense residual totals or the expansion used for large designs)
    and domain_mean() (R's residual on every respondent) agree."""
    if not dense:
        monkeypatch.setattr(CalibratedKernel, "DENSE_LIMIT", 0)
    r = leaders(clustered=clustered)
    first = poststratify(r, Targets({"stratum": STRATUM}))
    result = rake(first.responses, Targets({"sector": SECTOR, "trained": {1: 0.3, 2: 0.7}}))
    responses = result.responses
    design = Design.from_responses(responses)
    table = estimate(responses, ["growth_belief", "trained", "role"], by="sector", min_base=5, low_base=5)
    checked = 0
    for row in table.filter(pl.col("estimate").is_not_null()).iter_rows(named=True):
        x = responses.data[row["question"]].cast(pl.Float64).to_numpy()
        if row["statistic"] == "proportion":
            y = np.where(np.isnan(x), np.nan, (x == int(row["option"])).astype(float))
        elif row["statistic"] == "mean":
            y = np.where(x == 6, np.nan, x) if row["question"] == "growth_belief" else x
        else:
            continue
        domain = None if row["group"] is None else (responses.data["sector"] == int(row["group"])).to_numpy()
        m = domain_mean(design, y, domain)
        assert row["estimate"] == pytest.approx(m.estimate[0], rel=1e-12)
        assert row["se"] == pytest.approx(m.se[0], rel=1e-9, abs=1e-15), row
        checked += 1
    assert checked > 30


def test_a_raked_variable_has_no_sampling_error_and_everything_else_has_some():
    result = rake(leaders(), Targets({"sector": SECTOR, "stratum": STRATUM}))
    table = estimate(result.responses, min_base=5, low_base=5)
    sector = table.filter((pl.col("question") == "sector") & (pl.col("statistic") == "proportion"))
    assert np.allclose(sector["estimate"].to_numpy(), list(SECTOR.values()))
    assert sector["se"].max() < 1e-6 * table["se"].max()  # 10 sweeps of backfitting, as R: not exactly 0
    rest = table.filter((pl.col("question") != "sector") & pl.col("se").is_not_null())
    assert rest.height > 50 and (rest["se"] > 0).all() and rest["se"].is_finite().all()
    assert table.filter(pl.col("statistic") == "index")["se"].is_finite().all()


def test_calibration_lowers_the_se_of_a_correlated_estimate():
    """Post-stratifying on a variable removes the between-cell part of a share's variance."""
    r = leaders(weighted=False, clustered=False)
    shares = r.data["sector"].value_counts(normalize=True)
    targets = Targets({"sector": dict(shares.iter_rows())})
    before = estimate(r, ["role"], min_base=5)["se"].to_numpy()
    after = estimate(poststratify(r, targets).responses, ["role"], min_base=5)["se"].to_numpy()
    assert np.all(after <= before + 1e-15) and np.any(after < before)


@pytest.mark.parametrize("name", ["weighting", "_targets", "_missing"])
def test_docstring_examples(name):
    import doctest
    import importlib

    module = importlib.import_module(f"collabstate.stats.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0

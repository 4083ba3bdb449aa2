"""estimate(): the one tidy table, for every question type, with breakdowns and suppression."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from collabstate.dataset import Responses
from collabstate.errors import UnknownNameError, UsageError
from collabstate.instrument import load_instrument
from collabstate.stats import ESTIMATE_SCHEMA, Design, domain_mean, estimate
from collabstate.stats.variance import linearise_ratio, psu_totals, vcov_totals


def random_responses(instrument_id: str, n: int = 600, seed: int = 0, design: bool = True, waves=(2024,)) -> Responses:
    """Random answers to a built-in instrument (with some unanswered), and optionally a design."""
    instrument = load_instrument(instrument_id)
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {}
    for column in instrument.columns:
        if column.kind == "code":
            codes = np.array([c.code for c in column.choices])
            values = rng.choice(codes, n).astype(float)
            values[rng.random(n) < 0.1] = np.nan
            data[column.name] = pl.Series(values).fill_nan(None).cast(pl.Int64)
        elif column.kind == "flag":
            data[column.name] = rng.integers(0, 2, n)
    frame = pl.DataFrame(data)
    for question, options in instrument.multiple.items():  # some respondents skip a multiple question
        skip = rng.random(n) < 0.15
        frame = frame.with_columns(
            pl.when(pl.lit(skip)).then(None).otherwise(pl.col(f"{question}/{o}")).alias(f"{question}/{o}") for o in options
        )
    extra = {"wave": rng.choice(list(waves), n)}
    if design:
        extra |= {
            "weight": rng.uniform(0.3, 3, n),
            "stratum": rng.choice(["n", "s", "e"], n),
            "cluster": rng.integers(0, 12, n).astype(str),
        }
    return Responses(instrument, frame.with_columns(**{k: pl.Series(v) for k, v in extra.items()}))


@pytest.fixture(scope="module")
def leaders() -> Responses:
    return random_responses("leaders")


@pytest.fixture(scope="module")
def readiness() -> Responses:
    return random_responses("readiness-2018", seed=1)


def test_the_table_has_exactly_the_contract_columns(leaders):
    table = estimate(leaders, by="sector")
    assert table.schema == pl.Schema(ESTIMATE_SCHEMA)
    assert set(table["statistic"].unique()) == {"proportion", "net", "mean"}
    assert table.filter(pl.col("group").is_null())["letters"].null_count() == table.filter(pl.col("group").is_null()).height


def test_every_question_type_is_estimated(readiness):
    table = estimate(readiness)
    questions = set(table["question"])
    assert {"q1_example", "q3_stakeholders", "q10_involvement", "imp_behaviours", "q17_area"} <= questions
    assert "q2_description" not in questions  # free text has no estimates
    assert {"readiness/importance", "readiness/prevalence", "readiness/gap"} <= questions
    assert table["by"].null_count() == table.height and table["wave"].unique().to_list() == ["2024"]


def weighted_share(frame: pl.DataFrame, hit: pl.Expr, base: pl.Expr) -> tuple[float, int]:
    """The plain weighted share of `hit` among `base`, written out as a reader would check it."""
    inside = frame.filter(base)
    return (inside["weight"] * inside.select(hit.cast(pl.Float64)).to_series()).sum() / inside["weight"].sum(), inside.height


def test_single_choice_shares_and_nets_match_plain_arithmetic(leaders):
    table = estimate(leaders, ["state_rating"])
    shares = table.filter(pl.col("statistic") == "proportion")
    assert shares["estimate"].sum() == pytest.approx(1.0)
    good = table.filter((pl.col("statistic") == "net") & (pl.col("option") == "good")).row(0, named=True)
    point, n = weighted_share(leaders.data, pl.col("state_rating").is_in([4, 5]), pl.col("state_rating").is_not_null())
    assert good["estimate"] == pytest.approx(point) and good["n"] == n
    assert good["estimate"] == pytest.approx(shares.filter(pl.col("option").is_in(["4", "5"]))["estimate"].sum())


def test_scale_mean_is_on_the_scores_and_excludes_not_applicable(readiness):
    table = estimate(readiness, ["q10_involvement"])
    assert "9" not in table["option"].to_list()
    mean = table.filter(pl.col("statistic") == "mean").row(0, named=True)
    valid = readiness.data.filter(pl.col("q10_involvement").is_not_null() & (pl.col("q10_involvement") != 9))
    point = (valid["weight"] * valid["q10_involvement"]).sum() / valid["weight"].sum()
    assert mean["estimate"] == pytest.approx(point) and mean["n"] == valid.height and mean["option"] is None


def test_multiple_choice_base_is_those_who_answered(leaders):
    table = estimate(leaders, ["domains"])
    options = leaders.instrument.multiple["domains"]
    answered = pl.any_horizontal(pl.col(f"domains/{o}").is_not_null() for o in options)
    expected = [weighted_share(leaders.data, pl.col(f"domains/{o}") == 1, answered) for o in options]
    ours = table.filter(pl.col("statistic") == "proportion")
    assert ours["option"].to_list() == options
    np.testing.assert_allclose(ours["estimate"].to_numpy(), [share for share, _ in expected])
    assert ours["n"].to_list() == [n for _, n in expected]
    assert ours["n"][0] < leaders.n  # the skippers are out of the base


def test_matrix_question_expands_to_its_rows(leaders):
    table = estimate(leaders, ["statements"])
    assert table["question"].unique(maintain_order=True).to_list()[:2] == ["st_effective", "st_communication"]
    assert table.filter(pl.col("question") == "st_network")["statistic"].unique().sort().to_list() == ["mean", "net", "proportion"]


def test_index_rows(readiness):
    table = estimate(readiness, ["readiness"])
    factors = ["behaviours", "citizens", "systems", "services", "places", "markets", "urgency", "requirements"]
    for dimension, prefix in (("importance", "imp_"), ("prevalence", "prev_")):
        rows = table.filter(pl.col("question") == f"readiness/{dimension}")
        means = {}
        for factor in factors:
            valid = readiness.data.filter(pl.col(prefix + factor).is_not_null() & (pl.col(prefix + factor) != 9))
            means[factor] = (valid["weight"] * valid[prefix + factor]).sum() / valid["weight"].sum()
        means["index"] = sum(means[f] for f in factors[:6]) / 6
        means["all_factors"] = sum(means[f] for f in factors) / 8
        for factor in ("behaviours", "urgency", "index", "all_factors"):
            assert rows.filter(pl.col("option") == factor)["estimate"].item() == pytest.approx(means[factor])
        index = rows.filter(pl.col("option") == "index").row(0, named=True)
        scaled = rows.filter(pl.col("option") == "index_100").row(0, named=True)
        assert scaled["estimate"] == pytest.approx(index["estimate"] * 100 / 3)
        assert scaled["se"] == pytest.approx(index["se"] * 100 / 3)
    gap = table.filter((pl.col("question") == "readiness/gap") & (pl.col("option") == "places"))["estimate"].item()
    imp = table.filter((pl.col("question") == "readiness/importance") & (pl.col("option") == "places"))["estimate"].item()
    prev = table.filter((pl.col("question") == "readiness/prevalence") & (pl.col("option") == "places"))["estimate"].item()
    assert gap == pytest.approx(imp - prev)
    assert set(table["statistic"]) == {"index", "gap"}


def _z(design: Design, responses: Responses, item: str) -> np.ndarray:
    y = responses.data[item].cast(pl.Float64).to_numpy().copy()
    y[y == 9] = np.nan
    return linearise_ratio(design, y)[1][:, 0]


def test_index_and_gap_standard_errors_are_linearised_over_the_same_respondents(readiness):
    design = Design.from_responses(readiness)
    table = estimate(readiness, ["readiness"])
    factors = ["behaviours", "citizens", "systems", "services", "places", "markets"]
    z_index = np.mean([_z(design, readiness, f"imp_{f}") for f in factors], axis=0)
    se_index = np.sqrt(vcov_totals(design, psu_totals(design, z_index))[0, 0])
    ours = table.filter((pl.col("question") == "readiness/importance") & (pl.col("option") == "index"))["se"].item()
    assert ours == pytest.approx(se_index, rel=1e-10)
    z_gap = _z(design, readiness, "imp_markets") - _z(design, readiness, "prev_markets")
    se_gap = np.sqrt(vcov_totals(design, psu_totals(design, z_gap))[0, 0])
    gap = table.filter((pl.col("question") == "readiness/gap") & (pl.col("option") == "markets")).row(0, named=True)
    assert gap["se"] == pytest.approx(se_gap, rel=1e-10)


def test_breakdown_by_a_question_is_a_domain_of_the_full_design(leaders):
    table = estimate(leaders, ["growth_belief"], by="sector")
    design = Design.from_responses(leaders)
    y = leaders.data["growth_belief"].cast(pl.Float64).to_numpy()
    for code in ("1", "3"):
        row = table.filter((pl.col("statistic") == "mean") & (pl.col("group") == code)).row(0, named=True)
        m = domain_mean(design, y, (leaders.data["sector"] == int(code)).to_numpy())
        assert row["estimate"] == pytest.approx(m.estimate[0], rel=1e-12)
        assert row["se"] == pytest.approx(m.se[0], rel=1e-10)
        assert row["n"] == m.n[0] and row["n_eff"] == pytest.approx(m.n_eff[0]) and row["deff"] == pytest.approx(m.deff[0])
    assert table.filter(pl.col("statistic") == "mean")["group"].to_list() == [None, "1", "2", "3", "4"]


def test_two_level_breakdown_and_the_wave_column():
    r = random_responses("leaders", n=900, seed=3, waves=(2024, 2025))
    table = estimate(r, ["trained"], by=["sector", "wave"])
    groups = table.filter(pl.col("option") == "1")
    assert groups["by"].unique().to_list() == ["sector|wave"]
    assert groups["group"].to_list() == [None, "1|2024", "1|2025", "2|2024", "2|2025", "3|2024", "3|2025", "4|2024", "4|2025"]
    assert groups["wave"].to_list() == [None] + ["2024", "2025"] * 4
    by_wave = estimate(r, ["trained"], by="wave")
    assert by_wave["group"].to_list()[:3] == [None, "2024", "2025"]


def test_bad_breakdowns(leaders):
    with pytest.raises(UnknownNameError, match="'nonesuch' is not a question or design column of the data to break down by"):
        estimate(leaders, ["trained"], by="nonesuch")
    with pytest.raises(ValueError, match="free-text"):
        estimate(leaders, ["trained"], by="example_text")
    with pytest.raises(ValueError, match="one variable or two"):
        estimate(leaders, ["trained"], by=["sector", "role", "wave"])


def test_question_selection(readiness):
    assert set(estimate(readiness, "q13_importance")["question"]) == {
        f"imp_{f}" for f in ["behaviours", "citizens", "systems", "services", "places", "markets", "urgency", "requirements"]
    }
    with pytest.raises(KeyError):
        estimate(readiness, ["nonesuch"])
    with pytest.raises(ValueError, match="free-text"):
        estimate(readiness, ["q8_why"])


def test_suppression_and_flags(leaders):
    small = Responses(leaders.instrument, leaders.data.head(40))
    table = estimate(small, ["trained"], by="role", min_base=10, low_base=30)
    for row in table.iter_rows(named=True):
        if row["n"] < 10:
            assert row["estimate"] is None and row["se"] is None and row["ci_low"] is None and "suppressed" in row["flags"]
            assert row["letters"] is None
        else:
            assert row["estimate"] is not None and "suppressed" not in row["flags"]
        assert ("low_base" in row["flags"]) == (row["n"] < 30)
    with pytest.raises(ValueError, match="at least 5"):
        estimate(leaders, ["trained"], min_base=4)
    with pytest.raises(UsageError, match="ci 'exact' is not valid; expected one of wilson, logit, beta, wald"):
        estimate(leaders, ["trained"], ci="exact")


def test_letters_mark_groups_that_are_significantly_lower():
    r = random_responses("leaders", n=800, seed=5, design=False)
    trained = np.where(r.data["sector"].to_numpy() == 2, 1, 2)  # every private-sector leader trained, nobody else
    noise = np.random.default_rng(0).random(r.n) < 0.2
    r = Responses(r.instrument, r.data.with_columns(trained=pl.Series(np.where(noise, 3 - trained, trained))))
    row = estimate(r, ["trained"], by="sector").filter((pl.col("option") == "1") & (pl.col("group") == "2")).row(0, named=True)
    assert row["letters"] == "ACD"
    others = estimate(r, ["trained"], by="sector").filter((pl.col("option") == "1") & (pl.col("group") != "2"))
    assert all("B" not in (x or "") for x in others["letters"])


def test_confidence_interval_methods_and_level(leaders):
    rows = {ci: estimate(leaders, ["trained"], ci=ci, level=0.9).row(0, named=True) for ci in ("wilson", "logit", "beta", "wald")}
    for ci, row in rows.items():
        assert row["ci_low"] < row["estimate"] < row["ci_high"], ci
    wide = estimate(leaders, ["trained"], level=0.99).row(0, named=True)
    assert wide["ci_high"] - wide["ci_low"] > rows["wilson"]["ci_high"] - rows["wilson"]["ci_low"]

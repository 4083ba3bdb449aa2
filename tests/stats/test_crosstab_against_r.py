"""Crosstabs within a filter and by derived variables agree with R's ``survey`` (issue 15).

Random stratified, clustered, weighted answers to the leaders' questions are made here with numpy
(several seeds and designs: strata and clusters, clusters only, strata only), written as CSV and
read by ``tests/stats/r/crosstab.R``, which builds the derived variables itself from the raw
answers and runs, for each table, ``svymean(~..., subset(design, filter), na.rm = TRUE)`` for the
total and ``svyby(~..., ~banner, subset(design, filter), svymean, na.rm = TRUE)`` for each
banner's groups, under ``survey.lonely.psu = "adjust"`` (our default). The data have missing
answers, an excluded code (confidence 9 "Don't know", added to the built-in leaders for this
test, with a number question ``staff`` for bands, which leaders has not), zero weights, clusters
of unequal sizes (some of one respondent), a stratum of a single PSU, a stratum where the filter
leaves one PSU and one where it leaves none.

Each table is :func:`collabstate.stats.crosstab`: (a) ``filter="trained == 1"`` by sector;
(b) the derived groups ``civil_vs_private`` (``sector == 1 and civil_service == 1`` → 1,
``sector == 2`` → 2) as the banner; (c) the recode ``conf2`` (confidence 3, 4 → 1; 1, 2 → 2) as a
row and as a banner; (d) the bands of ``staff`` as a row and as a banner; and a NET ``any_agree``
over two questions, with two derived banners side by side within a filter. Estimates agree to
1e-7 (relative, or absolute near 0), standard errors to 1e-6, bases exactly.
"""

from __future__ import annotations

import subprocess
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml

from collabstate.dataset import Responses, derive
from collabstate.instrument import parse_instrument
from collabstate.instrument.derived import parse_derived
from collabstate.stats.crosstab import crosstab

pytestmark = pytest.mark.r

EST_TOL, SE_TOL = 1e-7, 1e-6
MIN_BASE = 5  # the lowest suppression base allowed; cells under it are compared on their bases

DOMAINS = [
    "rd_innovation", "defence_security", "industrial_strategy", "ai_technology", "regional_growth", "economic_security_trade",
    "infrastructure", "skills", "net_zero", "public_service_reform", "inward_investment", "health_life_sciences",
]  # fmt: skip


def _instrument():
    """The built-in leaders with an excluded code (confidence 9) and a number question (staff)."""
    data = yaml.safe_load((resources.files("collabstate.instrument") / "builtin" / "leaders.yaml").read_text(encoding="utf-8"))
    data["id"] = "leaders_r"
    for question in data["questions"]:
        if question["id"] == "confidence":
            question["choices"].append({"code": 9, "label": "Don't know", "excluded": True})
    data["questions"].append({"id": "staff", "type": "number", "short": "Staff", "text": "How many staff?", "minimum": 0})
    return parse_instrument(yaml.safe_dump(data, sort_keys=False), "leaders_r.yaml")


INS = _instrument()
DERIVED = parse_derived(
    """
derived:
  - id: civil_vs_private
    label: Civil servants and private sector
    groups:
      - {code: 1, label: Civil servants, when: "sector == 1 and civil_service == 1"}
      - {code: 2, label: Private sector, when: "sector == 2"}
  - id: conf2
    label: Confident or not
    from: confidence
    recode: {1: [3, 4], 2: [1, 2]}
  - id: staff_band
    label: Staff
    from: staff
    bands: [5, 10, 50, 250]
  - id: any_agree
    label: Agrees that the sectors collaborate or has networks
    any: [st_effective, st_network]
    codes: [4, 5]
""",
    "crosstab.yaml",
    INS,
)

#: analysis: (our filter, R's filter, banners, rows)
ANALYSES = {
    "a_filter": ("trained == 1", "trained == 1", ["sector"], ["confidence", "st_effective", "domains", "trained"]),
    "b_groups": (None, "", ["civil_vs_private"], ["confidence", "st_effective", "domains", "sector"]),
    "c_recode_row": (None, "", ["sector"], ["conf2"]),
    "c_recode_banner": (None, "", ["conf2"], ["st_effective", "trained", "domains"]),
    "c_recode_filtered": ("trained == 1", "trained == 1", ["conf2", "sector"], ["conf2", "st_network"]),
    "d_bands": (None, "", ["staff_band"], ["staff_band", "confidence"]),
    "e_derived_filter": (
        "sector != 4 and trained == 1",
        "sector != 4 & trained == 1",
        ["civil_vs_private", "staff_band", "sector"],
        ["any_agree", "conf2", "st_network"],
    ),
}

#: case: (seed, strata, clusters)
CASES = {"strat_clus_11": (11, True, True), "strat_clus_23": (23, True, True), "clus_5": (5, False, True), "strat_7": (7, True, False)}


def _answers(seed: int, strata: bool, clusters: bool) -> pl.DataFrame:
    """Random answers with a design. Strata s1–s6 (s5 a single PSU; in s4 nobody is trained, in s6
    only the first PSU's respondents are, elsewhere nobody in the second and third PSUs), clusters
    of 1–14 respondents (the second of one), ids repeated across strata."""
    rng = np.random.default_rng(seed)
    stratum, cluster = [], []
    for s in range(1, 7) if strata else [0]:
        n_psu = 1 if s == 5 else int(rng.integers(3, 9)) if strata else 40
        for k in range(1, n_psu + 1):
            size = 1 if k == 2 else int(rng.integers(2, 15))  # some clusters of one respondent
            stratum += [f"s{s}"] * size
            cluster += [f"{k}" if clusters else f"{s}-{k}-{i}" for i in range(size)]
    n = len(stratum)
    st = np.array(stratum)
    first = np.array([c == "1" for c in cluster]) if clusters else np.arange(n) % 3 == 0

    def coded(codes, p, missing):
        x = rng.choice(codes, n, p=p).astype(float)
        x[rng.random(n) < missing] = np.nan
        return x

    sector = rng.choice([1, 2, 3, 4], n, p=[0.35, 0.35, 0.15, 0.15]).astype(float)
    civil = np.where(sector == 1, coded([1, 2], [0.6, 0.4], 0.1), np.nan)
    trained = coded([1, 2], [0.45, 0.55], 0.06)
    trained[st == "s4"] = np.where(rng.random((st == "s4").sum()) < 0.2, np.nan, 2.0)
    trained[(st == "s6") & ~first] = 2.0
    trained[(st == "s6") & first] = 1.0
    trained[np.array([c in ("2", "3") for c in cluster]) & (st != "s6")] = 2.0  # PSUs the filter empties beside those it keeps
    confidence = coded([1, 2, 3, 4, 9], [0.15, 0.25, 0.3, 0.22, 0.08], 0.05)
    weight = np.round(rng.uniform(0.4, 4.0, n) * np.where(st == "s2", 2.0, 1.0), 4)
    weight[rng.choice(n, 4, replace=False)] = 0.0
    staff = np.round(rng.lognormal(3.0, 1.6, n), 1)
    staff[rng.random(n) < 0.1] = np.nan
    staff[:3] = [0.0, 4.9, 5.0]  # below the first edge (out of the base) and on it
    answered = rng.random(n) > 0.12  # the rest did not answer the multiple-choice question
    columns = {
        "weight": weight,
        "sector": sector,
        "civil_service": civil,
        "trained": trained,
        "confidence": confidence,
        "st_effective": coded([1, 2, 3, 4, 5], [0.1, 0.2, 0.3, 0.25, 0.15], 0.07),
        "st_network": coded([1, 2, 3, 4, 5], [0.05, 0.15, 0.3, 0.3, 0.2], 0.1),
        "staff": staff,
    }
    for option in DOMAINS:
        columns[f"domains/{option}"] = np.where(answered, (rng.random(n) < 0.3).astype(float), np.nan)
    frame = pl.DataFrame(columns).with_columns(pl.all().fill_nan(None))
    codes = [c for c in columns if c not in ("weight", "staff")]
    frame = frame.with_columns(pl.col(c).cast(pl.Int64) for c in codes)
    if strata:
        frame = frame.with_columns(stratum=pl.Series(stratum))
    if clusters:
        frame = frame.with_columns(cluster=pl.Series(cluster))
    return frame


@pytest.fixture(scope="module")
def reference(tmp_path_factory, need_r):
    folder = tmp_path_factory.mktemp("crosstab")
    frames = {}
    for case, (seed, strata, clusters) in CASES.items():
        frame = _answers(seed, strata, clusters)
        frames[case] = frame
        r_frame = frame.rename({f"domains/{o}": f"domains__{o}" for o in DOMAINS})
        if not strata:
            r_frame = r_frame.with_columns(stratum=pl.lit("all"))
        if not clusters:
            r_frame = r_frame.with_columns(cluster=pl.lit("none"))
        r_frame.write_csv(folder / f"{case}.csv", null_value="NA")
    pl.DataFrame(
        {"case": list(CASES), "strata": [int(s) for _, s, _ in CASES.values()], "clusters": [int(c) for _, _, c in CASES.values()]}
    ).write_csv(folder / "cases.csv")
    pl.DataFrame(
        {
            "analysis": list(ANALYSES),
            "filter": [a[1] for a in ANALYSES.values()],
            "banners": [";".join(a[2]) for a in ANALYSES.values()],
            "rows": [";".join(a[3]) for a in ANALYSES.values()],
        }
    ).write_csv(folder / "analyses.csv", quote_style="always")
    script = Path(__file__).parent / "r" / "crosstab.R"
    run = subprocess.run(["Rscript", str(script), str(folder)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    ref = pl.read_csv(folder / "reference.csv", schema_overrides={"value": pl.Float64}, infer_schema_length=0).with_columns(
        pl.col("value").cast(pl.Float64)
    )
    ref = ref.with_columns(pl.col("option", "by", "group").fill_null(""))
    table = {}
    for r in ref.iter_rows(named=True):
        table[(r["case"], r["analysis"], r["question"], r["option"], r["statistic"], r["by"], r["group"], r["stat"])] = r["value"]
    return frames, table


def _ours(frame: pl.DataFrame, analysis: str) -> pl.DataFrame:
    ours_filter, _, banners, rows = ANALYSES[analysis]
    responses = derive(Responses(INS, frame), DERIVED)
    return crosstab(responses, rows, banners, filter=ours_filter, min_base=MIN_BASE, low_base=MIN_BASE)


def _close(ours: float | None, theirs: float, tol: float) -> bool:
    if ours is None or np.isnan(ours):
        return bool(np.isnan(theirs))
    return abs(ours - theirs) <= tol * max(1.0, abs(theirs))


@pytest.mark.parametrize("analysis", list(ANALYSES))
@pytest.mark.parametrize("case", list(CASES))
def test_crosstab_agrees_with_svyby(reference, case, analysis):
    frames, table = reference
    ours = _ours(frames[case], analysis)
    theirs = {k[2:7]: None for k in table if k[:2] == (case, analysis)}
    assert theirs, f"R reported nothing for {case}/{analysis}"
    seen = set()
    for row in ours.iter_rows(named=True):
        option = row["option"] or ""
        key = (row["question"], option, row["statistic"], row["by"] or "", row["group"] or "")
        where = f"{case}/{analysis}: {' '.join(key)}"
        if key not in theirs:  # a group R does not report has no respondent with an answer
            assert row["by"] is not None and row["n"] == 0 and row["estimate"] is None, where
            continue
        seen.add(key)
        ref = {stat: table[(case, analysis, *key, stat)] for stat in ("estimate", "se", "n")}
        assert row["n"] == ref["n"], where
        if row["n"] < MIN_BASE:
            assert "suppressed" in row["flags"] and row["estimate"] is None and row["se"] is None, where
            continue
        assert _close(row["estimate"], ref["estimate"], EST_TOL), f"{where}: estimate {row['estimate']!r} vs R {ref['estimate']!r}"
        assert _close(row["se"], ref["se"], SE_TOL), f"{where}: se {row['se']!r} vs R {ref['se']!r}"
    assert seen == set(theirs), f"{case}/{analysis}: rows R has and we have not: {sorted(set(theirs) - seen)[:5]}"


@pytest.mark.parametrize("case", ["strat_clus_11", "strat_clus_23", "strat_7"])
def test_the_reference_tells_a_domain_from_a_cut(reference, case):
    """R's numbers are those of a domain of the full design: the same table computed on the cut
    data (a design of only the respondents within the filter) has other standard errors, so the
    agreement above is not one a cut would also reach."""
    frames, table = reference
    cut = frames[case].filter(pl.col("trained") == 1)
    ours = crosstab(derive(Responses(INS, cut), DERIVED), ["confidence", "st_effective"], ["sector"], min_base=MIN_BASE)
    apart = []
    for row in ours.drop_nulls("se").iter_rows(named=True):
        key = (case, "a_filter", row["question"], row["option"] or "", row["statistic"], row["by"] or "", row["group"] or "", "se")
        assert _close(row["estimate"], table[(*key[:-1], "estimate")], EST_TOL)  # the same estimates…
        apart.append(abs(row["se"] - table[key]) / max(table[key], 1e-12))
    assert max(apart) > 0.01, f"{case}: the cut's standard errors are R's domain's ({max(apart):.2g})"  # …not the same errors


def test_the_data_have_what_the_comparison_needs():
    """The random designs have what they are meant to: the filter leaves one PSU in s6 and none in
    s4, s5 is a single PSU, clusters differ in size, answers are missing and excluded."""
    frame = _answers(11, True, True)
    trained = frame.filter(pl.col("trained") == 1)
    assert trained.filter(pl.col("stratum") == "s6")["cluster"].n_unique() == 1
    assert trained.filter(pl.col("stratum") == "s4").height == 0
    kept = trained.group_by("stratum").agg(kept=pl.col("cluster").n_unique())
    every = frame.group_by("stratum").agg(every=pl.col("cluster").n_unique())
    both = kept.join(every, on="stratum")
    assert both.filter((pl.col("kept") >= 2) & (pl.col("kept") < pl.col("every"))).height > 0  # PSUs kept and PSUs emptied
    assert frame.filter(pl.col("stratum") == "s5")["cluster"].n_unique() == 1
    sizes = frame.group_by("stratum", "cluster").len()["len"]
    assert sizes.min() == 1 and sizes.max() > 5
    assert (frame["confidence"] == 9).any() and frame["confidence"].null_count() > 0
    assert (frame["weight"] == 0).sum() == 4
    assert frame["staff"].min() == 0 and frame["domains/skills"].null_count() > 0

"""An organisation's readiness profile against its peers (issue 12, computed in analysis since
issue 13): the profile's rows are the organisation's own estimates beside its sector's and
everyone's, and its percentile rank is among organisations when the comparison data say who
belongs to which (the organisation itself left out), else among individual respondents."""

from __future__ import annotations

import polars as pl
import pytest

from collabstate import Responses, estimate, load_instrument
from collabstate.analysis import PeerComparison
from collabstate.analysis.percentiles import ordinal
from collabstate.analysis.profiles import sector_of
from collabstate.demo import demo_organisation, readiness_2018
from collabstate.errors import InputError

R18 = load_instrument("readiness-2018")
INDEX = R18.indices[0]
IMPORTANCE = INDEX.dimensions[0]
BY = "q16_sector"


def org_means(frame: pl.DataFrame, dimension: str, column: str = "cluster") -> pl.DataFrame:
    """Each organisation's index, computed as its own estimate is: each in-index factor's mean
    over valid answers (codes 0–3; 9 'not applicable' and blanks left out), then their mean."""
    items = [f"{next(d.prefix for d in INDEX.dimensions if d.id == dimension)}{f.id}" for f in INDEX.factors if f.in_index]
    long = frame.select(column, *items).unpivot(index=column, variable_name="item", value_name="code")
    means = long.filter(pl.col("code").is_between(0, 3)).group_by(column, "item").agg(pl.col("code").mean().alias("m"))
    return means.group_by(column).agg(pl.col("m").mean().alias("index"), pl.len().alias("factors")).filter(pl.col("factors") == len(items))


def mid_rank(values: list[float], x: float) -> float:
    below = sum(v < x - 1e-9 for v in values)
    equal = sum(abs(v - x) <= 1e-9 for v in values)
    return 100.0 * (below + equal / 2) / len(values)


def compare(org: pl.DataFrame, everyone: pl.DataFrame, **options) -> PeerComparison:
    peers = Responses(R18, everyone)
    return PeerComparison(Responses(R18, org), peers, estimate(peers, by=BY), INDEX, by=BY, **options)


@pytest.fixture(scope="module")
def demo() -> tuple[pl.DataFrame, pl.DataFrame]:
    everyone = readiness_2018()
    return demo_organisation(everyone), everyone


def test_the_profile_is_the_organisation_its_sector_and_everyone(demo):
    org, everyone = demo
    p = compare(org, everyone)
    assert p.sector == sector_of(Responses(R18, org), BY) == "3"  # the demo organisation is third-sector
    peers = estimate(Responses(R18, everyone), [INDEX.id], by=BY).filter(pl.col("question") == f"{INDEX.id}/{IMPORTANCE.id}")
    own = estimate(Responses(R18, org), [INDEX.id]).filter(pl.col("question") == f"{INDEX.id}/{IMPORTANCE.id}")
    for option in [f.id for f in INDEX.factors] + ["index"]:
        mine, sector, everybody = p.rows(IMPORTANCE, option)
        assert mine is not None and sector is not None and everybody is not None
        assert mine["estimate"] == own.filter(pl.col("option") == option)["estimate"].item()
        assert sector["estimate"] == peers.filter((pl.col("option") == option) & (pl.col("group") == "3"))["estimate"].item()
        assert everybody["estimate"] == peers.filter((pl.col("option") == option) & pl.col("group").is_null())["estimate"].item()
    without = PeerComparison(Responses(R18, org), Responses(R18, everyone), estimate(Responses(R18, everyone)), INDEX, by=None)
    assert without.sector is None and len(without.rows(IMPORTANCE, "index")) == 2
    assert len(without.standings(IMPORTANCE, None)) == 1


def test_the_rank_is_among_organisations_each_its_respondents_averaged(demo):
    org, everyone = demo
    grouped = everyone.with_columns((pl.int_range(pl.len()) // 5).cast(pl.String).alias("cluster"))
    p = compare(org, grouped)
    assert p.by_organisation and p.comparators.column == "cluster"
    for dim in INDEX.dimensions:
        orgs = org_means(grouped, dim.id)["index"].to_list()
        ours = org_means(org.with_columns(pl.lit("us").alias("cluster")), dim.id)["index"].item()
        everyone_rank, sector_rank = p.standings(dim, None)
        assert everyone_rank is not None and sector_rank is not None
        assert everyone_rank.unit == "organisation" and everyone_rank.n == len(orgs)
        assert everyone_rank.value == pytest.approx(ours)
        assert everyone_rank.percentile == pytest.approx(mid_rank(orgs, ours))
    importance = p.standings(IMPORTANCE, None)[0]
    assert importance is not None and importance.headline() != "39th percentile"  # the individual respondents' rank the issue reported


def test_without_organisations_the_rank_is_among_individual_respondents(demo):
    """The issue's figures: 2.45 against a mean of 2.42, yet 39% of individual respondents below it."""
    org, everyone = demo
    for p in (compare(org, everyone), compare(org, everyone.with_columns(pl.lit("1").alias("cluster")), organisations=None)):
        standing = p.standings(IMPORTANCE, None)[0]
        assert not p.by_organisation and standing is not None and standing.unit == "respondent"
        assert (round(standing.value, 2), standing.mean is not None and round(standing.mean, 2), standing.rank) == (2.45, 2.42, 39)
        assert standing.conflicts()


def test_the_sector_ranks_its_organisations_and_the_organisation_is_not_ranked_against_itself(demo):
    """Organisations of the sector are those whose respondents mostly answer that sector; an
    organisation found in the comparison data (same cluster) is left out of its comparators."""
    org, everyone = demo
    grouped = everyone.with_columns((pl.int_range(pl.len()) // 3).cast(pl.String).alias("cluster"))
    ours = org.with_columns(pl.lit("0").alias("cluster"))
    p = compare(ours, grouped)
    others = org_means(grouped.filter(pl.col("cluster") != "0"), "importance")
    value = org_means(ours, "importance")["index"].item()
    everyone_rank, sector_rank = p.standings(IMPORTANCE, None, sector_label="third sector respondents")
    assert everyone_rank is not None and sector_rank is not None
    assert everyone_rank.n == others.height and everyone_rank.percentile == pytest.approx(mid_rank(others["index"].to_list(), value))
    sector = (
        grouped.filter(pl.col("cluster") != "0")
        .group_by("cluster", BY)
        .len()
        .sort("len", BY, descending=[True, False])
        .group_by("cluster", maintain_order=True)
        .first()
    )
    third = others.join(sector.filter(pl.col(BY) == 3), on="cluster")["index"].to_list()
    assert sector_rank.n == len(third) and sector_rank.cell().startswith(ordinal(mid_rank(third, value)))
    assert sector_rank.mean_label == "third sector respondents"


def test_org_id_names_the_organisations_before_cluster_and_a_named_column_must_hold_them(demo):
    org, everyone = demo
    both = everyone.with_columns((pl.int_range(pl.len()) // 5).cast(pl.String).alias("org_id"), pl.lit("1").alias("cluster"))
    p = compare(org, both)
    assert p.comparators.column == "org_id" and p.comparators.n == 23
    grouped = everyone.with_columns((pl.int_range(pl.len()) // 5).cast(pl.String).alias("cluster"))
    with pytest.raises(ValueError, match=r"'q99' is not a column of the comparison data"):
        compare(org, grouped, organisations="q99")
    with pytest.raises(ValueError, match=r"'cluster' is not a column of the comparison data"):
        compare(org, everyone, organisations="cluster")
    blank = Responses(R18, everyone.with_columns(pl.lit(None, pl.String).alias("cluster")))  # no design can be made of it
    with pytest.raises(InputError, match=r"column cluster holds no value; expected the organisation of each respondent"):
        PeerComparison(Responses(R18, org), blank, estimate(Responses(R18, everyone), by=BY), INDEX, by=BY, organisations="cluster")


def test_a_factor_the_organisation_has_no_score_on_has_no_rank(demo):
    org, everyone = demo
    blank = org.with_columns(pl.lit(None, pl.Int64).alias("imp_behaviours"))
    p = compare(blank, everyone)
    behaviours = next(f for f in INDEX.factors if f.id == "behaviours")
    assert p.standings(IMPORTANCE, behaviours) == [None, None]
    assert p.standings(IMPORTANCE, None) == [None, None]  # the index needs every in-index factor

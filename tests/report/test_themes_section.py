"""The section of a coded open question (issue 19, item 5): the themes each group mentions most,
with the engine's shares, and quotes per theme and group: the analyst's chosen ones first, else the
most typical; none from a group under the minimum base; names and addresses removed.

Checked against independent computations: the top themes of each group by a plain count of the
0/1 codes (unweighted data, so the engine's share is the count over the answered base), and the
most typical answer by the cosine of each answer to its theme's centroid with scikit-learn's
vectoriser fitted here."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from collabstate.analysis.quotes import theme_quotes
from collabstate.dataset import Responses
from collabstate.dataset.codes import apply_codes, read_codes
from collabstate.instrument import parse_instrument
from collabstate.instrument.codebook import parse_codebook
from collabstate.report.build import without_quotes
from collabstate.report.evidence import gather
from collabstate.report.sections import build_model

INSTRUMENT = parse_instrument(
    """
id: coded
title: Coded
questions:
  - id: sector
    type: single
    text: Sector
    choices: [{code: 1, label: Public}, {code: 2, label: Private}, {code: 3, label: Charity}]
  - id: why
    type: text
    text: What holds it back?
""",
    "coded.yaml",
)
BOOK = parse_codebook(
    """
question: why
codes:
  - {id: cost, label: Money and funding}
  - {id: slow, label: Slow decisions}
  - {id: trust, label: Mistrust}
""",
    "why.yaml",
    INSTRUMENT,
)
SENTENCES = {
    "cost": ["Funding is short-term", "Not enough money for the work", "Funding cycles too short", "Money runs out"],
    "slow": ["Decisions take months", "Slow clearance of every decision", "Approval is slow", "Too slow to decide"],
    "trust": ["Mistrust between sectors", "People do not trust business", "Trust is low", "Rhetoric breeds mistrust"],
}


def _data(seed: int, sizes=(40, 60, 6)) -> tuple[pl.DataFrame, str]:
    """Respondents of three sectors (the third under the minimum base); each answer holds the
    sentences of the codes it is given, and its codes file rows."""
    rng = np.random.default_rng(seed)
    rows, codes = [], ["respondent_id,code,quote"]
    k = 0
    for sector, size in enumerate(sizes, start=1):
        for _ in range(size):
            rid = f"R{k:04d}"
            k += 1
            given = [c for c in SENTENCES if rng.random() < (0.7 if c == ("cost", "slow", "trust")[sector - 1] else 0.25)]
            text = ". ".join(SENTENCES[c][int(rng.integers(4))] for c in given) + "." if given else None
            rows.append({"respondent_id": rid, "sector": sector, "why": text})
            codes += [f"{rid},{c}," for c in given]
    return pl.DataFrame(rows, schema={"respondent_id": pl.String, "sector": pl.Int64, "why": pl.String}), "\n".join(codes) + "\n"


def _coded(tmp_path, frame: pl.DataFrame, codes_text: str):
    (tmp_path / "codes.csv").write_text(codes_text, encoding="utf-8")
    codes = read_codes(tmp_path / "codes.csv", BOOK)
    [coded] = apply_codes([Responses(INSTRUMENT, frame)], codes)
    return coded, codes


def test_the_top_themes_of_each_group_are_the_highest_shares_of_those_who_answered(tmp_path):
    frame, text = _data(1)
    coded, codes = _coded(tmp_path, frame, text)
    report = build_model(gather(coded, by="sector"), codes=[codes])
    section = report.section("themes-why")
    assert section is not None and section.title == "In their own words: What holds it back?"
    [top] = [b for b in section.blocks if getattr(b, "id", "") == "t-top-why_codes"]
    labels = {c.id: c.label for c in BOOK.codes}
    data = coded.data.filter(pl.col("why").is_not_null())
    for j, column in enumerate(top.columns):
        group = data if j == 0 else data.filter(pl.col("sector") == j)
        if group.height < 10:  # the charity sector: no theme shown, the base not given exactly
            assert top.rows[0].cells[j].value == "suppressed" and top.column_bases()[j] == "under 10"
            assert all(r.cells[j].text == "" for r in top.rows[1:])
            continue
        assert column.base == group.height and top.column_bases()[j] == f"{group.height:,}"
        shares = sorted(((-group[f"why_codes/{c}"].mean(), i, c) for i, c in enumerate(labels)))  # ties in codebook order
        for row, (share, _, code) in zip(top.rows, shares, strict=True):
            share = -share
            assert row.cells[j].text.startswith(f"{labels[code]}: {share * 100:.0f}% (")


def test_quotes_come_from_answers_given_the_theme_never_from_a_small_group(tmp_path):
    frame, text = _data(2)
    coded, _ = _coded(tmp_path, frame, text)
    found = theme_quotes(coded, "why", "why_codes", ["cost", "slow", "trust"], by="sector", min_base=10)
    assert found, "quotes expected"
    data = coded.data
    for q in found:
        row = data.filter(pl.col("respondent_id") == q["respondent_id"])
        assert row["why"][0].strip() == q["text"] and row[f"why_codes/{q['code']}"][0] == 1
        assert q["group"] != "3" and not q["chosen"]
    assert {(q["code"], q["group"]) for q in found} == {(c, g) for c in ("cost", "slow", "trust") for g in ("1", "2")}


def test_the_typical_quote_is_the_answer_nearest_its_themes_centroid(tmp_path):
    from sklearn.feature_extraction.text import TfidfVectorizer

    frame, text = _data(3)
    coded, _ = _coded(tmp_path, frame, text)
    answered = coded.data.filter(pl.col("why").is_not_null())
    [quote] = theme_quotes(coded, "why", "why_codes", ["slow"], by=None, min_base=10)
    vectors = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2), token_pattern=r"(?u)\b\w\w+\b")
    matrix = vectors.fit_transform(answered["why"].str.strip_chars().to_list()).toarray()
    members = answered["why_codes/slow"].to_numpy() == 1
    centroid = matrix[members].mean(axis=0)
    cosine = matrix @ centroid / np.linalg.norm(centroid)
    best = answered["why"].str.strip_chars().to_list()[int(np.flatnonzero(members)[np.argmax(cosine[members])])]
    assert quote["text"] == best


def test_the_analysts_chosen_quote_comes_first_and_the_small_groups_is_still_refused(tmp_path):
    frame, text = _data(4)
    data = frame.filter(pl.col("why").is_not_null())
    public = data.filter(pl.col("sector") == 1)["respondent_id"][-1]
    charity = data.filter(pl.col("sector") == 3)["respondent_id"][0]
    lines = [line for line in text.splitlines() if line.split(",")[0] not in (public, charity)]
    lines += [f"{public},trust,1", f"{charity},trust,1"]
    coded, codes = _coded(tmp_path, frame, "\n".join(lines) + "\n")
    assert (None, public, "trust") in codes.quotes
    found = theme_quotes(coded, "why", "why_codes", ["trust"], by="sector", chosen=frozenset({(public, "trust"), (charity, "trust")}))
    first = next(q for q in found if q["group"] == "1")
    assert first["respondent_id"] == public and first["chosen"]
    assert all(q["respondent_id"] != charity for q in found)
    section = build_model(gather(coded, by="sector"), codes=[codes]).section("themes-why")
    assert section is not None and "the analyst's chosen quotes" in " ".join(section.intro)


def test_names_and_addresses_are_taken_out_of_theme_quotes(tmp_path):
    frame = pl.DataFrame(
        {
            "respondent_id": [f"R{i:03d}" for i in range(30)],
            "sector": [1] * 30,
            "why": ["Ask Jo Smith at jo@north.example: funding is short-term."] * 30,
        }
    )
    coded, codes = _coded(tmp_path, frame, "respondent_id,code\n" + "".join(f"R{i:03d},cost\n" for i in range(30)))
    report = build_model(gather(coded, by="sector"), codes=[codes], names=(["Jo Smith"], []))
    section = report.section("themes-why")
    assert section is not None
    [quotes] = section.quotes.values()
    assert quotes[0].text == "Ask [name removed] at [e-mail address removed]: funding is short-term."
    assert report.review == [
        f"why: e-mail address, name removed from the quote of respondent {quotes_of(coded)!r} (Public, Money and funding); review it"
    ]
    without_quotes(report)
    assert report.section("themes-why") is not None and not report.section("themes-why").quotes


def quotes_of(coded) -> str:
    """The respondent the typical quote of identical answers comes from: the first."""
    return coded.data["respondent_id"][0]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), min_base=st.integers(1, 40))
def test_every_quote_is_of_its_theme_and_of_a_group_at_or_over_the_minimum_base(tmp_path_factory, seed, min_base):
    frame, text = _data(seed, sizes=(int(seed % 30) + 1, 25, 12))
    coded, _ = _coded(tmp_path_factory.mktemp("q"), frame, text)
    found = theme_quotes(coded, "why", "why_codes", ["cost", "slow", "trust"], by="sector", min_base=min_base)
    answered = coded.data.filter(pl.col("why").is_not_null())
    bases = dict(answered.group_by(pl.col("sector").cast(pl.String)).len().iter_rows())
    for q in found:
        assert bases[q["group"]] >= min_base
        assert answered.filter(pl.col("respondent_id") == q["respondent_id"])[f"why_codes/{q['code']}"][0] == 1
    texts = [(q["group"], q["text"]) for q in found]
    assert len(texts) == len(set(texts)), "an answer quoted for two themes in one group"
    assert found == theme_quotes(coded, "why", "why_codes", ["cost", "slow", "trust"], by="sector", min_base=min_base)


def test_answers_not_yet_coded_are_out_of_the_base_and_the_section_says_so(tmp_path):
    """The workspace knows which answers its coder has coded (Codes.coded): with 20 of the answers
    coded, each share is of those 20, not of every answer (an answer not yet coded is not an
    answer no theme fits)."""
    import dataclasses

    frame, text = _data(5)
    _, codes = _coded(tmp_path, frame, text)
    answered = frame.filter(pl.col("why").is_not_null())["respondent_id"].to_list()
    done = answered[:20]
    partial = dataclasses.replace(
        codes, rows={k: v for k, v in codes.rows.items() if k[1] in done}, coded=frozenset((None, rid) for rid in done)
    )
    [coded] = apply_codes([Responses(INSTRUMENT, frame)], partial)
    shares = coded.data.filter(pl.col("respondent_id").is_in(done))
    assert coded.data["why_codes/cost"].drop_nulls().len() == 20
    assert coded.data["why_codes/cost"].mean() == shares["why_codes/cost"].mean()
    section = build_model(gather(coded, by="sector"), codes=[partial]).section("themes-why")
    assert section is not None
    assert f"So far 20 of the {len(answered)} answers are coded" in section.intro[0]

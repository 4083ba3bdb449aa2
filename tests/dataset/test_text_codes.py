"""Codebooks and codes files (issue 19, item 1): the themes of a text question are a
multiple-choice question whose shares, bases, intervals, letters and changes are the engine's,
checked against a hand-built 0/1 multiple-choice question of the same answers (an independent
path: the instrument declares it, the frame holds it) and against a direct weighted count."""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collabstate.dataset import Responses
from collabstate.dataset.codes import apply_codes, read_codes
from collabstate.demo import leaders_wave
from collabstate.demo._coding import DEMO_CODINGS, keyword_codes
from collabstate.errors import InputError
from collabstate.instrument import load_instrument, parse_instrument
from collabstate.instrument.codebook import CodebookError, load_codebook, parse_codebook
from collabstate.stats import estimate
from collabstate.stats.compare import wave_change

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
    text: Why?
  - id: hand
    type: multiple
    text: Hand-built themes
    options: [{code: cost, label: Cost}, {code: people, label: People}, {code: trust, label: Trust}]
    nets: [{id: people_any, label: People (any), codes: [people, trust]}]
""",
    "coded.yaml",
)
BOOK = """
question: why
codes:
  - {id: cost, label: Cost, keywords: [money]}
  - {id: people, label: People}
  - {id: trust, label: Trust, parent: people}
"""
CODES = ("cost", "people", "trust")


def _frame(seed: int, n: int = 240, wave: int | None = None, prefix: str = "R") -> pl.DataFrame:
    """Respondents, sectors, text answers (a third blank) and the themes each answer was given,
    as the hand-built question's 0/1 columns (null where the text is blank)."""
    rng = np.random.default_rng(seed)
    answered = rng.random(n) > 1 / 3
    sector = rng.choice([1, 2, 3], size=n, p=[0.3, 0.5, 0.2])
    p = {1: (0.5, 0.2, 0.1), 2: (0.2, 0.4, 0.3), 3: (0.3, 0.3, 0.5)}
    columns: dict[str, object] = {
        "respondent_id": [f"{prefix}{i:04d}" for i in range(n)],
        "sector": sector.tolist(),
        "why": [f"answer {i}" if a else None for i, a in enumerate(answered)],
    }
    for j, code in enumerate(CODES):
        hit = rng.random(n) < np.array([p[s][j] for s in sector])
        columns[f"hand/{code}"] = pl.Series([int(h) if a else None for h, a in zip(hit, answered, strict=True)], dtype=pl.Int8)
    frame = pl.DataFrame(columns)
    if wave is not None:
        frame = frame.with_columns(pl.lit(wave, pl.Int64).alias("wave"))
    return frame


def _codes_csv(path, frames: list[pl.DataFrame], wave: bool = False, coder: str | None = None) -> None:
    header = ["respondent_id", "code", *(["wave"] if wave else []), *(["coder"] if coder else [])]
    lines = [",".join(header)]
    for frame in frames:
        for row in frame.iter_rows(named=True):
            for code in CODES:
                if row[f"hand/{code}"] == 1:
                    cells = [row["respondent_id"], code, *([str(row["wave"])] if wave else []), *([coder] if coder else [])]
                    lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _as_hand(table: pl.DataFrame) -> pl.DataFrame:
    return table.filter(pl.col("question") == "why_codes").with_columns(pl.lit("hand").alias("question"))


def _coded(tmp_path, frame: pl.DataFrame, **kw) -> Responses:
    book = parse_codebook(BOOK, "why.yaml", INSTRUMENT)
    _codes_csv(tmp_path / "codes.csv", [frame], **kw)
    [coded] = apply_codes([Responses(INSTRUMENT, frame)], read_codes(tmp_path / "codes.csv", book))
    return coded


def test_the_themes_are_the_engines_shares_of_the_same_answers_as_a_multiple_choice_question(tmp_path):
    frame = _frame(1)
    coded = _coded(tmp_path, frame)
    ours = _as_hand(estimate(coded, ["why_codes", "hand"], by="sector"))
    hand = estimate(coded, ["hand"], by="sector")
    assert ours.height == hand.height == 4 * (3 + 1)  # total and three sectors; three codes and the NET
    assert ours.to_dicts() == hand.to_dicts()  # estimates, intervals, bases, letters: the same rows
    assert hand["letters"].drop_nulls().str.len_chars().sum() > 0  # some letters to compare
    answered = frame["why"].is_not_null().sum()
    assert ours.filter(pl.col("group").is_null())["n"].to_list() == [answered] * 4  # base: those who answered


def test_an_answer_given_no_code_is_in_the_base_with_every_code_0(tmp_path):
    frame = _frame(2)
    coded = _coded(tmp_path, frame)
    none = frame.filter(pl.col("why").is_not_null() & pl.sum_horizontal(pl.col("^hand/.*$")).eq(0))
    assert none.height > 0
    row = coded.data.filter(pl.col("respondent_id") == none["respondent_id"][0])
    assert [row[f"why_codes/{c}"][0] for c in CODES] == [0, 0, 0]
    blank = coded.data.filter(pl.col("why").is_null())
    assert all(blank[f"why_codes/{c}"].null_count() == blank.height for c in CODES)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), weighted=st.booleans())
def test_a_themes_share_is_the_weighted_share_of_the_answers_given_it(tmp_path_factory, seed, weighted):
    frame = _frame(seed, n=60)
    rng = np.random.default_rng(seed + 1)
    if weighted:
        frame = frame.with_columns(pl.Series("weight", rng.uniform(0.2, 3.0, frame.height)))
    coded = _coded(tmp_path_factory.mktemp("codes"), frame)
    if weighted:
        coded = dataclasses.replace(coded, weight="weight")
    table = estimate(coded, ["why_codes"], min_base=5).filter(pl.col("statistic") == "proportion")
    w = frame["weight"].to_numpy() if weighted else np.ones(frame.height)
    answered = frame["why"].is_not_null().to_numpy()
    for row in table.iter_rows(named=True):
        hit = (frame[f"hand/{row['option']}"].fill_null(0).to_numpy() == 1) & answered
        expected = (w * hit).sum() / (w * answered).sum()
        assert 0 <= row["estimate"] <= 1
        assert row["estimate"] == pytest.approx(expected, abs=1e-12)


def test_a_change_between_two_waves_from_one_codes_file_with_a_wave_column(tmp_path):
    # the same respondent ids in both waves (a panel): the codes file says which wave each row codes
    early, late = _frame(3, wave=2024), _frame(4, wave=2025)
    stacked = pl.concat([early, late])
    book = parse_codebook(BOOK, "why.yaml", INSTRUMENT)
    _codes_csv(tmp_path / "codes.csv", [early, late], wave=True)
    codes = read_codes(tmp_path / "codes.csv", book)
    [coded] = apply_codes([Responses(INSTRUMENT, stacked)], codes)
    ours = wave_change(coded, ["why_codes"], by="sector").filter(pl.col("question") == "why_codes")
    hand = wave_change(coded, ["hand"], by="sector")
    assert ours.with_columns(pl.lit("hand").alias("question")).to_dicts() == hand.to_dicts()
    # as two wave files (the report's --compare): the same shares, wave by wave
    waves = apply_codes([Responses(INSTRUMENT, late), Responses(INSTRUMENT, early)], codes)
    for responses, frame in zip(waves, (late, early), strict=True):
        mine = _as_hand(estimate(responses, ["why_codes"], by="sector"))
        assert mine.to_dicts() == estimate(Responses(INSTRUMENT, frame), ["hand"], by="sector").to_dicts()


def test_the_same_id_in_two_waves_without_a_wave_column_is_refused(tmp_path):
    stacked = pl.concat([_frame(3, wave=2024), _frame(4, wave=2025)])
    book = parse_codebook(BOOK, "why.yaml", INSTRUMENT)
    _codes_csv(tmp_path / "codes.csv", [stacked.filter(pl.col("wave") == 2025)])
    with pytest.raises(InputError, match=r"codes.csv, row 2, column respondent_id: respondent_id 'R\d+' is in 2 rows .* add a wave column"):
        apply_codes([Responses(INSTRUMENT, stacked)], read_codes(tmp_path / "codes.csv", book))


def test_data_without_a_wave_column(tmp_path):
    frame = _frame(5)
    assert "wave" not in frame.columns
    coded = _coded(tmp_path, frame)
    assert _as_hand(estimate(coded, ["why_codes"])).to_dicts() == estimate(coded, ["hand"]).to_dicts()
    book = parse_codebook(BOOK, "why.yaml", INSTRUMENT)
    _codes_csv(tmp_path / "waved.csv", [frame.with_columns(pl.lit(1).alias("wave"))], wave=True)
    with pytest.raises(InputError, match="waved.csv, column wave: the codes file has a wave column, and the data have none"):
        apply_codes([Responses(INSTRUMENT, frame)], read_codes(tmp_path / "waved.csv", book))


# ---------------------------------------------------------------------------------- codebooks
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("question: wy\ncodes:\n  - {id: a, label: A}\n", r"line 1: question: unknown question 'wy' \(did you mean 'why'\?\)"),
        (
            "question: sector\ncodes:\n  - {id: a, label: A}\n",
            "line 1: question: 'sector' is a single question of coded, not a text question",
        ),
        ("question: why\ncodes:\n  - {id: a, label: A}\n  - {id: a, label: B}\n", r"line 4: codes\[1\].id: duplicate id 'a'"),
        ("question: why\ncodes:\n  - {id: Cost-1, label: A}\n", r"line 3: codes\[0\].id: an id is lower-case letters.*got 'Cost-1'"),
        (
            "question: why\ncodes:\n  - {id: a, label: A, parent: peple}\n  - {id: people, label: P}\n",
            r"line 3: codes\[0\].parent: unknown parent 'peple' \(did you mean 'people'\?\)",
        ),
        ("question: why\ncodes:\n  - {id: a, label: A, parent: b}\n  - {id: b, label: B, parent: a}\n", "a loop of parents"),
        ("question: why\ncodes:\n  - {id: a, label: A, keyword: [x]}\n", r"unknown key 'keyword' \(did you mean 'keywords'\?\)"),
        ("question: why\ncodes:\n  - {id: a}\n", r"line 3: codes\[0\].label: missing `label`"),
        ("question: why\ncodes: []\n", "codes"),
        ("- a\n", "expected a mapping with `question` and `codes`"),
    ],
)
def test_a_bad_codebook_is_told_with_its_file_line_and_field(text, message):
    with pytest.raises(CodebookError, match=message) as caught:
        parse_codebook(text, "why.yaml", INSTRUMENT)
    assert str(caught.value).startswith("why.yaml: ")


def test_a_parents_net_counts_every_code_under_it_at_any_depth():
    book = parse_codebook(
        "question: why\ncodes:\n  - {id: a, label: A}\n  - {id: b, label: B, parent: a}\n  - {id: c, label: C, parent: b}\n  - {id: d, label: D}\n",
        "why.yaml", INSTRUMENT,
    )  # fmt: skip
    assert book.below("a") == ["a", "b", "c"] and book.below("b") == ["b", "c"] and book.below("d") == ["d"]


# ---------------------------------------------------------------------------------- codes files
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("respondent,code\nR0001,cost\n", r"codes.csv, row 1: no column 'respondent_id' in the header \(did you mean 'respondent'\?\)"),
        ("respondent_id,code,coders\n", r"row 1: unknown column 'coders' \(did you mean 'coder'\?\)"),
        ("respondent_id,code\nR0001,cots\n", r"row 2, column code: 'cots' is not a code of the codebook \(did you mean 'cost'\?\)"),
        ("respondent_id,code\nR0001,cost\n,cost\n", "row 3, column respondent_id: blank cell"),
        ("respondent_id,code,coder\nR0001,cost,ann\nR0001,cost,bo\n", r"codes by 2 coders \(ann, bo\); name the one .* --coder"),
        ("respondent_id,code\nR0001,cost,x\n", "row 2: 3 cells where the header has 2"),
        ("", "the file is empty"),
        ("respondent_id,code,quote\nR0001,cost,maybe\n", r"row 2, column quote: 'maybe' is not a quote mark; expected 1"),
    ],
)
def test_a_bad_codes_file_is_told_with_its_file_row_and_column(tmp_path, text, message):
    (tmp_path / "codes.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_codes(tmp_path / "codes.csv", parse_codebook(BOOK, "why.yaml", INSTRUMENT))


def test_codes_of_a_respondent_not_in_the_data_or_who_left_the_text_blank_are_refused(tmp_path):
    frame = _frame(6)
    book = parse_codebook(BOOK, "why.yaml", INSTRUMENT)
    blank = frame.filter(pl.col("why").is_null())["respondent_id"][0]
    for text, message in (
        (
            "respondent_id,code\nR0001,cost\nR9999,cost\n",
            r"row 3, column respondent_id: respondent_id 'R9999' is not in the data \(did you mean",
        ),
        (f"respondent_id,code\n{blank},trust\n", f"row 2, column code: code 'trust' given to respondent '{blank}', who left why blank"),
    ):
        (tmp_path / "codes.csv").write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=message):
            apply_codes([Responses(INSTRUMENT, frame)], read_codes(tmp_path / "codes.csv", book))


def test_a_row_given_twice_is_counted_once_and_said_and_a_coder_is_chosen(tmp_path):
    frame = _frame(7)
    book = parse_codebook(BOOK, "why.yaml", INSTRUMENT)
    someone = frame.filter(pl.col("why").is_not_null())["respondent_id"][0]
    text = f"respondent_id,code,coder\n{someone},cost,ann\n{someone},cost,ann\n{someone},trust,bo\n"
    (tmp_path / "codes.csv").write_text(text, encoding="utf-8")
    codes = read_codes(tmp_path / "codes.csv", book, coder="ann")
    assert codes.duplicates == 1 and codes.notes == [f"{tmp_path / 'codes.csv'}: 1 row given twice (counted once)"]
    [coded] = apply_codes([Responses(INSTRUMENT, frame)], codes)
    row = coded.data.filter(pl.col("respondent_id") == someone)
    assert [row[f"why_codes/{c}"][0] for c in CODES] == [1, 0, 0]  # ann's codes, not bo's
    with pytest.raises(InputError, match=r"no codes by coder 'an' \(did you mean 'ann'\?\); coders: ann, bo"):
        read_codes(tmp_path / "codes.csv", book, coder="an")


@pytest.mark.parametrize(("book_path", "codes_path"), DEMO_CODINGS, ids=lambda p: p.name)
def test_the_shipped_demo_codes_are_the_keyword_matches_of_the_demo_waves(book_path, codes_path):
    leaders = load_instrument("leaders")
    book = load_codebook(book_path, leaders)
    expected = pl.concat([keyword_codes(leaders_wave(year), book) for year in (2024, 2025, 2026)])
    shipped = pl.read_csv(codes_path, schema_overrides={"wave": pl.String})
    assert shipped.to_dicts() == expected.to_dicts()
    waves = [Responses(leaders, leaders_wave(year)) for year in (2026, 2025, 2024)]
    coded = apply_codes(waves, read_codes(codes_path, book))
    for responses in coded:  # every answer is in the base, and most are given a theme
        themes = responses.data.select(pl.col(f"^{book.question}_codes/.*$"))
        answered = responses.data[book.question].is_not_null()
        assert themes.null_count().row(0) == ((~answered).sum(),) * themes.width
        assert themes.sum_horizontal().filter(answered).gt(0).mean() > 0.85

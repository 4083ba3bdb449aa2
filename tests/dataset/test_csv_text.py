"""No formula leaves in a CSV (issue 14, item 2): for any text a person can type, the cell a
spreadsheet reads from a CSV collabstate wrote is never run as a formula, unless raw text was
asked for; read back with collabstate, the text is the neutralised text (``'`` + the text when a
spreadsheet would have run it), or the original text when raw. Every writer of a CSV goes
through :func:`collabstate.dataset.csv_text.write_csv`; each is checked here."""

from __future__ import annotations

import csv
import io
import re
import textwrap
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from collabstate.cli import app
from collabstate.cli.estimate import estimate_csv
from collabstate.dataset import Responses, read_responses, write_responses
from collabstate.dataset.csv_text import FORMULA_START, neutralised
from collabstate.instrument import parse_instrument
from collabstate.instrument.bounds import FORBIDDEN_TEXT, NUMBER_PATTERN

NOTES = parse_instrument(
    textwrap.dedent(
        """
        id: notes
        title: Notes
        questions:
          - {id: sector, type: single, text: "Sector?", choices: [{code: 1, label: Public}, {code: 2, label: Private}]}
          - {id: why, type: text, text: "Why?"}
        """
    )
)
#: What a person can type, with the characters that start formulas made likely.
TYPED = st.text(
    st.one_of(
        st.sampled_from([*FORMULA_START, "'", '"', ",", "\n", "1", "A", " "]),
        st.characters(exclude_characters=FORBIDDEN_TEXT, exclude_categories=("Cs",)),
    ),  # typed text arrives as UTF-8: no lone surrogates
    max_size=12,
)


def runs_as_formula(cell: str) -> bool:
    """A spreadsheet's rule: a cell starting with a formula character is a formula, unless it is a
    plain number (``-5``, ``+3.2``), which it reads as that number, or blank (a lone tab holds nothing)."""
    return cell[:1] in FORMULA_START and not re.fullmatch(NUMBER_PATTERN, cell) and cell.strip() != ""


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(TYPED, min_size=1, max_size=4), st.booleans())
def test_no_cell_runs_as_a_formula_and_collabstate_reads_back_what_it_says(tmp_path, typed, raw):
    responses = Responses(NOTES, pl.DataFrame({"sector": [1] * len(typed), "why": typed}, schema={"sector": pl.Int64, "why": pl.String}))
    path = write_responses(responses, tmp_path / "notes.csv", raw_text=raw)
    rows = cells(path.read_bytes().decode("utf-8"))[1:]  # as written: no newline translation
    for row, text in zip(rows, typed):
        assert raw or not runs_as_formula(row[1]), (text, row)
        assert row[1] == (text if raw or not runs_as_formula(text) else "'" + text)
    back = read_responses(path, NOTES).responses.data["why"].to_list()
    # collabstate reads back the neutralised text, or the original when raw (a blank text is not answered)
    blank = pl.Series(typed, dtype=pl.String).str.strip_chars() == ""
    assert back == [None if b else t if raw or not runs_as_formula(t) else "'" + t for t, b in zip(typed, blank)]


def test_negative_numbers_stay_numbers_and_only_text_is_touched():
    frame = pl.DataFrame({"n": [-5.0, 2.0], "code": [-1, 3], "text": ["-5", "-a"]})
    assert neutralised(frame).rows() == [(-5.0, -1, "-5"), (2.0, 3, "'-a")]
    assert neutralised(pl.DataFrame({"text": ["\t", "\t=1", " "]})).rows() == [("\t",), ("'\t=1",), (" ",)]  # blank: nothing to neutralise


@pytest.fixture
def hostile(tmp_path) -> Path:
    path = tmp_path / "hostile.csv"
    path.write_text('sector,growth_belief,note\n1,4,"=HYPERLINK(""x"")"\n9,@SUM(1),+cmd\n', encoding="utf-8")
    return path


def test_the_rejects_file_of_validate_and_convert_neutralises_unless_raw(hostile, tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["validate", str(hostile), "-i", "leaders"]).exit_code == 1
    rejects = (tmp_path / "hostile.csv.rejects.csv").read_text(encoding="utf-8")
    assert all(not runs_as_formula(c) for row in cells(rejects) for c in row), rejects
    assert "'@SUM(1)" in rejects and "'+cmd" in rejects
    assert runner.invoke(app, ["validate", str(hostile), "-i", "leaders", "--raw-text"]).exit_code == 1
    assert "@SUM(1),+cmd" in (tmp_path / "hostile.csv.rejects.csv").read_text(encoding="utf-8")


def test_convert_neutralises_unless_raw(tmp_path):
    source = tmp_path / "s.csv"
    source.write_text("sector,enablers_text\n1,=1+1\n2,-a\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["convert", str(source), "-i", "leaders", "--to", "csv", "-o", str(tmp_path / "safe.csv")]).exit_code == 0
    assert "'=1+1" in (tmp_path / "safe.csv").read_text() and "'-a" in (tmp_path / "safe.csv").read_text()
    out = tmp_path / "raw.csv"
    assert runner.invoke(app, ["convert", str(source), "-i", "leaders", "--to", "csv", "-o", str(out), "--raw-text"]).exit_code == 0
    assert ",=1+1" in out.read_text() and "'" not in out.read_text()


def test_the_estimate_csv_neutralises_text():
    table = pl.DataFrame({"question": ["q"], "group": ["=evil()"], "estimate": [-0.5], "flags": [["a"]], "letters": [None]},
                         schema_overrides={"letters": pl.String})  # fmt: skip
    written = cells(estimate_csv(table))
    assert written[1][:3] == ["q", "'=evil()", "-0.5"]


def test_every_csv_collabstate_writes_goes_through_write_csv():
    """A house rule, so that a new CSV writer cannot forget: no ``write_csv``, ``csv.writer`` or
    ``to_csv`` in the package but in :mod:`collabstate.dataset.csv_text`."""
    src = Path(__file__).resolve().parents[2] / "src" / "collabstate"
    found = [
        f"{path.relative_to(src)}:{n}"
        for path in src.rglob("*.py")
        if path.name != "csv_text.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.write_csv\(|csv\.writer\(|csv\.DictWriter\(|\.to_csv\(", line)
    ]
    assert found == []

"""Answers the instrument cannot hold, and rows that are not whole, refused by the readers as
problems naming the row, the column and what was expected (issue 14, items 1 and 6, 9): never
turned into infinity, never a traceback, in every shape a file can take. The readers agree with
the one definition the web form uses (:mod:`collabstate.instrument.bounds`)."""

from __future__ import annotations

import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collabstate.dataset import ResponsesError, read_responses, read_source, write_responses
from collabstate.dataset.validate import validate_source
from collabstate.instrument import parse_instrument
from collabstate.instrument.bounds import TEXT_LENGTH, number_bounds

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = parse_instrument(
    textwrap.dedent(
        """
        id: answers
        title: Answers
        questions:
          - {id: staff, type: number, text: "How many staff?", short: Staff, minimum: 0, integer: true}
          - {id: budget, type: number, text: "Budget?", short: Budget}
          - {id: why, type: text, text: "Why?"}
          - {id: sector, type: single, text: "Sector?", choices: [{code: 1, label: Public}, {code: 2, label: Private}]}
          - id: partners
            type: multiple
            text: Who?
            options:
              - {code: council, label: The council}
              - {code: nhs, label: The NHS}
              - {code: none, label: None of these, exclusive: true}
        """
    )
)
HUGE = "9" * 401


def kinds(v) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.kind) for p in v.problems]


# --- numbers and text beyond what a question holds ----------------------------------------------


@pytest.mark.parametrize("ext", ["csv", "parquet", "xlsx", "frame"])
def test_a_401_digit_whole_number_is_out_of_range_in_every_shape(tmp_path, ext):
    frame = pl.DataFrame({"staff": ["3", HUGE, "9007199254740992", "9007199254740991"], "budget": ["1e400", "-1e400", "2.5", None]})
    if ext == "frame":
        v = read_responses(frame, ANSWERS, name="answers")
    else:
        path = tmp_path / f"answers.{ext}"
        getattr(frame, {"csv": "write_csv", "parquet": "write_parquet", "xlsx": "write_excel"}[ext])(path)
        v = read_responses(path, ANSWERS)
    first = 2 if ext in ("csv", "xlsx") else 1
    assert kinds(v) == [
        (first, "budget", "out_of_range"),
        (first + 1, "staff", "out_of_range"),
        (first + 1, "budget", "out_of_range"),
        (first + 2, "staff", "out_of_range"),
    ]
    assert v.problems[1].expected == "a whole number from 0 to 9,007,199,254,740,991 for Staff"
    assert str(v.problems[1]).endswith(f"'{'9' * 59}…' is out of range; expected a whole number from 0 to 9,007,199,254,740,991 for Staff")
    assert v.responses.data["staff"].to_list() == [9007199254740991]  # never inf
    assert v.responses.data["budget"].to_list() == [None]


@pytest.mark.parametrize("ext", ["csv", "parquet", "frame"])
def test_text_beyond_a_cell_or_with_nul_is_a_problem(tmp_path, ext):
    frame = pl.DataFrame({"why": ["fine", "x" * (TEXT_LENGTH + 1), "🙂" * 20_000, "nul \x00 here", "=1+1"]})
    if ext == "frame":
        v = read_responses(frame, ANSWERS, name="answers")
    else:
        path = tmp_path / f"answers.{ext}"
        getattr(frame, f"write_{ext}")(path)
        v = read_responses(path, ANSWERS)
    first = 2 if ext == "csv" else 1
    assert kinds(v) == [(first + 1, "why", "too_long"), (first + 2, "why", "too_long"), (first + 3, "why", "bad_text")]
    assert v.problems[0].expected.startswith("a text of at most 32,767 characters")
    assert v.responses.data["why"].to_list() == ["fine", "=1+1"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(alphabet="0123456789.+-eE ", max_size=40),
        st.sampled_from(["inf", "-inf", "nan", "Infinity", "1_000", "١٢", "0x10", HUGE, "9007199254740992", "1e-400", " 7 "]),
        st.integers(-(2**60), 2**60).map(str),
        st.floats(allow_nan=False).map(repr),
    ),
    st.booleans(),
)
def test_the_readers_agree_with_the_bounds_the_web_form_uses(text, integer):
    """Whatever a number cell holds, the reader's verdict is the bounds' verdict (what the web
    form says): the same problem kind, or the same value."""
    name = "staff" if integer else "budget"
    question = ANSWERS.question(name)
    value, problem = number_bounds(question).check(text)  # type: ignore[arg-type]
    v = read_responses(pl.DataFrame({name: [text, "1"], "why": ["a", "b"]}), ANSWERS)  # never a blank row
    found = [p.kind for p in v.problems]
    assert found == ([problem] if problem else []), (text, found)
    if problem is None:
        assert v.responses.data[name][0] == value


# --- a field longer than Python's csv module reads ----------------------------------------------


def test_a_field_of_300000_characters_is_a_problem_not_a_traceback(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(f"staff,why,note\n1,{'w' * 300_000},{'n' * 300_000}\n2,fine,\n", encoding="utf-8")
    v = read_responses(path, ANSWERS)
    assert kinds(v) == [(None, "note", "unknown_column"), (2, "why", "too_long")]
    header = tmp_path / "header.csv"
    header.write_text(f"staff,{'h' * 200_000}\n1,2\n", encoding="utf-8")
    with pytest.raises(ResponsesError, match=r"header\.csv: "):
        read_responses(header, ANSWERS)


# --- rows cut short --------------------------------------------------------------------------------


def test_short_rows_are_found_whatever_the_quoting_and_line_endings(tmp_path):
    path = tmp_path / "rows.csv"
    rows = ["staff,why,sector", '1,"two\r\nlines",1', "", "2,x", '3,"quoted, comma",2', "4", '5,"three\n\nlines",1', "6,,", "7,"]
    path.write_bytes("\r\n".join(rows).encode() + b"\r\n")
    v = read_responses(path, ANSWERS)
    assert kinds(v) == [(4, "sector", "short_row"), (6, "why", "short_row"), (9, "sector", "short_row")]
    assert v.responses.data["staff"].to_list() == [1, 3, 5, 6]
    assert v.responses.data["why"].to_list() == ["two\r\nlines", "quoted, comma", "three\n\nlines", None]


def test_a_line_break_outside_quotes_that_the_parsers_split_differently_is_refused(tmp_path):
    path = tmp_path / "cr.csv"
    path.write_bytes(b"staff,why,sector\n1,2\r3\n5,6,1\n")
    with pytest.raises(ResponsesError, match=r"cr\.csv: the rows cannot be told apart with certainty"):
        read_responses(path, ANSWERS)


def test_a_trailing_separator_in_the_header_only_is_not_a_short_row(tmp_path):
    path = tmp_path / "trailing.csv"
    path.write_text("staff,why,\n1,a\n2,b,\n")
    assert read_responses(path, ANSWERS).ok


# --- stored answers that no longer fit: blank, with the problem listed --------------------------


def test_blank_problems_keeps_the_row_and_blanks_only_the_answers_that_do_not_fit(tmp_path):
    frame = pl.DataFrame(
        {
            "respondent_id": ["a", "b", "c", "d", None],
            "staff": ["1", HUGE, "2.5", "4", "5"],
            "why": ["ok", "fine", "x" * 40_000, "y", "z"],
            "sector": ["1", "9", "2", "1", "1"],
            "partners/council": ["1", "0", "1", "x", "1"],
            "partners/nhs": ["0", "1", "0", "1", "0"],
            "partners/none": ["0", "0", "1", "0", "0"],
        }
    )
    v = validate_source(read_source(frame, name="stored"), ANSWERS, blank_problems=True)
    assert v.blank_problems and v.n_problems == 7
    assert v.rejected["row"].to_list() == [2, 3, 4, 5]  # every row with a problem, as read
    data = v.responses.data
    assert data["respondent_id"].to_list() == ["a", "b", "c", "d"]  # a design problem still leaves the row out
    assert data["staff"].to_list() == [1, None, None, 4]
    assert data["why"].to_list() == ["ok", "fine", None, "y"]
    assert data["sector"].to_list() == [1, None, 2, 1]
    # a multiple-choice question's answer is the set of options ticked: a problem in one blanks them all
    assert data.select(pl.col("^partners/.*$")).rows() == [(1, 0, 0), (0, 1, 0), (None, None, None), (None, None, None)]
    # what is kept reads back without a problem
    back = read_responses(write_responses(v.responses, tmp_path / "kept.csv"), ANSWERS)
    assert back.ok and back.responses.n == 4


def test_rejecting_is_still_the_default(tmp_path):
    frame = pl.DataFrame({"staff": ["1", HUGE], "why": ["a", "b"]})
    v = read_responses(frame, ANSWERS)
    assert not v.blank_problems and v.responses.n == 1 and v.rejected.height == 1


# --- hostile files, under a limit of memory and time ----------------------------------------------

_READ = "import sys; from collabstate.dataset import read_responses; v = read_responses(sys.argv[1], 'leaders'); print(v)"


def _limited() -> None:
    two_gb = 2 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (two_gb, two_gb))


def _run_limited(path: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "POLARS_MAX_THREADS": "2"}
    return subprocess.run(
        [sys.executable, "-c", _READ, str(path)], capture_output=True, text=True, timeout=20, preexec_fn=_limited, env=env
    )


@pytest.mark.parametrize(
    ("shape", "says"),
    [
        ("20000 unknown columns", "1 rows read, 1 valid, 0 rejected; 20,000 problems"),
        ("a 5 MB field", "1 rows read, 1 valid, 0 rejected; 1 problem"),
        ("100000 short rows", "100,000 rows read, 0 valid, 100,000 rejected; 100,000 problems"),
    ],
)
def test_hostile_csv_files_are_read_within_20_s_and_2_gb(tmp_path, shape, says):
    path = tmp_path / "hostile.csv"
    if shape == "20000 unknown columns":
        path.write_text(",".join(["sector", *(f"extra_{i}" for i in range(20_000))]) + "\n" + ",".join(["1"] + ["x"] * 20_000) + "\n")
    elif shape == "a 5 MB field":
        path.write_text(f"sector,note\n1,{'n' * 5_000_000}\n")
    else:
        path.write_text("sector,role,growth_belief\n" + "1,2\n" * 100_000)
    done = _run_limited(path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == f"hostile.csv: {says}"

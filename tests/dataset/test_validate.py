"""Validation: every problem kind, with its row and column, all found at once; the valid rows in
the canonical frame; the rejected rows as read."""

from __future__ import annotations

import textwrap
from pathlib import Path

import polars as pl
import pytest

import collabstate.dataset.validate as validate_module
from collabstate.dataset import DataProblem, ResponsesError, Validation, read_responses
from collabstate.dataset._problems import CLIP, message_expr
from collabstate.instrument import load_instrument, parse_instrument

LEADERS = load_instrument("leaders")
READINESS = load_instrument("readiness-2018")
SECTOR = "a code of Sector: 1 Public, 2 Private, 3 Not-for-profit, 4 Higher education"
AGREE = "1 Strongly disagree, 2 Disagree, 3 Neither agree nor disagree, 4 Agree, 5 Strongly agree"

NUMBERS = parse_instrument(
    textwrap.dedent(
        """
        id: numbers
        title: Numbers
        questions:
          - {id: staff, type: number, text: "How many staff?", short: Staff, minimum: 0, maximum: 100000, integer: true}
          - {id: share, type: number, text: "What share?", short: Share, minimum: 0, maximum: 1}
          - {id: budget, type: number, text: "Budget?", short: Budget}
        """
    )
)


def csv_file(tmp_path: Path, text: str, name: str = "survey.csv") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def messages(v: Validation) -> list[str]:
    return [str(p) for p in v.problems]


# --- the acceptance example ---------------------------------------------------------------------


def test_acceptance_unknown_code_and_out_of_scale_answer_both_reported(tmp_path):
    path = csv_file(
        tmp_path,
        """
        respondent_id,sector,growth_belief
        R1,1,4
        R2,5,3
        R3,2,7
        R4,3,5
        """,
    )
    v = read_responses(path, "leaders")
    assert messages(v) == [
        f"survey.csv, row 3, column sector: '5' is not valid; expected {SECTOR}",
        f"survey.csv, row 4, column growth_belief: '7' is not valid; expected a code of Collaboration can support growth: {AGREE}",
    ]
    first, second = v.problems
    assert (first.row, first.column, first.value, first.kind) == (3, "sector", "5", "bad_code")
    assert (second.row, second.column, second.value, second.kind) == (4, "growth_belief", "7", "bad_code")
    assert v.responses.data["respondent_id"].to_list() == ["R1", "R4"]
    assert v.rejected["row"].to_list() == [3, 4]
    assert v.n_read == 4 and not v.ok


def test_labels_are_accepted_in_any_case_and_trimmed(tmp_path):
    path = csv_file(tmp_path, 'sector,state_rating\nPublic,Good\npublic,excellent\n" PUBLIC ", TERRIBLE \n4,1.0\n')
    v = read_responses(path, LEADERS)
    assert v.ok, messages(v)
    assert v.responses.data["sector"].to_list() == [1, 1, 1, 4]
    assert v.responses.data["state_rating"].to_list() == [4, 5, 1, 1]


def test_codes_written_as_whole_numbers_count_and_fractions_do_not():
    v = read_responses(pl.DataFrame({"sector": ["1.0", "2.00", " 3 ", "1.5", "1e0"]}), LEADERS)
    assert v.responses.data["sector"].to_list() == [1, 2, 3, 1]
    assert [(p.row, p.value, p.kind) for p in v.problems] == [(4, "1.5", "bad_code")]


def test_not_applicable_code_is_a_valid_answer_kept_as_its_code():
    v = read_responses(pl.DataFrame({"imp_behaviours": ["9", "Not applicable", "3"]}), READINESS)
    assert v.ok and v.responses.data["imp_behaviours"].to_list() == [9, 9, 3]


# --- flags and multiple choice ---------------------------------------------------------------------


def test_flags_accept_01_true_false_yes_no():
    values = ["1", "0", "1.0", "0.0", "true", "FALSE", "Yes", " no "]
    v = read_responses(pl.DataFrame({"domains/skills": values}), LEADERS)
    assert v.ok, messages(v)
    assert v.responses.data["domains/skills"].to_list() == [1, 0, 1, 0, 1, 0, 1, 0]
    assert v.responses.data.schema["domains/skills"] == pl.Int8


def test_bad_flag_is_reported_with_what_a_flag_is():
    v = read_responses(pl.DataFrame({"domains/skills": ["2", "x", "1"]}), LEADERS, name="f")
    assert messages(v) == [
        "f, row 1, column domains/skills: '2' is not valid; expected a flag for Policy areas where collaboration "
        "is most effective: Skills: 1 ticked or 0 not ticked (also true/false, yes/no)",
        "f, row 2, column domains/skills: 'x' is not valid; expected a flag for Policy areas where collaboration "
        "is most effective: Skills: 1 ticked or 0 not ticked (also true/false, yes/no)",
    ]
    assert {p.kind for p in v.problems} == {"bad_flag"}


def test_multiple_choice_all_empty_is_not_answered_and_partial_empties_are_not_ticked():
    frame = pl.DataFrame(
        {
            "sector": ["1", "1", "1", "1"],
            "org_support/development_programmes": ["1", None, "", "0"],
            "org_support/secondments": [None, None, None, "0"],
            "org_support/none": [None, None, " ", "1"],
        }
    )
    v = read_responses(frame, LEADERS)
    assert v.ok, messages(v)
    data = v.responses.data
    assert data["org_support/development_programmes"].to_list() == [1, None, None, 0]
    assert data["org_support/secondments"].to_list() == [0, None, None, 0]
    assert data["org_support/none"].to_list() == [0, None, None, 1]
    # option columns the file does not have stay not answered
    assert data["org_support/external_networks"].to_list() == [None] * 4


def test_exclusive_option_ticked_with_another_names_the_others():
    frame = pl.DataFrame(
        {
            "respondent_id": ["a", "b"],
            "org_support/secondments": ["1", "0"],
            "org_support/external_networks": ["1", "0"],
            "org_support/none": ["1", "1"],
        }
    )
    v = read_responses(frame, LEADERS, name="f")
    assert messages(v) == [
        "f, row 1, column org_support/none: '1' is ticked with another option; expected 'None of these' on its own: "
        "it cannot be ticked with another option of What your organisation offers (also ticked: Secondments, "
        "External networks)"
    ]
    assert v.problems[0].kind == "exclusive_option"
    assert v.responses.data["respondent_id"].to_list() == ["b"]


# --- skip logic ----------------------------------------------------------------------------------


def test_civil_service_answered_by_a_private_sector_respondent_is_not_asked(tmp_path):
    path = csv_file(tmp_path, "sector,civil_service\n1,1\n2,2\nPrivate,\n")
    v = read_responses(path, LEADERS)
    assert messages(v) == [
        "survey.csv, row 3, column civil_service: '2' is an answer to a question that was not asked; "
        "expected no answer: Civil servant is asked only when sector == 1"
    ]
    assert v.problems[0].kind == "not_asked"
    assert v.responses.data["sector"].to_list() == [1, 2]


def test_readiness_q2_to_q6_answered_when_q1_is_no_are_not_asked():
    frame = pl.DataFrame(
        {
            "q1_example": ["2", "1", "No"],
            "q2_description": ["A project", "A project", None],
            "q3_stakeholders/local_authority": ["1", "1", None],
            "q3_stakeholders/ccg": ["0", "0", None],
            "q4_n_orgs": ["3", "3", None],
            "q5_staff_level": ["2", "2", None],
            "q6_success": ["Too early to say", "1", None],
            "q7_importance": ["5", "5", "5"],
        }
    )
    v = read_responses(frame, READINESS, name="r")
    assert [(p.row, p.column, p.kind) for p in v.problems] == [
        (1, "q2_description", "not_asked"),
        (1, "q3_stakeholders/local_authority", "not_asked"),  # one problem for the question
        (1, "q4_n_orgs", "not_asked"),
        (1, "q5_staff_level", "not_asked"),
        (1, "q6_success", "not_asked"),
    ]
    assert str(v.problems[4]) == (
        "r, row 1, column q6_success: 'Too early to say' is an answer to a question that was not asked; "
        "expected no answer: Success so far is asked only when q1_example == 1"
    )
    assert v.responses.data["q1_example"].to_list() == [1, 2]


def test_multiple_choice_not_asked_is_reported_on_its_first_answered_option():
    frame = pl.DataFrame({"q1_example": ["2"], "q3_stakeholders/local_authority": [None], "q3_stakeholders/ccg": ["0"]})
    v = read_responses(frame, READINESS)
    assert [(p.column, p.value, p.kind) for p in v.problems] == [("q3_stakeholders/ccg", "0", "not_asked")]


def test_condition_on_a_multiple_choice_option():
    frame = pl.DataFrame(
        {
            "q1_example": ["1", "1"],
            "q3_stakeholders/other": ["1", "0"],
            "q3_other_text": ["Police", "Police"],
        }
    )
    v = read_responses(frame, READINESS)
    assert [(p.row, p.column, p.kind) for p in v.problems] == [(2, "q3_other_text", "not_asked")]


def test_skip_logic_is_not_judged_on_an_invalid_answer():
    v = read_responses(pl.DataFrame({"sector": ["5"], "civil_service": ["1"]}), LEADERS)
    assert [p.kind for p in v.problems] == ["bad_code"]


def test_skip_logic_is_not_judged_without_the_columns_the_condition_reads():
    assert read_responses(pl.DataFrame({"civil_service": ["1", "2"]}), LEADERS).ok
    frame = pl.DataFrame({"q1_example": ["1"], "q3_stakeholders/ccg": ["1"], "q3_other_text": ["Police"]})
    assert read_responses(frame, READINESS).ok  # selected(q3_stakeholders, other) needs q3_stakeholders/other


# --- numbers -------------------------------------------------------------------------------------


def test_numbers_parse_and_respect_minimum_maximum_and_integer():
    frame = pl.DataFrame(
        {
            "staff": ["12", " 7 ", "many", "-1", "2.5", "", "1e3"],
            "share": ["0.5", "1", "0", "1.5", "NaN", "0.25", "inf"],
        }
    )
    v = read_responses(frame, NUMBERS, name="n")
    assert [(p.row, p.column, p.value, p.kind) for p in v.problems] == [
        (3, "staff", "many", "not_a_number"),
        (4, "staff", "-1", "out_of_range"),
        (4, "share", "1.5", "out_of_range"),
        (5, "staff", "2.5", "not_whole"),
        (5, "share", "NaN", "not_a_number"),
        (7, "share", "inf", "not_a_number"),
    ]
    assert str(v.problems[1]) == "n, row 4, column staff: '-1' is out of range; expected a whole number from 0 to 100000 for Staff"
    assert str(v.problems[0]) == "n, row 3, column staff: 'many' is not a number; expected a whole number from 0 to 100000 for Staff"
    assert v.responses.data["staff"].to_list() == [12.0, 7.0, None]
    assert v.responses.data["share"].to_list() == [0.5, 1.0, 0.25]
    assert v.responses.data.schema["staff"] == pl.Float64


def test_unbounded_number():
    v = read_responses(pl.DataFrame({"budget": ["-3.5", "1e9", "12,5"]}), NUMBERS)
    assert [(p.row, p.kind) for p in v.problems] == [(3, "not_a_number")]
    assert v.problems[0].expected == "a number from -9,007,199,254,740,991 to 9,007,199,254,740,991 for Budget"


# --- design columns ------------------------------------------------------------------------------


def test_missing_design_values_are_reported_for_each_design_column(tmp_path):
    path = csv_file(
        tmp_path,
        """
        respondent_id,wave,weight,stratum,cluster,sector
        R1,2024,1,north,c1,1
        ,2024,1,north,c1,1
        R3,,1,north,c1,1
        R4,2024,,north,c1,1
        R5,2024,1, ,c1,1
        R6,2024,1,north,,1
        """,
    )
    v = read_responses(path, LEADERS)
    assert [(p.row, p.column, p.value, p.kind) for p in v.problems] == [
        (3, "respondent_id", None, "missing_design"),
        (4, "wave", None, "missing_design"),
        (5, "weight", None, "missing_design"),
        (6, "stratum", None, "missing_design"),
        (7, "cluster", None, "missing_design"),
    ]
    assert str(v.problems[2]) == (
        "survey.csv, row 5, column weight: empty; expected a weight greater than 0 (the column is there, so every row needs one)"
    )
    data = v.responses.data
    assert data.columns[:5] == ["respondent_id", "wave", "weight", "stratum", "cluster"]
    assert data.schema["wave"] == pl.Int64 and data.schema["weight"] == pl.Float64
    assert v.responses.weight == "weight" and v.responses.strata == "stratum" and v.responses.cluster == "cluster"


@pytest.mark.parametrize("weight", ["0", "-1", "abc", "inf", "nan", "-0.0"])
def test_zero_negative_or_non_numeric_weights(weight):
    v = read_responses(pl.DataFrame({"weight": ["1.5", weight], "sector": ["1", "2"]}), LEADERS, name="w")
    assert messages(v) == [f"w, row 2, column weight: '{weight}' is not a valid weight; expected a weight: a number greater than 0"]
    assert v.responses.data["weight"].to_list() == [1.5]


def test_duplicate_ids_reject_every_later_row_and_name_the_first(tmp_path):
    path = csv_file(tmp_path, "respondent_id,sector\nA,1\nB,2\nA,3\n A ,4\nB,1\n")
    v = read_responses(path, LEADERS)
    assert messages(v) == [
        "survey.csv, row 4, column respondent_id: 'A' is a duplicate; expected a respondent_id used only once; it is already used in row 2",
        "survey.csv, row 5, column respondent_id: ' A ' is a duplicate; expected a respondent_id used only once; "
        "it is already used in row 2",
        "survey.csv, row 6, column respondent_id: 'B' is a duplicate; expected a respondent_id used only once; it is already used in row 3",
    ]
    assert v.responses.data["respondent_id"].to_list() == ["A", "B"]


def test_wave_is_text_when_not_every_wave_is_a_whole_number():
    v = read_responses(pl.DataFrame({"wave": ["2024", "2025b"], "sector": ["1", "1"]}), LEADERS)
    assert v.responses.data.schema["wave"] == pl.String
    assert v.responses.data["wave"].to_list() == ["2024", "2025b"]
    v = read_responses(pl.DataFrame({"wave": ["2024", " 2025.0 "], "sector": ["1", "1"]}), LEADERS)
    assert v.responses.data["wave"].to_list() == [2024, 2025]


# --- columns -------------------------------------------------------------------------------------


def test_unknown_column_is_a_file_problem_first_and_does_not_reject_rows(tmp_path):
    path = csv_file(tmp_path, "sectr,Notes,sector\n1,hello,9\n2,,1\n")
    v = read_responses(path, LEADERS)
    assert messages(v) == [
        "survey.csv, column sectr: unknown column, left out of the responses; expected a column of instrument "
        "leaders or a design column (respondent_id, wave, weight, stratum, cluster, org_id); did you mean 'sector'?",
        "survey.csv, column Notes: unknown column, left out of the responses; expected a column of instrument "
        "leaders or a design column (respondent_id, wave, weight, stratum, cluster, org_id)",
        f"survey.csv, row 2, column sector: '9' is not valid; expected {SECTOR}",
    ]
    assert [p.row for p in v.problems] == [None, None, 2]
    assert v.responses.n == 1 and "Notes" not in v.responses.data.columns
    assert v.rejected.columns == ["row", "sectr", "Notes", "sector", "problems"]


def test_headings_match_case_insensitively_trimmed_and_with_a_dot_for_the_slash():
    frame = pl.DataFrame({"  SECTOR ": ["1"], "Org_Support.None": ["1"], "Respondent_ID": ["x"]})
    v = read_responses(frame, LEADERS)
    assert v.ok, messages(v)
    assert v.responses.data["org_support/none"].to_list() == [1]
    assert v.responses.data["respondent_id"].to_list() == ["x"]


def test_two_columns_for_the_same_question_cannot_be_read():
    with pytest.raises(ResponsesError, match=r"<frame>: columns 'sector' and 'Sector ' both hold sector"):
        read_responses(pl.DataFrame({"sector": ["1"], "Sector ": ["2"]}), LEADERS)


def test_no_known_column_at_all_means_no_header():
    with pytest.raises(ResponsesError, match="none of the columns .* is a column of instrument leaders"):
        read_responses(pl.DataFrame({"1": ["2"], "4": ["5"]}), LEADERS)


# --- the outcome ---------------------------------------------------------------------------------


def test_all_problems_found_at_once_in_row_order(tmp_path):
    path = csv_file(
        tmp_path,
        """
        respondent_id,weight,sector,civil_service,growth_belief,domains/skills,extra
        R1,1,9,x,0,2,
        R1,-2,2,1,Agree,1,
        R3,1,1,1,4,1,
        """,
    )
    v = read_responses(path, LEADERS)
    assert [(p.row, p.column, p.kind) for p in v.problems] == [
        (None, "extra", "unknown_column"),
        (2, "sector", "bad_code"),
        (2, "civil_service", "bad_code"),
        (2, "growth_belief", "bad_code"),
        (2, "domains/skills", "bad_flag"),
        (3, "respondent_id", "duplicate_id"),
        (3, "weight", "bad_weight"),
        (3, "civil_service", "not_asked"),
    ]
    assert v.n_problems == 8 and not v.problems_truncated
    assert v.responses.data["respondent_id"].to_list() == ["R3"]
    assert str(v) == "survey.csv: 3 rows read, 1 valid, 2 rejected; 8 problems"


def test_rejected_rows_are_kept_exactly_as_read_with_row_and_problems(tmp_path):
    path = csv_file(tmp_path, 'sector,role,example_text\n" Private ",7,"a, b"\n1,1,ok\n')
    v = read_responses(path, LEADERS)
    assert v.rejected.schema == pl.Schema(
        {"row": pl.Int64, "sector": pl.String, "role": pl.String, "example_text": pl.String, "problems": pl.String}
    )
    assert v.rejected.row(0) == (2, " Private ", "7", "a, b", str(v.problems[0]))
    out = v.write_rejects(tmp_path / "rejects.csv")
    assert out == tmp_path / "rejects.csv"
    back = pl.read_csv(out, infer_schema=False)
    assert back.columns == v.rejected.columns and back.row(0)[1:] == v.rejected.row(0)[1:]


def test_rejected_problems_join_every_message_of_the_row():
    v = read_responses(pl.DataFrame({"sector": ["9"], "role": ["9"]}), LEADERS)
    assert v.rejected["problems"].to_list() == ["; ".join(str(p) for p in v.problems)]


def test_blank_rows_are_skipped_and_row_numbers_stay_true(tmp_path):
    path = csv_file(tmp_path, "sector,role\n1,1\n\n,\n2,9\n")
    v = read_responses(path, LEADERS)
    assert v.n_read == 2
    assert [(p.row, p.column) for p in v.problems] == [(5, "role")]


def test_valid_file_is_ok_and_canonical():
    frame = pl.DataFrame({"sector": ["1", "2"], "example_text": ["  kept as written ", "   "]})
    v = read_responses(frame, LEADERS)
    assert v.ok and v.rejected.height == 0 and v.problems == []
    assert v.rejected.columns == ["row", "sector", "example_text", "problems"]
    data = v.responses.data
    assert data.columns == [c.name for c in LEADERS.columns]
    assert data["example_text"].to_list() == ["  kept as written ", None]
    assert data.schema["sector"] == pl.Int64 and data.schema["domains/skills"] == pl.Int8


def test_header_only_file_gives_no_rows(tmp_path):
    v = read_responses(csv_file(tmp_path, "sector,role\n"), LEADERS)
    assert v.ok and v.n_read == 0 and v.responses.n == 0


def test_problem_objects_are_capped_but_every_problem_is_counted(monkeypatch):
    monkeypatch.setattr(validate_module, "MAX_PROBLEMS", 5)
    frame = pl.DataFrame({"sector": ["9"] * 8, "role": ["9"] * 8, "Extra": ["x"] * 8})
    v = read_responses(frame, LEADERS)
    assert v.n_problems == 17 and len(v.problems) == 5 and v.problems_truncated
    assert v.problems[0].kind == "unknown_column" and v.problems[-1].row == 2
    assert v.rejected.height == 8
    assert all(text.count("is not valid") == 2 for text in v.rejected["problems"])


# --- messages ------------------------------------------------------------------------------------


def test_message_of_each_problem_is_the_same_built_vectorised_or_one_by_one():
    long = "x" * (CLIP + 20)
    problems = [
        DataProblem("f.csv", 7, "sector", "5", "bad_code", SECTOR),
        DataProblem("f.csv", None, "Notes", None, "unknown_column", "a column"),
        DataProblem("f.csv", 3, "weight", None, "missing_design", "a weight"),
        DataProblem("f.csv", 3, "q2_description", long, "not_asked", "no answer"),
        DataProblem("f.csv", 12, "x", "é 漢字 'quoted'", "some_new_kind", "something"),
    ]
    frame = pl.DataFrame(
        [(p.row, p.column, p.value, p.kind, p.expected) for p in problems],
        schema={"row": pl.Int64, "column": pl.String, "value": pl.String, "kind": pl.String, "expected": pl.String},
        orient="row",
    )
    assert frame.select(message_expr("f.csv"))["message"].to_list() == [str(p) for p in problems]
    assert str(problems[0]) == f"f.csv, row 7, column sector: '5' is not valid; expected {SECTOR}"
    assert str(problems[3]).startswith("f.csv, row 3, column q2_description: '" + "x" * (CLIP - 1) + "…' is an")


def test_every_kind_has_rows_and_columns_in_messages():
    """A file with one problem of each row kind: every message names a row and a column."""
    frame = pl.DataFrame(
        {
            "respondent_id": ["a", "a", None],
            "weight": ["1", "0", "1"],
            "sector": ["2", "x", "1"],
            "civil_service": ["1", None, None],
            "org_support/none": ["1", None, None],
            "org_support/secondments": ["1", None, None],
            "domains/skills": ["5", None, None],
        }
    )
    v = read_responses(frame, LEADERS)
    kinds = {p.kind for p in v.problems}
    assert kinds == {"not_asked", "exclusive_option", "bad_flag", "duplicate_id", "bad_weight", "bad_code", "missing_design"}
    assert all(p.row is not None and p.column for p in v.problems)
    assert v.responses.n == 0 and v.rejected.height == 3

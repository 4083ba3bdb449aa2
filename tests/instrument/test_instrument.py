"""The instrument model: the built-in contract, YAML errors with paths and lines, the schema."""

import json
import textwrap

import pytest

from collabstate.instrument import (
    DESIGN_COLUMNS,
    InstrumentError,
    builtin_instruments,
    instrument_schema,
    load_instrument,
    parse_instrument,
)

FACTORS = ["behaviours", "citizens", "systems", "services", "places", "markets", "urgency", "requirements"]


def test_builtins_are_listed():
    assert builtin_instruments() == ["leaders", "readiness-2018"]


def test_readiness_contract():
    ins = load_instrument("readiness-2018")
    assert [q.id for q in ins.questions][:14] == [
        "q1_example",
        "q2_description",
        "q3_stakeholders",
        "q3_other_text",
        "q4_n_orgs",
        "q5_staff_level",
        "q6_success",
        "q7_importance",
        "q8_why",
        "q9_better",
        "q10_involvement",
        "q11_incentivise",
        "q12_tools",
        "q13_importance",
    ]
    assert [c.code for c in ins.choices(ins.question("q4_n_orgs"))] == [2, 3, 4, 5]
    assert [c.code for c in ins.choices(ins.question("q6_success"))] == [1, 2, 3, 4, 5]
    assert [c.code for c in ins.choices(ins.question("q11_incentivise"))] == [0, 1, 2, 3]
    na = [c for c in ins.choices(ins.question("imp_places")) if c.code == 9]
    assert na and na[0].excluded and na[0].score is None
    assert [c.score for c in ins.choices(ins.question("prev_systems")) if not c.excluded] == [0, 1, 2, 3]
    assert [c.code for c in ins.choices(ins.question("q10_involvement"))] == [1, 2, 3, 4, 5, 9]
    names = [c.name for c in ins.columns]
    assert [f"imp_{f}" for f in FACTORS] == [n for n in names if n.startswith("imp_")]
    assert [f"prev_{f}" for f in FACTORS] == [n for n in names if n.startswith("prev_")]
    assert "q3_stakeholders/nhs_trust" in names and "q18_region/northern_ireland" in names
    index = ins.index("readiness")
    assert [f.id for f in index.factors if f.in_index] == FACTORS[:6]
    assert [f.id for f in index.factors if not f.in_index] == ["urgency", "requirements"]
    assert str(ins.question("q2_description").condition) == "q1_example == 1"
    assert str(ins.question("q3_other_text").condition) == "selected(q3_stakeholders, other)"


def test_leaders_contract():
    ins = load_instrument("leaders")
    assert [c.code for c in ins.choices(ins.question("sector"))] == [1, 2, 3, 4]
    assert str(ins.question("civil_service").condition) == "sector == 1"
    agree = next(n for n in ins.nets(ins.question("st_regulation")) if n.id == "agree")
    assert agree.codes == [4, 5]
    good = next(n for n in ins.nets(ins.question("state_rating")) if n.id == "good")
    assert good.codes == [4, 5]
    st = [c.name for c in ins.columns if c.name.startswith("st_")]
    assert len(st) == 11 and st[0] == "st_effective" and st[-1] == "st_network"
    assert [o.code for o in ins.question("barriers").options][-1] == "power_imbalance"
    assert ins.question("org_support").options[-1].exclusive


def test_no_question_is_a_design_column():
    for ref in builtin_instruments():
        assert not set(DESIGN_COLUMNS) & {c.name for c in load_instrument(ref).columns}


def problems_of(text):
    with pytest.raises(InstrumentError) as info:
        parse_instrument(textwrap.dedent(text), "survey.yaml")
    return [str(p) for p in info.value.problems], str(info.value)


def test_duplicate_code_names_path_and_line():
    problems, message = problems_of(
        """\
        id: demo
        title: Demo
        questions:
          - id: a
            type: single
            text: A?
            choices:
              - {code: 1, label: One}
              - {code: 2, label: Two}
          - id: b
            type: single
            text: B?
            choices:
              - {code: 1, label: One}
              - {code: 2, label: Two}
              - {code: 2, label: Deux}
        """
    )
    assert problems == ["line 16: questions[1].choices[2].code: duplicate code 2"]
    assert message.startswith("survey.yaml: 1 problem")


def test_every_problem_reported_at_once():
    problems, _ = problems_of(
        """\
        id: demo
        title: Demo
        questions:
          - id: a
            type: single
            text: A?
            scale: nope
          - id: b
            type: single
            text: B?
            relevant: c == 1
            choices: [{code: 1, label: One}]
          - id: a
            type: text
            text: Again
          - id: weight
            type: number
            text: W
        """
    )
    assert problems == [
        "line 7: questions[0].scale: unknown scale 'nope' (scales: none defined)",
        "line 11: questions[1].relevant: unknown question 'c' (conditions read earlier questions)",
        "line 13: questions[2].id: duplicate id 'a' (first at questions[0].id)",
        "line 16: questions[3].id: 'weight' is a design column, not a question id",
    ]


def test_structural_errors_from_pydantic_carry_lines():
    problems, _ = problems_of(
        """\
        id: demo
        title: Demo
        questions:
          - id: a
            type: single
            text: A?
            choices:
              - {code: one, label: One}
          - id: B-bad
            type: sliders
            text: B?
        """
    )
    assert problems[0].startswith("line 8: questions[0].choices[0].code: Input should be a valid integer")
    assert (
        problems[1]
        == "line 9: questions[1]: unknown question type 'sliders'; expected one of single, scale, multiple, matrix, text, number"
    )


@pytest.mark.parametrize(
    ("relevant", "expected"),
    [
        ("a ==", "cannot parse 'a ==': condition ends too soon"),
        ("later == 1", "a later question 'later'"),
        ("a == 7", "'a' has no code 7 (codes: 1, 2)"),
        ("selected(a, x)", "selected() needs a multiple-choice question; 'a' is single"),
        ("selected(m, zzz)", "'m' has no option 'zzz'"),
        ("m == 1", "'m' is multiple choice: use selected(m, option)"),
        ("a == 'yes'", "'a' holds numbers: compare it with a number, not 'yes'"),
    ],
)
def test_skip_logic_is_checked(relevant, expected):
    problems, _ = problems_of(
        f"""\
        id: demo
        title: Demo
        questions:
          - {{id: a, type: single, text: A, choices: [{{code: 1, label: Yes}}, {{code: 2, label: No}}]}}
          - {{id: m, type: multiple, text: M, options: [{{code: x, label: X}}]}}
          - id: b
            type: text
            text: B?
            relevant: "{relevant}"
          - {{id: later, type: single, text: L, choices: [{{code: 1, label: One}}]}}
        """
    )
    assert len(problems) == 1 and problems[0].startswith("line 9: questions[2].relevant: ")
    assert expected in problems[0]


def test_yaml_syntax_error_and_duplicate_keys():
    problems, _ = problems_of("id: demo\ntitle: [unclosed\n")
    assert problems[0].startswith("line 3: not valid YAML")
    problems, _ = problems_of("id: demo\ntitle: A\ntitle: B\nquestions: []\n")
    assert problems == ["line 3: title: duplicate key"]


def test_net_codes_and_index_items_are_checked():
    problems, _ = problems_of(
        """\
        id: demo
        title: Demo
        scales:
          - id: s
            choices: [{code: 0, label: No}, {code: 1, label: Yes}]
        questions:
          - {id: a, type: scale, text: A, scale: s, nets: [{id: yes, label: Yes, codes: [1, 5]}]}
        indices:
          - id: ix
            label: Index
            dimensions: [{id: imp, label: Importance, prefix: imp_}]
            factors: [{id: a, label: A}]
        """
    )
    assert problems == [
        "line 7: questions[0].nets[0].codes[1]: NET 'yes' names 5, which is not a code of this question",
        "line 12: indices[0].factors[0]: item 'imp_a' is not a scale or matrix question",
    ]


def test_missing_file_names_the_builtins(tmp_path):
    with pytest.raises(InstrumentError, match="not a built-in instrument \\(leaders, readiness-2018\\)"):
        load_instrument(tmp_path / "none.yaml")


def test_json_schema_describes_question_types():
    schema = instrument_schema()
    json.dumps(schema)
    text = json.dumps(schema)
    for kind in ("single", "scale", "multiple", "matrix", "text", "number"):
        assert f'"const": "{kind}"' in text
    assert "questions" in schema["properties"]


def test_yes_and_no_stay_text_not_booleans():
    ins = parse_instrument(
        "id: demo\ntitle: Demo\nquestions:\n  - {id: a, type: single, text: A, choices: [{code: 1, label: Yes}, {code: 2, label: No}]}\n"
    )
    assert [c.label for c in ins.choices(ins.question("a"))] == ["Yes", "No"]

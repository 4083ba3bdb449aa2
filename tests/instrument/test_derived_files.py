"""A file of derived variables with a problem (issue 15): the error names the file, the line and
what was expected, one class of problem at a time, whether the variables are in a file of their
own (``--derive FILE``: :func:`load_derived`) or in an instrument's ``derived:`` section
(:func:`parse_instrument`)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import polars as pl
import pytest

from collabstate.dataset import Responses, derive
from collabstate.instrument import InstrumentError, load_derived, load_instrument, parse_instrument

LEADERS = load_instrument("leaders")
LEADERS_TEXT = (resources.files("collabstate.instrument") / "builtin" / "leaders.yaml").read_text(encoding="utf-8")

#: class of problem: (the items of the `derived:` list, the line of the problem within them (1 is
#: the first item's), its path, fragments its message must have)
CASES = {
    "item_not_a_mapping": (
        "  - just a name\n",
        1, "derived[0]", ["expected a mapping with `id`, `label` and one of `groups`", "(got 'just a name')"],
    ),
    "unknown_kind": (
        "  - id: size\n    label: Size\n    bucket: [1, 2]\n",
        3, "derived[0].bucket", ["unknown key 'bucket'", "one of `groups`; `from` with `recode`"],
    ),
    "misspelt_key": (
        "  - id: size\n    label: Size\n    from: confidence\n    recod: {1: [1, 2]}\n",
        4, "derived[0].recod", ["unknown key 'recod' (did you mean 'recode'?)"],
    ),
    "no_kind": (
        "  - id: size\n    label: Size\n",
        1, "derived[0]", ["give exactly one of `groups`; `from` with `recode`; `from` with `bands`; or `any` with `codes`"],
    ),
    "two_kinds_at_once": (
        "  - id: size\n    label: Size\n    from: confidence\n    recode: {1: [1, 2]}\n    bands: [1, 3]\n",
        1, "derived[0]", ["it gives `recode` and `bands`", "give exactly one of"],
    ),
    "recode_without_from": (
        "  - id: agree\n    label: Agree\n    recode: {1: [4, 5], 2: [1, 2, 3]}\n",
        1, "derived[0]", ["`recode` needs `from`: the question it reads"],
    ),
    "unknown_question_in_when": (
        '  - id: civil\n    label: Civil\n    groups:\n      - {code: 1, label: Civil servants, when: "sectr == 1"}\n',
        4, "derived[0].groups[0].when", ["unknown question 'sectr' (did you mean 'sector'?)"],
    ),
    "unknown_question_in_from": (
        "  - id: agree\n    label: Agree\n    from: confidance\n    recode: {1: [3, 4]}\n",
        3, "derived[0].from", ["unknown question 'confidance' (did you mean 'confidence'?)", "expected a single-choice"],
    ),
    "a_later_variable": (
        '  - id: civil\n    label: Civil\n    groups:\n      - {code: 1, label: Sure, when: "sure == 1"}\n'
        "  - id: sure\n    label: Sure\n    from: confidence\n    recode: {1: [3, 4]}\n",
        4, "derived[0].groups[0].when", ["'sure' is defined later (derived[1])", "move it up"],
    ),
    "a_code_the_source_has_not": (
        "  - id: agree\n    label: Agree\n    from: confidence\n    recode: {1: [3, 4], 2: [1, 7]}\n",
        4, "derived[0].recode[2]", ["'confidence' has no code 7 (codes: 1, 2, 3, 4)"],
    ),
    "a_code_a_condition_reads_that_the_question_has_not": (
        '  - id: civil\n    label: Civil\n    groups:\n      - {code: 1, label: Public, when: "sector == 7"}\n',
        4, "derived[0].groups[0].when", ["'sector' has no code 7 (codes: 1, 2, 3, 4)"],
    ),
    "a_code_recoded_twice": (
        "  - id: agree\n    label: Agree\n    from: confidence\n    recode: {1: [3, 4], 2: [1, 4]}\n",
        4, "derived[0].recode[2]", ["code 4 of 'confidence' is already recoded to 1"],
    ),
    "duplicate_ids": (
        "  - id: agree\n    label: Agree\n    from: confidence\n    recode: {1: [3, 4]}\n"
        "  - id: agree\n    label: Agree again\n    from: trained\n    recode: {1: [1]}\n",
        5, "derived[1].id", ["'agree' is already the id of derived[0]; choose another id"],
    ),
    "id_of_a_question": (
        "  - id: sector\n    label: Public or not\n    from: sector\n    recode: {1: [1], 2: [2, 3, 4]}\n",
        1, "derived[0].id", ["'sector' is already a question or data column of leaders; choose another id"],
    ),
    "id_of_a_design_column": (
        "  - id: weight\n    label: Weighted\n    from: trained\n    recode: {1: [1]}\n",
        1, "derived[0].id", ["'weight' is a design column"],
    ),
    "id_not_an_identifier": (
        "  - id: Civil-Servants\n    label: Civil\n    from: trained\n    recode: {1: [1]}\n",
        1, "derived[0].id", ["an id is lower-case letters, digits and _", "(got 'Civil-Servants')"],
    ),
    "bands_not_ascending": (
        "  - id: size\n    label: Size\n    from: confidence\n    bands: [1, 3, 2]\n",
        4, "derived[0].bands", ["the edges must go up: 1, 3, 2"],
    ),
    "bands_of_text": (
        "  - id: size\n    label: Size\n    from: example_text\n    bands: [1, 3]\n",
        3, "derived[0].from", ["'example_text' is not a number question"],
    ),
    "labels_for_a_code_that_does_not_exist": (
        "  - id: agree\n    label: Agree\n    from: confidence\n    recode: {1: [3, 4], 2: [1, 2]}\n    labels: {1: Sure, 3: Unsure}\n",
        5, "derived[0].labels[3]", ["label for code 3, which the variable does not have (codes: 1, 2)"],
    ),
    "a_code_that_is_not_a_number": (
        "  - id: agree\n    label: Agree\n    from: confidence\n    recode: {yes: [3, 4]}\n",
        4, "derived[0].recode.yes", ["the keys of `recode` are codes: whole numbers (got 'yes')"],
    ),
    "missing_label": (
        "  - id: agree\n    from: confidence\n    recode: {1: [3, 4]}\n",
        1, "derived[0].label", ["missing `label`"],
    ),
    "a_group_without_a_condition": (
        "  - id: civil\n    label: Civil\n    groups:\n      - {code: 1, label: Public}\n",
        4, "derived[0].groups[0].when", ["missing `when`", "a `code`, a `label` and a condition `when`"],
    ),
    "a_condition_that_does_not_parse": (
        '  - id: civil\n    label: Civil\n    groups:\n      - {code: 1, label: Public, when: "sector === 1"}\n',
        4, "derived[0].groups[0].when", ["cannot parse 'sector === 1'", "at column"],
    ),
    "any_of_a_whole_multiple_choice_question": (
        "  - id: any_domain\n    label: Any\n    any: [domains]\n    codes: [1]\n",
        3, "derived[0].any[0]", ["'domains' is multiple choice: name its options as domains/OPTION"],
    ),
}  # fmt: skip


def _file(tmp_path: Path, items: str) -> tuple[Path, int]:
    """A file of derived variables of its own, and the line of the first item."""
    path = tmp_path / "groups.yaml"
    path.write_text("# groups for the board\nderived:\n" + items, encoding="utf-8")
    return path, 3


def _instrument_text(items: str) -> tuple[str, int]:
    """The leaders instrument with a derived: section, and the line of its first item."""
    head = LEADERS_TEXT.rstrip("\n") + "\n\nderived:\n"
    return head + items, head.count("\n") + 1


def _raise(where: str, items: str, tmp_path: Path) -> tuple[InstrumentError, str, int]:
    if where == "file":
        path, first = _file(tmp_path, items)
        with pytest.raises(InstrumentError) as caught:
            load_derived(path, LEADERS)
        return caught.value, str(path), first
    text, first = _instrument_text(items)
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(text, "my-leaders.yaml")
    return caught.value, "my-leaders.yaml", first


@pytest.mark.parametrize("where", ["file", "instrument"])
@pytest.mark.parametrize("case", list(CASES))
def test_each_problem_names_the_file_the_line_and_what_was_expected(case, where, tmp_path):
    items, line, path, fragments = CASES[case]
    error, source, first = _raise(where, items, tmp_path)
    assert error.source == source
    assert [p.path for p in error.problems] == [path], error
    [problem] = error.problems
    assert problem.line == first + line - 1, error
    for fragment in fragments:
        assert fragment in problem.message, problem.message
    text = str(error)
    assert text.startswith(f"{source}: 1 problem\n") and f"line {problem.line}: {path}: " in text


def test_every_problem_of_a_file_is_told_at_once_in_file_order(tmp_path):
    items = (
        '  - id: civil\n    label: Civil\n    groups:\n      - {code: 1, label: Public, when: "sectr == 1"}\n'
        "  - id: agree\n    label: Agree\n    from: confidence\n    recode: {1: [3, 9]}\n"
        "  - id: size\n    label: Size\n    from: confidence\n    bands: [3, 1]\n"
    )
    error, _, first = _raise("file", items, tmp_path)
    assert [(p.line, p.path) for p in error.problems] == [
        (first + 3, "derived[0].groups[0].when"),
        (first + 7, "derived[1].recode[1]"),
        (first + 11, "derived[2].bands"),
    ]
    assert str(error).startswith(f"{tmp_path / 'groups.yaml'}: 3 problems\n")


@pytest.mark.parametrize(
    "text,line,fragment",
    [
        ("- id: civil\n  label: Civil\n", 1, "the file holds a list"),
        ("derived:\n  id: civil\n", 2, "`derived` holds a mapping"),
        ("derived: []\nvariables: []\n", 1, "other keys beside it: `variables`"),
        ("variables:\n  - id: civil\n", 1, "it has `variables`"),
        ("# nothing yet\n", 1, "the file is empty"),
    ],
)
def test_a_file_that_is_not_a_mapping_with_derived(text, line, fragment, tmp_path):
    path = tmp_path / "groups.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InstrumentError) as caught:
        load_derived(path, LEADERS)
    [problem] = caught.value.problems
    assert caught.value.source == str(path) and problem.line == line
    assert "expected a mapping with one key, `derived`, holding a list of derived variables" in problem.message
    assert fragment in problem.message


def test_an_instruments_derived_section_that_is_not_a_list():
    text, first = _instrument_text("  id: civil\n")
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(text, "my-leaders.yaml")
    [problem] = caught.value.problems
    assert problem.path == "derived" and problem.line == first  # the line of what it holds
    assert problem.message == "expected a list of derived variables, each `- id: …`"


@pytest.mark.parametrize("where", ["file", "instrument"])
def test_a_yaml_syntax_error(where, tmp_path):
    items = "  - id: civil\n    label: [Civil\n  - id: other\n"
    error, source, first = _raise(where, items, tmp_path)
    [problem] = error.problems
    assert error.source == source and problem.message.startswith("not valid YAML: ")
    assert first <= (problem.line or 0) <= first + 3


def test_a_file_that_is_not_there_or_not_text(tmp_path):
    with pytest.raises(InstrumentError) as caught:
        load_derived(tmp_path / "missing.yaml", LEADERS)
    assert str(caught.value) == f"{tmp_path / 'missing.yaml'}: 1 problem\n  no such file of derived variables"
    binary = tmp_path / "groups.yaml"
    binary.write_bytes(b"derived:\n  - id: caf\xe9\n")
    with pytest.raises(InstrumentError, match=r"not UTF-8 text"):
        load_derived(binary, LEADERS)


# ----------------------------------------------------- a file beside an instrument's own section
OWN = LEADERS_TEXT.rstrip("\n") + "\n\nderived:\n  - {id: public, label: Public or not, from: sector, recode: {1: [1], 2: [2, 3, 4]}}\n"


def test_a_file_reads_the_instruments_own_derived_variables(tmp_path):
    instrument = parse_instrument(OWN, "own.yaml")
    path, _ = _file(
        tmp_path, '  - id: public_trained\n    label: P\n    groups:\n      - {code: 1, label: Yes, when: "public == 1 and trained == 1"}\n'
    )
    derived = load_derived(path, instrument)
    data = derive(Responses(instrument, pl.DataFrame({"sector": [1, 1, 2], "trained": [1, 2, 1]})), derived).data
    assert data["public"].to_list() == [1, 1, 2] and data["public_trained"].to_list() == [1, None, None]


def test_a_file_may_not_take_the_id_of_the_instruments_own_derived_variable(tmp_path):
    """Else one of the two definitions would be used without a word (it was the instrument's)."""
    instrument = parse_instrument(OWN, "own.yaml")
    path, first = _file(tmp_path, "  - id: public\n    label: Other\n    from: sector\n    recode: {1: [2]}\n")
    with pytest.raises(InstrumentError) as caught:
        load_derived(path, instrument)
    [problem] = caught.value.problems
    assert problem.line == first and problem.path == "derived[0].id"
    assert problem.message == "'public' is already a derived variable of leaders (its derived: section); choose another id"

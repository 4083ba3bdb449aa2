"""The route through a questionnaire (no database): where a change from the check page goes next."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from collabstate.instrument import load_instrument
from collabstate.web.surveys import flow

INS = load_instrument("readiness-2018")
IDS = [q.id for q in INS.questions]
#: q1 = No, then every question from q7 on answered (the values need only be valid).
NO_THEN_ALL = {"q1_example": "2", **{c.name: "1" for q in INS.questions[7:] for c in INS.columns if c.question is q}}


def test_next_unanswered_walks_the_questions_a_change_brings_in_then_stops():
    yes = {**NO_THEN_ALL, "q1_example": "1"}
    assert flow.next_unanswered(INS, yes, "q1_example").id == "q2_description"
    yes["q2_description"] = "A project"
    assert flow.next_unanswered(INS, yes, "q2_description").id == "q3_stakeholders"
    yes |= {f"q3_stakeholders/{o.code}": "0" for o in INS.question("q3_stakeholders").options} | {"q3_stakeholders/ccg": "1"}
    assert flow.next_unanswered(INS, yes, "q3_stakeholders").id == "q4_n_orgs"  # no 'Other': no follow-up
    yes["q3_stakeholders/other"] = "1"
    assert flow.next_unanswered(INS, yes, "q3_stakeholders").id == "q3_other_text"
    yes |= {"q3_other_text": "Fire service", "q4_n_orgs": "2", "q5_staff_level": "1", "q6_success": "1"}
    assert flow.next_unanswered(INS, yes, "q6_success") is None  # q7 onwards answered: back to check
    assert flow.next_unanswered(INS, {**NO_THEN_ALL, "q7_importance": "5"}, "q7_importance") is None  # nothing new
    # the named assumption: an optional question left blank has nothing stored, so it is shown again
    blank = {c: v for c, v in yes.items() if c != "q8_why"}
    assert flow.next_unanswered(INS, blank, "q6_success").id == "q8_why"


def _value(column) -> st.SearchStrategy[str]:
    if column.kind == "code":
        return st.sampled_from([str(c.code) for c in column.choices])
    if column.kind == "flag":
        return st.sampled_from(["0", "1"])
    return st.just("1" if column.kind == "number" else "some text")


answers = st.fixed_dictionaries({}, optional={c.name: _value(c) for c in INS.columns})


def _stored(question, answers) -> bool:
    return any(c in answers for c in flow.columns_of(INS, question))


@settings(max_examples=300, deadline=None)
@given(answers=answers, after=st.sampled_from(IDS), data=st.data())
def test_next_unanswered_is_the_first_later_question_asked_and_unanswered_and_the_walk_ends(answers, after, data):
    found = flow.next_unanswered(INS, answers, after)
    values = flow.typed(INS, answers)
    if found is not None:  # after `after`, asked, nothing stored
        assert IDS.index(found.id) > IDS.index(after) and flow.asked(found, values) and not _stored(found, answers)
    skipped = INS.questions[IDS.index(after) + 1 : IDS.index(found.id) if found else len(IDS)]
    assert all(_stored(q, answers) for q in skipped if flow.asked(q, values))  # none missed before it
    # answering each page in turn (as the respondent does on the walk) reaches the check page
    walked = dict(answers)
    for _ in IDS:
        if found is None:
            break
        walked |= {c.name: data.draw(_value(c)) for c in INS.columns if c.question is found}
        found = flow.next_unanswered(INS, walked, found.id)
    assert found is None

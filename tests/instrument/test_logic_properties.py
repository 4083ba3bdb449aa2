"""Property tests of the skip-logic grammar: any text gives a Condition or a ConditionError, and
the evaluator agrees with a plain-Python oracle on random conditions and answers."""

import contextlib

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from collabstate.instrument import Condition, ConditionError, parse_condition

SINGLE = ["a", "b", "c"]
MULTI = {"m": ["x", "y", "z"]}
OPS = ["==", "!=", "<", "<=", ">", ">="]


def leaf():
    cmp = st.tuples(st.just("cmp"), st.sampled_from(SINGLE), st.sampled_from(OPS), st.integers(-2, 4))
    member = st.tuples(st.just("in"), st.sampled_from(SINGLE), st.lists(st.integers(0, 3), min_size=1, max_size=3), st.booleans())
    selected = st.tuples(st.just("selected"), st.sampled_from(MULTI["m"]))
    answered = st.tuples(st.just("answered"), st.sampled_from([*SINGLE, "m"]))
    return st.one_of(cmp, member, selected, answered)


trees = st.recursive(
    leaf(),
    lambda inner: st.one_of(
        st.tuples(st.just("not"), inner),
        st.tuples(st.sampled_from(["and", "or"]), inner, inner),
    ),
    max_leaves=8,
)


def render(t) -> str:
    kind = t[0]
    if kind == "cmp":
        return f"{t[1]} {t[2]} {t[3]}"
    if kind == "in":
        values = ", ".join(map(str, t[2]))
        return f"{t[1]} {'not in' if t[3] else 'in'} ({values})"
    if kind == "selected":
        return f"selected(m, {t[1]})"
    if kind == "answered":
        return f"answered({t[1]})"
    if kind == "not":
        return f"not ({render(t[1])})"
    return f"({render(t[1])}) {kind} ({render(t[2])})"


def oracle(t, row) -> bool:
    kind = t[0]
    if kind == "cmp":
        v = row[t[1]]
        return v is not None and {"==": v == t[3], "!=": v != t[3], "<": v < t[3], "<=": v <= t[3], ">": v > t[3], ">=": v >= t[3]}[t[2]]
    if kind == "in":
        v = row[t[1]]
        inside = v is not None and v in t[2]
        return (v is not None and not inside) if t[3] else inside
    if kind == "selected":
        return row[f"m/{t[1]}"] == 1
    if kind == "answered":
        if t[1] == "m":
            return any(row[f"m/{o}"] is not None for o in MULTI["m"])
        return row[t[1]] is not None
    if kind == "not":
        return not oracle(t[1], row)
    if kind == "and":
        return oracle(t[1], row) and oracle(t[2], row)
    return oracle(t[1], row) or oracle(t[2], row)


answers = st.fixed_dictionaries(
    {
        **{q: st.one_of(st.none(), st.integers(0, 3)) for q in SINGLE},
        **{f"m/{o}": st.one_of(st.none(), st.integers(0, 1)) for o in MULTI["m"]},
    }
)


@settings(max_examples=300, deadline=None)
@given(trees, st.lists(answers, min_size=1, max_size=20))
def test_vectorised_evaluation_matches_oracle(tree, rows):
    condition = parse_condition(render(tree))
    frame = pl.DataFrame(rows, schema={**dict.fromkeys(SINGLE, pl.Int64), **{f"m/{o}": pl.Int8 for o in MULTI["m"]}})
    assert condition.mask(frame, MULTI).to_list() == [oracle(tree, r) for r in rows]


@settings(max_examples=200, deadline=None)
@given(trees, answers)
def test_single_respondent_evaluation_matches_oracle(tree, row):
    condition = parse_condition(render(tree))
    assert condition.holds(row) == oracle(tree, row)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abmqxyz_019 ()=!<>,'\"-.andortiselc")), max_size=40))
def test_any_text_parses_or_raises_condition_error(text):
    try:
        assert isinstance(parse_condition(text), Condition)
    except ConditionError as exc:
        assert str(exc)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_unicode_never_tracebacks(text):
    with contextlib.suppress(ConditionError):
        parse_condition(text)

"""What derived variables and filters mean, as properties (issue 15).

- a ``groups`` variable gives each respondent the code of the first group whose condition holds,
  and none (out of the base) when no condition holds; its shares are the ones computed by hand;
- a ``recode``'s shares are the source's shares summed over the codes mapped to each new code,
  over the codes mapped (an unmapped or excluded code is out of its base);
- ``bands``: every value is in the band whose edges hold it (low edge in, high edge out), a value
  below the first edge in none;
- ``any``: 1 when any listed column has one of the codes, 2 when none has but one was answered;
- a filter is a domain of the full design: ``estimate(filter=C)`` is the estimate of the group
  "in" of a breakdown by C, and not the estimate on the cut data's design when it is clustered;
  a filter that no respondent meets gives ``no_valid_answers``, never an error or NaN in JSON.

Conditions follow the grammar of ``relevant``: a comparison with an unanswered question is false
(and ``not`` of a false comparison true).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

import numpy as np
import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collabstate.cli.estimate import estimate_json
from collabstate.dataset import Responses, derive, within
from collabstate.instrument import parse_instrument
from collabstate.instrument.derived import check_derived, parse_derived
from collabstate.instrument.model import Derived
from collabstate.stats import crosstab, estimate

PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOL = 1e-9


def _instrument():
    """The built-in leaders with an excluded code (confidence 9 "Don't know") and a number question."""
    data = yaml.safe_load((resources.files("collabstate.instrument") / "builtin" / "leaders.yaml").read_text(encoding="utf-8"))
    data["id"] = "leaders_derived"
    for question in data["questions"]:
        if question["id"] == "confidence":
            question["choices"].append({"code": 9, "label": "Don't know", "excluded": True})
    data["questions"].append({"id": "staff", "type": "number", "short": "Staff", "text": "How many staff?"})
    return parse_instrument(yaml.safe_dump(data, sort_keys=False), "leaders_derived.yaml")


INS = _instrument()
CODES = {"sector": [1, 2, 3, 4], "civil_service": [1, 2], "trained": [1, 2], "confidence": [1, 2, 3, 4, 9]}
AGREE = ["st_effective", "st_network", "growth_belief"]  # codes 1–5
FLAGS = ["domains/skills", "domains/net_zero", "domains/infrastructure"]


# ------------------------------------------------------------------------------- data
def _column(draw, n: int, codes: list[int]) -> list[int | None]:
    return draw(st.lists(st.one_of(st.none(), st.sampled_from(codes)), min_size=n, max_size=n))


@st.composite
def answers(draw, min_size: int = 1, max_size: int = 40) -> pl.DataFrame:
    """Random answers to a few questions, with positive weights."""
    n = draw(st.integers(min_size, max_size))
    columns: dict[str, Any] = {name: _column(draw, n, codes) for name, codes in CODES.items()}
    for name in AGREE:
        columns[name] = _column(draw, n, [1, 2, 3, 4, 5])
    answered = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    for name in FLAGS:
        ticks = draw(st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n))
        columns[name] = [t if a else None for t, a in zip(ticks, answered)]
    columns["weight"] = draw(st.lists(st.floats(0.1, 5.0), min_size=n, max_size=n))
    return pl.DataFrame(columns, schema_overrides=dict.fromkeys(FLAGS, pl.Int8))


# ------------------------------------------------------------------------- conditions
Row = dict[str, Any]
Rule = tuple[str, Callable[[Row], bool]]


def _holds(value: Any, op: str, literal: int) -> bool:
    if value is None:  # a comparison with an unanswered question does not hold
        return False
    return {"==": value == literal, "!=": value != literal, "<": value < literal, "<=": value <= literal,
            ">": value > literal, ">=": value >= literal}[op]  # fmt: skip


@st.composite
def atoms(draw) -> Rule:
    kind = draw(st.sampled_from(["compare", "in", "answered", "selected"]))
    if kind == "selected":
        option = draw(st.sampled_from(FLAGS))
        question, code = option.split("/")
        return f"selected({question}, {code})", lambda r: r[option] == 1
    name = draw(st.sampled_from(sorted(CODES)))
    if kind == "answered":
        return f"answered({name})", lambda r: r[name] is not None
    if kind == "in":
        chosen = draw(st.lists(st.sampled_from(CODES[name]), min_size=1, max_size=3, unique=True))
        return f"{name} in ({', '.join(map(str, chosen))})", lambda r: r[name] is not None and r[name] in chosen
    op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
    literal = draw(st.sampled_from(CODES[name]))
    return f"{name} {op} {literal}", lambda r: _holds(r[name], op, literal)


def _extend(children: st.SearchStrategy[Rule]) -> st.SearchStrategy[Rule]:
    def both(pair: tuple[Rule, Rule], word: str) -> Rule:
        (a, fa), (b, fb) = pair
        if word == "and":
            return f"({a}) and ({b})", lambda r: fa(r) and fb(r)
        return f"({a}) or ({b})", lambda r: fa(r) or fb(r)

    def negate(rule: Rule) -> Rule:
        text, f = rule
        return f"not ({text})", lambda r: not f(r)

    return st.one_of(
        st.tuples(children, children).map(lambda p: both(p, "and")),
        st.tuples(children, children).map(lambda p: both(p, "or")),
        children.map(negate),
    )


conditions = st.recursive(atoms(), _extend, max_leaves=4)


def _rows(frame: pl.DataFrame) -> list[Row]:
    return frame.to_dicts()


def _checked(derived: list[Derived]) -> list[Derived]:
    assert check_derived(INS, derived) == []
    return derived


def _share_table(responses: Responses, question: str, **kwargs: Any) -> dict[str, dict[str, Any]]:
    table = estimate(responses, [question], min_base=5, **kwargs)
    return {r["option"]: r for r in table.filter(pl.col("statistic") == "proportion", pl.col("group").is_null()).iter_rows(named=True)}


def _weighted_shares(codes: list[int | None], weights: list[float]) -> dict[int, float]:
    base = sum(w for c, w in zip(codes, weights) if c is not None)
    return {c: sum(w for k, w in zip(codes, weights) if k == c) / base for c in {c for c in codes if c is not None}}


# ------------------------------------------------------------------------------ groups
@PROPERTIES
@given(answers(), st.lists(conditions, min_size=1, max_size=3))
def test_groups_first_match_wins_and_no_match_is_out_of_the_base(frame, rules):
    groups = [{"code": 10 + i, "label": f"group {i}", "when": text} for i, (text, _) in enumerate(rules)]
    derived = _checked([Derived.model_validate({"id": "g", "label": "G", "groups": groups})])
    data = derive(Responses(INS, frame), derived)
    by_hand = [next((10 + i for i, (_, f) in enumerate(rules) if f(row)), None) for row in _rows(frame)]
    assert data.data["g"].to_list() == by_hand
    shares = _share_table(data, "g")
    expected = _weighted_shares(by_hand, frame["weight"].to_list()) if any(c is not None for c in by_hand) else {}
    for i in range(len(rules)):
        row = shares[str(10 + i)]
        assert row["n"] == sum(c is not None for c in by_hand)
        if row["n"] >= 5:
            assert row["estimate"] == pytest.approx(expected.get(10 + i, 0.0), abs=TOL)
        else:
            assert row["estimate"] is None


# ------------------------------------------------------------------------------ recode
@PROPERTIES
@given(answers(min_size=5), st.data())
def test_recode_shares_are_the_sources_summed_over_the_codes_mapped(frame, data):
    mapped = data.draw(st.lists(st.sampled_from([1, 2, 3, 4]), min_size=1, max_size=4, unique=True))
    targets = data.draw(st.lists(st.integers(1, 3), min_size=len(mapped), max_size=len(mapped)))
    recode: dict[int, list[int]] = {}
    for old, new in zip(mapped, targets):
        recode.setdefault(new, []).append(old)
    derived = _checked([Derived.model_validate({"id": "r", "label": "R", "from": "confidence", "recode": recode})])
    responses = derive(Responses(INS, frame), derived)
    source = _share_table(responses, "confidence")
    ours = _share_table(responses, "r")
    codes = frame["confidence"].to_list()
    assert ours[str(next(iter(recode)))]["n"] == sum(c in mapped for c in codes)  # unmapped, excluded (9), unanswered: out
    if ours[str(next(iter(recode)))]["n"] < 5 or source["1"]["estimate"] is None:
        return
    over = sum(source[str(old)]["estimate"] for old in mapped)
    for new, olds in recode.items():
        assert ours[str(new)]["estimate"] == pytest.approx(sum(source[str(old)]["estimate"] for old in olds) / over, abs=TOL)
    assert sum(ours[str(new)]["estimate"] for new in recode) == pytest.approx(1.0)


# ------------------------------------------------------------------------------- bands
edges_st = st.lists(st.integers(-40, 600).map(lambda x: x / 2), min_size=2, max_size=5, unique=True).map(sorted)


@PROPERTIES
@given(edges_st, st.data())
def test_every_value_lands_in_the_band_whose_edges_hold_it(edges, data):
    value = st.one_of(
        st.none(), st.sampled_from(edges), st.floats(-50, 400, allow_nan=False), st.sampled_from(edges).map(lambda e: e - 0.25)
    )
    values = data.draw(st.lists(value, min_size=1, max_size=30))
    derived = _checked([Derived.model_validate({"id": "b", "label": "B", "from": "staff", "bands": edges})])
    banded = derive(Responses(INS, pl.DataFrame({"staff": values}, schema={"staff": pl.Float64})), derived).data["b"].to_list()
    for v, code in zip(values, banded):
        if v is None or v < edges[0]:
            assert code is None, (v, edges)
        else:
            assert code is not None, (v, edges)
            low = edges[code - 1]
            high = edges[code] if code < len(edges) else float("inf")
            assert low <= v < high, (v, code, edges)


# --------------------------------------------------------------------------------- any
GROUPS_OF_ANY = [
    (["confidence", *AGREE], [1, 2, 3, 4]),  # confidence has an excluded 9: neither a hit nor an answer
    (["trained", "civil_service", *FLAGS], [1]),
]


@PROPERTIES
@given(answers(), st.data())
def test_any_is_one_when_any_column_has_one_of_the_codes(frame, data):
    names, allowed = data.draw(st.sampled_from(GROUPS_OF_ANY))
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
    codes = data.draw(st.lists(st.sampled_from(allowed), min_size=1, max_size=len(allowed), unique=True))
    derived = _checked([Derived.model_validate({"id": "a", "label": "A", "any": chosen, "codes": codes})])
    got = derive(Responses(INS, frame), derived).data["a"].to_list()
    for row, code in zip(_rows(frame), got):
        hit = any(row[c] in codes for c in chosen)
        answered = any(row[c] is not None and row[c] != 9 for c in chosen)
        assert code == (1 if hit else 2 if answered else None), (row, chosen, codes)


# ------------------------------------------------------------------------------ filter
@st.composite
def designs(draw) -> pl.DataFrame:
    """Answers with strata and clusters (clusters of one to six respondents)."""
    frame = draw(answers(min_size=12, max_size=50))
    n = frame.height
    strata = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    clusters = draw(st.lists(st.integers(1, 5), min_size=n, max_size=n))
    return frame.with_columns(stratum=pl.Series(strata), cluster=pl.Series([str(c) for c in clusters]))


COMPARED = ("estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff")


@PROPERTIES
@given(designs(), conditions, st.sampled_from(["confidence", "st_network", "domains", "trained"]))
def test_a_filter_is_the_group_in_of_a_breakdown_by_it(frame, rule, question):
    text, _ = rule
    responses = Responses(INS, frame)
    filtered = estimate(responses, [question], filter=text, min_base=5)
    indicator = _checked([Derived.model_validate({"id": "f", "label": "In", "groups": [{"code": 1, "label": "in", "when": text}]})])
    by = estimate(derive(responses, indicator), [question], by="f", min_base=5).filter(pl.col("group") == "1")
    assert filtered.height == by.height
    for a, b in zip(filtered.iter_rows(named=True), by.iter_rows(named=True)):
        assert (a["option"], a["statistic"]) == (b["option"], b["statistic"])
        for key in COMPARED:
            if a[key] is None or b[key] is None:
                assert a[key] is None and b[key] is None, (text, key, a, b)
            else:
                assert a[key] == pytest.approx(b[key], rel=1e-9, abs=1e-12), (text, key, a[key], b[key])


def test_a_filter_is_not_a_cut_of_a_clustered_design():
    """Six clusters in one stratum; the filter keeps the respondents of three. As a domain the
    other three clusters count with nothing in the filter; a cut of the data leaves them out of
    the design, and its standard error is another (here smaller)."""
    frame = pl.DataFrame(
        {
            "cluster": [str(c) for c in [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6]],
            "weight": [1.0, 2.0, 1.5] * 6,
            "trained": [1, 1, 1, 1, 1, 2, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2],
            "confidence": [4, 3, 1, 2, 4, 4, 3, 1, 2, 4, 1, 3, 2, 2, 4, 1, 3, 4],
        }
    )
    responses = Responses(INS, frame)
    domain = estimate(responses, ["confidence"], filter="trained == 1", min_base=5)
    cut = estimate(Responses(INS, frame.filter(pl.col("trained") == 1)), ["confidence"], min_base=5)
    for d, c in zip(domain.iter_rows(named=True), cut.iter_rows(named=True)):
        assert d["estimate"] == pytest.approx(c["estimate"]) and d["n"] == c["n"] == 6
    se_domain, se_cut = domain["se"].to_numpy(), cut["se"].to_numpy()
    assert np.all(np.isfinite(se_domain)) and np.any(np.abs(se_domain - se_cut) > 0.01 * se_domain), (se_domain, se_cut)
    # the domain is the full design with the answers outside the filter blanked, nothing else
    kept = within(responses, "trained == 1")
    assert kept.n == responses.n and kept.data["confidence"].null_count() == 12
    assert kept.data["weight"].to_list() == frame["weight"].to_list()


@pytest.mark.parametrize("by", [None, "sector"])
def test_a_filter_no_respondent_meets_gives_no_valid_answers(by):
    frame = pl.DataFrame({"sector": [1, 2, 3, 4] * 6, "trained": [1, 2] * 12, "confidence": [1, 2, 3, 4, 9, None] * 4})
    responses = Responses(INS, frame)
    table = estimate(responses, ["confidence", "domains"], by=by, filter="sector == 1 and sector == 2")
    assert table.height > 0
    assert table["estimate"].null_count() == table.height and table["n"].sum() == 0
    assert all("no_valid_answers" in flags for flags in table["flags"].to_list())
    records = json.loads(estimate_json(table), parse_constant=lambda c: pytest.fail(f"{c} in the JSON"))
    assert all(r["estimate"] is None and r["se"] is None for r in records)
    crossed = crosstab(responses, ["confidence"], ["sector"], filter="trained == 1 and trained == 2")
    assert crossed["estimate"].null_count() == crossed.height
    json.loads(estimate_json(crossed), parse_constant=lambda c: pytest.fail(f"{c} in the JSON"))


def test_the_groups_of_the_issue():
    """Civil servants against the private sector, read from a file as a person writes it."""
    [derived] = parse_derived(
        """
derived:
  - id: civil_vs_private
    label: Civil servants and private sector
    groups:
      - {code: 1, label: Civil servants, when: "sector == 1 and civil_service == 1"}
      - {code: 2, label: Private sector, when: "sector == 2"}
""",
        "groups.yaml",
        INS,
    )
    frame = pl.DataFrame({"sector": [1, 1, 1, 2, 2, 3, None], "civil_service": [1, 2, None, 1, None, None, None]})
    assert derive(Responses(INS, frame), [derived]).data["civil_vs_private"].to_list() == [1, None, None, 2, 2, None, None]

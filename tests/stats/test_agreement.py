"""Two coders' agreement (issue 19, item 3): Cohen's kappa equal to Cohen's definition (computed
here independently, from observed and expected agreement) and to scikit-learn's
``cohen_kappa_score``; Krippendorff's alpha equal to the published worked examples of
Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability" (Annenberg School for
Communication, University of Pennsylvania), and to the ``krippendorff`` package."""

from __future__ import annotations

import math
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from collabstate.errors import InputError, RefusedError
from collabstate.stats.agreement import agreement, cohen_kappa, krippendorff_alpha, landis_koch, read_codes

CODES = ["funding", "time", "trust", "data"]

#: Krippendorff (2011), section C: nominal data, four observers, twelve units, missing values.
#: Observers are rows, units columns; the paper gives alpha = 0.743.
PAPER_NOMINAL = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, math.nan, math.nan, math.nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, math.nan, 3],
    [math.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, math.nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, math.nan],
]
#: Krippendorff (2011), section A: binary data, two observers, ten units; alpha = 0.095.
PAPER_BINARY = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]


def _by_definition(x: list[int], y: list[int]) -> float | None:
    """Cohen's (1960) kappa from its definition: observed agreement p_o and the agreement p_e
    expected from each coder's marginal rates, κ = (p_o − p_e) / (1 − p_e)."""
    n = len(x)
    p_o = sum(1 for i in range(n) if x[i] == y[i]) / n
    p_e = sum((sum(1 for v in x if v == k) / n) * (sum(1 for v in y if v == k) / n) for k in (0, 1))
    return None if math.isclose(p_e, 1.0) else (p_o - p_e) / (1 - p_e)


def _decisions(coded: dict[str, set[str]], units: list[str], code: str) -> list[int]:
    return [int(code in coded.get(u, set())) for u in units]


codings = st.dictionaries(st.sampled_from([f"r{i}" for i in range(40)]), st.sets(st.sampled_from(CODES), max_size=3), max_size=40)


@settings(max_examples=150, deadline=None)
@given(codings, codings)
def test_kappa_per_code_is_cohens_definition_and_scikit_learns(a, b):
    units = sorted(a.keys() | b.keys())
    used = set().union(*a.values(), *b.values())
    if not units or not used:
        with pytest.raises(RefusedError):
            agreement(a, b)
        return
    result = agreement(a, b)
    assert [c.code for c in result.codes] == sorted(used)
    for row in result.codes:
        x, y = _decisions(a, units, row.code), _decisions(b, units, row.code)
        assert row.n == len(units)
        assert row.agreement == pytest.approx(np.mean(np.array(x) == np.array(y)))
        expected = _by_definition(x, y)
        if expected is None:
            assert row.kappa is None and row.note
        else:
            assert row.kappa == pytest.approx(expected, abs=1e-12)
            assert row.kappa == pytest.approx(cohen_kappa_score(x, y), abs=1e-12)
            assert row.kappa <= 1 + 1e-12


@settings(max_examples=150, deadline=None)
@given(codings, codings)
def test_overall_kappa_is_the_pooled_kappa_and_lies_within_the_codes(a, b):
    units = sorted(a.keys() | b.keys())
    used = sorted(set().union(*a.values(), *b.values()))
    if not units or not used:
        return
    result = agreement(a, b)
    n = len(units)
    p_o, p_e = [], []
    for code in used:
        x, y = _decisions(a, units, code), _decisions(b, units, code)
        p_o.append(sum(i == j for i, j in zip(x, y)) / n)
        p_e.append(sum(x) / n * sum(y) / n + (1 - sum(x) / n) * (1 - sum(y) / n))
    mean_o, mean_e = np.mean(p_o), np.mean(p_e)
    if math.isclose(mean_e, 1.0):
        assert result.overall_kappa is None
    else:
        assert result.overall_kappa == pytest.approx((mean_o - mean_e) / (1 - mean_e), abs=1e-12)
        low, high = result.kappa_range
        assert low - 1e-12 <= result.overall_kappa <= high + 1e-12
    assert result.agreement == pytest.approx(mean_o)


@settings(max_examples=100, deadline=None)
@given(codings, codings)
def test_alpha_is_the_krippendorff_packages_on_the_pooled_decisions(a, b):
    units = sorted(a.keys() | b.keys())
    used = sorted(set().union(*a.values(), *b.values()))
    if not units or not used:
        return
    x = [v for code in used for v in _decisions(a, units, code)]
    y = [v for code in used for v in _decisions(b, units, code)]
    alpha = agreement(a, b).krippendorff_alpha
    if len(set(x) | set(y)) < 2:
        assert alpha is None  # one value throughout: the package raises, we say undefined
    else:
        assert alpha == pytest.approx(krippendorff.alpha(reliability_data=[x, y], level_of_measurement="nominal"), abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(codings, codings)
def test_agreement_is_symmetric_in_the_two_coders(a, b):
    if not (a.keys() | b.keys()) or not set().union(*a.values(), *b.values()):
        return
    ab, ba = agreement(a, b), agreement(b, a)
    assert ab.overall_kappa == pytest.approx(ba.overall_kappa) if ab.overall_kappa is not None else ba.overall_kappa is None
    assert (
        ab.krippendorff_alpha == pytest.approx(ba.krippendorff_alpha)
        if ab.krippendorff_alpha is not None
        else ba.krippendorff_alpha is None
    )
    for one, other in zip(ab.codes, ba.codes, strict=True):
        assert (one.code, one.n, one.both, one.a_only, one.b_only) == (other.code, other.n, other.both, other.b_only, other.a_only)
        assert one.kappa == pytest.approx(other.kappa) if one.kappa is not None else other.kappa is None
    assert (ab.only_a, ab.only_b) == (ba.only_b, ba.only_a)


@settings(max_examples=100, deadline=None)
@given(codings)
def test_identical_codings_agree_perfectly_where_there_is_variation(a):
    if not a or not set().union(*a.values()):
        return
    result = agreement(a, a)
    for row in result.codes:
        varies = 0 < row.used_a < row.n
        assert row.kappa == (1.0 if varies else None)
        assert row.agreement == 1.0
    assert result.overall_kappa in (1.0, None)
    assert result.krippendorff_alpha in (1.0, None)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=2, max_size=5), min_size=1, max_size=15))
def test_alpha_is_the_packages_with_any_coders_and_missing_values(rows):
    width = len(rows[0])
    data = np.array([(r + [None] * width)[:width] for r in rows], dtype=np.float64)  # None → NaN: missing
    ours = krippendorff_alpha(data)
    pairable = data[(~np.isnan(data)).sum(axis=1) >= 2]
    if pairable.size == 0 or np.unique(pairable[~np.isnan(pairable)]).size < 2:
        assert ours is None
        return
    theirs = krippendorff.alpha(reliability_data=data.T, level_of_measurement="nominal")
    assert ours == pytest.approx(theirs, abs=1e-9)


def test_alpha_of_krippendorffs_published_nominal_example():
    alpha = krippendorff_alpha(np.array(PAPER_NOMINAL).T)
    assert round(alpha, 3) == 0.743
    assert alpha == pytest.approx(krippendorff.alpha(reliability_data=PAPER_NOMINAL, level_of_measurement="nominal"))


def test_alpha_and_kappa_of_krippendorffs_published_binary_example():
    # the paper: o_00 = 10, o_01 = o_10 = 4, o_11 = 2, n = 20: alpha = 1 − 19 × 4 / (14 × 6) = 0.095
    assert krippendorff_alpha(np.array(PAPER_BINARY).T) == pytest.approx(1 - 19 * 4 / (14 * 6))
    assert round(krippendorff_alpha(np.array(PAPER_BINARY).T), 3) == 0.095
    # as two codes files: the units coded 1 are the respondents given the code
    a = {f"u{i}": ({"x"} if v else set()) for i, v in enumerate(PAPER_BINARY[0])}
    b = {f"u{i}": ({"x"} if v else set()) for i, v in enumerate(PAPER_BINARY[1])}
    result = agreement(a, b)
    assert round(result.krippendorff_alpha, 3) == 0.095
    # its 2×2 table: both 1, A only 1, B only 3, neither 5; p_o = 0.6, p_e = 0.2 × 0.4 + 0.8 × 0.6 = 0.56
    [row] = result.codes
    assert (row.both, row.a_only, row.b_only, row.neither) == (1, 1, 3, 5)
    assert row.kappa == pytest.approx((0.6 - 0.56) / (1 - 0.56)) == pytest.approx(cohen_kappa_score(*PAPER_BINARY))


def test_a_respondent_coded_by_one_coder_only_gets_no_code_from_the_other():
    a = {"1": {"funding"}, "2": {"time"}}
    b = {"1": {"funding"}, "3": {"time"}}
    result = agreement(a, b)
    assert result.n == 3 and (result.only_a, result.only_b) == (1, 1)
    time = next(c for c in result.codes if c.code == "time")
    # units 1, 2, 3: A says 0 1 0, B says 0 0 1
    assert (time.both, time.a_only, time.b_only, time.neither) == (0, 1, 1, 1)
    assert time.kappa == pytest.approx(cohen_kappa_score([0, 1, 0], [0, 0, 1]))
    assert any("coded by A only" in note for note in result.notes)


def test_a_code_neither_coder_used_has_no_kappa_and_leaves_the_overall_as_it_was():
    a, b = {"1": {"funding"}, "2": set(), "3": {"funding"}}, {"1": {"funding"}, "2": {"funding"}, "3": set()}
    with_unused = agreement(a, b, codes=["never"])
    never = next(c for c in with_unused.codes if c.code == "never")
    assert never.kappa is None and never.note == "neither coder used it" and never.agreement == 1.0
    assert with_unused.to_json()["codes"][1] == {"code": "never", "kappa": None, "n": 3}
    assert with_unused.overall_kappa == pytest.approx(agreement(a, b).overall_kappa)


def test_a_code_both_applied_to_everyone_has_no_kappa():
    a = b = {"1": {"all", "x"}, "2": {"all"}}
    result = agreement(a, b)
    everyone = result.codes[0]
    assert everyone.code == "all" and everyone.kappa is None and everyone.note == "both coders applied it to every respondent"
    assert result.codes[1].kappa == 1.0
    assert agreement({"1": {"all"}}, {"1": {"all"}}).to_json() == {
        "overall_kappa": None,
        "krippendorff_alpha": None,
        "codes": [{"code": "all", "kappa": None, "n": 1}],
    }


def test_nothing_to_compare_is_refused():
    with pytest.raises(RefusedError, match="neither coder coded any respondent"):
        agreement({}, {})


def test_cohen_kappa_of_a_table_and_its_undefined_cases():
    assert cohen_kappa(0, 0, 0, 7) is None and cohen_kappa(7, 0, 0, 0) is None
    assert cohen_kappa(0, 5, 0, 0) == 0.0  # A always yes, B always no: p_o = p_e = 0
    assert cohen_kappa(4, 0, 0, 4) == 1.0 and cohen_kappa(0, 4, 4, 0) == -1.0
    with pytest.raises(ValueError):
        cohen_kappa(-1, 0, 0, 1)


@pytest.mark.parametrize(
    ("kappa", "word"),
    [
        (-0.01, "poor"),
        (0.0, "slight"),
        (0.2, "slight"),
        (0.21, "fair"),
        (0.4, "fair"),
        (0.6, "moderate"),
        (0.8, "substantial"),
        (0.81, "almost perfect"),
        (1.0, "almost perfect"),
        (None, "undefined"),
    ],
)
def test_landis_and_kochs_words(kappa, word):
    assert landis_koch(kappa) == word


# ---------------------------------------------------------------------------------- the reader
def _write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_reader_keeps_a_repeated_row_once(tmp_path):
    coding = read_codes(_write(tmp_path, "a.csv", "respondent_id,code,note\n1,funding,x\n1, funding ,y\n2,time,\n"))
    assert coding.codes == {"1": frozenset({"funding"}), "2": frozenset({"time"})}
    assert (coding.duplicates, coding.rows, coding.coder) == (1, 3, None)


def test_reader_reads_a_byte_order_mark_and_a_name_polars_would_glob(tmp_path):
    coding = read_codes(_write(tmp_path, "coder [a]*.csv", "\ufeffrespondent_id,code\n1,funding\n"))
    assert coding.codes == {"1": frozenset({"funding"})}


def test_reader_takes_a_file_of_one_coder_and_refuses_two_without_coder(tmp_path):
    one = _write(tmp_path, "one.csv", "respondent_id,code,coder\n1,funding,ann\n2,time,ann\n")
    assert read_codes(one).coder == "ann"
    two = _write(tmp_path, "two.csv", "respondent_id,code,coder\n1,funding,ann\n1,time,bo\n")
    with pytest.raises(
        InputError, match=r"two\.csv, column coder: codes by 2 coders \(ann, bo\); name the one whose codes to use with --coder"
    ):
        read_codes(two)
    assert read_codes(two, "bo").codes == {"1": frozenset({"time"})}
    with pytest.raises(InputError, match=r"two\.csv, column coder: no codes by coder 'bob' \(did you mean 'bo'\?\); coders: ann, bo"):
        read_codes(two, "bob")
    with pytest.raises(InputError, match="has no coder column"):
        read_codes(_write(tmp_path, "plain.csv", "respondent_id,code\n1,a\n"), "ann")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,code\n1,a\n", r"bad\.csv, row 1: no column 'respondent_id' in the header"),
        ("respondent_id,theme\n1,a\n", r"bad\.csv, row 1: no column 'code' in the header"),
        ("respondent_id,code,coders\n1,a,ann\n", r"bad\.csv, row 1: unknown column 'coders' \(did you mean 'coder'\?\)"),
        ("respondent_id,code\n1,a\n2, \n", r"bad\.csv, row 3, column code: blank cell"),
        ("respondent_id,code\n1,a\n,b\n", r"bad\.csv, row 3, column respondent_id: blank cell"),
        (b"respondent_id,code\n1,caf\xe9\n", r"bad\.csv: not UTF-8 text: byte 0xE9 .*\(line 2\)"),
        (b"\xff\xfer\x00", r"bad\.csv: the file is UTF-16 text"),
        ("respondent_id,code\n1,a\n2,b,extra\n", r"bad\.csv, row 3: 3 cells where the header has 2"),
        ("", r"bad\.csv: the file is empty"),
    ],
)
def test_reader_errors_name_the_file_row_and_column(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        read_codes(_write(tmp_path, "bad.csv", text))


def test_reader_of_a_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"nothere\.csv: no such codes file"):
        read_codes(tmp_path / "nothere.csv")


@settings(max_examples=50, deadline=None)
@given(
    st.dictionaries(
        st.from_regex(r"[A-Za-z0-9\-]{1,8}", fullmatch=True), st.sets(st.sampled_from(CODES), min_size=1, max_size=3), max_size=20
    )
)
def test_reader_reads_back_what_a_coder_wrote(tmp_path_factory, coded):
    folder = tmp_path_factory.mktemp("codes")
    rows = "".join(f'"{r}",{c},ann\n' for r, codes in coded.items() for c in sorted(codes))
    coding = read_codes(_write(folder, "a.csv", "respondent_id,code,coder\n" + rows))
    assert coding.codes == {r: frozenset(codes) for r, codes in coded.items()}
    assert (coding.duplicates, coding.coder) == (0, "ann" if coded else None)

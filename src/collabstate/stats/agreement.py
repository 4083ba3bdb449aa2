"""Do two coders agree? Cohen's kappa per code and overall, and Krippendorff's alpha, for two
codes files (issue 19).

**The decisions.** A codes file says which codes a coder applied to which respondent's answer
(``respondent_id,code[,coder]``, one row per code applied). Every code is a yes/no decision per
respondent: 1 if the coder applied it, 0 if not. The **units** are every respondent *either*
coder coded (the union of the two files' respondent ids). A respondent in one file only is taken
as coded by the other coder with no code at all: the other's decision is 0 for every code (the
issue's definition; :attr:`Agreement.only_a` and :attr:`Agreement.only_b` count them, so that a
coder who has not finished is seen, not mistaken for disagreement). The **codes** are every code
either coder applied (plus any listed in ``codes``, e.g. from a codebook).

**Per code**, the 2×2 table of the two coders' decisions over the n units (both, A only, B only,
neither) gives the share of units on which they agree and Cohen's (1960) kappa
``κ = (p_o − p_e) / (1 − p_e)``, with p_o the observed agreement and p_e the agreement expected from
each coder's own rate (``p_e = p_A p_B + (1 − p_A)(1 − p_B)``). It is computed exactly in integers
as ``2(ad − bc) / ((a + b)(b + d) + (a + c)(c + d))`` (the same quantity for a 2×2 table). Kappa is
**undefined** (None) when p_e = 1: both coders made the same decision for every unit (a code
neither used, or one both applied to everyone), so there is no variation for agreement beyond
chance to be measured; p_o is then 1 and the code is still counted in the agreement share.

**Overall kappa** is de Vries et al.'s (2008) *pooled kappa*, ``κ = (p̄_o − p̄_e) / (1 − p̄_e)``
with p_o and p_e averaged over the codes (n is the same for every code), i.e.
``Σ (p_o − p_e) / Σ (1 − p_e)``: a mean of the codes' kappas weighted by ``1 − p_e``, so it lies
between the lowest and highest per-code kappa and a code with no variation adds nothing. It keeps
each code's own chance agreement; the kappa of one 2×2 table pooled over all code × respondent
decisions would instead take chance from the codes' mixed rates (a rare code and a common one
pooled look more variable than either), which overstates agreement beyond chance. (de Vries H,
Elliott MN, Kanouse DE, Teleki SS. Using pooled kappa to summarize interrater reliability across
many items. *Field Methods* 2008;20(3):272–282.)

**Krippendorff's alpha** is the nominal alpha over the pooled code × respondent decisions (each a
unit valued 0 or 1 by two coders): ``α = 1 − (N − 1) Σ_{c≠k} o_ck / Σ_{c≠k} n_c n_k`` from the
coincidence matrix (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"). It is the
one figure the issue asks for across codes; with its pooled rates it is close to, and usually a
little under, the pooled kappa. :func:`krippendorff_alpha` handles any number of coders and
missing values (so the tests check it on the paper's four-coder example); it is a dozen lines of
numpy, written here rather than taken from the ``krippendorff`` package (which the tests compare it
with) because the package raises on data with one value only, where the report needs "undefined",
and a dependency for a coincidence matrix is more than it saves. Cohen's kappa likewise comes from
the 2×2 table the report shows anyway rather than scikit-learn's ``cohen_kappa_score`` (which the
tests compare it with, and which warns and returns NaN where kappa is undefined).

Codes files are read by the one reader of codes files, :func:`collabstate.dataset.codes.read_code_rows`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..dataset.codes import read_code_rows
from ..errors import RefusedError, UsageError

__all__ = [
    "Agreement",
    "CodeAgreement",
    "Coding",
    "agreement",
    "cohen_kappa",
    "krippendorff_alpha",
    "landis_koch",
    "read_codes",
]

#: The columns of a codes file.
CODES_COLUMNS = ("respondent_id", "code")


# ---------------------------------------------------------------------------------- statistics
def cohen_kappa(both: int, a_only: int, b_only: int, neither: int) -> float | None:
    """Cohen's kappa of a 2×2 table of two coders' yes/no decisions (a = both yes, b = A only,
    c = B only, d = neither), or None when undefined (both coders made one and the same decision
    for every unit: chance agreement is 1).

    >>> cohen_kappa(1, 1, 3, 5)  # Krippendorff's (2011) binary example
    0.09090909090909091
    >>> cohen_kappa(0, 0, 0, 12) is None
    True
    """
    a, b, c, d = both, a_only, b_only, neither
    if min(a, b, c, d) < 0:
        raise UsageError(argument="counts", value=(a, b, c, d), expected="four counts of 0 or more")
    denominator = (a + b) * (b + d) + (a + c) * (c + d)
    return None if denominator == 0 else 2 * (a * d - b * c) / denominator


def krippendorff_alpha(values: npt.ArrayLike) -> float | None:
    """Krippendorff's alpha for nominal data: ``values`` is units × coders, NaN where a coder gave
    no value; units with fewer than two values are not pairable and left out. None when
    undefined: fewer than two pairable values, or a single value throughout (no expected
    disagreement).

    >>> round(krippendorff_alpha([[0, 1], [1, 1], [0, 1], [0, 0], [0, 0], [0, 1], [0, 0], [0, 0], [1, 0], [0, 0]]), 3)
    0.095
    """
    data = np.asarray(values, dtype=np.float64)
    if data.ndim != 2:
        raise UsageError(argument="values", value=np.shape(values), expected="an array of units × coders")
    present = ~np.isnan(data)
    categories = np.unique(data[present])
    if categories.size == 0:
        return None
    # counts[u, c]: how many coders gave unit u the value c
    counts = np.stack([((data == c) & present).sum(axis=1) for c in categories], axis=1).astype(np.float64)
    m = counts.sum(axis=1)
    pairable = m >= 2
    if not pairable.any():
        return None
    counts, m = counts[pairable], m[pairable]
    # coincidences o_ck = Σ_u (n_uc n_uk − [c = k] n_uc) / (m_u − 1)
    coincidence = (counts / (m - 1)[:, None]).T @ counts - np.diag((counts / (m - 1)[:, None]).sum(axis=0))
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    observed = coincidence.sum() - np.trace(coincidence)
    expected = (n_c.sum() ** 2 - (n_c**2).sum()) / (n - 1)
    if expected <= 0:
        return None
    return float(1 - observed / expected)


#: Landis and Koch's (1977) words for kappa: the upper end of each band.
LANDIS_KOCH = ((0.0, "poor"), (0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial"), (1.0, "almost perfect"))


def landis_koch(kappa: float | None) -> str:
    """Landis & Koch's (1977) word for a kappa: poor (< 0), slight (to 0.20), fair (to 0.40),
    moderate (to 0.60), substantial (to 0.80), almost perfect; "undefined" for None.

    >>> landis_koch(0.78), landis_koch(-0.1), landis_koch(None)
    ('substantial', 'poor', 'undefined')
    """
    if kappa is None:
        return "undefined"
    if kappa < 0:
        return "poor"
    return next(word for top, word in LANDIS_KOCH[1:] if kappa <= top + 1e-12)


# ---------------------------------------------------------------------------------- agreement
@dataclass(frozen=True)
class CodeAgreement:
    """One code: the 2×2 table of the coders' decisions over the n units, kappa (None when
    undefined, with the reason in ``note``) and the share of units on which they agree."""

    code: str
    n: int
    both: int
    a_only: int
    b_only: int
    neither: int
    kappa: float | None
    note: str | None = None

    @property
    def agreement(self) -> float:
        return (self.both + self.neither) / self.n

    @property
    def used_a(self) -> int:
        return self.both + self.a_only

    @property
    def used_b(self) -> int:
        return self.both + self.b_only


@dataclass(frozen=True)
class Agreement:
    """Two coders' agreement: per code, overall (pooled) kappa, Krippendorff's alpha over all
    code × respondent decisions, the share of those decisions they agree on; ``n`` units
    (respondents either coded), ``only_a``/``only_b`` of them in one file only."""

    n: int
    codes: tuple[CodeAgreement, ...]
    overall_kappa: float | None
    krippendorff_alpha: float | None
    agreement: float
    only_a: int
    only_b: int
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The issue's JSON: ``{overall_kappa, krippendorff_alpha, codes: [{code, kappa, n}]}``
        (None for an undefined figure)."""
        return {
            "overall_kappa": self.overall_kappa,
            "krippendorff_alpha": self.krippendorff_alpha,
            "codes": [{"code": c.code, "kappa": c.kappa, "n": c.n} for c in self.codes],
        }

    @property
    def kappa_range(self) -> tuple[float, float] | None:
        """The lowest and highest defined per-code kappa (None when none is defined)."""
        defined = [c.kappa for c in self.codes if c.kappa is not None]
        return (min(defined), max(defined)) if defined else None


def agreement(a: Mapping[str, Iterable[str]], b: Mapping[str, Iterable[str]], codes: Iterable[str] = ()) -> Agreement:
    """Agreement of coder A's and coder B's codes (respondent id → the codes applied) over every
    respondent either coded, for every code either applied and any in ``codes``."""
    sets_a = {r: set(cs) for r, cs in a.items()}
    sets_b = {r: set(cs) for r, cs in b.items()}
    units = sorted(sets_a.keys() | sets_b.keys())
    if not units:
        raise RefusedError("neither coder coded any respondent: there is no agreement to measure")
    all_codes = sorted(set(codes).union(*sets_a.values(), *sets_b.values()))
    if not all_codes:
        raise RefusedError("neither file holds a code")
    n = len(units)
    index = {code: j for j, code in enumerate(all_codes)}
    x = np.zeros((n, len(all_codes)), dtype=np.int64)
    y = np.zeros_like(x)
    for i, unit in enumerate(units):
        x[i, [index[c] for c in sets_a.get(unit, ())]] = 1
        y[i, [index[c] for c in sets_b.get(unit, ())]] = 1
    both = (x & y).sum(axis=0)
    a_only = (x & (1 - y)).sum(axis=0)
    b_only = ((1 - x) & y).sum(axis=0)
    neither = n - both - a_only - b_only
    rows = []
    for j, code in enumerate(all_codes):
        kappa = cohen_kappa(int(both[j]), int(a_only[j]), int(b_only[j]), int(neither[j]))
        note = None
        if kappa is None:
            note = "neither coder used it" if both[j] == 0 else "both coders applied it to every respondent"
        rows.append(CodeAgreement(code, n, int(both[j]), int(a_only[j]), int(b_only[j]), int(neither[j]), kappa, note))
    # pooled kappa: Σ (p_o − p_e) / Σ (1 − p_e), p_e from each code's own rates
    p_a, p_b = x.mean(axis=0), y.mean(axis=0)
    p_o = (both + neither) / n
    p_e = p_a * p_b + (1 - p_a) * (1 - p_b)
    room = float(np.sum(1 - p_e))
    overall = None if room <= 1e-12 else float(np.sum(p_o - p_e) / room)
    alpha = krippendorff_alpha(np.column_stack([x.ravel(), y.ravel()]))
    notes = []
    only_a, only_b = len(sets_a.keys() - sets_b.keys()), len(sets_b.keys() - sets_a.keys())
    if only_a or only_b:
        notes.append(
            f"{_respondents(only_a)} coded by A only and {_respondents(only_b)} by B only are counted as given no code by the other coder"
        )
    undefined = [r.code for r in rows if r.kappa is None]
    if undefined:
        notes.append(f"kappa is undefined for {', '.join(undefined)}: no variation (both coders made the same decision for everyone)")
    return Agreement(n, tuple(rows), overall, alpha, float(p_o.mean()), only_a, only_b, tuple(notes))


def _respondents(n: int) -> str:
    return f"{n} respondent" + ("" if n == 1 else "s")


# ---------------------------------------------------------------------------------- the files
@dataclass(frozen=True)
class Coding:
    """One coder's codes from a codes file: respondent id → codes applied; ``duplicates`` is
    how many rows repeated a (respondent, code) already read (kept once)."""

    file: str
    codes: dict[str, frozenset[str]]
    coder: str | None = None
    duplicates: int = 0
    rows: int = field(default=0)


def read_codes(path: str | Path, coder: str | None = None) -> Coding:
    """One coder's codes from a codes file ``respondent_id,code[,coder][,wave][,quote]`` read by
    the one reader of codes files (:func:`collabstate.dataset.codes.read_code_rows`: its checks
    and messages). A file with a ``coder`` column naming more than one coder is refused unless
    ``coder`` picks one; a repeated row counts once. With a ``wave`` column, a respondent of two
    waves is two units (``wave/respondent_id``)."""
    got = read_code_rows(path, coder)
    codes: dict[str, set[str]] = {}
    for wave, respondent, code in got.rows:
        codes.setdefault(respondent if wave is None else f"{wave}/{respondent}", set()).add(code)
    return Coding(got.file, {r: frozenset(v) for r, v in codes.items()}, got.coder, got.duplicates, got.read)

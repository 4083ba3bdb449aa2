"""A synthetic wave of ``readiness-2018`` that reproduces the State of Collaboration 2018 figures.

All counts below are of the 115 respondents (or of the 98 with an example for q2-q6); the comments
give the published percentage each count reproduces (percentages of valid answers: null and 9
excluded).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ._allocate import (
    NA,
    finish,
    int_series,
    multi_select,
    multi_series,
    place_cells,
    rng_for,
    text_series,
)
from ._texts import Q2_DESCRIPTION, Q3_OTHER, Q8_HIGH, Q8_LOW, Q8_SECTOR_EXTRA, compose, join_list

SEED = 20180226
N = 115

FACTORS = ("behaviours", "citizens", "systems", "services", "places", "markets", "urgency", "requirements")

Q3_OPTIONS = (
    "local_authority",
    "community_associations",
    "private_housing_developer",
    "private_care_provider",
    "gp_practice",
    "ccg",
    "nhs_trust",
    "other",
)
Q17_OPTIONS = (
    "health_social_care",
    "education",
    "housing",
    "transport_infrastructure",
    "environmental",
    "emergency",
    "criminal_justice_policing",
    "urban_planning",
    "other",
)
Q18_OPTIONS = (
    "london",
    "south_east",
    "west_midlands",
    "east_midlands",
    "east_of_england",
    "south_west",
    "north_west",
    "north_east",
    "wales",
    "yorkshire_humber",
    "scotland",
    "northern_ireland",
)

# Appendix 2 of the seed: third 44%, public 37%, private 19%.
SECTOR = {1: 42, 2: 22, 3: 51}
# chief executive 47%, deputy 2%, director 18%, assistant director 6%, division head 17%, other 10%.
ROLE = {1: 54, 2: 2, 3: 21, 4: 7, 5: 20, 6: 11}
# 47, 38, 35, 30, 30, 27, 25, 23, 23, 23, 20, 17 (% of 115)
REGION = [54, 44, 40, 35, 35, 31, 29, 26, 26, 26, 23, 20]
# 50, 30, 17, 13, 10, 9, 6, 4 (% of 115) and some 'other'
AREA = [58, 35, 20, 15, 12, 10, 7, 5, 16]

Q1 = {1: 98, 2: 17}
Q3 = [36, 40, 9, 14, 18, 22, 20, 45]  # local authority 37%, NHS trust 20% (of 98)
Q3_OTHER_ANSWERED = 41
Q2_ANSWERED = 92
Q4 = {2: 18, 3: 33, 4: 20, 5: 27}  # four or more: 47/98 = 48%
Q5 = {None: 1, 1: 17, 2: 48, 3: 28, 4: 4}  # middle management 48/97 = 49%
Q6 = {None: 1, 1: 30, 2: 56, 3: 4, 4: 1, 5: 6}  # somewhat or very successful 86/97 = 89%
Q7 = {1: 1, 2: 2, 3: 5, 4: 38, 5: 69}  # important or critical 107/115 = 93%
Q8_ANSWERED = 81
Q9 = {None: 1, 1: 109, 2: 5}  # collaborating better 109/114 = 96%
Q10 = {None: 1, 9: 6, 1: 12, 2: 23, 3: 30, 4: 31, 5: 12}  # inform/consult/involve 65/108 = 60%
Q11 = {0: 6, 1: 25, 2: 46, 3: 38}  # not at all / a little 31/115 = 27%
Q12 = {None: 1, 0: 5, 1: 22, 2: 52, 3: 35}  # 27/114 = 24%
Q19 = {None: 4, 1: 84, 2: 27}

# Readiness matrices: counts of codes 0-3, 9 (not applicable) and None (no answer), 115 each.
# Importance: 'somewhat or a great deal' 82/83/95/91/88/90%; means 2.42 (six) and 2.28 (eight);
# systems highest, citizens lowest of the six, urgency and requirements lowest of the eight.
IMPORTANCE: dict[str, dict[int | None, int]] = {
    "behaviours": {0: 3, 1: 18, 2: 36, 3: 58},
    "citizens": {0: 2, 1: 17, 2: 48, 3: 47, None: 1},
    "systems": {0: 0, 1: 6, 2: 32, 3: 77},
    "services": {0: 1, 1: 9, 2: 36, 3: 68, 9: 1},
    "places": {0: 1, 1: 13, 2: 34, 3: 67},
    "markets": {0: 1, 1: 11, 2: 41, 3: 62},
    "urgency": {0: 6, 1: 28, 2: 45, 3: 34, 9: 2},
    "requirements": {0: 9, 1: 33, 2: 43, 3: 26, 9: 3, None: 1},
}
# Prevalence: 72/80/87/84/82/82%; means 2.18 (six) and 2.06 (eight); systems highest, behaviours
# lowest. 'A great deal' gap (importance - prevalence): behaviours 58/115 - 34/115 = 21 points, then
# places 67/115 - 45/115 = 19 points.
PREVALENCE: dict[str, dict[int | None, int]] = {
    "behaviours": {0: 5, 1: 27, 2: 49, 3: 34},
    "citizens": {0: 3, 1: 20, 2: 58, 3: 32, 9: 2},
    "systems": {0: 1, 1: 14, 2: 40, 3: 60},
    "services": {0: 2, 1: 16, 2: 44, 3: 51, 9: 1, None: 1},
    "places": {0: 2, 1: 19, 2: 49, 3: 45},
    "markets": {0: 2, 1: 19, 2: 47, 3: 46, None: 1},
    "urgency": {0: 8, 1: 35, 2: 40, 3: 29, 9: 3},
    "requirements": {0: 11, 1: 39, 2: 43, 3: 17, 9: 4, None: 1},
}

# Sector tilt for multiple choice (1 public, 2 private, 3 third sector).
Q3_TILT = {
    1: {"local_authority": 1.6, "nhs_trust": 1.3, "ccg": 1.3},
    2: {"private_housing_developer": 3.0, "private_care_provider": 2.5, "local_authority": 1.2},
    3: {"community_associations": 1.6, "gp_practice": 1.3, "other": 1.3},
}
Q17_TILT = {
    1: {"criminal_justice_policing": 2.0, "emergency": 2.0, "urban_planning": 2.0, "transport_infrastructure": 1.5},
    2: {"housing": 1.6, "transport_infrastructure": 1.8, "environmental": 1.6},
    3: {"health_social_care": 1.3, "education": 1.2, "housing": 1.3},
}


def _tilt(sector: np.ndarray, options, tilts) -> np.ndarray:
    weight = np.ones((len(sector), len(options)))
    for code, factors in tilts.items():
        for opt, factor in factors.items():
            weight[sector == code, options.index(opt)] = factor
    return weight


def _one(name: str, counts: dict, rows=None, **kw) -> np.ndarray:
    rows = np.arange(N) if rows is None else rows
    return place_cells(SEED, name, N, {"asked": rows}, {"asked": counts}, **kw)


def _pick(name: str, rows: np.ndarray, k: int) -> np.ndarray:
    return np.sort(rng_for(SEED, name).choice(rows, size=k, replace=False))


def readiness_2018() -> pl.DataFrame:
    """A deterministic synthetic wave of the ``readiness-2018`` instrument (115 respondents)."""
    sector = _one("q16_sector", SECTOR)
    role = _one("q15_role", ROLE)
    rng = rng_for(SEED, "latents")
    advocacy = rng.normal(size=N)  # how strongly the respondent believes in collaboration
    # How far the organisation supports collaboration; chief executives and deputies see more of it.
    support = rng.normal(size=N) + 1.0 * (role <= 2)

    q1 = _one("q1_example", Q1, score=-advocacy, noise=1.5)  # advocates more often have an example
    ex = np.flatnonzero(q1 == 1)
    q4 = _one("q4_n_orgs", Q4, ex)
    q5 = _one("q5_staff_level", Q5, ex)
    # 'too early to say' (5) is not on the success scale: placed at random like a missing answer.
    q6 = _one("q6_success", Q6, ex, score=-(support + advocacy), noise=1.2, side=(None, 5))
    q3 = multi_select(
        SEED,
        "q3_stakeholders",
        N,
        ex,
        Q3,
        option_weight=_tilt(sector, Q3_OPTIONS, Q3_TILT),
        row_weight=np.where(q4 == NA, 1, q4).astype(float) ** 1.5,
    )

    q7 = _one("q7_importance", Q7, score=advocacy, noise=0.8)
    q9 = _one("q9_better", Q9, score=-advocacy, noise=0.8)
    success = np.isin(q6, (1, 2))
    engaged = 1.3 * success - 0.7 * np.isin(q6, (3, 4, 5)) + 0.3 * (sector != 1)
    q10 = _one("q10_involvement", Q10, score=engaged, noise=0.8)
    q11 = _one("q11_incentivise", Q11, score=support, noise=0.7)
    q12 = _one("q12_tools", Q12, score=support, noise=0.7)

    na_private = np.where(sector == 2, 4.0, 1.0)  # 'not applicable' comes mostly from the private sector
    imp = {f: _one(f"imp_{f}", IMPORTANCE[f], score=advocacy, noise=1.0, side_weight=na_private) for f in FACTORS}
    prev = {f: _one(f"prev_{f}", PREVALENCE[f], score=0.8 * support + 0.3 * advocacy, noise=1.0, side_weight=na_private) for f in FACTORS}

    q17 = multi_select(SEED, "q17_area", N, np.arange(N), AREA, option_weight=_tilt(sector, Q17_OPTIONS, Q17_TILT))
    reach = rng_for(SEED, "reach").lognormal(0.0, 0.8, size=N)  # national bodies cover many regions
    q18 = multi_select(SEED, "q18_region", N, np.arange(N), REGION, row_weight=reach)
    q19 = _one("q19_receive_report", Q19)

    q2_text, q3_text, q8_text = _texts(sector, ex, q3, q7)

    cols = [
        int_series("q1_example", q1),
        text_series("q2_description", q2_text),
        *multi_series("q3_stakeholders", Q3_OPTIONS, q3),
        text_series("q3_other_text", q3_text),
        int_series("q4_n_orgs", q4),
        int_series("q5_staff_level", q5),
        int_series("q6_success", q6),
        int_series("q7_importance", q7),
        text_series("q8_why", q8_text),
        int_series("q9_better", q9),
        int_series("q10_involvement", q10),
        int_series("q11_incentivise", q11),
        int_series("q12_tools", q12),
        *[int_series(f"imp_{f}", imp[f]) for f in FACTORS],
        *[int_series(f"prev_{f}", prev[f]) for f in FACTORS],
        int_series("q15_role", role),
        int_series("q16_sector", sector),
        *multi_series("q17_area", Q17_OPTIONS, q17),
        *multi_series("q18_region", Q18_OPTIONS, q18),
        int_series("q19_receive_report", q19),
    ]
    return finish(cols, seed=SEED, prefix="R18", wave=2018)


def _texts(
    sector: np.ndarray, ex: np.ndarray, q3: np.ndarray, q7: np.ndarray
) -> tuple[list[str | None], list[str | None], list[str | None]]:
    q2: list[str | None] = [None] * N
    rng = rng_for(SEED, "q2_description")
    for r in _pick("q2_rows", ex, Q2_ANSWERED):
        q2[r] = compose(rng, Q2_DESCRIPTION[int(sector[r])])

    q3t: list[str | None] = [None] * N
    rng = rng_for(SEED, "q3_other_text")
    others = np.flatnonzero(q3[:, Q3_OPTIONS.index("other")] == 1)
    for r in _pick("q3_other_rows", others, Q3_OTHER_ANSWERED):
        k = int(rng.choice([1, 1, 2, 2, 3]))
        names = [Q3_OTHER[i] for i in rng.choice(len(Q3_OTHER), size=k, replace=False)]
        text = join_list(names)
        q3t[r] = text[0].upper() + text[1:]

    q8: list[str | None] = [None] * N
    rng = rng_for(SEED, "q8_why")
    for r in _pick("q8_rows", np.arange(N), Q8_ANSWERED):
        pool = Q8_HIGH if q7[r] >= 4 else Q8_LOW
        text = compose(rng, pool)
        if rng.random() < 0.2:
            extras = Q8_SECTOR_EXTRA[int(sector[r])]
            text = f"{text} {extras[int(rng.integers(len(extras)))]}"
        q8[r] = text
    return q2, q3t, q8

"""Cell counts for the demo waves of the ``leaders`` instrument (2024, 2025 and 2026).

Groups of respondents (the rows of a wave):

- ``cs``   public sector, civil servant (sector 1, civil_service 1)
- ``pub``  public sector, not a civil servant (sector 1, civil_service 2)
- ``prv``  private sector (2)
- ``nfp``  not-for-profit (3)
- ``edu``  higher education / education (4)
- ``none`` did not give a sector (2024 only)

Reporting cells are groups or unions of groups: ``public`` = cs + pub, ``nfp_edu`` = nfp + edu (the
2024 report's 'not-for-profit and higher education'), ``all``.

Sector sizes. Neither seed publishes them, but their figures pin them down:
2025's "communication sufficient" is 12% overall while every sector is 12-25% (public 14, private 12,
NFP 21, education 25), which is only reachable if the private sector is most of the sample and
NFP/education are small; 2024's state rating (public 4%, private 7%, NFP & HE 16%, all 11%) next to
growth belief (92/93/88, all 92) needs NFP & HE at roughly a third. Three 2024 respondents did not
state a sector (a realistic item non-response), which lets both 2024 totals come out exactly.

2026 is invented for the demo (no report publishes it): see "The 2026 wave" below.

Agree5 entries are ``(base, agree)`` or ``(base, agree, {options})``: ``base`` counts valid answers;
options are ``nulls``, ``disagree`` and ``strong`` (share of agreers answering 5), see ``agree5``.
"""

from __future__ import annotations

from typing import TypedDict


class AgreeOptions(TypedDict, total=False):
    """The options of an agree5 entry (keywords of ``agree5``)."""

    disagree: int
    strong: float
    nulls: int


#: An agree5 entry: ``(base, agree)`` or ``(base, agree, {options})``.
AgreeEntry = tuple[int, int] | tuple[int, int, AgreeOptions]


class PanelSpec(TypedDict):
    """The panel of a wave: the earlier wave it comes from, and its members per group."""

    earlier: int
    members: dict[str, int]


# ---------------------------------------------------------------------------------------------
# The 2026 wave: INVENTED for the demo. No report publishes 2026 figures; nothing here reproduces
# a published number. It exists so that the demo can show a trend over three waves and a panel.
#
# About 320 respondents (public 64 of whom 42 civil servants, private 226, NFP 18, education 12),
# the 2025 group structure. Movements against 2025, all sectors together, made so that a trend
# report has something to say (at these bases 10 points is significant, 3 points is not):
#   moved clearly (significant):
#     st_communication agree       12.4% -> 22.8%  (+10.4, continues the 2024 -> 2025 rise)
#     st_regulation agree          25.0% -> 35.0%  (+10.0, REVERSES the 2024 -> 2025 fall of 5)
#     optimism optimistic (4-5)    40.0% -> 30.3%  ( -9.7, continues the 2024 -> 2025 softening)
#     domains/ai_technology        30.9% -> 41.2%  (+10.3, continues "AI rising"; now top domain)
#   moved little (not significant): every other share within 3 points of 2025, among them
#     st_network 50.0% -> 52.2% and trained 15.0% -> 16.6% (both against their 2024 -> 2025 fall,
#     too small to be called a change), st_outcomes 28.0% -> 26.3%, state_rating good 12.0% ->
#     12.8%, growth_belief 92.0% -> 91.6%, confidence very confident 12.0% -> 12.2%.
#
# Panel: 120 of the 2025 respondents answer again in 2026 (PANEL). They keep their 2025
# respondent_id (L25-....; the new 2026 respondents are L26-....), their sector, civil-service
# status and role; the 2025 frame is not touched (it is built first, exactly as before). The
# 2026 counts below are the whole wave's; the members get the share of each cell's counts that
# their 2025 answers become under the cell's 2025 -> 2026 movement (so the panel moves as the
# wave does and a paired comparison sees the same changes, more precisely), and within it are
# ordered by the rank of their 2025 answer, correlated PANEL_RHO: most keep their answer, some
# move. Options ticked in 2025 are PANEL_TICK times as likely to be ticked again. See _panel.
# ---------------------------------------------------------------------------------------------

GROUPS = {
    2024: {"cs": 34, "pub": 16, "prv": 136, "nfp": 70, "edu": 15, "none": 3},
    2025: {"cs": 40, "pub": 20, "prv": 218, "nfp": 14, "edu": 8},
    2026: {"cs": 42, "pub": 22, "prv": 226, "nfp": 18, "edu": 12},
}
SECTOR_OF_GROUP = {"cs": 1, "pub": 1, "prv": 2, "nfp": 3, "edu": 4, "none": None}
UNIONS = {"public": ("cs", "pub"), "nfp_edu": ("nfp", "edu")}

SEED = {2024: 20240917, 2025: 20251014, 2026: 20261013}

# 2026 panel members, per group, drawn at random from the same group of 2025 (40% of each).
PANEL: dict[int, PanelSpec] = {2026: {"earlier": 2025, "members": {"cs": 16, "pub": 8, "prv": 86, "nfp": 6, "edu": 4}}}
PANEL_RHO = 0.9  # correlation of a member's 2026 ordering key with their 2025 answer's rank
PANEL_CARRY = 0.9  # correlation of a member's 2026 latent traits with their 2025 ones
PANEL_TICK = 4.0  # how much likelier a member ticks again an option they ticked in 2025

ROLE = {
    2024: {1: 48, 2: 27, 3: 104, 4: 80, 5: 15},
    2025: {1: 55, 2: 30, 3: 113, 4: 86, 5: 16},
    2026: {1: 58, 2: 32, 3: 121, 4: 92, 5: 17},  # panel members keep their 2025 role
}

# ---------------------------------------------------------------------------------------------
# agree5 items (and optimism, which has the same 1-5 shape), per reporting cell
# ---------------------------------------------------------------------------------------------
# 2024 published: growth 92/93/88 (all 92); communication all 7% with 82% of private and 72% of
# public disagreeing; understand_other public 45 / private 61; network civil servants 50, private
# 78, all 62; boards all 89; leadership 96/90/90; movement 76/82/78; opportunities 24; outcomes 26;
# regulation 30; optimism private 50.
AGREE: dict[int, dict[str, dict[str, AgreeEntry]]] = {
    2024: {
        "growth_belief": {"public": (50, 46), "prv": (136, 127), "nfp_edu": (85, 75), "none": (3, 3)},
        "st_effective": {"public": (50, 10), "prv": (136, 25), "nfp_edu": (85, 20), "none": (3, 1)},
        "st_communication": {
            "public": (50, 3, {"disagree": 36, "strong": 0.0}),
            "prv": (136, 8, {"disagree": 112, "strong": 0.1}),
            "nfp_edu": (85, 8, {"disagree": 55, "strong": 0.1}),
            "none": (3, 0, {"disagree": 2}),
        },
        "st_cs_understands": {"public": (50, 15), "prv": (136, 26), "nfp_edu": (85, 18), "none": (3, 1)},
        "st_understand_other": {
            "public": (49, 22, {"nulls": 1}),
            "prv": (136, 83),
            "nfp_edu": (85, 50),
            "none": (3, 2),
        },
        "st_opportunities": {"public": (50, 12), "prv": (136, 32), "nfp_edu": (85, 21), "none": (3, 1)},
        "st_outcomes": {"public": (50, 12), "prv": (136, 35), "nfp_edu": (85, 23), "none": (3, 1)},
        "st_regulation": {
            "public": (50, 18),
            "prv": (134, 40, {"nulls": 2}),
            "nfp_edu": (85, 23),
            "none": (3, 1),
        },
        "st_boards": {"public": (50, 45), "prv": (136, 121), "nfp_edu": (85, 76), "none": (3, 2)},
        "st_movement": {"public": (50, 38), "prv": (136, 112), "nfp_edu": (85, 66), "none": (3, 2)},
        "st_leadership": {
            "public": (50, 48, {"strong": 0.55}),
            "prv": (136, 122, {"strong": 0.5}),
            "nfp_edu": (84, 76, {"nulls": 1, "strong": 0.5}),
            "none": (3, 3),
        },
        "st_network": {"cs": (34, 17), "pub": (16, 9), "prv": (136, 106), "nfp_edu": (85, 36), "none": (3, 2)},
        "optimism": {"public": (50, 20), "prv": (136, 68), "nfp": (70, 43), "edu": (15, 9), "none": (3, 2)},
    },
    # 2025 published: growth all 92; effective 25/19/29/25 (all under 1 in 4); communication
    # 14/12/21/25 (all 12); CS understands 23/22/29/25 (about 1 in 4); opportunities 29; outcomes 28
    # (demo); regulation 25; network down 12 points; optimism public +3, private 37, NFP 64, edu 50.
    # The one cell off exact rounding: public communication 7/59 = 11.9% against a published 14%
    # (8/59 would be 13.6%); all-sector 12% cannot be reached with every sector at 12% or more.
    2025: {
        "growth_belief": {"public": (60, 55), "prv": (218, 201), "nfp": (14, 13), "edu": (8, 7)},
        "st_effective": {"public": (60, 15), "prv": (218, 41), "nfp": (14, 4), "edu": (8, 2)},
        "st_communication": {
            "public": (59, 7, {"nulls": 1, "strong": 0.0}),
            "prv": (217, 25, {"nulls": 1, "strong": 0.1}),
            "nfp": (14, 3, {"strong": 0.0}),
            "edu": (8, 2, {"strong": 0.0}),
        },
        "st_cs_understands": {"public": (60, 14), "prv": (218, 49), "nfp": (14, 4), "edu": (8, 2)},
        "st_understand_other": {"public": (60, 30), "prv": (218, 130), "nfp": (14, 9), "edu": (8, 5)},
        "st_opportunities": {"public": (60, 18), "prv": (218, 62), "nfp": (14, 5), "edu": (8, 2)},
        "st_outcomes": {"public": (60, 17), "prv": (218, 60), "nfp": (14, 5), "edu": (8, 2)},
        "st_regulation": {"public": (60, 16), "prv": (218, 53), "nfp": (14, 4), "edu": (8, 2)},
        "st_boards": {"public": (60, 53), "prv": (218, 192), "nfp": (14, 12), "edu": (8, 7)},
        "st_movement": {"public": (60, 46), "prv": (218, 176), "nfp": (14, 11), "edu": (8, 6)},
        "st_leadership": {
            "public": (60, 57, {"strong": 0.55}),
            "prv": (218, 198, {"strong": 0.5}),
            "nfp": (14, 13, {"strong": 0.5}),
            "edu": (8, 7, {"strong": 0.5}),
        },
        "st_network": {"cs": (40, 18), "pub": (20, 10), "prv": (218, 107), "nfp": (14, 9), "edu": (8, 6)},
        "optimism": {"public": (60, 26), "prv": (218, 81), "nfp": (14, 9), "edu": (8, 4)},
    },
    # 2026 (invented): communication 73/320 = 22.8%, regulation 112/320 = 35.0%, optimism 97/320
    # = 30.3% move clearly; the rest stay within 2.5 points of 2025.
    2026: {
        "growth_belief": {"public": (64, 59), "prv": (226, 207), "nfp": (18, 16), "edu": (12, 11)},
        "st_effective": {"public": (64, 15), "prv": (226, 46), "nfp": (18, 5), "edu": (12, 3)},
        "st_communication": {
            "public": (64, 14, {"strong": 0.1}),
            "prv": (226, 50, {"strong": 0.1}),
            "nfp": (18, 5, {"strong": 0.0}),
            "edu": (12, 4, {"strong": 0.0}),
        },
        "st_cs_understands": {"public": (64, 16), "prv": (226, 53), "nfp": (18, 5), "edu": (12, 3)},
        "st_understand_other": {"public": (64, 33), "prv": (226, 134), "nfp": (18, 11), "edu": (12, 7)},
        "st_opportunities": {"public": (64, 18), "prv": (226, 64), "nfp": (18, 6), "edu": (12, 3)},
        "st_outcomes": {"public": (64, 17), "prv": (226, 59), "nfp": (18, 5), "edu": (12, 3)},
        "st_regulation": {"public": (64, 22), "prv": (226, 80), "nfp": (18, 6), "edu": (12, 4)},
        "st_boards": {"public": (64, 57), "prv": (226, 200), "nfp": (18, 16), "edu": (12, 10)},
        "st_movement": {"public": (64, 50), "prv": (226, 181), "nfp": (18, 14), "edu": (12, 10)},
        "st_leadership": {
            "public": (64, 61, {"strong": 0.55}),
            "prv": (226, 207, {"strong": 0.5}),
            "nfp": (18, 17, {"strong": 0.5}),
            "edu": (12, 11, {"strong": 0.5}),
        },
        "st_network": {"cs": (42, 20), "pub": (22, 11), "prv": (226, 116), "nfp": (18, 12), "edu": (12, 8)},
        "optimism": {"public": (64, 20), "prv": (226, 62), "nfp": (18, 10), "edu": (12, 5)},
    },
}

# state_rating: 1 terrible .. 5 excellent. 2024: public 4% and private 7% good, none excellent;
# NFP & HE 16% good or excellent; all 11%. 2025: all 12%.
STATE = {
    2024: {
        "public": {1: 5, 2: 20, 3: 23, 4: 2},
        "prv": {1: 12, 2: 52, 3: 62, 4: 10},
        "nfp_edu": {1: 5, 2: 26, 3: 40, 4: 12, 5: 2},
        "none": {3: 0, 4: 3},
    },
    2025: {
        "public": {1: 4, 2: 20, 3: 31, 4: 5},
        "prv": {1: 14, 2: 70, 3: 109, 4: 24, 5: 1},
        "nfp": {2: 3, 3: 7, 4: 4},
        "edu": {2: 2, 3: 4, 4: 2},
    },
    2026: {  # all 41/320 = 12.8% good or excellent
        "public": {1: 4, 2: 21, 3: 33, 4: 6},
        "prv": {1: 15, 2: 72, 3: 112, 4: 26, 5: 1},
        "nfp": {2: 4, 3: 9, 4: 5},
        "edu": {2: 3, 3: 6, 4: 3},
    },
}

# confidence: 1 not at all .. 4 very. 2024: 14% very confident.
CONFIDENCE = {
    2024: {"all": {1: 6, 2: 52, 3: 178, 4: 38}},
    2025: {"all": {1: 9, 2: 66, 3: 189, 4: 36}},
    2026: {"all": {1: 9, 2: 70, 3: 202, 4: 39}},  # 39/320 = 12.2% very confident
}

# trained (1 yes, 2 no). 2024: civil servants 18%, private 26%, NFP & HE 34%, about 1 in 3 overall
# (84/274 = 30.7%); 2025: down 16 points (45/300 = 15%).
TRAINED = {
    2024: {
        "cs": {1: 6, 2: 28},
        "pub": {1: 12, 2: 4},
        "prv": {1: 36, 2: 100},
        "nfp_edu": {1: 29, 2: 56},
        "none": {1: 1, 2: 2},
    },
    2025: {
        "cs": {1: 5, 2: 35},
        "pub": {1: 6, 2: 14},
        "prv": {1: 27, 2: 191},
        "nfp": {1: 4, 2: 10},
        "edu": {1: 3, 2: 5},
    },
    2026: {  # 53/320 = 16.6%
        "cs": {1: 6, 2: 36},
        "pub": {1: 7, 2: 15},
        "prv": {1: 31, 2: 195},
        "nfp": {1: 5, 2: 13},
        "edu": {1: 4, 2: 8},
    },
}

# ---------------------------------------------------------------------------------------------
# multiple choice: option counts (instrument order) and the number who left the question blank
# ---------------------------------------------------------------------------------------------
OPTIONS = {
    "org_support": ("development_programmes", "secondments", "external_networks", "none"),
    "domains": (
        "rd_innovation",
        "defence_security",
        "industrial_strategy",
        "ai_technology",
        "regional_growth",
        "economic_security_trade",
        "infrastructure",
        "skills",
        "net_zero",
        "public_service_reform",
        "inward_investment",
        "health_life_sciences",
    ),
    "enablers": (
        "shared_goals",
        "strong_leadership",
        "trust_respect",
        "clear_communication",
        "supportive_regulation",
        "aligned_incentives",
        "long_term_funding",
        "people_movement",
    ),
    "barriers": (
        "misaligned_priorities",
        "bureaucracy",
        "resources_funding",
        "lack_of_trust",
        "skills_shortages",
        "short_termism",
        "culture",
        "poor_communication",
        "power_imbalance",
    ),
}

MULTI = {
    2024: {
        "org_support": ([120, 70, 105, 60], 0),
        # economic security 63/272 = 23%, infrastructure 79/272 = 29%
        "domains": ([82, 84, 90, 46, 65, 63, 79, 73, 92, 49, 77, 57], 2),
        # trust and respect 204/271 = 75.3%, the most cited enabler in 2024
        "enablers": ([200, 179, 204, 184, 111, 122, 130, 106], 3),
        "barriers": ([166, 150, 120, 79, 90, 112, 141, 138, 60], 2),
    },
    2025: {
        "org_support": ([114, 66, 99, 80], 0),
        # economic security 28/298 = 9.4%, infrastructure 17%, skills and net zero down 6 points,
        # R&D, defence and industrial strategy highest, AI rising
        "domains": ([119, 110, 104, 92, 83, 28, 51, 62, 83, 47, 57, 60], 2),
        # shared goals 71%, strong leadership 61%, trust 174/297 = 58.6%, regulation down 11 points
        "enablers": ([211, 181, 174, 168, 89, 131, 150, 113], 3),
        # misaligned 59%, bureaucracy 52% (both slightly down), resources +3, lack of trust +6
        "barriers": ([176, 155, 140, 104, 101, 128, 137, 131, 72], 2),
    },
    2026: {  # invented: AI and technology 131/318 = 41.2% (+10.3); the rest within 3 points
        "org_support": ([122, 70, 106, 85], 0),
        "domains": ([127, 116, 109, 131, 90, 33, 56, 65, 86, 52, 60, 65], 2),
        "enablers": ([224, 192, 188, 181, 98, 139, 161, 121], 3),
        "barriers": ([186, 167, 152, 109, 110, 136, 144, 131, 77], 2),
    },
}

# Sector tilt of multiple-choice options (relative propensity per sector 1-4), from the seeds'
# per-sector remarks: public leaders name industrial strategy, net zero, supply chains and inward
# investment; private leaders defence, net zero, inward investment, supply chains and industry.
TILT = {
    "domains": {
        1: {
            "industrial_strategy": 1.5,
            "net_zero": 1.4,
            "economic_security_trade": 1.4,
            "inward_investment": 1.3,
            "public_service_reform": 1.5,
        },
        2: {
            "defence_security": 1.5,
            "net_zero": 1.3,
            "inward_investment": 1.3,
            "economic_security_trade": 1.3,
            "industrial_strategy": 1.2,
            "ai_technology": 1.3,
        },
        3: {"public_service_reform": 1.8, "regional_growth": 1.6, "skills": 1.5, "health_life_sciences": 1.4, "defence_security": 0.5},
        4: {"rd_innovation": 2.0, "skills": 1.8, "regional_growth": 1.5, "ai_technology": 1.4, "defence_security": 0.6},
    },
    "barriers": {
        1: {"bureaucracy": 1.3, "short_termism": 1.4, "skills_shortages": 1.2},
        2: {"lack_of_trust": 1.4, "bureaucracy": 1.3, "misaligned_priorities": 1.2},
        3: {"power_imbalance": 1.8, "resources_funding": 1.5, "short_termism": 1.2},
        4: {"resources_funding": 1.6, "misaligned_priorities": 1.3},
    },
    "enablers": {
        1: {"shared_goals": 1.2, "strong_leadership": 1.2},
        2: {"aligned_incentives": 1.4, "supportive_regulation": 1.3, "long_term_funding": 1.2},
        3: {"long_term_funding": 1.5, "trust_respect": 1.2},
        4: {"people_movement": 1.4, "clear_communication": 1.2},
    },
    "org_support": {
        1: {"secondments": 1.4, "development_programmes": 1.2},
        2: {"external_networks": 1.2},
        3: {"none": 1.3, "secondments": 0.7},
        4: {"development_programmes": 1.2},
    },
}

# How many respondents write something in each open-text question.
TEXT_ANSWERS = {
    2024: {"enablers_text": 151, "barriers_text": 138, "example_text": 87},
    2025: {"enablers_text": 168, "barriers_text": 157, "example_text": 104},
    2026: {"enablers_text": 179, "barriers_text": 167, "example_text": 111},
}

"""Open-text pools for the leaders' survey, by sector (1 public, 2 private, 3 NFP, 4 education).

The first three core answers of each sector's enablers and barriers are the seed report's "In their
own words" table (leaders 2025) and are written in several ways (a tuple: any one of them), so that
coding them takes a codebook, not a string match; they are drawn more often than the rest
(``_leaders.SEED_LEAD``), so the themes each sector mentions most are the seed's.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._texts import Pool

ENABLERS: Mapping[int, Pool] = {
    1: {
        "core": (
            (
                "Shared goals and clarity about the mission from the outset.",
                "A shared mission that everyone understands from day one.",
                "Clarity of purpose: agreeing the goal before the structures.",
            ),
            (
                "Working-level engagement and co-design, not just senior sign-off.",
                "Co-designing with the people who do the work, not only the senior team.",
                "Engagement at working level, designing it together.",
            ),
            (
                "Political will and visible backing from ministers.",
                "Leadership backing from the top, and ministers who stay the course.",
                "Strong political will behind the partnership.",
            ),
            "A clear problem statement that everyone signs up to.",
            "People who have worked in more than one sector and can translate between them.",
            "Early engagement with industry before the policy is fixed.",
            "Stable teams on the government side so relationships can build.",
            "Honest conversations about risk and who carries it.",
        ),
        "extra": (
            "Continuity matters more than structures.",
            "Secondments in both directions help enormously.",
            "It works when the commercial model is agreed early.",
        ),
        "tail": (", in my experience.", ", backed by long-term funding.", " – and time to build trust."),
    },
    2: {
        "core": (
            (
                "Aligned incentives and a focus on long-term value.",
                "Incentives that point the same way, and long-term value over quick wins.",
                "When both sides' incentives are aligned on long-term value.",
            ),
            (
                "Joint problem-solving, not just dialogue.",
                "Solving problems together rather than endless dialogue.",
                "Moving from talking to joint problem-solving and delivery.",
            ),
            (
                "Procurement that rewards value rather than the lowest price.",
                "Buying on value, not on the lowest price.",
                "A procurement culture that looks at value over price.",
            ),
            "A stable policy framework that gives us the confidence to invest.",
            "Government being clear about what it wants and sticking to it.",
            "Access to decision-makers early enough to shape the approach.",
            "Mutual respect for what each sector brings to the table.",
            "Shared data and transparency about progress.",
        ),
        "extra": (
            "Certainty is what unlocks private capital.",
            "Too often we are consulted after the decisions are made.",
            "Clear missions with milestones would help.",
        ),
        "tail": (", above all.", " – that is what builds confidence to invest.", ", in my experience."),
    },
    3: {
        "core": (
            (
                "Clear public strategies and realistic funding.",
                "A clear strategy from government, funded realistically.",
                "Realistic funding behind a clear public strategy.",
            ),
            (
                "Secondments and relationship-building between staff at all levels.",
                "Secondments both ways and time for relationship-building.",
                "Building relationships between staff, helped by secondments.",
            ),
            (
                "Respect and a sense of mutual dependency.",
                "Mutual respect: each side knows it needs the other.",
                "Respect for what we bring and a sense that we depend on each other.",
            ),
            "Involving communities and people with lived experience from the start.",
            "Multi-year grants that let us plan beyond the next twelve months.",
            "Treating charities as partners rather than as cheap suppliers.",
            "Trust, and the willingness to share power and risk.",
        ),
        "extra": (
            "Local relationships are where it really happens.",
            "We bring reach into communities that others lack.",
            "Co-design needs to be genuine, not a box-ticking exercise.",
        ),
        "tail": (", especially at a local level.", " – and patience.", " – that matters most for smaller charities."),
    },
    4: {
        "core": (
            (
                "Mutual understanding of the different incentives each partner works to.",
                "Understanding that each partner has different incentives.",
                "Mutual understanding of what drives each partner.",
            ),
            (
                "Regular forums for policy and research exchange.",
                "Regular forums where policy and research people meet.",
                "A regular exchange between policy makers and researchers.",
            ),
            (
                "Career mobility across sectors for researchers and professional staff.",
                "Careers that let people move across sectors and back.",
                "Mobility across sectors for staff at every stage of their career.",
            ),
            "Long-term partnerships with employers on skills.",
            "Shared investment in regional innovation and civic priorities.",
            "Knowledge exchange that is valued and properly resourced.",
        ),
        "extra": (
            "Universities can act as honest brokers between sectors.",
            "Translating research into practice needs dedicated capacity.",
        ),
        "tail": (", in our experience.", " – this is where universities add most value."),
    },
}

BARRIERS: Mapping[int, Pool] = {
    1: {
        "core": (
            (
                "Bureaucracy and clearance hurdles.",
                "Endless bureaucracy: every step needs clearance.",
                "Clearance processes and bureaucracy that slow decisions.",
            ),
            (
                "Policy churn and a short-term focus.",
                "Short-term thinking and constant policy churn.",
                "Priorities change with every reshuffle; the focus is short-term.",
            ),
            (
                "Limited commercial awareness in government.",
                "Too little commercial awareness among officials.",
                "Government lacks commercial awareness and experience of industry.",
            ),
            "Risk aversion: the civil service is taught to avoid risk, not to manage it.",
            "Procurement rules that make early conversations with suppliers feel risky.",
            "Frequent moves between posts mean relationships are constantly lost.",
            "Spending review cycles that are too short for the problems we face.",
        ),
        "extra": (
            "Too few people have worked in both sectors.",
            "Conflict of interest rules are applied very cautiously.",
            "It creates an 'us and them' culture.",
        ),
        "tail": (", which slows everything down.", " – and little time to build relationships."),
    },
    2: {
        "core": (
            (
                "Deep-seated mistrust and political rhetoric about business.",
                "Political rhetoric that breeds mistrust of business.",
                "A deep mistrust between government and business.",
            ),
            (
                "A value versus lowest-cost procurement culture.",
                "Procurement still buys on lowest cost, not value.",
                "A lowest-cost procurement culture that ignores value.",
            ),
            (
                "No shared accountability for outcomes.",
                "Nobody is accountable for the shared outcome.",
                "Accountability for outcomes is never shared.",
            ),
            "Slow decision-making and changing priorities in government.",
            "Uncertainty about policy beyond the next election.",
            "Being engaged only when government needs something.",
            "Regulation that has not kept pace with new ways of working.",
        ),
        "extra": (
            "Every change of minister resets the conversation.",
            "Nobody owns the outcome once the contract is signed.",
            "The risk all sits with the supplier.",
        ),
        "tail": (", frankly.", " – it wastes time on both sides."),
    },
    3: {
        "core": (
            (
                "Lack of clarity and strategic direction from government.",
                "No clear strategic direction from government.",
                "Government is unclear about its strategy and direction.",
            ),
            (
                "Power imbalance and funding insecurity.",
                "Funding insecurity and an imbalance of power.",
                "The power imbalance: we depend on funding we cannot count on.",
            ),
            (
                "Control without co-design or mutual risk-sharing.",
                "They keep control but do not co-design or share the risk.",
                "Control from the centre with no co-design and no shared risk.",
            ),
            "Short-term contracts that make it hard to keep good staff.",
            "Being brought in late, after the big decisions are made.",
            "Competitive tendering that sets charities against each other.",
        ),
        "extra": (
            "Smaller organisations simply cannot carry the bidding costs.",
            "We are expected to take the risk without a say in the design.",
        ),
        "tail": (", particularly for small charities.", " – and it erodes trust."),
    },
    4: {
        "core": (
            (
                "Misaligned timelines and incentives.",
                "Timelines and incentives that do not line up.",
                "Academic and policy timelines are misaligned, and so are incentives.",
            ),
            (
                "Limited resources for partnership work.",
                "No resources set aside for partnership work.",
                "Partnership work is never properly resourced.",
            ),
            (
                "Few pathways for collaboration or secondments.",
                "There are few pathways for secondments between sectors.",
                "Too few routes for collaboration or secondments.",
            ),
            "Research timescales that do not match policy cycles.",
            "Funding that rewards outputs over lasting partnerships.",
        ),
        "extra": (
            "Academic incentives still favour publications over impact.",
            "Partners do not always know how to engage with a university.",
        ),
        "tail": (", in our experience.", " – especially outside the big cities."),
    },
}

EXAMPLES: Mapping[int, Pool] = {
    1: {
        "core": (
            "The COVID-19 vaccine taskforce showed what is possible when government, industry and academia share risk.",
            "Greater Manchester's collaboration with business and universities to regenerate the region is delivering real economic momentum.",
            "Contracts for Difference schemes unlocked private investment in offshore wind.",
            "The DWP Restart scheme brought employers and providers together at pace.",
            "The GREAT campaign, run jointly with business, has boosted exports and tourism.",
            "A regional freeport partnership between councils, port operators and investors.",
        ),
        "extra": (
            "The lessons have not been captured systematically.",
            "Clear goals and shared risk made the difference.",
        ),
    },
    2: {
        "core": (
            "The Elizabeth Line proves what long-term collaboration can achieve, despite early challenges.",
            "The ventilator challenge: industry and government working as one team in weeks, not years.",
            "The life sciences strategy created a genuine partnership on clinical trials.",
            "Media City in Salford transformed the local economy.",
            "Offshore wind supply chain growth on the east coast.",
            "A skills bootcamp we run with a combined authority and local colleges.",
        ),
        "extra": (
            "It worked because the commercial terms were clear from the start.",
            "Long-term commitment from both sides was essential.",
        ),
    },
    3: {
        "core": (
            "Social value consortia embedding local suppliers and voluntary groups into contracts are reshaping local economies.",
            "Community energy schemes co-owned with the council and residents.",
            "An employment support partnership with local employers for people furthest from work.",
            "Place-based funding pooled by a council, the NHS and a community foundation.",
            "Charity secondees in government departments improving policy on the ground.",
        ),
        "extra": (
            "Small charities were able to take part because the bidding was shared.",
            "Residents' insight changed the design for the better.",
        ),
    },
    4: {
        "core": (
            "University partnerships with local SMEs have boosted productivity and graduate employment.",
            "A regional innovation accelerator with industry and the combined authority.",
            "Degree apprenticeships designed with major employers in the region.",
            "A civic university agreement with the council, the NHS and local businesses.",
            "Knowledge transfer partnerships that helped manufacturers adopt new technology.",
        ),
        "extra": (
            "Graduate retention in the region has improved as a result.",
            "It took years of relationship-building before the results came.",
        ),
    },
}

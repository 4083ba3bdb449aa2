"""Open-text answers for the demo waves: hand-written fragments combined deterministically.

Each pool is a dict with ``core`` sentences (one is always used), optional ``extra`` sentences (a
second thought, used now and then) and optional ``tail`` clauses. The wording follows the tone of
the seed reports: short, practical, British English.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

#: A pool of answers: "core" sentences (one per answer; a tuple is one answer written in several
#: ways), optional "extra" sentences and closing "tail" clauses.
Pool = Mapping[str, Sequence[str | tuple[str, ...]]]


def compose(rng: np.random.Generator, pool: Pool, *, p_extra: float = 0.35, p_tail: float = 0.3, lead: float = 1.0) -> str:
    """One answer: a core sentence, sometimes a second sentence, sometimes a closing clause. With
    ``lead`` above 1, the first three core answers are that many times as likely as each other one."""
    core = list(pool["core"])
    if lead == 1.0:
        first = int(rng.integers(len(core)))
    else:
        weight = np.array([lead if i < 3 else 1.0 for i in range(len(core))])
        first = int(rng.choice(len(core), p=weight / weight.sum()))
    chosen = core[first]
    text = chosen if isinstance(chosen, str) else chosen[int(rng.integers(len(chosen)))]
    extra = list(pool.get("extra", ()))
    if extra and rng.random() < p_extra:
        text = f"{text} {_one(extra[int(rng.integers(len(extra)))])}"
    tail = list(pool.get("tail", ()))
    if tail and rng.random() < p_tail:
        text = f"{text.rstrip('.')}{_one(tail[int(rng.integers(len(tail)))])}"
    return text


def _one(entry: str | tuple[str, ...]) -> str:
    """An extra or a tail is written one way."""
    return entry if isinstance(entry, str) else entry[0]


def join_list(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


# --------------------------------------------------------------------------------------------
# readiness-2018: q2_description (the collaborative project), by sector
# --------------------------------------------------------------------------------------------

_Q2_TAIL = (
    ", now in its second year.",
    ", funded jointly by the partners.",
    ", still at pilot stage.",
    ", with a shared outcomes framework agreed by all partners.",
    " – we pooled budgets for the first time.",
    ", overseen by a joint programme board.",
)

Q2_DESCRIPTION: Mapping[int, Pool] = {
    1: {  # public
        "core": (
            "Joint commissioning of reablement services with the CCG and two housing associations.",
            "A multi-agency early help hub bringing together children's services, police, schools and health visitors.",
            "An integrated discharge team with the acute trust to reduce delayed transfers of care.",
            "Place-based partnership to regenerate the town centre with local businesses and the community.",
            "Sharing back-office services (HR, payroll and procurement) with a neighbouring district council.",
            "A community safety partnership tackling anti-social behaviour on two estates.",
            "Developing a joint health and wellbeing strategy with the NHS, the voluntary sector and residents.",
            "A troubled families programme run jointly with Jobcentre Plus, the police and local charities.",
            "Co-locating social workers in GP surgeries to pick up problems earlier.",
            "A county-wide falls prevention service designed with the ambulance trust and the fire service.",
            "Sustainability and transformation partnership workstream on prevention.",
            "Redesigning the homelessness pathway with housing providers, the probation service and local charities.",
        ),
        "extra": (
            "Governance was agreed quickly but data sharing took much longer than expected.",
            "Frontline staff from each organisation now sit in the same office two days a week.",
            "Residents sat on the design group from the start.",
            "The hardest part was agreeing who pays for what.",
        ),
        "tail": _Q2_TAIL,
    },
    2: {  # private
        "core": (
            "Delivering a supported living scheme with the local authority and a housing association.",
            "A social value partnership with the council to create apprenticeships for local young people.",
            "Working with the NHS trust on a home care pilot to speed up hospital discharge.",
            "Building extra care housing in partnership with the county council and a care provider.",
            "A joint venture with the council to deliver facilities management across its estate.",
            "Supporting a local enterprise partnership skills programme alongside two colleges.",
            "Running a domiciliary care framework with three other providers to cover rural areas.",
            "Designing a digital triage tool with a CCG and a group of GP practices.",
            "An employability programme delivered with charities and Jobcentre Plus.",
        ),
        "extra": (
            "The contract was structured around shared outcomes rather than activity.",
            "It took time to build trust with partners who had been burned by outsourcing before.",
            "We shared our data openly with the commissioners, which helped a great deal.",
            "Procurement rules made it harder than it needed to be.",
        ),
        "tail": _Q2_TAIL,
    },
    3: {  # third sector
        "core": (
            "A befriending programme for isolated older people delivered with local GP practices.",
            "A consortium of local charities bidding together for a homelessness prevention contract.",
            "A co-produced mental health peer support service with the NHS trust and people with lived experience.",
            "Social prescribing in partnership with the CCG, the council and community groups.",
            "A young people's service run with the youth offending team, schools and a housing association.",
            "Food poverty network bringing together food banks, the council and supermarkets.",
            "Advice services delivered in hospital wards with the acute trust and the local authority.",
            "A community hub offering debt, housing and employment advice under one roof.",
            "Domestic abuse support pathway designed with the police, health and the council.",
            "Carers' support programme commissioned jointly by health and social care.",
            "Community-led regeneration of a local park with residents, the council and a developer.",
        ),
        "extra": (
            "Service users helped to design the offer and sit on the steering group.",
            "Short-term funding is a constant worry for the smaller partners.",
            "Being a trusted local organisation opened doors that the statutory partners could not.",
            "We spent the first six months simply agreeing a common purpose.",
        ),
        "tail": _Q2_TAIL,
    },
}

# --------------------------------------------------------------------------------------------
# readiness-2018: q3_other_text (other organisations involved)
# --------------------------------------------------------------------------------------------

Q3_OTHER: Sequence[str] = (
    "the police",
    "the fire and rescue service",
    "local schools",
    "a further education college",
    "a university",
    "housing associations",
    "local charities",
    "faith groups",
    "Jobcentre Plus",
    "the community rehabilitation company",
    "local businesses",
    "a bank",
    "the ambulance trust",
    "a hospice",
    "residents' associations",
    "the local enterprise partnership",
    "Public Health England",
    "a mental health trust",
)

# --------------------------------------------------------------------------------------------
# readiness-2018: q8_why (why collaboration is / is not important)
# --------------------------------------------------------------------------------------------

Q8_HIGH: Pool = {
    "core": (
        "No single organisation holds all the answers to the problems our residents face.",
        "People's lives don't fit neatly into our service boundaries.",
        "Demand keeps rising while budgets shrink; working together is the only way to keep services going.",
        "We know we deliver greater results when people are collaborating.",
        "The people we support use many services at once, so we have to join them up.",
        "Our funding only covers part of what people need, so we rely on partners for the rest.",
        "Outcomes like health and wellbeing depend on housing, work and community, not just on us.",
        "Working alone leads to duplication and gaps that cost more in the long run.",
        "Partners bring expertise, reach and trust that we simply do not have.",
        "Prevention only works if everyone in the system pulls in the same direction.",
        "Complex needs need a whole-system response.",
    ),
    "extra": (
        "It is not always easy, but it is essential.",
        "The challenge is making it part of day-to-day practice rather than a project.",
        "Collaboration also lets us share risk and learn from each other.",
        "Commissioners increasingly expect it too.",
        "Without it we would be firefighting.",
    ),
}

Q8_LOW: Pool = {
    "core": (
        "We mostly deliver a self-contained service, so partnership is useful but not essential.",
        "Collaboration helps at the margins, but our core contract is delivered in-house.",
        "It matters for some projects, less so for our day-to-day work.",
        "Partnership working often adds time and cost without clear benefits.",
        "Our organisation is small and specialist; we collaborate when a contract requires it.",
    ),
    "extra": (
        "Where it works well it is valuable.",
        "Too many partnerships are talking shops.",
    ),
}

Q8_SECTOR_EXTRA: Mapping[int, Sequence[str]] = {
    1: (
        "Austerity has made it unavoidable for councils.",
        "Integration with the NHS is now a statutory expectation.",
    ),
    2: (
        "Our clients are public bodies and they want partners, not just suppliers.",
        "It is how we add social value as well as deliver the contract.",
    ),
    3: (
        "As a charity we could not reach the people we do without partners.",
        "Small organisations depend on relationships to survive.",
    ),
}

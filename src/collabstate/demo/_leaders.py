"""Synthetic waves of the ``leaders`` instrument: 2024 and 2025 reproduce the published figures;
2026 is invented for the demo's trend, and 120 of its respondents are a panel of 2025's."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import _leaders_spec as spec
from . import _panel
from ._allocate import (
    NA,
    agree5,
    finish,
    int_series,
    multi_select,
    multi_series,
    place_cells,
    respondent_ids,
    rng_for,
    text_series,
)
from ._texts import compose
from ._texts_leaders import BARRIERS, ENABLERS, EXAMPLES

AGREE_ITEMS = (
    "growth_belief",
    "st_effective",
    "st_communication",
    "st_cs_understands",
    "st_understand_other",
    "st_opportunities",
    "st_outcomes",
    "st_regulation",
    "st_boards",
    "st_movement",
    "st_leadership",
    "st_network",
)

# Which latent trait orders each item within its cell (see _latents).
_DRIVER = {
    "growth_belief": "belief",
    "st_effective": "mood",
    "st_communication": "mood",
    "st_cs_understands": "mood",
    "st_understand_other": "reach",
    "st_opportunities": "mood",
    "st_outcomes": "mood",
    "st_regulation": "mood",
    "st_boards": "belief",
    "st_movement": "belief",
    "st_leadership": "belief",
    "st_network": "reach",
    "optimism": "mood",
    "state_rating": "mood",
}


@dataclass
class _Built:
    """A wave before the shuffle: its layout, latent traits, every column and every row's id."""

    wave: _Wave
    latents: dict[str, np.ndarray]  # as drawn, before seniority widens 'reach'
    cols: dict[str, np.ndarray]  # single-choice columns
    multis: dict[str, np.ndarray]
    series: list[pl.Series]
    ids: list[str]


class _Wave:
    """Row layout of one wave: contiguous blocks of groups (shuffled at the very end).

    A wave with a panel (``spec.PANEL``) also knows its ``earlier`` wave and which of its rows are
    members of it: the first rows of each group.
    """

    def __init__(self, year: int) -> None:
        self.year = year
        self.seed = spec.SEED[year]
        self.prefix = f"L{year % 100:02d}"
        sizes = spec.GROUPS[year]
        self.n = sum(sizes.values())
        self.groups: dict[str, np.ndarray] = {}
        start = 0
        for name, size in sizes.items():
            self.groups[name] = np.arange(start, start + size)
            start += size
        self.sector = np.full(self.n, NA, dtype=np.int64)
        for name, rows in self.groups.items():
            code = spec.SECTOR_OF_GROUP[name]
            if code is not None:
                self.sector[rows] = code
        self.earlier: _Built | None = None
        self.panel: _panel.Panel | None = None
        if year in spec.PANEL:
            self.earlier = _build(spec.PANEL[year]["earlier"])
            self.panel = _panel.choose(
                self.seed,
                self.earlier.wave.groups,
                self.groups,
                spec.PANEL[year]["members"],
                self.earlier.ids,
            )

    def cells(self, names) -> dict[str, np.ndarray]:
        out = {}
        for name in names:
            if name == "all":
                out[name] = np.arange(self.n)
            else:
                parts = spec.UNIONS.get(name, (name,))
                out[name] = np.concatenate([self.groups[p] for p in parts])
        covered = np.sort(np.concatenate(list(out.values())))
        if not np.array_equal(covered, np.arange(self.n)):
            raise ValueError(f"cells {list(names)} do not partition the {self.year} wave")
        return out

    def column(self, name: str, counts: dict, *, score=None, noise: float = 1.0) -> np.ndarray:
        cells = self.cells(counts)
        if self.panel is None or self.earlier is None or score is None:
            return place_cells(self.seed, name, self.n, cells, counts, score=score, noise=noise)
        # Panel members' answers follow their earlier answers (see _panel).
        earlier_cells = self.earlier.wave.cells(counts)
        earlier = self.earlier.cols[name]
        key = _panel.keys(self.seed, name, score, noise, self.panel, cells, earlier_cells, earlier, spec.PANEL_RHO)
        parts, part_counts = _panel.split(self.panel, cells, counts, earlier_cells, earlier)
        return place_cells(self.seed, name, self.n, parts, part_counts, score=key, noise=0.0)

    def roles(self) -> np.ndarray:
        """Role: placed at random; panel members keep their earlier role."""
        if self.panel is None or self.earlier is None:
            return self.column("role", {"all": spec.ROLE[self.year]})
        base = np.full(self.n, NA, dtype=np.int64)
        base[self.panel.rows] = self.earlier.cols["role"][self.panel.earlier_rows]
        new = np.setdiff1d(np.arange(self.n), self.panel.rows)
        kept = np.bincount(base[self.panel.rows], minlength=6)
        counts: dict[int | None, int] = {code: k - int(kept[code]) for code, k in spec.ROLE[self.year].items()}
        if min(counts.values()) < 0 or sum(counts.values()) != len(new):
            raise ValueError(f"{self.year} role counts do not fit the panel's roles")
        return place_cells(self.seed, "role", self.n, {"new": new}, {"new": counts}, base=base)


def _latents(w: _Wave) -> dict[str, np.ndarray]:
    rng = rng_for(w.seed, "latents")
    mood = rng.normal(size=w.n)  # how well things are going now
    belief = rng.normal(size=w.n) + 0.3 * mood  # conviction that collaboration matters
    reach = rng.normal(size=w.n)  # personal cross-sector experience and networks
    out = {"mood": mood, "belief": belief, "reach": reach}
    if w.panel is not None and w.earlier is not None:
        # Panel members are the same people: their traits carry over, with some drift.
        rows, before = w.panel.rows, w.panel.earlier_rows
        for name, values in out.items():
            earlier = w.earlier.latents[name][before]
            values[rows] = _panel.carry(values[rows], earlier, spec.PANEL_CARRY)
    return out


def _agree_counts(entry: spec.AgreeEntry) -> dict[int | None, int]:
    base, agree, *rest = entry
    opts: spec.AgreeOptions = rest[0] if rest else {}
    return agree5(base, agree, **opts)


def _tilt(w: _Wave, question: str) -> np.ndarray:
    options = spec.OPTIONS[question]
    weight = np.ones((w.n, len(options)))
    for sector, tilts in spec.TILT.get(question, {}).items():
        rows = w.sector == sector
        for opt, factor in tilts.items():
            weight[rows, options.index(opt)] = factor
    return weight


def _panel_multi(w: _Wave, question: str, counts, blank: int, exclusive, row_weight) -> np.ndarray:
    """A multiple-choice question of a wave with a panel: the members' ticks follow their earlier
    ones (``_panel.split_ticks``, ``_panel.sticky``); new respondents take the rest (and every
    blank)."""
    if w.panel is None or w.earlier is None:
        raise ValueError(f"the {w.year} wave has no panel")
    ticks = w.earlier.multis[question]
    earlier_counts, earlier_blank = spec.MULTI[w.earlier.wave.year][question]
    mine = _panel.split_ticks(w.panel, ticks, counts, w.n - blank, earlier_counts, w.earlier.wave.n - earlier_blank)
    new = np.setdiff1d(np.arange(w.n), w.panel.rows)
    rest = [c - m for c, m in zip(counts, mine)]
    tilt = _tilt(w, question)
    out = multi_select(
        w.seed,
        question,
        w.n,
        new,
        rest,
        unanswered=blank,
        exclusive=exclusive,
        option_weight=tilt,
        row_weight=row_weight,
    )
    members = multi_select(
        w.seed,
        f"{question}/panel",
        w.n,
        w.panel.rows,
        mine,
        exclusive=exclusive,
        option_weight=_panel.sticky(tilt, w.panel, ticks, spec.PANEL_TICK, exclusive),
        row_weight=row_weight,
    )
    out[w.panel.rows] = members[w.panel.rows]
    return out


#: How much likelier the seed's three answers of each sector are than each other answer (enablers, barriers).
SEED_LEAD = 4.0


def _texts(w: _Wave, role: np.ndarray, belief: np.ndarray) -> list[pl.Series]:
    out = []
    pools = {"enablers_text": ENABLERS, "barriers_text": BARRIERS, "example_text": EXAMPLES}
    for name, pool in pools.items():
        rng = rng_for(w.seed, name)
        k = spec.TEXT_ANSWERS[w.year][name]
        # Senior and more engaged leaders are a little more likely to write something.
        weight = np.exp(0.4 * belief) * np.where(role <= 2, 1.3, 1.0)
        rows = np.sort(rng.choice(w.n, size=k, replace=False, p=weight / weight.sum()))
        values: list[str | None] = [None] * w.n
        for r in rows:
            sector = int(w.sector[r]) if w.sector[r] != NA else int(rng.integers(1, 5))
            values[r] = compose(rng, pool[sector], lead=1.0 if name == "example_text" else SEED_LEAD)
        out.append(text_series(name, values))
    return out


def leaders_wave(year: int) -> pl.DataFrame:
    """A deterministic synthetic wave of the ``leaders`` instrument.

    2024 (274 rows) and 2025 (300) reproduce the published figures. 2026 (320) is invented for the
    demo; 120 of its rows are 2025 respondents answering again, with their 2025 ``respondent_id``
    (``L25-...``; the others are ``L26-...``), sector, civil-service status and role.
    """
    if year not in spec.GROUPS:
        raise ValueError(f"no demo wave for {year}; available: {sorted(spec.GROUPS)}")
    built = _build(year)
    w = built.wave
    return finish(built.series, seed=w.seed, prefix=w.prefix, wave=year, given_ids=built.ids)


def _build(year: int) -> _Built:
    w = _Wave(year)
    lat = _latents(w)
    drawn = dict(lat)

    civil = np.full(w.n, NA, dtype=np.int64)
    civil[w.groups["cs"]] = 1
    civil[w.groups["pub"]] = 2
    role = w.roles()
    # Seniority widens networks a little (role 1 = CEO / permanent secretary).
    lat["reach"] = lat["reach"] + 0.5 * (role <= 2)

    cols: dict[str, np.ndarray] = {}
    agree = spec.AGREE[year]
    for item in (*AGREE_ITEMS, "optimism"):
        cell_counts = {cell: _agree_counts(entry) for cell, entry in agree[item].items()}
        cols[item] = w.column(item, cell_counts, score=lat[_DRIVER[item]], noise=0.9)
    cols["state_rating"] = w.column("state_rating", spec.STATE[year], score=lat["mood"], noise=0.9)
    # trained: code 1 (yes) goes to the higher 'reach' scores, hence the minus sign.
    cols["trained"] = w.column("trained", spec.TRAINED[year], score=-lat["reach"], noise=1.0)
    conf_score = lat["reach"] + 1.0 * (cols["trained"] == 1)
    cols["confidence"] = w.column("confidence", spec.CONFIDENCE[year], score=conf_score, noise=0.8)

    multis = {}
    everyone = np.arange(w.n)
    for question, (counts, blank) in spec.MULTI[year].items():
        options = spec.OPTIONS[question]
        exclusive = options.index("none") if "none" in options else None
        row_weight = np.exp(0.3 * lat["belief"]) if question != "org_support" else np.exp(0.4 * lat["reach"])
        if w.panel is None:
            multis[question] = multi_select(
                w.seed,
                question,
                w.n,
                everyone,
                counts,
                unanswered=blank,
                exclusive=exclusive,
                option_weight=_tilt(w, question),
                row_weight=row_weight,
            )
        else:
            multis[question] = _panel_multi(w, question, counts, blank, exclusive, row_weight)

    series = [
        int_series("sector", w.sector),
        int_series("civil_service", civil),
        int_series("role", role),
        int_series("growth_belief", cols["growth_belief"]),
        int_series("state_rating", cols["state_rating"]),
    ]
    series += [int_series(item, cols[item]) for item in AGREE_ITEMS[1:]]
    series += [int_series("confidence", cols["confidence"]), int_series("trained", cols["trained"])]
    for question in ("org_support", "domains", "enablers", "barriers"):
        series += multi_series(question, spec.OPTIONS[question], multis[question])
    series.append(int_series("optimism", cols["optimism"]))
    series += _texts(w, role, lat["belief"])
    given: list[str | None] = [None] * w.n
    if w.panel is not None:
        for row, rid in zip(w.panel.rows, w.panel.ids):
            given[row] = rid
    cols.update(sector=w.sector, civil_service=civil, role=role)
    ids = respondent_ids(w.seed, w.n, w.prefix, given)
    return _Built(w, drawn, cols, multis, series, ids)

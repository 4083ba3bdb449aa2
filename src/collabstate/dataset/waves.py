"""Waves: which wave a file holds, the order of waves, and the same people followed across them.

A wave has a label and a place in time, always; nothing downstream guesses either.

- **Label**: the file's ``wave`` column when it has one (a file may hold several waves, one per
  value), else the file name's stem (``leaders-2024.csv`` → ``leaders-2024``), else the label given
  (the web app uses the wave's title). Never "current" or "previous".
- **Place in time** (:attr:`Wave.when`): a date or year read from the label (``leaders-2024``,
  ``2025``, ``pulse-2026-03``), a wave number (a whole-number ``wave`` column such as 1, 2, 3) or
  the dates the web app knows. Waves are ordered by it when every wave has one of the same kind
  and no two share it; otherwise in the order given: the reported wave last, each earlier wave
  given nearest first (``report 2025.csv --compare 2024.csv --compare 2023.csv``).
- Two waves with the same label, or a wave to compare that is dated after the wave reported, stop
  with a :class:`WaveOrderError` that says how to name them.

:func:`stack_waves` puts ordered waves into one :class:`~collabstate.dataset.Responses` with a
``wave`` column holding each wave's label, for :func:`collabstate.stats.wave_change`. Where the
same respondents (``respondent_id``) or organisations (``org_id``) appear in more than one wave,
they are a panel: the stacked design takes the panel unit as its cluster (unless the design has
clusters of its own), so a change is estimated with the covariance between waves, as R's
``survey`` does for a domain contrast on ``svydesign(ids = ~respondent_id, data = stacked)``.
Respondents seen once are clusters of one: they count exactly as in independent samples.

>>> import polars as pl
>>> from collabstate.instrument import load_instrument
>>> from collabstate.dataset import Responses
>>> ins = load_instrument("leaders")
>>> w24 = waves_in(Responses(ins, pl.DataFrame({"sector": [1, 2]}), source="leaders-2024.csv"))
>>> w25 = waves_in(Responses(ins, pl.DataFrame({"sector": [2, 2]}), source="leaders-2025.csv"))
>>> [w.label for w in order_waves(w25, [w24])]
['leaders-2024', 'leaders-2025']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

import polars as pl

from ..errors import InputError
from .responses import Responses

__all__ = [
    "Panel",
    "Stacked",
    "Wave",
    "WaveOrderError",
    "how_ordered",
    "labels_in_time",
    "order_waves",
    "stack_waves",
    "wave_when",
    "waves_in",
]

#: A year (1900–2099), optionally with a month and a day: 2024, 2024-06, 2024_06_30, 2024.06.
_DATED = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:[-_./ ](0[1-9]|1[0-2])(?:[-_./ ](0[1-9]|[12]\d|3[01]))?)?(?!\d)")
#: Panel units, in the order they are looked for.
PANEL_COLUMNS = ("respondent_id", "org_id")


class WaveOrderError(InputError):
    """The waves cannot be told apart or put in order; the message says how to name them."""


When = tuple[str, tuple[int, ...]]


def wave_when(label: object) -> When | None:
    """Where a label sits in time: ``("date", (year, month, day))`` from a year or date in it (0
    for a month or day not given), ``("number", (n,))`` for a plain wave number, else ``None``.

    >>> wave_when("leaders-2024"), wave_when("pulse 2026-03"), wave_when(3), wave_when("spring")
    (('date', (2024, 0, 0)), ('date', (2026, 3, 0)), ('number', (3,)), None)
    """
    text = str(label).strip()
    if re.fullmatch(r"\d+", text) and not _DATED.fullmatch(text):
        return ("number", (int(text),))
    found = _DATED.search(text)
    if found is None:
        return None
    return ("date", tuple(int(part) if part else 0 for part in found.groups()))


@dataclass(frozen=True)
class Wave:
    """One wave: its label, its responses, where it sits in time and where the label came from."""

    label: str
    responses: Responses
    when: When | None = None
    #: "its wave column", "its file name" or "given" (the web app, or a caller).
    origin: str = "given"
    #: The file (or source) the wave came from, for messages.
    source: str = ""

    @classmethod
    def of(cls, label: str, responses: Responses, *, when: When | None = None, source: str = "") -> Wave:
        """A wave with a label given by the caller; its time read from the label unless given."""
        return cls(str(label), responses, when if when is not None else wave_when(label), "given", source or label)


def _stem(source: str | None) -> str | None:
    if not source or source.startswith("<"):
        return None
    stem = PurePath(source).stem.strip()
    return stem or None


def waves_in(responses: Responses, *, label: str | None = None) -> list[Wave]:
    """The waves a file holds: one per value of its ``wave`` column, else one wave named by
    ``label`` or by the file name's stem. Several waves come in their own order (wave numbers,
    dates or years in their labels); :class:`WaveOrderError` when that order cannot be known."""
    source = responses.source or label or "data given in memory"
    data = responses.data
    if "wave" in data.columns and data["wave"].null_count() < data.height:
        values = data["wave"].drop_nulls().unique(maintain_order=True).to_list()
        if data["wave"].null_count():
            raise WaveOrderError(f"{source}: {data['wave'].null_count()} rows have no wave while others do; give every row its wave")
        if len(values) == 1:
            return [Wave(str(values[0]), responses, wave_when(values[0]), "its wave column", source)]
        rows = responses.rows  # the file's rows, so that a wave's messages still name them
        waves = [
            Wave(str(value), Responses(responses.instrument, data.filter(pl.col("wave") == value), source=responses.source,
                                       weight=responses.weight, strata=responses.strata, cluster=responses.cluster,
                                       rows=None if rows is None else rows[(data["wave"] == value).to_numpy()]),
                 wave_when(value), "its wave column", source)
            for value in values
        ]  # fmt: skip
        return _in_time(waves, f"{source} holds waves {', '.join(w.label for w in waves)}")
    name = label or _stem(responses.source)
    if name is None:
        raise WaveOrderError(f"{source}: no wave column and no file name to label the wave by; give the data a wave column or a label")
    return [Wave(name, responses, wave_when(name), "given" if label else "its file name", source)]


def _in_time(waves: list[Wave], what: str) -> list[Wave]:
    """Waves sorted by their time; an error naming ``what`` when they cannot be."""
    ordered = _sorted_by_time(waves)
    if ordered is None:
        raise WaveOrderError(
            f"{what}, and their order cannot be told from the labels: label waves with their year or date "
            "(2024, 2025-06) or with wave numbers (1, 2, 3)"
        )
    return ordered


def _orderable(whens: Sequence[When | None]) -> bool:
    """Every wave has a time, all of one kind (dates or numbers), and no two share one."""
    return all(w is not None for w in whens) and len({w[0] for w in whens if w}) == 1 and len(set(whens)) == len(whens)


def _sorted_by_time(waves: Sequence[Wave]) -> list[Wave] | None:
    """Sorted by :attr:`Wave.when` when :func:`_orderable`, else None."""
    if not _orderable([w.when for w in waves]):
        return None
    return sorted(waves, key=lambda w: w.when or ("", ()))


def labels_in_time(labels: Sequence[object]) -> list[str]:
    """Wave labels in time order, by the dates, years or wave numbers they hold.

    >>> labels_in_time(["2025", "2024"]), labels_in_time([10, 9])
    (['2024', '2025'], ['9', '10'])
    """
    whens = {str(label): wave_when(label) for label in labels}
    if not _orderable(list(whens.values())) or len(whens) != len(labels):
        raise WaveOrderError(
            f"the order of waves {', '.join(whens)} cannot be told from their labels: label waves with their year or date "
            "(2024, 2025-06) or with wave numbers (1, 2, 3), or give the order"
        )
    return sorted(whens, key=lambda label: whens[label] or ("", ()))


def how_ordered(waves: Sequence[Wave]) -> str:
    """How :func:`order_waves` put these waves in order, in words for a methods section."""
    ordered = _sorted_by_time(waves)
    if ordered is None:
        return "in the order given (the reported wave last, each earlier wave given nearest first)"
    kind = (waves[0].when or ("", ()))[0]
    return "by the wave numbers" if kind == "number" else "by the dates or years in their labels or the wave's dates"


def _describe(wave: Wave) -> str:
    return f"'{wave.label}' ({wave.origin}, {wave.source})" if wave.source and wave.source != wave.label else f"'{wave.label}'"


def order_waves(reported: Sequence[Wave], earlier: Sequence[Sequence[Wave]] = ()) -> list[Wave]:
    """Every wave in time order, the reported wave last.

    ``reported`` are the waves of the data reported (usually one); ``earlier`` the waves of each
    file to compare with, nearest first, as given on the command line. Waves are put in order by
    their dates, years or numbers when all have one of a kind and none share it; otherwise in the
    order given. Raises :class:`WaveOrderError` when two waves share a label, or when a wave to
    compare with is dated after the wave reported."""
    if not reported:
        raise WaveOrderError("no wave to report")
    everything = [*reported, *(w for file in earlier for w in file)]
    seen: dict[str, Wave] = {}
    for wave in everything:
        if wave.label in seen:
            first = seen[wave.label]
            raise WaveOrderError(
                f"two waves are both labelled '{wave.label}' ({first.source} and {wave.source}), so their order cannot be known: "
                "name each file after its wave (leaders-2024.csv, leaders-2025.csv) or give each a wave column with its own "
                "year, date or wave number"
            )
        seen[wave.label] = wave
    by_time = _sorted_by_time(everything)
    if by_time is not None:
        latest_reported = max(reported, key=lambda w: w.when or ("", ()))
        later = by_time[by_time.index(latest_reported) + 1 :]
        if later:
            raise WaveOrderError(
                f"the wave to compare with {_describe(later[-1])} is later than the wave reported, {_describe(latest_reported)}: "
                "the data given first is the wave reported and every --compare is an earlier wave; swap them"
            )
        return by_time
    chronological: list[Wave] = []
    for file in reversed(earlier):
        chronological.extend(file)
    return [*chronological, *reported]


@dataclass(frozen=True)
class Panel:
    """Respondents (or organisations) found in more than one wave."""

    column: str  # "respondent_id" or "org_id"
    #: For each pair of wave labels (earlier, later), how many units answered both.
    matched: dict[tuple[str, str], int]

    def between(self, earlier: str, later: str) -> int:
        return self.matched.get((earlier, later), 0)


@dataclass(frozen=True)
class Stacked:
    """Ordered waves in one :class:`Responses` (``wave`` holds each label), with the panel found."""

    responses: Responses
    labels: list[str]
    panel: Panel | None
    sizes: dict[str, int]

    @property
    def reported(self) -> str:
        return self.labels[-1]


def _panel(waves: Sequence[Wave]) -> Panel | None:
    for column in PANEL_COLUMNS:
        ids = {}
        for w in waves:
            if column in w.responses.data.columns:
                ids[w.label] = set(w.responses.data[column].drop_nulls().to_list())
        matched = {(a.label, b.label): len(ids.get(a.label, set()) & ids.get(b.label, set()))
                   for i, a in enumerate(waves) for b in waves[i + 1 :]}  # fmt: skip
        if any(matched.values()):
            return Panel(column, matched)
    return None


def stack_waves(waves: Sequence[Wave], *, panel: bool = True) -> Stacked:
    """Ordered waves (earliest first) in one Responses with a String ``wave`` column of their labels.

    Every wave must be of the same instrument and either all weighted or none. With ``panel``,
    units found in more than one wave become the clusters of the stacked design (see the module
    docstring); a design with clusters of its own keeps them."""
    if len(waves) < 2:
        raise WaveOrderError("stacking needs two waves or more")
    first = waves[-1].responses
    for w in waves:
        if w.responses.instrument.id != first.instrument.id:
            raise WaveOrderError(f"wave '{w.label}' is of instrument {w.responses.instrument.id!r}, not {first.instrument.id!r}")
    weighted = {w.label: w.responses.weight is not None for w in waves}
    if len(set(weighted.values())) > 1:
        raise WaveOrderError(
            "some waves are weighted and others are not ("
            + ", ".join(f"{label}: {'weighted' if yes else 'unweighted'}" for label, yes in weighted.items())
            + "); weight every wave or none"
        )
    found = _panel(waves) if panel else None
    frames = []
    for w in waves:
        r = w.responses
        frame = r.data.with_columns(pl.lit(w.label, pl.String).alias("wave"))
        renames = {
            name: standard
            for name, standard in ((r.weight, "weight"), (r.strata, "stratum"), (r.cluster, "cluster"))
            if name and name != standard
        }
        frames.append(frame.rename(renames) if renames else frame)
    data = pl.concat(frames, how="diagonal_relaxed")
    has_clusters = "cluster" in data.columns
    if found is not None and not has_clusters:
        unit = data[found.column]
        fallback = pl.format("\u0000{}:{}", pl.col("wave"), pl.int_range(pl.len()).cast(pl.String))
        data = data.with_columns(pl.when(unit.is_not_null()).then(unit.cast(pl.String)).otherwise(fallback).alias("cluster"))
    stacked = Responses(first.instrument, data, source=" + ".join(w.label for w in waves))
    return Stacked(stacked, [w.label for w in waves], found, {w.label: w.responses.n for w in waves})

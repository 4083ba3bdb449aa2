"""A wave's results so far: the report of ``collabstate report``, built by the same function
(:func:`collabstate.report.build.build_report`) on the wave's completed responses
(:func:`collabstate.web.surveys.actions.responses_of`), so every number, every suppressed base
and every chart is the command line's. Nothing here computes a figure.

A built report is kept on disk, under ``VAR_DIR/reports/wave-<number>/``, one folder per

- *data*: the completed responses (their count, and a checksum of their numbers that changes
  when one is deleted and another completed), the figures of the response rate (invited,
  invitees who completed, imported from files), the instrument's text and the coding of its open
  answers (:func:`.coding.coding_key`: the report's themes are the primary coders' codes), and
  the same of the wave compared with;
- *choice*: the breakdown and the wave compared with; and the build: ``page`` (HTML, workbook
  and estimate table, one estimation) or ``pdf`` (slow: charts drawn, pages laid out);
- the tables saved for the report on the Tables page (:func:`.tables.saved_tables_for_report`),
  shown in its section Tables: adding one, taking one out or changing one builds it afresh;

so a second look is a read of a file, and a new completion makes the next look build afresh. Only
the folders of the data as it is now are kept: building one removes the wave's older ones, and
:func:`forget` removes them all (an erasure must not survive in a cached report).

Two workers asked for the same report build it once (a lock per folder); a folder appears whole
or not at all (it is built beside and renamed into place).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from ... import __version__
from ...dataset import Responses
from ...dataset.codes import Codes, apply_codes
from ...dataset.waves import Wave as LabelledWave
from ...errors import RefusedError
from ...instrument.model import ScaleQuestion, SingleQuestion
from ...report.assets import AssetsMissing
from ...report.build import build_report
from ...report.evidence import sector_question_id
from ...report.spec import SpecError, parse_spec
from ..surveys.actions import completed_fingerprint, responses_of
from ..surveys.exports import export_codebook
from ..surveys.models import Wave
from . import coding
from .models import ReportSpecVersion
from .tables import report_key, saved_tables_for_report

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

__all__ = [
    "BUILDS", "DOWNLOADS", "STEPS", "Built", "Choice", "Unreportable", "breakdowns", "cached", "codebook_xlsx",
    "comparable_waves", "default_breakdown", "file_stem", "forget", "latest_spec", "report",
]  # fmt: skip

#: What one build writes: the page's (one estimation gives all three) and the PDF's.
BUILDS = {"page": ("html", "xlsx", "json"), "pdf": ("pdf",), "pptx": ("pptx",)}
#: A download: (build, the file in the built folder, the name's ending, content type).
DOWNLOADS = {
    "html": ("page", "report.html", "report.html", "text/html; charset=utf-8"),
    "pdf": ("pdf", "report.pdf", "report.pdf", "application/pdf"),
    "xlsx": ("page", "tables.xlsx", "report.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": ("page", "estimates.json", "estimates.json", "application/json"),
    "pptx": ("pptx", "report.pptx", "report.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}
XLSX = DOWNLOADS["xlsx"][3]
#: How many steps a build has (build_report's: estimating, laying out, then each file; the PDF's charts are one more).
STEPS = {build: 2 + len(formats) + ("pdf" in formats) for build, formats in BUILDS.items()}
#: The report page's own policy (it carries it in a meta tag too): nothing fetched; shown in a
#: frame of the workspace's own pages only.
REPORT_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; "
    "font-src data:; frame-ancestors 'self'"
)


class Unreportable(RefusedError):
    """Responses were completed, but no report can be made of them (the message says why)."""


@dataclass(frozen=True)
class Choice:
    """What the person chose: ``by`` a breakdown column (``""``: the report's default, the
    sector question) and ``earlier`` the waves to compare with, any number of them (kept latest
    first: the report orders waves by when they opened); ``quotes=False`` leaves the open-text
    quotes out (a shared link's choice, :mod:`.sharing`)."""

    by: str | None = ""
    earlier: tuple[Wave, ...] = ()
    quotes: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "earlier", tuple(sorted(set(self.earlier), key=lambda w: (w.opens_at, w.pk), reverse=True)))

    @property
    def previous(self) -> Wave | None:
        """The nearest earlier wave chosen."""
        return self.earlier[0] if self.earlier else None


@dataclass(frozen=True)
class Built:
    folder: Path
    n: int  # responses reported on
    rejected: int  # stored responses with answers that do not fit the instrument (those answers blank, as the exports write them)
    previous_n: int | None
    seconds: float  # how long the build took
    built_at: float  # time.time() when it was built

    def path(self, name: str) -> Path:
        return self.folder / name

    @property
    def when(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.built_at, tz=dt.UTC)


def latest_spec(wave: Wave) -> ReportSpecVersion | None:
    """The newest version of the wave's report text (the report page's), if any: the report is built with it."""
    return wave.report_specs.select_related("created_by").first()


def breakdowns(wave: Wave) -> list[tuple[str, str]]:
    """``(column, label)`` of the questions a report can be broken down by: the single-choice and
    scale questions (a grid's rows could be too, as on the command line, but are not offered)."""
    return [(q.id, q.label) for q in wave.instrument.questions if isinstance(q, (SingleQuestion, ScaleQuestion))]


def default_breakdown(wave: Wave) -> str | None:
    """The breakdown ``collabstate report`` uses when given none (the sector question), if any."""
    return sector_question_id(wave.instrument)


class _Completed(TypedDict):
    """What :func:`comparable_waves` adds to each wave: its number of completed responses."""

    completed: int


def comparable_waves(wave: Wave) -> list[WithAnnotations[Wave, _Completed]]:
    """The waves ``wave`` may be compared with: of its own organisation (never another's), of the
    same instrument, opened before it, with completed responses; latest first."""
    earlier = (
        Wave.objects.filter(organisation_id=wave.organisation_id, opens_at__lt=wave.opens_at)
        .exclude(pk=wave.pk)
        .annotate(completed=Count("responses", filter=Q(responses__completed=True)))
        .filter(completed__gt=0)
        .order_by("-opens_at")
    )
    same = wave.instrument.id
    return [w for w in earlier if w.instrument.id == same]


def report(wave: Wave, choice: Choice = Choice(), build: str = "page", progress: Callable[[str], None] | None = None) -> Built | None:
    """The wave's report for ``choice``, from the cache or built now; ``None`` when no response
    has been completed yet (there is nothing to report). Raises :class:`Unreportable` when the
    stored responses cannot be reported on (none fits the instrument, the report's JavaScript is
    not installed). ``progress``, for a build, is called with a message before each of its
    ``STEPS[build]`` steps (:func:`~collabstate.report.build.build_report`'s)."""
    data = _data_key(wave)
    if data is None:
        return None
    folder = _folder(wave, choice, build, data)
    found = _read(folder)
    if found:
        return found
    with _locked(folder.with_name(folder.name + ".lock")):
        return _read(folder) or _build(wave, choice, build, folder, data, progress)


def cached(wave: Wave, choice: Choice = Choice(), build: str = "page") -> Built | None:
    """The report of :func:`report` if it is built already for the data as it is now; never builds."""
    data = _data_key(wave)
    return _read(_folder(wave, choice, build, data)) if data is not None else None


def forget(wave: Wave) -> None:
    """Delete every cached report of ``wave``, and every one compared with it."""
    _remove(_wave_folder(wave))
    for found in _root().glob("wave-*/*-p*-*"):
        if str(wave.pk) in found.name.rsplit("-p", 1)[1].split("-")[0].split("."):
            _remove(found)


def file_stem(wave: Wave, choice: Choice) -> str:
    """A download's name before its ending: the wave's, and any breakdown or comparison chosen
    other than the default (``leaders-2026-by-role-vs-leaders-2025``)."""
    stem = wave.slug
    if choice.by != default_breakdown(wave) and choice.by != "":
        stem += f"-by-{choice.by or 'none'}"
    if choice.earlier:
        stem += "-vs-" + "-".join(w.slug for w in choice.earlier)
    return stem


def codebook_xlsx(wave: Wave) -> BytesIO:
    """The codebook of the wave's instrument as a workbook (:func:`~collabstate.web.surveys.exports.export_codebook`)."""
    out = BytesIO()
    export_codebook(wave, out)  # writes into ``out`` and returns it
    out.seek(0)
    return out


# The cache


def _root() -> Path:
    return Path(settings.VAR_DIR) / "reports"


def _wave_folder(wave: Wave) -> Path:
    return _root() / f"wave-{wave.pk}"


def _digest(parts) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:12]


def _folder(wave: Wave, choice: Choice, build: str, data: str) -> Path:
    """``<data>-p<the waves compared, 12.9 or 0>-<digest>``: the data, the choice and the build."""
    compared = [(w.pk, _data_key(w), w.title, w.opens_at) for w in choice.earlier]
    spec = latest_spec(wave)
    parts = [__version__, build, choice.by, compared, wave.title, wave.opens_at, report_key(wave), spec.text if spec else None]
    if not choice.quotes:  # only then: the folders of every other choice keep their names
        parts.append("without quotes")
    pks = ".".join(str(w.pk) for w in choice.earlier) or "0"
    return _wave_folder(wave) / f"{data}-p{pks}-{_digest(parts)}"


def _data_key(wave: Wave) -> str | None:
    """What the report of ``wave`` is built from, as a short key; ``None`` with no completed
    response (:func:`~collabstate.web.surveys.actions.completed_fingerprint`)."""
    done = completed_fingerprint(wave)
    if done is None:
        return None
    rate = _rate_figures(wave)
    return _digest([*done, rate["invited"], rate["invited_completed"], rate["imported"], wave.instrument_ref, wave.instrument_yaml,
                    coding.coding_key(wave)])  # fmt: skip


class _RateFigures(TypedDict):
    invited: int | None
    invited_completed: int | None
    imported: int


def _invitee_names(wave: Wave) -> tuple[list[str], list[str]]:
    """The people's and the organisations' names of the wave's invitee list, taken out of the
    report's quotes (contact details purged by retention are gone from here too)."""
    people = list(wave.invitees.exclude(name="").values_list("name", flat=True).distinct())
    organisations = list(wave.invitees.exclude(organisation="").values_list("organisation", flat=True).distinct())
    return people, organisations


def _rate_figures(wave: Wave) -> _RateFigures:
    """What the report's response rate is made of (:func:`build_report`'s keywords): the rate is
    of invitees only; responses imported from files are named beside it. ``None`` for no one
    invited (the rate is not known)."""
    invited = wave.invited()
    return {"invited": invited or None, "invited_completed": wave.invited_completed() if invited else None, "imported": wave.imported()}


def _read(folder: Path) -> Built | None:
    try:
        meta = json.loads((folder / "built.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Built(folder, meta["n"], meta["rejected"], meta["previous_n"], meta["seconds"], meta["built_at"])


@contextmanager
def _locked(lock: Path):
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(wave: Wave, choice: Choice, build: str, folder: Path, data: str, progress: Callable[[str], None] | None = None) -> Built:
    started = time.perf_counter()
    current = responses_of(wave)
    if current.responses.n == 0:
        raise Unreportable(
            f"none of the {current.n_read} completed responses fits the questionnaire ({current.n_problems} problems); "
            "an analyst can see them by exporting the responses and running `collabstate validate`"
        )
    earlier = [_labelled(w, responses_of(w).responses, wave, choice) for w in choice.earlier]
    themed, codes, agreed = coded_responses(wave, current.responses)
    version = latest_spec(wave)
    scratch = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    try:
        try:
            spec = parse_spec(version.text, f"report text version {version.number}") if version else None
            build_report(_labelled(wave, themed, wave, choice), scratch, formats=BUILDS[build], by=choice.by, earlier=earlier,
                         title=wave.title, progress=progress, tables=saved_tables_for_report(wave, current.responses),
                         spec=spec, quotes=choice.quotes, names=_invitee_names(wave), codes=codes, coding=agreed,
                         **_rate_figures(wave))  # fmt: skip
        except SpecError as exc:  # a section it names that this choice's report lacks (Trends without an earlier wave …)
            raise Unreportable(f"{exc} (edit the report's text on its page)") from exc
        except (AssetsMissing, ValueError) as exc:  # as the command line reports them
            raise Unreportable(str(exc)) from exc
        seconds = time.perf_counter() - started
        n, rejected = current.responses.n, current.rejected.height
        previous_n, built_at = earlier[0].responses.n if earlier else None, time.time()
        meta = {"n": n, "rejected": rejected, "previous_n": previous_n, "seconds": seconds, "built_at": built_at}
        (scratch / "built.json").write_text(json.dumps(meta), encoding="utf-8")
        scratch.rename(folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # gone already when renamed
    _prune(folder.parent, data)
    return Built(folder, n, rejected, previous_n, seconds, built_at)


def coded_responses(wave: Wave, responses: Responses) -> tuple[Responses, list[Codes], list[str]]:
    """``responses`` with the themes of the primary coders' codes (:func:`.coding.report_codes`),
    those codes, and the methods' sentences on the other coders' agreement."""
    codes, agreed = coding.report_codes(wave, responses)
    for coded in codes:
        [responses] = apply_codes([responses], coded)
    return responses, codes, agreed


def _labelled(wave: Wave, responses, reported: Wave, choice: Choice) -> LabelledWave:
    """A wave of the site as the report of ``reported`` takes it: labelled by its title (with its
    address's name when two waves of the report share a title) and placed in time by when it opened."""
    titles = [w.title for w in (*choice.earlier, reported)]
    label = wave.title if titles.count(wave.title) == 1 else f"{wave.title} ({wave.slug})"
    opened = timezone.localtime(wave.opens_at)
    when = ("date", (opened.year, opened.month, opened.day, opened.hour, opened.minute, opened.second))
    return LabelledWave.of(label, responses, when=when, source=wave.slug)


def _prune(wave_folder: Path, data: str) -> None:
    """Remove the wave's reports of data that has since changed (and their locks)."""
    for old in wave_folder.iterdir():
        if not old.name.startswith((data, ".building-")):
            _remove(old)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)

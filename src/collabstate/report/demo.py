"""The demo's four reports: the 2018 readiness report, the 2026 leaders' report with the trend
since 2024 (three waves; 120 of 2026's respondents answered in 2025 too, so their changes are
paired), the 2025 leaders' report built from a report spec (``demo_specs/leaders-2025.yaml``:
seed 001's key messages with live figures; written beside the report as ``report.yaml``), both
with the open answers on enablers and barriers coded by the demo's codebooks (seed 001's "In
their own words" tables: :mod:`collabstate.demo._coding`), and one
(synthetic) organisation's readiness benchmark (its peer comparison).

>>> paths = demo_reports("demo-output/reports")     # doctest: +SKIP
>>> [p.html.name for p in paths.values()]           # doctest: +SKIP
['report.html', 'report.html', 'report.html', 'benchmark.html']
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

from ..dataset import Responses
from ..instrument import load_instrument
from .build import ReportPaths, build_report
from .peer_comparison import build_peer_comparison
from .spec import parse_spec

__all__ = ["demo_reports"]

#: The 2018 survey invited over 7,000 people (seed 004).
INVITED_2018 = 7000


def demo_reports(out_dir: str | Path, *, progress: Callable[[str], None] | None = None) -> dict[str, ReportPaths]:
    """Build the four demo reports under ``out_dir`` (``readiness-2018/``, ``leaders-2026/``,
    ``leaders-2025/``, ``benchmark/``); the paths written, by report."""
    from ..dataset.codes import apply_codes, read_codes
    from ..demo import DEMO_CODINGS, demo_organisation, leaders_wave, readiness_2018
    from ..instrument.codebook import load_codebook

    out = Path(out_dir)
    say = progress or (lambda message: None)
    readiness = load_instrument("readiness-2018")
    leaders = load_instrument("leaders")
    r18 = Responses(readiness, readiness_2018(), source="the 2018 demo wave (synthetic; reproduces the published figures)")
    l24 = Responses(leaders, leaders_wave(2024), source="the 2024 demo wave (synthetic)")
    l25 = Responses(leaders, leaders_wave(2025), source="the 2025 demo wave (synthetic)")
    l26 = Responses(leaders, leaders_wave(2026), source="the 2026 demo wave (synthetic, invented for the trend)")
    org = Responses(readiness, demo_organisation(r18.data), source="a synthetic organisation of 24 respondents")
    done = {}
    say("Report: readiness 2018")
    done["readiness-2018"] = build_report(
        r18, out / "readiness-2018", invited=INVITED_2018, progress=progress, title="The State of Collaboration 2018"
    )
    say("Report: leaders 2026, with the trend since 2024")
    codes = [read_codes(codes_path, load_codebook(book_path, leaders)) for book_path, codes_path in DEMO_CODINGS]
    c26, c25, c24 = l26, l25, l24
    for c in codes:  # one codes file codes every wave
        c26, c25, c24 = apply_codes([c26, c25, c24], c)
    done["leaders-2026"] = build_report(
        c26, out / "leaders-2026", earlier=[c25, c24], progress=progress, title="State of Cross-sector Collaboration 2026", codes=codes
    )
    say("Report: leaders 2025 against 2024, from a report spec (seed 001's key messages with live figures)")
    spec_text = (resources.files("collabstate.report") / "demo_specs" / "leaders-2025.yaml").read_text(encoding="utf-8")
    (out / "leaders-2025").mkdir(parents=True, exist_ok=True)
    spec_file = out / "leaders-2025" / "report.yaml"  # beside the report, to edit and build again with --spec
    spec_file.write_text(spec_text, encoding="utf-8")
    done["leaders-2025"] = build_report(
        c25, out / "leaders-2025", earlier=[c24], progress=progress, spec=parse_spec(spec_text, str(spec_file)), codes=codes
    )
    say("Benchmark: one organisation")
    done["benchmark"] = build_peer_comparison(org, r18, out / "benchmark", name="Example Housing Trust", progress=progress)
    return done

"""The layout checks (issue 16, item 4): the demo reports pass them, and a report printed with a
deliberately broken stylesheet (``print_pdf``'s ``extra_css``) fails the check for its defect."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import need, need_node_modules, r18

from collabstate.report.layout_check import MIN_INK, check_pdf, ink_shares, read_words


@pytest.mark.parametrize("which", ["r18_report", "l25_report", "bench_report"])
def test_the_demo_reports_pass_the_layout_checks(which, request):
    need("pdftotext")
    report = request.getfixturevalue(which)
    assert report["pdf_layout"]["tables"] and report["pdf_layout"]["headings"]
    started = time.perf_counter()
    problems = check_pdf(Path(report["pdf"]), report["pdf_layout"])
    took = time.perf_counter() - started
    assert [str(p) for p in problems] == []
    assert took < 10, f"the checks took {took:.1f} s"


def test_every_page_but_the_cover_and_the_last_is_well_used(r18_report):
    need("pdftoppm")
    shares = ink_shares(Path(r18_report["pdf"]))
    assert len(shares) == len(read_words(Path(r18_report["pdf"])))
    assert min(shares[1:-1]) >= MIN_INK


@pytest.fixture(scope="module")
def r18_model():
    """The 2018 report laid out once (its charts drawn once) for the broken printings."""
    need_node_modules()
    need("pdftotext")
    from collabstate.report.build import build_model
    from collabstate.report.evidence import gather
    from collabstate.report.pdf import chart_svgs

    report = build_model(gather(r18(), invited=7000))
    return report, chart_svgs(report)


BROKEN = {
    # Every table pushed to a new page: its title is left at the foot of the page before, and pages
    # hold a title and nothing else.
    "empty-page": "table.data { break-before: page; } .table-wrap { break-before: page; }",
    "heading-at-foot": "table.data { break-before: page; } .table-wrap { break-before: page; }",
    # Every table broken after its first row.
    "table-split": "table.data.short, .table-block.short { break-inside: auto; } table.data tbody tr:nth-child(2) { break-before: page; }",
    # The subtitle pulled up over the title.
    "overlap": ".subtitle { margin-top: -2.6em; }",
    # The questions' ids kept whole in a narrow column.
    "overflow": "#t-questions table.data tbody th { overflow-wrap: normal !important; white-space: nowrap; }"
    " #t-questions table.data thead th:nth-child(1) { width: 6% !important; }",
}


@pytest.mark.parametrize("check", sorted(BROKEN))
def test_a_broken_stylesheet_fails_its_check(check, r18_model, tmp_path):
    from collabstate.report.pdf import print_pdf

    report, svgs = r18_model
    printed = print_pdf(report, tmp_path / "broken.pdf", svgs=svgs, extra_css=BROKEN[check])
    problems = check_pdf(printed.path, printed.layout)
    found = [p for p in problems if p.check == check]
    assert found, f"{check} not found among {[str(p) for p in problems][:10]}"
    assert all(p.page >= 1 and p.what for p in found)

"""The Tables page in a real Chromium (issue 15): an analyst opens it from the wave's page, ticks
what goes down the side and the banners, types a filter and unticks a statistic, and the table
changes each time without a reload (the page's script); they download its workbook, whose every
value is the one ``collabstate table … --format xlsx`` writes of the wave's exported responses,
and save it for the report. The page passes axe-core at phone (390 px) and desktop (1280 px)
widths, with a table shown.

Set ``COLLABSTATE_SCREENSHOTS`` to a folder to keep screenshots of both widths, to look at."""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from browser_helpers import assert_accessible, follow, heading, sign_in, submit
from typer.testing import CliRunner
from workspace_helpers import PASSWORD

from collabstate.cli import app
from collabstate.dataset import write_responses
from collabstate.web.surveys.actions import responses_of
from collabstate.web.workspace.importing import import_responses
from collabstate.web.workspace.models import SavedTable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

N = 80


def values(path: Path) -> list[tuple]:
    return list(openpyxl.load_workbook(path).active.values)


def test_an_analyst_builds_a_table_downloads_it_and_saves_it(new_page, analyst_a, org_a, make_wave, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    wave = make_wave("readiness-2026", organisation=org_a, title="Readiness 2026")
    frame = pl.DataFrame({"q1_example": ["1" if i % 4 else "2" for i in range(N)], "q16_sector": [str(1 + i % 3) for i in range(N)],
                          "q7_importance": [str(1 + (i * 7) % 5) for i in range(N)], "q15_role": [str(1 + i % 6) for i in range(N)],
                          "q12_tools": [str(i % 4) for i in range(N)]})  # fmt: skip
    assert import_responses(wave, frame, name="paper.csv").imported == N
    shots = Path(os.environ.get("COLLABSTATE_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)

    page = new_page(axe_everywhere=True, timeout=30_000, accept_downloads=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "analyst-a", PASSWORD)
    page.goto(f"/workspace/waves/{wave.pk}/")
    follow(page, "Tables")
    assert heading(page) == "Tables"
    page.evaluate("window.notReloaded = true")  # gone if the page is loaded again

    side, banners = page.get_by_role("group", name="Down the side"), page.get_by_role("group", name="Across the top (banners)")
    side.get_by_label("Importance of collaboration to delivering services", exact=True).check()
    caption = page.locator("#crosstab caption")
    caption.filter(has_text="1 row, in total").wait_for()
    side.get_by_label("Organisation provides the tools to collaborate", exact=True).check()
    banners.get_by_label("Sector", exact=True).check()
    banners.get_by_label("Role", exact=True).check()
    caption.filter(has_text="2 rows by Role and Sector").wait_for()  # in the questionnaire's order, as listed
    page.get_by_label("Only respondents for whom (optional)").fill("q1_example == 1")
    page.get_by_label("Only respondents for whom (optional)").press("Enter")  # the form's submit, taken by the script
    caption.filter(has_text="respondents for whom q1_example == 1").wait_for()
    page.get_by_role("group", name="Show for each answer").get_by_label("Interval (95%)").uncheck()
    page.locator("#crosstab tr.crosstab-interval").first.wait_for(state="detached")
    assert page.evaluate("window.notReloaded === true"), "the page was loaded again"
    assert "rows=q7_importance&rows=q12_tools&columns=q15_role&columns=q16_sector" in page.url  # the address is the table's own
    assert page.locator("#crosstab thead th[scope=colgroup]").all_inner_texts() == ["Role", "Sector"]
    assert_accessible(page, "the Tables page with a table, 1280 px wide")
    page.screenshot(path=str(shots / "tables-1280.png"), full_page=True)

    # a mistake in the filter is said, and the table goes until it is put right
    page.get_by_label("Only respondents for whom (optional)").fill("q1_exampel == 1")
    page.get_by_label("Only respondents for whom (optional)").press("Enter")
    page.locator("#id_filter_error").filter(has_text="unknown question 'q1_exampel'").wait_for()
    assert page.locator("#crosstab").count() == 0 and page.title().startswith("Error: ")
    assert "did you mean 'q1_example'" in page.locator(".error-summary").inner_text()
    assert_accessible(page, "the Tables page with a mistaken filter")
    page.get_by_label("Only respondents for whom (optional)").fill("q1_example == 1")
    page.get_by_label("Only respondents for whom (optional)").press("Enter")
    caption.filter(has_text="respondents for whom q1_example == 1").wait_for()
    assert (
        page.locator(".error-summary").count() == 0
        and page.get_by_label("Only respondents for whom (optional)").get_attribute("aria-invalid") is None
    )

    with page.expect_download() as download:
        page.get_by_role("link", name="Download this table (Excel)").click()
    ours = tmp_path / "web.xlsx"
    download.value.save_as(ours)
    assert download.value.suggested_filename == "readiness-2026-table.xlsx"

    page.get_by_label("Name of the table").fill("Importance and tools by role and sector")
    page.get_by_label("Add it to the wave's report (a section Tables)").check()
    submit(page, "Save this table")
    assert "Table ‘Importance and tools by role and sector’ saved and added to the report." in page.locator(".notification").inner_text()
    saved = SavedTable.objects.get(wave=wave)
    assert (saved.rows, saved.columns, saved.filter, saved.statistics, saved.in_report) == (
        ["q7_importance", "q12_tools"], ["q15_role", "q16_sector"], "q1_example == 1", ["estimate", "letters"], True)  # fmt: skip
    assert page.locator("#crosstab").count() == 1  # the table saved is shown again
    assert page.locator(".saved-tables").get_by_role("link", name="Importance and tools by role and sector", exact=True).count() == 1

    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(page, "the Tables page with a table and a saved table, 390 px wide")
    page.screenshot(path=str(shots / "tables-390.png"), full_page=True)

    # the command line on the wave's exported responses writes the same workbook
    data = tmp_path / "readiness-2026.csv"
    write_responses(responses_of(wave).responses, data)
    theirs = tmp_path / "cli.xlsx"
    cli = CliRunner().invoke(app, ["table", str(data), "--instrument", "readiness-2018", "--rows", "q7_importance,q12_tools",
                                   "--columns", "q15_role,q16_sector", "--filter", "q1_example == 1", "--statistics", "estimate,letters",
                                   "--format", "xlsx", "--out", str(theirs)])  # fmt: skip
    assert cli.exit_code == 0, cli.output
    assert values(ours) == values(theirs)
    assert len(values(ours)) > 20 and any(isinstance(v, float) for row in values(ours) for v in row)

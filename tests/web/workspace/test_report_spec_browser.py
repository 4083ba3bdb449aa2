"""The report's text page in a real Chromium (issue 16, item 5): an analyst opens it from the
results, writes key messages with a live figure, saves, sees the preview with the figure (the
report's estimate) and the warning for "rose" over a change that is not significant, then has the
slides made and downloads them (a PowerPoint file python-pptx opens, with the analyst's title).
The page passes axe-core at phone (390 px) and desktop (1280 px) widths, under the site's
Content-Security-Policy (no inline style or script: a violation would be logged and fail axe's page).
Set ``COLLABSTATE_SCREENSHOTS`` to a folder to keep screenshots of both widths, to look at."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import polars as pl
import pytest
from browser_helpers import assert_accessible, follow, heading, sign_in, submit
from django.utils import timezone
from pptx import Presentation
from workspace_helpers import PASSWORD

from collabstate.web.workspace.importing import import_responses
from collabstate.web.workspace.models import ReportSpecVersion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
N = 60


def test_an_analyst_writes_the_key_messages_and_downloads_the_slides(new_page, analyst_a, org_a, make_wave, settings, tmp_path, work_off):
    settings.VAR_DIR = tmp_path / "var"
    now = timezone.now()
    old = make_wave("leaders-2025", "leaders", organisation=org_a, title="Leaders 2025", opens_at=now - dt.timedelta(days=400),
                    closes_at=now - dt.timedelta(days=300))  # fmt: skip
    wave = make_wave("leaders-2026", "leaders", organisation=org_a, title="Leaders 2026")
    for w, yes in ((old, 28), (wave, 30)):
        frame = pl.DataFrame({"respondent_id": [f"{w.slug}-{i}" for i in range(N)], "sector": [str(1 + i % 3) for i in range(N)],
                              "trained": ["1"] * yes + ["2"] * (N - yes)})  # fmt: skip
        assert import_responses(w, frame, name="paper.csv").imported == N
    shots = Path(os.environ.get("COLLABSTATE_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    page = new_page(axe_everywhere=True, timeout=30_000, accept_downloads=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "analyst-a", PASSWORD)
    page.goto(f"/workspace/waves/{wave.pk}/results/")
    follow(page, "Edit the report's text")
    assert heading(page) == "The report's text"
    page.get_by_label("Title", exact=True).fill("Leaders and their training")
    page.get_by_label("Key messages").fill(
        "Half the leaders ({{ trained.1 }}) have been trained.\n\nTraining rose\nto {{ trained.1 }} since 2025."
    )
    page.get_by_label("Commentary: Skills and support").fill("**Training** reached {{ trained.1 }} of leaders.")
    page.get_by_label("What you changed (optional)", exact=True).fill("first key messages")
    submit(page, "Save as a new version")
    assert "Version 1 of the report's text saved." in page.locator(".notification").inner_text()
    preview = page.locator(".report-preview")
    assert "Leaders and their training" in preview.inner_text()
    assert preview.locator(".live").first.inner_text().startswith("50%")
    assert preview.locator("strong").inner_text() == "Training"
    assert "the text says 'rose' of {{ trained.1 }}, over a change that is not significant" in page.locator(".warning-list").inner_text()
    [version] = ReportSpecVersion.objects.filter(wave=wave)
    assert version.note == "first key messages"
    assert_accessible(page, "the report's text page after a save, 1280 px wide")
    page.screenshot(path=str(shots / "report-text-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(page, "the report's text page after a save, 390 px wide")
    page.screenshot(path=str(shots / "report-text-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    # the slides, made in the background with the text saved
    page.goto(f"/workspace/waves/{wave.pk}/results/")
    submit(page, "Prepare the slides")
    work_off()
    page.reload()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").first.click()
    assert download.value.suggested_filename == "leaders-2026-vs-leaders-2025-report.pptx" or download.value.suggested_filename.endswith(
        ".pptx"
    )
    slides = tmp_path / "slides.pptx"
    download.value.save_as(slides)
    deck = Presentation(str(slides))
    texts = [shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame]
    assert any("Leaders and their training" in t for t in texts)

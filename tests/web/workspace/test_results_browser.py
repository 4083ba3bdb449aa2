"""The live results compared with several earlier waves, in a real Chromium (issue 12): the
analyst ticks two earlier waves (the later one first), the report in the frame shows the trend in
the order the waves opened, and the page passes axe-core at desktop and phone widths.

Set ``COLLABSTATE_SCREENSHOTS`` to a folder to keep screenshots of both widths, to look at."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from browser_helpers import assert_accessible, heading, sign_in, submit
from django.utils import timezone
from workspace_helpers import PASSWORD, complete

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_analyst_compares_a_wave_with_two_earlier_ones(
    new_page, live_server, client, analyst_a, org_a, make_wave, start, settings, tmp_path
):
    settings.VAR_DIR = tmp_path / "var"
    now = timezone.now()
    waves = {}
    for year, days, importance in ((2026, 1, ["5", "2"] * 6), (2025, 400, ["5"] * 9 + ["2"] * 3), (2024, 800, ["5"] * 12)):
        wave = make_wave(f"readiness-{year}", organisation=org_a, title=f"Readiness {year}")
        for answer in importance:
            complete(client, start(wave), {"q1_example": "2", "q7_importance": answer})
        type(wave).objects.filter(pk=wave.pk).update(opens_at=now - dt.timedelta(days=days), closes_at=now + dt.timedelta(days=30 - days))
        waves[year] = wave
    shots = os.environ.get("COLLABSTATE_SCREENSHOTS")
    for width, height in ((1024, 800), (375, 740)):
        page = new_page(axe_everywhere=True, timeout=30_000)
        page.set_viewport_size({"width": width, "height": height})
        sign_in(page, "analyst-a", PASSWORD)
        page.goto(f"/workspace/waves/{waves[2026].pk}/results/")
        assert heading(page) == "Results so far"
        group = page.get_by_role("group", name="Compare with earlier waves")
        group.get_by_label("Readiness 2025", exact=False).check()
        group.get_by_label("Readiness 2024", exact=False).check()
        submit(page, "Show these results")
        assert "compared with Readiness 2025 and Readiness 2024" in page.locator("main").inner_text()
        frame = page.frame_locator("iframe.report-frame")
        trend = frame.locator("table", has=frame.get_by_text("Headline figures in each wave"))
        trend.first.wait_for()
        header = trend.first.locator("thead th").all_inner_texts()
        assert [h.strip() for h in header[1:4]] == ["Readiness 2024", "Readiness 2025", "Readiness 2026"]
        assert_accessible(page, f"live results compared with two waves, {width} px wide")
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(shots) / f"results-{width}.png"), full_page=False)

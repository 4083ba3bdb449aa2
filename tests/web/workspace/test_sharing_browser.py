"""Shared links in a real Chromium: an analyst makes a link on the wave's page, copies the address
shown once, and someone signed out (a browser of their own) opens the report, then finds it gone
once the analyst revokes it. axe-core finds nothing on the wave page's block, the page that shows
the address, the shared report (its frame too) and the page of a link that no longer works, at
390 px (a phone) and 1280 px wide, and no box of the block spills out of the page.

Set ``COLLABSTATE_SCREENSHOTS`` to a folder to keep screenshots, to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_helpers import AXE_TAGS, assert_accessible, heading, sign_in, submit
from workspace_helpers import PASSWORD, complete

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name: str) -> None:
    folder = os.environ.get("COLLABSTATE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def assert_block_accessible(page, what: str) -> None:
    """axe-core on the wave page's block Shared links alone (the rest of the wave page is other
    tests' to check: at 390 px its table Completions over time is a scrollable region no key reaches)."""
    violations = page.evaluate(
        """async (tags) => (await axe.run({include: [['#shared-links-block']]}, {runOnly: {type: 'tag', values: tags},
             resultTypes: ['violations']})).violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))""",
        AXE_TAGS,
    )
    assert violations == [], f"axe-core on {what}: {violations}"


def no_overflow(page, what: str) -> None:
    """Nothing of the block wider than the window (a table may scroll inside its own box)."""
    wide = page.evaluate(
        """() => [...document.querySelectorAll('#shared-links ~ *, #shared-links, .shared-address')]
             .filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
             .map(e => e.tagName + '.' + e.className)"""
    )
    assert wide == [], f"{what}: wider than the page: {wide}"


def test_an_analyst_shares_the_report_and_revokes_the_link(
    new_page, live_server, client, analyst_a, org_a, make_wave, start, settings, tmp_path
):
    settings.VAR_DIR, settings.SITE_URL = tmp_path / "var", live_server.url  # the address shown is the site's public one
    wave = make_wave("readiness-2026", organisation=org_a, title="Readiness 2026")
    for i in range(12):
        complete(client, start(wave), {"q1_example": "1", "q7_importance": str(3 + i % 3), "q8_why": f"Shared budgets helped ({i})"})
    addresses = []
    for width in (1280, 390):
        page = new_page(axe_everywhere=True, timeout=30_000)
        page.set_viewport_size({"width": width, "height": 800})
        sign_in(page, "analyst-a", PASSWORD)
        page.goto(f"/workspace/waves/{wave.pk}/")
        block = page.locator("section", has=page.get_by_role("heading", name="Shared links"))
        block.get_by_label("What the link is for").fill(f"Board at {width}")
        block.get_by_label("Days the link works").fill("14")
        submit(page, "Make a shared link")
        assert heading(page) == "Shared link made"
        address = page.get_by_label(f"The link ‘Board at {width}’").input_value()
        assert "/shared/" in address
        assert_accessible(page, f"the page that shows a new shared link's address, {width} px wide")
        no_overflow(page, f"the new link's address, {width} px")
        addresses.append(address)

        reader = new_page(axe_everywhere=True, timeout=60_000)  # someone else's browser: not signed in
        reader.set_viewport_size({"width": width, "height": 800})
        reader.goto(address)
        assert heading(reader) == "Readiness 2026"
        frame = reader.frame_locator("iframe.report-frame")
        frame.locator("h1").first.wait_for()
        assert "Shared budgets helped" not in frame.locator("body").inner_text()  # quotes left out unless ticked
        assert_accessible(reader, f"the shared report, {width} px wide")
        shot(reader, f"shared-report-{width}")

        page.goto(f"/workspace/waves/{wave.pk}/#shared-links")
        row = page.get_by_role("table", name="Shared links of this wave, latest first").get_by_role("row", name=f"Board at {width}")
        assert "1 time" in row.inner_text()
        assert_block_accessible(page, f"the wave page's block Shared links, {width} px wide")
        if width >= 1280:
            assert_accessible(page, f"the wave page with its shared links, {width} px wide")
        no_overflow(page, f"the wave page's shared links, {width} px")
        shot(page, f"shared-links-{width}")
        submit(page, f"Revoke the link ‘Board at {width}’")
        assert "is revoked" in page.locator("main").inner_text()

        reader.goto(address)
        assert heading(reader) == "This link does not open a report"
        assert "Readiness" not in reader.content()
        assert_accessible(reader, f"the page of a link that no longer works, {width} px wide")
    assert addresses[0] != addresses[1]

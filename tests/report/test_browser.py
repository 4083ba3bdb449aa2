"""The HTML report in a real browser (Debian's Chromium through Playwright): it makes no request,
logs no console error, draws every chart with tooltips that give base and interval, and axe-core
finds no accessibility violation."""

import itertools
from pathlib import Path

import pytest
from conftest import CHROMIUM, NODE_MODULES

pytestmark = pytest.mark.browser

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (scripts/install-report-deps.sh installs it)")
    if not (NODE_MODULES / "axe-core" / "axe.min.js").is_file():
        pytest.skip("node_modules is missing (run `make setup`, which runs `npm ci`)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def open_page(browser, path: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    url = Path(path).resolve().as_uri()
    problems, requests = [], []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    def route(r):
        if r.request.url == url:
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(url, wait_until="load")
    page.wait_for_function(
        "document.querySelectorAll('.vis').length > 0 && "
        "document.querySelectorAll('.vis svg').length === document.querySelectorAll('.vis').length",
        timeout=60000,
    )
    return page, problems, requests


@pytest.mark.parametrize("which", ["r18_report", "l25_report", "bench_report"])
def test_offline_no_console_errors_and_no_axe_violations(which, request, browser):
    report = request.getfixturevalue(which)
    page, problems, requests = open_page(browser, report["html"])
    try:
        assert requests == [], f"the page asked for {requests}"
        assert problems == []
        page.add_script_tag(content=(NODE_MODULES / "axe-core" / "axe.min.js").read_text(encoding="utf-8"))
        violations = page.evaluate(
            "async () => (await axe.run(document)).violations.map(v => v.id + ': ' + v.help + ' (' + v.nodes.length + ')')"
        )
        assert violations == []
        assert page.evaluate("document.documentElement.lang") == "en-GB"
        levels = page.evaluate("[...document.querySelectorAll('h1,h2,h3,h4')].map(h => +h.tagName[1])")
        assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels))
    finally:
        page.close()


def test_tooltips_give_the_base_and_interval(r18_report, browser):
    page, problems, _ = open_page(browser, r18_report["html"])
    try:
        chart = page.locator("#c-readiness-dots .vis")
        chart.scroll_into_view_if_needed()
        marks = page.locator("#c-readiness-dots .vis svg path[role='graphics-symbol'], #c-readiness-dots .vis svg .mark-symbol path")
        marks.first.hover(force=True)
        tooltip = page.locator("#vg-tooltip-element")
        tooltip.wait_for(state="visible", timeout=5000)
        text = tooltip.inner_text()
        assert "Interval" in text and "(95%)" in text and "Base (n)" in text
        assert problems == []
    finally:
        page.close()

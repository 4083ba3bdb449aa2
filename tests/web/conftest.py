"""Fixtures for the web layer: waves of the built-in instruments, respondents, a client per token."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database gets the cache table, as `collabstate serve` makes it: failed sign-ins
    and token look-ups are counted there."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture
def organisation(db):
    """The organisation waves belong to unless a test gives another: "Default", as the CLI's."""
    from collabstate.web.workspace.actions import organisation_named

    return organisation_named("Default")


@pytest.fixture
def make_wave(db, organisation):
    from collabstate.web.surveys.models import Wave

    def make(slug: str = "readiness", instrument: str = "readiness-2018", **fields) -> Wave:
        now = timezone.now()
        defaults = {"title": "Collaboration readiness", "opens_at": now - dt.timedelta(days=1), "closes_at": now + dt.timedelta(days=30),
                    "open_link": True, "organisation": organisation}  # fmt: skip
        return Wave.objects.create(slug=slug, instrument_ref=instrument, **{**defaults, **fields})

    return make


@pytest.fixture
def wave(make_wave):
    return make_wave()


@pytest.fixture
def start(client):
    """Start a respondent on a wave's open link; returns their token."""

    def go(wave) -> str:
        response = client.post(f"/s/{wave.slug}/")
        assert response.status_code == 302, response.content[:500]
        location = response["Location"]
        assert location.startswith("/r/")
        return location.split("/")[2]

    return go


@pytest.fixture
def work_off(monkeypatch):
    """Run every task waiting on the queue, in this process, as ``collabstate worker --batch``
    does (django-tasks-db's worker), inside the test's transaction; returns the tasks' rows."""
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)  # the test's own transaction stays open

    def run() -> list:
        db_worker.Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False, max_tasks=None,
                         worker_id="test-worker", excluded_queue_names=[]).run()  # fmt: skip
        return list(DBTaskResult.objects.order_by("enqueued_at"))

    return run


@pytest.fixture(autouse=True)
def _files_in_the_tests_folder(settings, tmp_path):
    """Uploads, exports and reports under the test's own folder."""
    settings.VAR_DIR = tmp_path


@pytest.fixture(autouse=True)
def _read_waves_afresh(settings):
    """Tests change a wave and look at once: no per-process wave cache. Their many respondents all
    start from 127.0.0.1, so the limit on open-link starts per address is lifted (tests of the
    limit set their own)."""
    settings.WAVE_CACHE_SECONDS = 0
    settings.OPEN_LINK_STARTS_RATE = "100000/m"


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright (skipped, saying why, when it or node_modules is missing)."""
    from browser_helpers import ARGS, CHROMIUM, need_browser

    need_browser()
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop in this thread, which Django's ORM takes for an
    # async context; the tests' own queries are plain synchronous code, so allow them.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as p:
            b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            yield b
            b.close()


@pytest.fixture
def new_page(browser, live_server):
    """A page in a fresh browser context (its own cookies); every request it makes must go to the
    live server, and nothing on it may be refused by the Content-Security-Policy. ``axe_everywhere``: axe-core injected into every page (quicker than page by page
    when every page is checked); other options go to ``browser.new_context``."""
    from browser_helpers import AXE

    contexts, strays, refused = [], [], []

    def make(axe_everywhere: bool = False, timeout: float = 10_000, **options):
        context = browser.new_context(viewport={"width": 1024, "height": 800}, base_url=live_server.url, **options)
        contexts.append(context)
        if axe_everywhere:
            context.add_init_script(path=AXE)
        page = context.new_page()
        page.set_default_timeout(timeout)
        page.on("request", lambda r: None if r.url.startswith(live_server.url) else strays.append(r.url))
        # anything the Content-Security-Policy refused (an inline script or style, a stray source) is a fault of the page
        page.on("console", lambda m: refused.append(f"{page.url}: {m.text}") if "Content Security Policy" in m.text else None)
        return page

    yield make
    for context in contexts:
        context.close()
    assert strays == [], f"pages asked for {strays}"
    assert refused == [], "the Content-Security-Policy refused:\n" + "\n".join(refused)

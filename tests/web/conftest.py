"""Fixtures for the web layer: waves of the built-in instruments, respondents, a client per token."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone


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


@pytest.fixture(autouse=True)
def _read_waves_afresh(settings):
    """Tests change a wave and look at once: no per-process wave cache."""
    settings.WAVE_CACHE_SECONDS = 0

"""Two organisations, A and B, with people in each role, and B's objects that the workspace's
addresses name (a wave, a membership) for the permission tests."""

from __future__ import annotations

import pytest
from workspace_helpers import PASSWORD

from collabstate.web.surveys.invitations import add_invitees
from collabstate.web.workspace import jobs
from collabstate.web.workspace.models import Membership, Organisation


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    """Hashing a password the production way takes a quarter of a second; tests make many."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org_a(db):
    return Organisation.objects.create(name="Alpha Partnership", slug="alpha")


@pytest.fixture
def org_b(db):
    return Organisation.objects.create(name="Beta Board", slug="beta")


@pytest.fixture
def member(django_user_model):
    """``member(org, role, username)``: a new user with that role in ``org``."""

    def make(organisation, role: str, username: str):
        user = django_user_model.objects.filter(username=username).first() or django_user_model.objects.create_user(
            username, f"{username}@example.org", PASSWORD
        )
        Membership.objects.create(user=user, organisation=organisation, role=role)
        return user

    return make


@pytest.fixture
def analyst_a(member, org_a):
    return member(org_a, Membership.ANALYST, "analyst-a")


@pytest.fixture
def viewer_b(member, org_b):
    return member(org_b, Membership.VIEWER, "viewer-b")


@pytest.fixture
def analyst_b(member, org_b):
    return member(org_b, Membership.ANALYST, "analyst-b")


@pytest.fixture
def owner_b(member, org_b):
    return member(org_b, Membership.OWNER, "owner-b")


@pytest.fixture
def wave_b(make_wave, org_b):
    """An identified wave of B with two invitees (one invited)."""
    wave = make_wave("beta-wave", organisation=org_b, mode="identified", title="Beta wave")
    add_invitees(wave, "email,name,sector\nami@example.org,Ami,Public\nbo@example.org,Bo,Private\n")
    return wave


@pytest.fixture
def launched(monkeypatch, settings, tmp_path):
    """Reports, exports and uploads under the test's own folder; the jobs whose task was put on the
    queue (in the test's database; no worker runs them unless the test does, with ``work_off``)."""
    settings.VAR_DIR = tmp_path
    queued: list[int] = []
    enqueue = jobs.enqueue

    def record(task, job) -> None:
        enqueue(task, job)
        queued.append(job.pk)

    monkeypatch.setattr(jobs, "enqueue", record)
    return queued

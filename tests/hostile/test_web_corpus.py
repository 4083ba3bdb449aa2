"""The hostile-input corpus against the web app's uploads (issue 14): a response file to import,
an invitee list, a questionnaire for a new wave, each posted by a signed-in owner. Every case is a
page with a message (a 200 that shows the form again, or the redirect of a success), never a
server error, and nothing is stored from a file that was refused."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from hostile_cases import DATA, INSTRUMENTS, INVITEES, PULSE, Case

from collabstate.web.surveys.models import Invitee, Response, Wave
from collabstate.web.workspace.models import Membership, Organisation


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The cache table, as `collabstate serve` makes it (sign-in and token throttles count there)."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture
def work_off(monkeypatch, settings, tmp_path):
    """Run the tasks waiting on the queue in this process, as ``collabstate worker --batch`` does
    (as tests/web/conftest.py's fixture of the same name); uploads under the test's own folder."""
    from django_tasks_db.management.commands import db_worker

    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)  # the test's own transaction stays open

    def run() -> None:
        db_worker.Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False, max_tasks=None,
                         worker_id="test-worker", excluded_queue_names=[]).run()  # fmt: skip

    return run


@pytest.fixture
def owner(db, django_user_model, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    organisation = Organisation.objects.create(name="Hostile Test Board", slug="hostile")
    user = django_user_model.objects.create_user("owner", "owner@example.org", "a-long-pass-phrase-1")
    Membership.objects.create(user=user, organisation=organisation, role=Membership.OWNER)
    return user


@pytest.fixture
def pulse(owner) -> Wave:
    now = timezone.now()
    return Wave.objects.create(slug="pulse", instrument_ref="", instrument_yaml=PULSE, title="Pulse", opens_at=now - dt.timedelta(days=1),
                               closes_at=now + dt.timedelta(days=30), organisation=Organisation.objects.get(slug="hostile"))  # fmt: skip


def outcome(client, response, work_off):
    """The page that says how an upload went: the upload's own page when it is refused at the door,
    else its job's page once the queue's worker has run the job (the request itself reads nothing)."""
    if response.status_code == 302 and "/jobs/" in response["Location"]:
        assert not Response.objects.exists() and not Invitee.objects.exists()  # queued, not read
        work_off()
        return client.get(response["Location"])
    return response


def page(response) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


def params(cases: list[Case]) -> list:
    return [
        pytest.param(case, id=case.name, marks=[pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else [])
        for case in cases
        if case.web is not None
    ]


@pytest.mark.parametrize("case", params(DATA))
def test_import(case: Case, client, owner, pulse, tmp_path: Path, work_off):
    path = case.make(tmp_path)
    client.force_login(owner)
    asked = client.post(reverse("workspace:import", args=[pulse.pk]), {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    response = outcome(client, asked, work_off)
    imported = Response.objects.filter(wave=pulse).count()
    if case.codes == (0,):
        assert response.status_code == 200 and "Done: " in page(response) and imported > 0
        return
    assert response.status_code in case.web
    shown = page(response)
    assert "nothing was imported" in shown or "File: The file is empty" in shown
    for words in case.says:
        if "rows read" not in words and "the file is empty" not in words:
            assert words in shown, shown[-3000:]
    assert imported == 0


@pytest.mark.parametrize("case", params(INVITEES))
def test_invitee_upload(case: Case, client, owner, pulse, tmp_path: Path, work_off):
    path = case.make(tmp_path)
    client.force_login(owner)
    asked = client.post(reverse("workspace:invitees", args=[pulse.pk]), {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    response = outcome(client, asked, work_off)
    assert response.status_code in case.web
    shown = page(response)
    for words in case.says:
        assert words in shown, shown[-3000:]
    assert not Invitee.objects.filter(wave=pulse).exists()


def wave_form(**fields) -> dict:
    return {"title": "Hostile", "slug": "hostile-wave", "instrument": "upload", "opens_at": "2026-12-01T09:00", "closes_at": "2027-01-31T17:00",
            "mode": "anonymous", "max_reminders": "2", "retention_days": "365", **fields}  # fmt: skip


@pytest.mark.parametrize("case", params(INSTRUMENTS))
def test_questionnaire_upload(case: Case, client, owner, tmp_path: Path):
    path = case.make(tmp_path)
    client.force_login(owner)
    url = reverse("workspace:new_wave", args=[Organisation.objects.get(slug="hostile").slug])
    response = client.post(url, wave_form(instrument_file=SimpleUploadedFile(path.name, path.read_bytes())))
    if case.codes == (0,):
        assert response.status_code == 302
        return
    assert response.status_code in case.web
    shown = page(response)
    assert "There is a problem" in shown
    assert path.name in shown if path.stat().st_size else "Choose the questionnaire file to upload" in shown
    assert not Wave.objects.filter(slug="hostile-wave").exists()


def test_an_upload_over_the_largest_is_refused_unread(client, owner, pulse, tmp_path, monkeypatch, work_off):
    monkeypatch.setenv("COLLABSTATE_MAX_UPLOAD", "1K")
    client.force_login(owner)
    response = outcome(
        client,
        client.post(
            reverse("workspace:import", args=[pulse.pk]), {"file": SimpleUploadedFile("big.csv", b"respondent_id\n" + b"1\n" * 1000)}
        ),
        work_off,
    )
    assert response.status_code == 200
    assert "big.csv: the file is 2.0 KB; the largest file taken here is 1.0 KB (COLLABSTATE_MAX_UPLOAD)" in page(response)
    assert not Response.objects.exists()


def test_an_upload_that_needs_more_memory_than_allowed_is_refused(client, owner, pulse, monkeypatch, work_off):
    """A plain CSV declares nothing: the read in its own process meets the limit and says so."""
    monkeypatch.setenv("COLLABSTATE_READ_MEMORY", "8M")
    client.force_login(owner)
    data = b"respondent_id,works,why_not\n" + b"".join(b"%d,2,%s\n" % (i, b"x" * 200) for i in range(200_000))
    response = outcome(
        client, client.post(reverse("workspace:import", args=[pulse.pk]), {"file": SimpleUploadedFile("mid.csv", data)}), work_off
    )
    assert response.status_code == 200
    assert "mid.csv: reading it needs more memory than the limit of 8.0 MB (COLLABSTATE_READ_MEMORY); nothing was read" in page(response)
    assert not Response.objects.exists()


def test_an_upload_that_takes_longer_than_allowed_is_refused(client, owner, pulse, monkeypatch, work_off):
    monkeypatch.setenv("COLLABSTATE_READ_SECONDS", "0.01")
    client.force_login(owner)
    response = outcome(
        client,
        client.post(reverse("workspace:import", args=[pulse.pk]), {"file": SimpleUploadedFile("slow.csv", b"respondent_id,works\n1,1\n")}),
        work_off,
    )
    assert response.status_code == 200
    assert "slow.csv: reading it took longer than the limit of 0.01 seconds (COLLABSTATE_READ_SECONDS); nothing was read" in page(response)

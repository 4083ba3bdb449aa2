"""Work that grows with the upload leaves the request (issue 14, item 7): a large import, a long
invitee list, a sending are queued by the request, which returns having done none of the work;
the queue's worker does it, its page showing how far it has gone. An import is the whole file or
nothing, however it ends: with a problem on the server, with its worker stopped (then it starts
again from the beginning, and imports the file once), or with its worker killed."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from collabstate.web.surveys.models import Answer, Response
from collabstate.web.workspace import importing, jobs, wave_jobs
from collabstate.web.workspace.models import AuditEntry, WaveJob

ROWS = 5_000  # more than two of an import's transactions (STORE_BATCH)


def responses_csv(n: int) -> bytes:
    """``n`` completed readiness-2018 responses as a CSV file."""
    lines = ["q1_example,q6_success,q7_importance,q12_tools,q16_sector,q8_why"]
    lines += [f'1,{1 + i % 4},{1 + i % 5},{i % 4},{1 + i % 3},"Joint work, number {i}"' for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def ask_import(client, wave, content: bytes, name: str = "answers.csv"):
    response = client.post(reverse("workspace:import", args=[wave.pk]), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return WaveJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def page(client, job) -> str:
    return client.get(reverse("workspace:job", args=[job.wave_id, job.pk])).content.decode()


@pytest.fixture
def analyst(client, analyst_b):
    client.force_login(analyst_b)
    return analyst_b


def test_a_large_import_is_queued_by_the_request_and_done_by_the_worker_in_steps(client, wave_b, analyst, work_off, settings, monkeypatch):
    job = ask_import(client, wave_b, responses_csv(ROWS))
    # the request did the least it could: the file saved, the job and its task queued; nothing read, nothing stored
    assert (job.status, job.kind, job.done, job.total, job.requested_by) == (WaveJob.QUEUED, WaveJob.IMPORT, 0, 0, analyst)
    assert not Response.objects.filter(wave=wave_b).exists() and not AuditEntry.objects.exists()
    [saved] = (settings.VAR_DIR / "uploads").iterdir()
    assert saved.name == job.upload and saved.read_bytes() == responses_csv(ROWS)
    assert "Waiting to start" in page(client, job) and "reload this page every 5 seconds" in page(client, job)

    seen = []
    update = jobs.update

    def watched(model, pk, still=jobs.RUNNING, **fields):
        if "step" in fields and "status" not in fields and model is WaveJob:
            seen.append((fields["done"], fields["step"]))
        return update(model, pk, still, **fields)

    monkeypatch.setattr(jobs, "update", watched)
    [task] = work_off()
    assert task.status == "SUCCESSFUL" and task.return_value == WaveJob.DONE
    assert seen == [(1, "Reading and checking the file"), (2, "Storing the responses: 0 of 5,000"), (2, "Storing the responses: 2,000 of 5,000"),
                    (2, "Storing the responses: 4,000 of 5,000"), (3, "Completing the import of 5,000 responses")]  # fmt: skip
    job.refresh_from_db()
    assert (job.status, job.outcome, job.upload) == (WaveJob.DONE, "5,000 responses imported from answers.csv.", "")
    assert Response.objects.filter(wave=wave_b, completed=True, imported=True).count() == ROWS
    assert Answer.objects.filter(response__wave=wave_b).count() == ROWS * 6
    assert list((settings.VAR_DIR / "uploads").iterdir()) == []  # read, then deleted
    html = page(client, job)
    assert "Done: 5,000 responses imported from answers.csv." in html and "http-equiv" not in html
    assert "Import another file" in html


def test_the_job_page_shows_the_step_under_way_and_reloads_only_when_asked(client, wave_b, analyst):
    now = timezone.now()
    job = WaveJob.objects.create(wave=wave_b, kind=WaveJob.IMPORT, name="big.sav", status=WaveJob.RUNNING, done=2, total=3,
                                 step="Storing the responses: 40,000 of 100,000", pid=os.getpid(), host=socket.gethostname(),
                                 started_at=now, heartbeat_at=now)  # fmt: skip
    html = page(client, job)
    assert "Running: step 2 of 3: Storing the responses: 40,000 of 100,000." in html and "http-equiv" not in html
    assert "<title>33% done: Import of responses – collabstate workspace</title>" in html
    assert '<progress id="job-progress" class="export-progress" max="100" value="33">33%</progress>' in html
    reloading = client.get(reverse("workspace:job", args=[wave_b.pk, job.pk]), {"refresh": "on"}).content.decode()
    assert '<meta http-equiv="refresh" content="5">' in reloading and "Stop reloading this page" in reloading
    sending = WaveJob.objects.create(wave=wave_b, kind=WaveJob.INVITATIONS, status=WaveJob.RUNNING, done=25_000, total=100_000,
                                     pid=os.getpid(), host=socket.gethostname(), started_at=now, heartbeat_at=now)  # fmt: skip
    html = page(client, sending)
    assert "Running: 25,000 of 100,000 invitations sent." in html and 'max="100000" value="25000">25%</progress>' in html


def test_an_import_that_fails_half_way_leaves_nothing(client, wave_b, analyst, work_off, monkeypatch):
    job = ask_import(client, wave_b, responses_csv(ROWS))
    store, calls = importing._store, []

    def failing(wave, texts, columns):
        calls.append(texts.height)
        if len(calls) == 2:
            raise OSError("disk full")
        store(wave, texts, columns)

    monkeypatch.setattr(importing, "_store", failing)
    work_off()
    job.refresh_from_db()
    assert calls == [2_000, 2_000] and job.status == WaveJob.FAILED
    assert (
        job.error
        == f"The import failed because of an error on the server (job {job.pk}). Upload the file again; if it fails again, tell your administrator."
    )
    assert not Response.objects.exists() and not Answer.objects.exists() and not AuditEntry.objects.exists()  # the first batch too
    html = page(client, job)
    assert "Nothing was imported" in html and "Error: Failed: Import of responses" in html


def test_an_import_stopped_half_way_starts_again_and_imports_the_file_once(client, wave_b, analyst, work_off, monkeypatch, settings):
    job = ask_import(client, wave_b, responses_csv(ROWS))
    store, calls = importing._store, []

    def stopped(wave, texts, columns):  # the worker is told twice to stop while the second batch is stored
        calls.append(texts.height)
        store(wave, texts, columns)
        if len(calls) == 2:
            raise SystemExit(1)

    monkeypatch.setattr(importing, "_store", stopped)
    first, second = work_off()
    assert (first.status, first.exception_class_path, second.status) == ("FAILED", "builtins.SystemExit", "SUCCESSFUL")
    job.refresh_from_db()
    assert calls == [2_000, 2_000, 2_000, 2_000, 1_000]  # two batches, then the whole file again
    assert (job.status, job.outcome, str(second.pk)) == (WaveJob.DONE, "5,000 responses imported from answers.csv.", job.task_id)
    assert Response.objects.filter(wave=wave_b).count() == ROWS and Response.objects.filter(completed=False).count() == 0
    assert AuditEntry.objects.get().detail == "answers.csv: 5000 responses imported"
    assert list((settings.VAR_DIR / "uploads").iterdir()) == []


def _dead_pid() -> int:
    finished = subprocess.Popen(["true"])
    finished.wait()
    return finished.pid


def test_an_import_whose_worker_was_killed_is_failed_and_undone_when_looked_at(client, wave_b, analyst, settings):
    (settings.VAR_DIR / "uploads").mkdir()
    (settings.VAR_DIR / "uploads" / "import-x.csv").write_bytes(responses_csv(3))
    job = WaveJob.objects.create(wave=wave_b, kind=WaveJob.IMPORT, name="answers.csv", upload="import-x.csv", status=WaveJob.RUNNING,
                                 pid=_dead_pid(), host=socket.gethostname(), heartbeat_at=timezone.now())  # fmt: skip
    half = Response.objects.bulk_create([Response(wave=wave_b, imported=True) for _ in range(3)])  # stored, not yet completed
    Answer.objects.bulk_create([Answer(response=r, column="q1_example", value="1") for r in half])
    html = page(client, job)
    assert "The import stopped before it finished: its process ended" in html and "Upload the file again" in html
    job.refresh_from_db()
    assert (job.status, job.upload) == (WaveJob.FAILED, "")
    assert not Response.objects.exists() and not Answer.objects.exists() and list((settings.VAR_DIR / "uploads").iterdir()) == []


def test_one_import_into_a_wave_at_a_time_and_nothing_sent_after_it_closes(client, wave_b, analyst, work_off):
    first = ask_import(client, wave_b, responses_csv(3))
    again = client.post(reverse("workspace:import", args=[wave_b.pk]), {"file": SimpleUploadedFile("more.csv", responses_csv(2))})
    assert again.status_code == 200 and "An import of responses into this wave is under way" in again.content.decode()
    assert "see its page" in client.get(reverse("workspace:import", args=[wave_b.pk])).content.decode()
    work_off()
    assert WaveJob.objects.get(pk=first.pk).status == WaveJob.DONE
    assert ask_import(client, wave_b, responses_csv(2), "more.csv").status == WaveJob.QUEUED  # once it has finished

    wave_b.closes_at = timezone.now() - dt.timedelta(minutes=1)
    wave_b.save()
    refused = client.post(reverse("workspace:send", args=[wave_b.pk]), {"what": "invitations"}, follow=True).content.decode()
    assert "closed on" in refused and not WaveJob.objects.filter(kind=WaveJob.INVITATIONS).exists()


def test_two_requests_at_the_same_moment_start_one_job_of_a_kind(client, wave_b, analyst, settings, monkeypatch):
    """Both requests look before either writes (what two clicks at once, on two workers, do): the
    database's constraint lets one job of a kind be under way in a wave, and the other request is
    told so (an upload, its file removed) or given the same job (a sending)."""
    monkeypatch.setattr(wave_jobs, "_under_way", lambda wave, kind: None)
    first = ask_import(client, wave_b, responses_csv(3))
    again = client.post(reverse("workspace:import", args=[wave_b.pk]), {"file": SimpleUploadedFile("more.csv", responses_csv(2))})
    assert again.status_code == 200 and "An import of responses into this wave is under way" in again.content.decode()
    assert [p.name for p in (settings.VAR_DIR / "uploads").iterdir()] == [first.upload]  # the refused upload's file is gone
    job, new = wave_jobs.request_send(wave_b, "invitations", analyst)
    same, again_new = wave_jobs.request_send(wave_b, "invitations", analyst)
    assert (new, again_new, same.pk) == (True, False, job.pk)
    assert WaveJob.objects.filter(wave=wave_b).count() == 2


def test_a_long_invitee_list_and_its_sending_are_done_by_the_worker(client, wave_b, analyst, work_off):
    n = 3_000
    listed = "email,name,sector\n" + "".join(f"p{i}@example.org,Person {i},Public\n" for i in range(n))
    asked = client.post(reverse("workspace:invitees", args=[wave_b.pk]), {"file": SimpleUploadedFile("list.csv", listed.encode())})
    assert asked.status_code == 302 and wave_b.invitees.count() == 2  # nobody added by the request
    work_off()
    assert wave_b.invitees.count() == n + 2
    sent = client.post(reverse("workspace:send", args=[wave_b.pk]), {"what": "invitations"})
    job = WaveJob.objects.get(pk=int(sent["Location"].rstrip("/").split("/")[-1]))
    assert mail.outbox == [] and wave_b.invited() == 0
    work_off()
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.outcome) == (WaveJob.DONE, n + 2, n + 2, f"{n + 2} invitations sent.")
    assert len(mail.outbox) == n + 2 and wave_b.invited() == n + 2


@settings(max_examples=40, deadline=None)
@given(status=st.sampled_from([WaveJob.QUEUED, WaveJob.RUNNING, WaveJob.DONE, WaveJob.FAILED]), total=st.integers(0, 10**6),
       data=st.data(), kind=st.sampled_from([k for k, _ in WaveJob.KINDS]))  # fmt: skip
def test_progress_is_a_share_that_never_passes_100_nor_reaches_it_before_the_end(status, total, data, kind):
    done = data.draw(st.integers(0, total))
    job = WaveJob(kind=kind, status=status, done=done, total=total)
    assert 0 <= job.percent <= 100
    if status != WaveJob.DONE and not job.sending:
        assert job.percent < 100  # the step under way is not done
    if status == WaveJob.DONE and (total == 0 or done == total):
        assert job.percent == 100


def test_the_wave_s_page_lists_its_background_work_for_analysts_only(client, wave_b, analyst, viewer_b, work_off):
    job = ask_import(client, wave_b, responses_csv(2))
    dashboard = client.get(reverse("workspace:wave", args=[wave_b.pk])).content.decode()
    assert f'href="{reverse("workspace:job", args=[wave_b.pk, job.pk])}"' in dashboard and "<td>Waiting to start</td>" in dashboard
    work_off()
    assert (
        "<td>Done: 2 responses imported from answers.csv.</td>" in client.get(reverse("workspace:wave", args=[wave_b.pk])).content.decode()
    )
    client.force_login(viewer_b)
    assert "Work in the background" not in client.get(reverse("workspace:wave", args=[wave_b.pk])).content.decode()


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_what_a_job_keeps_of_a_file_is_storable_and_changes_nothing_else(text):
    kept = wave_jobs.storable(text)
    kept.encode("utf-8")  # UTF-8 throughout (no lone surrogate)
    assert "\x00" not in kept  # PostgreSQL keeps it, as text and in JSON
    if "\x00" not in text and not any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        assert kept == text
    assert kept.count("\\x00") >= text.count("\x00")  # each NUL still shown, as an escape

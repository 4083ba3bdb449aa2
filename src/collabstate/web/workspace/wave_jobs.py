"""Work on a wave that grows with what was uploaded or with the invitee list, taken out of the
request (issue 14): an import of responses, an upload of invitees, sending the invitations or the
reminders. The request saves the upload under ``VAR_DIR/uploads/`` (a folder every machine
running workers must share, as ``VAR_DIR/exports/``), records a :class:`~.models.WaveJob` with its
task on the queue (:data:`run_wave_job`) and returns at once to the job's page, which shows
its progress; a worker then runs the same functions as before:

- an import: :func:`.importing.import_responses` (the whole file or nothing; its problems listed
  on the job's page, as the import page listed them);
- invitees: :func:`~collabstate.web.surveys.invitations.add_invitees`;
- invitations, reminders, or again the e-mails refused: :func:`~collabstate.web.surveys.sending.send`,
  its progress counted from the invitees' records as it writes them (one invitee at a time).

One job of each kind per wave waits or runs at a time: asking again for a sending under way shows
that one; an upload while another of its kind is under way is refused (two imports at once could
not each be all-or-nothing, two lists could each pass the check for addresses already there).
A job's lifecycle (heartbeat, a stopped worker, a killed one) is :mod:`.jobs`'.
"""

from __future__ import annotations

import shutil
import traceback
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from ...errors import CollabstateError
from ..surveys import sending
from ..surveys.invitations import InviteeFileError, add_invitees
from ..surveys.models import Wave
from . import actions, importing, jobs
from .models import WaveJob

__all__ = ["SHOWN", "check", "discard", "request_send", "request_upload", "run_job", "run_wave_job", "storable", "uploads_dir"]

#: Problems of a file kept on its job's page (every one is counted; ``collabstate validate`` lists them all).
SHOWN = 200
_AGAIN = {
    WaveJob.IMPORT: "Upload the file again; if it fails again, tell your administrator",
    WaveJob.INVITEES: "Upload the list again; if it fails again, tell your administrator",
    WaveJob.INVITATIONS: "Send the invitations again: only those not yet sent go",
    WaveJob.REMINDERS: "Send the reminders again: only those still due go",
    WaveJob.FAILED: "Send again what was not sent",
}
_NOUN = {WaveJob.IMPORT: "import", WaveJob.INVITEES: "upload", WaveJob.INVITATIONS: "sending", WaveJob.REMINDERS: "sending",
         WaveJob.FAILED: "sending"}  # fmt: skip


def storable(text: str) -> str:
    """``text`` as every database keeps it: a NUL (which PostgreSQL refuses in text and JSON) and
    anything that is not UTF-8 written as escapes, as they were in the file (``\\x00``)."""
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


def uploads_dir() -> Path:
    return Path(settings.VAR_DIR) / "uploads"


def _under_way(wave: Wave, kind: str) -> WaveJob | None:
    for job in wave.jobs.filter(kind=kind, status__in=WaveJob.UNDER_WAY):
        if check(job).under_way:
            return job
    return None


_BUSY = {
    kind: f"{what} into this wave is under way; wait until it has finished, then upload again"
    for kind, what in ((WaveJob.IMPORT, "An import of responses"), (WaveJob.INVITEES, "An upload of invitees"))
}


def request_upload(wave: Wave, kind: str, upload, user) -> WaveJob:
    """Save ``upload`` (Django's ``UploadedFile``) and queue its import (``kind`` ``import``) or
    its invitees (``invitees``). Raises :class:`~.actions.WorkspaceError` while another of the
    same kind is under way in the wave."""
    if _under_way(wave, kind):
        raise actions.WorkspaceError(_BUSY[kind])
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = storable(Path(upload.name).name)[:255]
    stored = f"{kind}-{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    if hasattr(upload, "temporary_file_path"):  # a large upload is on disk already: moved, not copied
        shutil.move(upload.temporary_file_path(), folder / stored)
    else:
        with open(folder / stored, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    try:
        with transaction.atomic():
            job = WaveJob.objects.create(wave=wave, kind=kind, requested_by=user, upload=stored, name=name)
            jobs.enqueue(run_wave_job, job)
    except IntegrityError:  # another upload of the kind was requested at the same moment
        (folder / stored).unlink(missing_ok=True)
        raise actions.WorkspaceError(_BUSY[kind]) from None
    except BaseException:
        (folder / stored).unlink(missing_ok=True)
        raise
    return job


def request_send(wave: Wave, what: str, user) -> tuple[WaveJob, bool]:
    """Queue sending ``what`` (``invitations`` not yet sent, ``reminders`` due, or again the
    e-mails refused: ``failed``), or the same sending under way (then ``False``). Refused once the
    wave has closed (:func:`.actions.check_open`)."""
    actions.check_open(wave)
    kind = {sending.INVITATIONS: WaveJob.INVITATIONS, sending.REMINDERS: WaveJob.REMINDERS, sending.FAILED: WaveJob.FAILED}[what]
    same = _under_way(wave, kind)
    if same:
        return same, False
    try:
        with transaction.atomic():
            job = WaveJob.objects.create(wave=wave, kind=kind, requested_by=user)
            jobs.enqueue(run_wave_job, job)
    except IntegrityError:  # the same sending was requested at the same moment: that one
        return wave.jobs.get(kind=kind, status__in=WaveJob.UNDER_WAY), False
    return job, True


# --- running ---------------------------------------------------------------------------------


@task()
def run_wave_job(job_id: int) -> str:
    """The task on the queue: run job ``job_id`` (:func:`run_job`); its status once run."""
    return run_job(job_id).status


def run_job(job_id: int) -> WaveJob:
    """Run the queued job ``job_id`` in this process (what its task does), writing its progress,
    and mark it done or failed. A job that is not queued is left as it is. Returns the job."""
    claimed = jobs.claim(WaveJob, job_id)
    job = WaveJob.objects.select_related("wave", "requested_by").get(pk=job_id)
    if not claimed:
        return job
    heartbeat = jobs.Heartbeat(job, _sent_so_far(job) if job.sending else None)
    heartbeat.start()
    try:
        fields = {WaveJob.IMPORT: _import, WaveJob.INVITEES: _invitees}.get(job.kind, _send)(job)
    except (SystemExit, KeyboardInterrupt):  # the worker is being stopped: again from the start when one is back
        if job.kind == WaveJob.IMPORT:
            importing.discard_unfinished(job.wave)
        jobs.requeue(job, run_wave_job, "Interrupted when the server stopped: it starts again from the beginning")
        raise
    except _Refused as exc:
        jobs.finish(WaveJob, job_id, status=WaveJob.FAILED, **exc.fields)
    except CollabstateError as exc:  # a file that cannot be read at all, a wave closed meanwhile
        jobs.finish(WaveJob, job_id, status=WaveJob.FAILED, error=storable(_failed(job, exc.message)))
    except Exception:
        traceback.print_exc()  # into the worker's log
        jobs.finish(WaveJob, job_id, status=WaveJob.FAILED,
                    error=f"The {_NOUN[job.kind]} failed because of an error on the server (job {job_id}). {_AGAIN[job.kind]}.")  # fmt: skip
    else:
        jobs.finish(WaveJob, job_id, status=WaveJob.DONE, heartbeat_at=timezone.now(), **fields)
    finally:
        heartbeat.stop()
    job.refresh_from_db()
    if not job.under_way:
        discard(job)
    return job


class _Refused(Exception):
    """The file has problems: the job's fields that say so."""

    def __init__(self, **fields: Any) -> None:
        self.fields: dict[str, Any] = {k: storable(v) if isinstance(v, str) else [storable(p) for p in v] if isinstance(v, list) else v
                       for k, v in fields.items()}  # fmt: skip
        super().__init__(self.fields.get("error", ""))


def _failed(job: WaveJob, message: str) -> str:
    if job.kind == WaveJob.IMPORT:
        return f"The file cannot be read: nothing was imported. {message}"
    if job.kind == WaveJob.INVITEES:
        return f"The list cannot be read: nobody was added. {message}"
    return f"Nothing was sent: {message}"


def _import(job: WaveJob) -> dict[str, Any]:
    def step(done: int, message: str) -> None:
        jobs.update(WaveJob, job.pk, done=done, total=importing.STEPS, step=message[:200], heartbeat_at=timezone.now())

    report = importing.import_responses(job.wave, uploads_dir() / job.upload, name=job.name, user=job.requested_by, progress=step)
    if not report.ok:
        v = report.validation
        raise _Refused(
            error=f"There is a problem: nothing was imported. {v.file}: {v.n_read:,} row{'s' if v.n_read != 1 else ''} read, "
            f"{report.n_rejected:,} with problems; {report.n_problems:,} problem{'s' if report.n_problems != 1 else ''}. "
            "Correct the file and upload it again.",
            problems=[str(p) for p in report.problems[:SHOWN]], n_problems=report.n_problems,
        )  # fmt: skip
    n = report.imported
    return {
        "done": importing.STEPS,
        "total": importing.STEPS,
        "step": "",
        "outcome": f"{n:,} responses imported from {report.validation.file}.",
    }


def _invitees(job: WaveJob) -> dict[str, Any]:
    jobs.update(WaveJob, job.pk, done=1, total=1, step="Reading and checking the list")
    try:
        added = add_invitees(job.wave, (uploads_dir() / job.upload).read_bytes(), name=job.name)
    except InviteeFileError as exc:
        n = len(exc.problems)
        raise _Refused(
            error=f"There is a problem: nobody was added. {n:,} problem{'s' if n != 1 else ''} in {job.name}. "
            "Correct the file and upload the whole file again.",
            problems=[f"{job.name}: {p}" for p in exc.problems[:SHOWN]], n_problems=n,
        ) from None  # fmt: skip
    return {"step": "", "outcome": f"{len(added):,} invitees added from {job.name}. Send the invitations when you are ready."}


def _sent_so_far(job: WaveJob):
    """The progress of a sending, read from the invitees' records as :func:`~..surveys.sending.send` writes them."""

    def progress() -> dict[str, int]:
        if job.kind == WaveJob.REMINDERS:  # one may stay due for a next reminder: counted by when they were reminded
            done = job.wave.invitees.filter(last_reminded_at__gte=job.started_at).count()
        else:  # invited (or no longer refused): no longer due
            done = job.total - sending.due(job.wave, job.kind).count()
        return {"done": max(0, min(done, job.total))}

    return progress


def _send(job: WaveJob) -> dict[str, Any]:
    job.total = sending.due(job.wave, job.kind).count()
    job.started_at = WaveJob.objects.values_list("started_at", flat=True).get(pk=job.pk)
    jobs.update(WaveJob, job.pk, total=job.total)
    sent = sending.send(job.wave, job.kind)
    return {"done": sent.sent, "total": max(job.total, sent.sent + sent.refused + sent.not_tried), "outcome": f"{sent}."}


# --- watching and deleting -------------------------------------------------------------------


def check(job: WaveJob) -> WaveJob:
    """The job, with a worker known to be gone reported as failed (:func:`.jobs.check`), and what
    it had half done undone."""
    return jobs.check(job, _NOUN[job.kind], _AGAIN[job.kind], on_failed=_undo)


def _undo(job: WaveJob) -> None:
    if job.kind == WaveJob.IMPORT:
        importing.discard_unfinished(job.wave)
    discard(job)


def discard(job: WaveJob) -> None:
    """Delete the job's upload (read, or no longer needed)."""
    if job.upload:
        (uploads_dir() / job.upload).unlink(missing_ok=True)
        WaveJob.objects.filter(pk=job.pk).update(upload="")
        job.upload = ""

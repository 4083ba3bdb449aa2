"""A wave's responses as a file, made in the background (issue 6): an analyst asks for one
(:func:`request_export`), a process of its own writes it with the streamed export engine
(:func:`~collabstate.web.surveys.exports.export_wave`), the job's page shows its progress, and
the file waits under ``VAR_DIR/exports/`` to be downloaded.

The runner is ``collabstate wave export-job <number>`` (:func:`run_job`), started by
:func:`launch` as a detached process: in a session of its own, and through a starter that exits
at once, so it is nobody's child (never left a zombie of a web worker, and a worker's restart or
a Ctrl-C in the terminal of ``collabstate serve`` does not reach it). It survives the request
that asked for it. No worker service to deploy or keep running: every export is one short-lived
process, at most ``EXPORT_JOBS_AT_ONCE`` (setting; default 2) at a time across the site.

A job goes ``queued`` -> ``running`` (the runner claims it, writing its process number, machine
and a heartbeat) -> ``done`` or ``failed``. Progress (``done`` of ``total`` responses) is written
after each chunk of the engine; a heartbeat thread writes the time every 15 seconds between chunks.
:func:`check` reports as failed, with a plain message, a job whose runner is gone: its process
has ended on this machine, its heartbeat is older than 10 minutes, or it was never picked up.

A ``done`` job's file is deleted, and the job marked ``deleted`` with the reason, when a
respondent of the wave is erased (:func:`withdraw`: every export made or being made may hold their
answers) and ``EXPORT_DAYS`` (setting; default 7) days after it was made (:func:`purge_exports`, run by
``collabstate wave purge``).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import traceback
import uuid
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..surveys.exports import CHUNK, StoredAnswersError, count_responses, export_wave
from ..surveys.models import Wave
from .models import AuditEntry, ExportJob

__all__ = [
    "CONTENT_TYPES", "ExportRefused", "REFRESH_SECONDS", "check", "download_name", "exports_dir", "file_of", "launch",
    "purge_exports", "request_export", "run_job", "withdraw",
]  # fmt: skip

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
    "parquet": "application/vnd.apache.parquet",
}
#: The job's page reloads itself this often while the job is under way.
REFRESH_SECONDS = 10
HEARTBEAT_SECONDS = 15
#: A running job whose heartbeat is older than this has lost its runner (on another machine, or
#: its process number was taken by another process); the final write of a large .sav file can
#: hold the heartbeat thread back, hence minutes rather than seconds.
STALE_AFTER = dt.timedelta(minutes=10)
#: A queued job not picked up by its runner within this has lost it.
START_WITHIN = dt.timedelta(minutes=2)
#: Files not named by any job (a deleted wave's, a killed runner's) are deleted this long after their last change.
STRAY_AFTER = dt.timedelta(days=1)
#: Runs in a second interpreter: starts the runner (the arguments) and exits, leaving it to init.
_DETACH = "import subprocess, sys; subprocess.Popen(sys.argv[1:])"
_AGAIN = "Ask for the export again; if it fails again, tell your administrator"


class ExportRefused(ValueError):
    """An export that cannot be asked for now, with a message for the person who asked."""


class _Withdrawn(Exception):
    """The job was withdrawn while it ran (an erasure in its wave)."""


def exports_dir() -> Path:
    return Path(settings.VAR_DIR) / "exports"


def file_of(job: ExportJob) -> Path | None:
    return exports_dir() / job.file if job.file else None


def download_name(job: ExportJob) -> str:
    """``leaders-2026-responses.sav``"""
    return f"{job.wave.slug}-responses.{job.format}"


# --- asking ----------------------------------------------------------------------------------


def request_export(wave: Wave, fmt: str, user) -> tuple[ExportJob, bool]:
    """A new job exporting ``wave``'s completed responses as ``fmt``, its runner started once the
    job is committed, with an audit entry; or the job already under way for the same wave and
    format (then ``False``). Raises :class:`ExportRefused` for an unknown format or when
    ``EXPORT_JOBS_AT_ONCE`` jobs are under way."""
    if fmt not in CONTENT_TYPES:
        raise ExportRefused(f"format {fmt!r}: expected one of {', '.join(CONTENT_TYPES)}")
    under_way = [check(job) for job in ExportJob.objects.filter(status__in=ExportJob.UNDER_WAY)]  # dead runners free their place
    same = [job for job in under_way if job.wave_id == wave.pk and job.format == fmt and job.under_way]
    if same:
        return same[0], False
    if sum(job.under_way for job in under_way) >= settings.EXPORT_JOBS_AT_ONCE:
        most = settings.EXPORT_JOBS_AT_ONCE
        raise ExportRefused(f"This server makes at most {most} export{'s' if most != 1 else ''} at once and is busy; ask again in a few minutes")
    with transaction.atomic():
        job = ExportJob.objects.create(wave=wave, format=fmt, requested_by=user)
        AuditEntry.objects.create(organisation=wave.organisation, wave=wave, user=user, action=AuditEntry.EXPORT,
                                  detail=f"completed responses asked for as .{fmt} (export {job.pk})")  # fmt: skip
        transaction.on_commit(lambda: start(job))
    return job, True


def start(job: ExportJob) -> None:
    """Launch the job's runner; a runner that cannot be started fails the job at once."""
    try:
        launch(job)
    except (OSError, subprocess.SubprocessError) as exc:
        _finish(job.pk, ExportJob.QUEUED, status=ExportJob.FAILED, error=f"The export could not be started ({exc}). {_AGAIN}.")


def launch(job: ExportJob) -> None:
    """Start ``collabstate wave export-job <number>`` detached (see the module's notes); its
    output goes to ``VAR_DIR/exports/job-<number>.log``. Returns once it has started."""
    folder = exports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "collabstate", "wave", "export-job", str(job.pk)]
    env = {**os.environ, "COLLABSTATE_VAR": str(settings.VAR_DIR)}
    env.setdefault("DJANGO_SETTINGS_MODULE", "collabstate.web.settings")
    with open(folder / f"job-{job.pk}.log", "ab") as log:
        starter = subprocess.Popen([sys.executable, "-c", _DETACH, *command], stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, env=env, start_new_session=True)  # fmt: skip
    if starter.wait(timeout=60):
        raise OSError(f"its starter ended with status {starter.returncode}")


# --- running ---------------------------------------------------------------------------------


def _update(job_id: int, still: str = ExportJob.RUNNING, **fields) -> bool:
    """Change the job if its status is still ``still`` (an erasure or :func:`check` may have ended it)."""
    return bool(ExportJob.objects.filter(pk=job_id, status=still).update(**fields))


def _finish(job_id: int, still: str = ExportJob.RUNNING, **fields) -> bool:
    return _update(job_id, still, finished_at=timezone.now(), **fields)


class _Heartbeat(threading.Thread):
    """Writes the time into the job every ``HEARTBEAT_SECONDS`` while the runner works."""

    def __init__(self, job_id: int) -> None:
        super().__init__(name=f"export-{job_id}-heartbeat", daemon=True)
        self.job_id, self.stopped = job_id, threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                try:
                    _update(self.job_id, heartbeat_at=timezone.now())
                except DatabaseError:  # a busy database: the next beat will do
                    pass
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def _progress(job_id: int, done: int, total: int) -> None:
    if not _update(job_id, done=done, total=total, heartbeat_at=timezone.now()):
        raise _Withdrawn


def run_job(job_id: int, *, chunk: int | None = None) -> ExportJob:
    """Run the queued job ``job_id`` in this process (what ``collabstate wave export-job`` does):
    claim it, write the file with the engine, writing progress into the job, and mark it done or
    failed. A job that is not queued (already run, or withdrawn) is left as it is. Returns the job."""
    now = timezone.now()
    claimed = _update(job_id, ExportJob.QUEUED, status=ExportJob.RUNNING, pid=os.getpid(), host=socket.gethostname(),
                      started_at=now, heartbeat_at=now)  # fmt: skip
    job = ExportJob.objects.select_related("wave").get(pk=job_id)
    if not claimed:
        return job
    wave = job.wave
    _update(job_id, total=count_responses(wave))
    name = f"job-{job.pk}-{uuid.uuid4().hex[:12]}.{job.format}"
    path = exports_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    heartbeat = _Heartbeat(job_id)
    heartbeat.start()
    try:
        written = export_wave(wave, path, job.format, chunk=chunk or CHUNK,
                              progress=lambda done, total: _progress(job_id, done, total))  # fmt: skip
    except _Withdrawn:
        pass
    except StoredAnswersError as exc:
        _finish(job_id, status=ExportJob.FAILED, error=f"{exc.n_problems} stored answers do not fit the wave's questionnaire, so nothing "
                f"was written. `collabstate wave export {wave.slug} FILE` lists them.")  # fmt: skip
    except ValueError as exc:  # a value the format cannot hold, named by the engine
        _finish(job_id, status=ExportJob.FAILED, error=f"The export failed: {str(exc).replace(str(path.parent) + os.sep, '')}")
    except Exception:
        traceback.print_exc()  # into the job's log
        _finish(job_id, status=ExportJob.FAILED, error=f"The export failed because of an error on the server (export {job_id}). {_AGAIN}.")
    else:
        if not _finish(job_id, status=ExportJob.DONE, file=name, done=written.n, total=written.n, heartbeat_at=timezone.now()):
            path.unlink(missing_ok=True)  # withdrawn while the file was written
    finally:
        heartbeat.stop()
    job.refresh_from_db()
    return job


# --- watching --------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _gone(job: ExportJob, now: dt.datetime) -> str:
    """Why the job's runner is known to be gone ("" when it is not)."""
    if job.status == ExportJob.QUEUED:
        return f"The export never started. {_AGAIN}." if now - job.created_at > START_WITHIN else ""
    if job.pid and job.host == socket.gethostname() and not _alive(job.pid):
        return f"The export stopped before it finished: its process ended (for example, the server restarted or ran out of memory). {_AGAIN}."
    if job.heartbeat_at is None or now - job.heartbeat_at > STALE_AFTER:
        return f"The export stopped responding before it finished. {_AGAIN}."
    return ""


def check(job: ExportJob, now: dt.datetime | None = None) -> ExportJob:
    """The job, with a runner known to be gone reported as failed (written into the job, unless the
    runner has moved on in the meantime)."""
    if not job.under_way:
        return job
    problem = _gone(job, now or timezone.now())
    if problem and ExportJob.objects.filter(pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at).update(
        status=ExportJob.FAILED, error=problem, finished_at=timezone.now()
    ):
        job.refresh_from_db()
    return job


# --- deleting --------------------------------------------------------------------------------


def _remove(names: list[str]) -> None:
    for name in names:
        (exports_dir() / name).unlink(missing_ok=True)


def withdraw(wave: Wave, reason: str) -> int:
    """Delete every export of ``wave`` made or being made, marking each ``deleted`` with
    ``reason``: its file once the caller's transaction commits, and a running job's as its runner
    finds it withdrawn. For an erasure, in its transaction. Returns how many were withdrawn."""
    with transaction.atomic():
        jobs = list(wave.export_jobs.select_for_update().filter(status__in=(*ExportJob.UNDER_WAY, ExportJob.DONE)))
        names = [job.file for job in jobs if job.file]
        ExportJob.objects.filter(pk__in=[job.pk for job in jobs]).update(
            status=ExportJob.DELETED, error=reason, file="", finished_at=Coalesce("finished_at", Value(timezone.now()))
        )
        transaction.on_commit(lambda: _remove(names))
    return len(jobs)


def purge_exports(now: dt.datetime | None = None) -> int:
    """Delete the files of exports made ``EXPORT_DAYS`` or more days ago (each job marked
    ``deleted``), report dead runners (:func:`check`), and delete files no job names that have not
    changed for a day. Returns how many exports were deleted."""
    now = now or timezone.now()
    days = settings.EXPORT_DAYS
    deleted = 0
    for job in ExportJob.objects.filter(status=ExportJob.DONE, finished_at__lte=now - dt.timedelta(days=days)):
        reason = f"Deleted {days} days after it was made: export files are kept for {days} days. Ask for a new export."
        if _update(job.pk, ExportJob.DONE, status=ExportJob.DELETED, file="", error=reason):
            _remove([job.file])
            deleted += 1
    for job in ExportJob.objects.filter(status__in=ExportJob.UNDER_WAY):
        check(job, now)
    folder = exports_dir()
    if folder.is_dir():
        named = set(ExportJob.objects.exclude(file="").values_list("file", flat=True))
        for path in folder.iterdir():
            if path.is_file() and path.name not in named and now.timestamp() - path.stat().st_mtime > STRAY_AFTER.total_seconds():
                path.unlink(missing_ok=True)
    return deleted

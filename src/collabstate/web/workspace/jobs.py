"""What every piece of background work in the workspace shares (an :class:`~.models.ExportJob`,
a :class:`~.models.WaveJob`): the record the person watches, and the task on the queue that does
the work (:data:`.export_jobs.run_export`, :data:`.wave_jobs.run_wave_job`; django-tasks with its database backend, run by ``collabstate serve``'s
workers or ``collabstate worker``).

A record is created with its task in one transaction (:func:`enqueue`), so neither exists without
the other. It goes ``queued`` -> ``running`` (:func:`claim`: the worker writes its process number,
machine and a heartbeat; a record not ``queued`` is never run again) -> ``done`` or ``failed``.
While it runs a :class:`Heartbeat` thread writes the time, and the progress it is given, every
``HEARTBEAT_SECONDS``.

A worker may die mid-run. Stopped (``collabstate serve`` stopped, Ctrl-C, SIGTERM), it puts the
work back on the queue (:func:`requeue`) after the work has undone what it half did, and another
worker, or the same one once back, runs it from the start. Killed outright (SIGKILL, out of
memory, the machine lost), it can do nothing: :func:`check` then reports the record failed with a
plain message, and marks its task failed too, as soon as the record is looked at (its page, the
list, ``wave purge``, a worker starting): the process has ended on this machine, or its heartbeat
is older than ``STALE_AFTER``. Nothing is lost silently, and nothing runs twice: the work writes
atomically (a file renamed into place, rows made visible in one last transaction).

A queued record waits for a worker; its page says how many tasks are ahead of it, and says so
when no worker has been seen for ``NO_WORKER_AFTER`` (:func:`queue_state`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.utils import timezone

__all__ = [
    "HEARTBEAT_SECONDS",
    "NO_WORKER_AFTER",
    "STALE_AFTER",
    "Heartbeat",
    "QueueState",
    "check",
    "claim",
    "enqueue",
    "fail_task",
    "finish",
    "note_worker",
    "queue_state",
    "requeue",
    "update",
]

#: How often a running record's heartbeat (and any progress read from the database) is written.
HEARTBEAT_SECONDS = 5.0
#: A running record whose heartbeat is older than this has lost its worker (on another machine,
#: or its process number was taken by another process); the final write of a large .sav file can
#: hold the heartbeat thread back, hence minutes rather than seconds.
STALE_AFTER = dt.timedelta(minutes=10)
#: A worker writes the time here every ``WORKER_BEAT_SECONDS`` (the cache is the database's, shared by every machine).
WORKER_SEEN_KEY = "collabstate:task-worker-seen"
WORKER_BEAT_SECONDS = 10.0
#: No worker seen for this long: a queued record's page says so.
NO_WORKER_AFTER = dt.timedelta(minutes=2)
QUEUED, RUNNING, FAILED = "queued", "running", "failed"


def enqueue(task: Any, job: Model) -> None:
    """Put ``task`` (a django-tasks task taking the record's number) on the queue for ``job``,
    and write the task's id into it; in the caller's transaction, so both exist or neither."""
    with transaction.atomic():
        result = task.enqueue(job.pk)
        type(job).objects.filter(pk=job.pk).update(task_id=str(result.id))  # type: ignore[attr-defined]
        job.task_id = str(result.id)  # type: ignore[attr-defined]


def update(model: type[Model], pk: int, still: str = RUNNING, **fields: Any) -> bool:
    """Change the record if its status is still ``still`` (an erasure or :func:`check` may have ended it)."""
    return bool(model.objects.filter(pk=pk, status=still).update(**fields))  # type: ignore[attr-defined]


def finish(model: type[Model], pk: int, still: str = RUNNING, **fields: Any) -> bool:
    return update(model, pk, still, finished_at=timezone.now(), **fields)


def claim(model: type[Model], pk: int) -> bool:
    """Mark the queued record running in this process; ``False`` if it is not queued (run already, withdrawn)."""
    now = timezone.now()
    return update(model, pk, QUEUED, status=RUNNING, pid=os.getpid(), host=socket.gethostname(), started_at=now, heartbeat_at=now)


def requeue(job: Model, task: Any, why: str) -> None:
    """Put the running record back on the queue with a new task (its worker is being stopped; the
    work has undone what it half did), saying ``why`` on its page until it starts again."""
    with contextlib.suppress(DatabaseError), transaction.atomic():
        if update(type(job), job.pk, status=QUEUED, pid=None, host="", heartbeat_at=None, done=0, step=why[:200]):
            enqueue(task, job)


class Heartbeat(threading.Thread):
    """Writes the time into the running record every ``HEARTBEAT_SECONDS``, with the fields
    ``progress`` returns (read from the database, for work that cannot report its own progress)."""

    def __init__(self, job: Model, progress: Callable[[], dict[str, Any]] | None = None) -> None:
        super().__init__(name=f"{type(job).__name__}-{job.pk}-heartbeat", daemon=True)
        self.model, self.pk, self.progress, self.stopped = type(job), job.pk, progress, threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                with contextlib.suppress(DatabaseError):  # a busy database: the next beat will do
                    update(self.model, self.pk, heartbeat_at=timezone.now(), **(self.progress() if self.progress else {}))
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join()


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


def _task_row(job: Model) -> Any:
    from django_tasks_db.models import DBTaskResult

    task_id = getattr(job, "task_id", "")
    return DBTaskResult.objects.filter(pk=task_id).first() if task_id else None


def _gone(job: Any, now: dt.datetime, noun: str, again: str) -> str:
    """Why the record's worker is known to be gone ("" when it is not)."""
    if job.status == QUEUED:
        row = _task_row(job) if job.task_id else None
        if job.task_id and (row is None or row.status in ("SUCCESSFUL", "FAILED")):
            return f"The {noun} never started: its task has left the queue. {again}."
        return ""
    if job.pid and job.host == socket.gethostname() and not _alive(job.pid):
        return (
            f"The {noun} stopped before it finished: its process ended (for example, the server was killed or ran out of memory). {again}."
        )
    if job.heartbeat_at is None or now - job.heartbeat_at > STALE_AFTER:
        return f"The {noun} stopped responding before it finished. {again}."
    return ""


def check(job: Any, noun: str, again: str, now: dt.datetime | None = None, on_failed: Callable[[Any], None] | None = None) -> Any:
    """The record, with a worker known to be gone reported as failed (written into the record,
    unless the worker has moved on in the meantime) and its task marked failed on the queue;
    ``on_failed`` then undoes what the work had half done."""
    if not job.under_way:
        return job
    problem = _gone(job, now or timezone.now(), noun, again)
    if problem and type(job).objects.filter(pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at).update(
        status=FAILED, error=problem, finished_at=timezone.now()
    ):
        fail_task(job, problem)
        if on_failed is not None:
            on_failed(job)
        job.refresh_from_db()
    return job


def fail_task(job: Model, message: str) -> None:
    """Mark the record's task failed on the queue, if it is still waiting or running there."""
    from django_tasks_db.models import DBTaskResult

    task_id = getattr(job, "task_id", "")
    if task_id:
        DBTaskResult.objects.filter(pk=task_id, status__in=("READY", "RUNNING")).update(
            status="FAILED", finished_at=timezone.now(), exception_class_path="collabstate.web.workspace.jobs.WorkerLost", traceback=message
        )


def note_worker() -> None:
    """A worker says it is alive (every ``WORKER_BEAT_SECONDS``)."""
    with contextlib.suppress(DatabaseError):
        cache.set(WORKER_SEEN_KEY, time.time(), timeout=None)


@dataclass(frozen=True)
class QueueState:
    """Where a queued record stands: tasks to run before it, and whether a worker has been seen lately."""

    ahead: int
    worker_seen: bool


def queue_state(job: Any) -> QueueState | None:
    """For a queued record: the tasks ahead of it and whether any worker is about."""
    if job.status != QUEUED:
        return None
    from django_tasks_db.models import DBTaskResult

    row = _task_row(job)
    ahead = 0
    if row is not None:
        ready = DBTaskResult.objects.filter(status__in=("READY", "RUNNING"))
        ahead = (
            ready.filter(status="RUNNING").count()
            + ready.filter(status="READY", priority__gte=row.priority, enqueued_at__lt=row.enqueued_at).count()
        )
    with contextlib.suppress(DatabaseError):
        seen = cache.get(WORKER_SEEN_KEY)
        return QueueState(ahead, seen is not None and time.time() - float(seen) < NO_WORKER_AFTER.total_seconds())
    return QueueState(ahead, True)

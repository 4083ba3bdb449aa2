"""Running the site: the web server with its task workers (:func:`serve`, what ``collabstate
serve`` runs), and a task worker alone (:func:`run_worker`, what ``collabstate worker`` runs on
another machine that reaches the same database and shares ``VAR_DIR``).

:func:`serve` is a small supervisor: gunicorn and ``TASK_WORKERS`` workers are its children; a
worker that dies is started again; when gunicorn ends, or the supervisor is told to stop (SIGTERM,
SIGINT, SIGHUP), it stops them all. A worker finishes the task it is running if it can within
``GRACE_SECONDS``; then it is told again, and the task puts itself back on the queue to start
afresh next time (:func:`.workspace.jobs.requeue`). A worker also stops by itself when its
supervisor has gone (its parent process changes), so none is left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from types import FrameType

__all__ = ["GRACE_SECONDS", "run_worker", "serve"]

#: How long a worker may go on with its task once asked to stop, before it is told again.
GRACE_SECONDS = 10.0
#: A worker that dies is started again at most this often (a worker that cannot start does not spin).
RESTART_SECONDS = 5.0


def _worker_command(parent: int) -> list[str]:
    return [sys.executable, "-m", "collabstate", "worker", "--parent", str(parent)]


def serve(gunicorn: list[str], task_workers: int) -> int:
    """Run gunicorn (its arguments) and ``task_workers`` task workers until gunicorn ends or this
    process is told to stop; then stop them all. Returns gunicorn's exit status (0 when stopped)."""
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", *gunicorn])
    workers = [subprocess.Popen(_worker_command(os.getpid())) for _ in range(task_workers)]
    started = [time.monotonic()] * task_workers
    while not stopping.is_set() and web.poll() is None:
        for i, worker in enumerate(workers):
            if worker.poll() is not None and time.monotonic() - started[i] > RESTART_SECONDS:
                print(f"collabstate: task worker {worker.pid} ended (status {worker.returncode}); starting another", file=sys.stderr)
                workers[i], started[i] = subprocess.Popen(_worker_command(os.getpid())), time.monotonic()
        stopping.wait(0.5)
    _stop(web, workers)
    return 0 if stopping.is_set() else web.returncode or 0


def _stop(web: subprocess.Popen, workers: list[subprocess.Popen]) -> None:
    for process in (web, *workers):
        if process.poll() is None:
            process.terminate()
    _wait([web], 30)
    _wait(workers, GRACE_SECONDS)
    for process in workers:  # told again: the task under way puts itself back on the queue
        if process.poll() is None:
            process.terminate()
    _wait(workers, GRACE_SECONDS)
    for process in (web, *workers):
        if process.poll() is None:
            process.kill()
            process.wait()


def _wait(processes: list[subprocess.Popen], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(max(0.0, deadline - time.monotonic()))


def run_worker(*, parent: int | None = None, interval: float = 1.0, batch: bool = False, max_tasks: int | None = None) -> None:
    """Run the queue's tasks in this process, one at a time, until stopped (SIGTERM, SIGINT: the
    task under way is finished first; a second time: it is stopped and put back on the queue), or
    with ``batch`` until the queue is empty. Django must be set up. Work whose worker on this
    machine was killed is reported failed first (:func:`.workspace.jobs.check`)."""
    from django.db import OperationalError
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.utils import is_locked_database_exception

    from .workspace import export_jobs, jobs, schedules, wave_jobs
    from .workspace.models import ExportJob, WaveJob

    for job in ExportJob.objects.filter(status=ExportJob.RUNNING):
        export_jobs.check(job)
    for wave_job in WaveJob.objects.filter(status=WaveJob.RUNNING):
        wave_jobs.check(wave_job)
    worker = Worker(queue_names=["default"], interval=interval, batch=batch, backend_name="default", startup_delay=not batch,
                    max_tasks=max_tasks, worker_id=f"{socket.gethostname()[:50]}-{os.getpid()}", excluded_queue_names=[])  # fmt: skip
    worker.configure_signals()
    _tick(schedules.tick)  # a step missed while no worker ran is due now
    watch = threading.Thread(target=_watch, args=(parent,), name="worker-watch", daemon=True)
    watch.start()
    jobs.note_worker()
    while True:
        try:
            return worker.run()
        except OperationalError as exc:  # SQLite busy beyond its timeout as the worker looked at the queue: look again
            if not is_locked_database_exception(exc):
                raise
            time.sleep(interval)


def _tick(tick) -> None:
    """Look for a step of a schedule whose time has come (:func:`.workspace.schedules.tick`, which
    puts the task that runs them on the queue); a failure goes into the worker's log, and the next
    look is another chance."""
    from django.db import connection

    try:
        tick()
    except Exception:
        traceback.print_exc()
    finally:
        connection.close()


def _watch(parent: int | None) -> None:
    """Say the worker is alive every ``WORKER_BEAT_SECONDS``, and look for schedules' steps due
    every ``SCHEDULE_SECONDS``; stop the worker when its supervisor has gone."""
    from django.db import connection

    from .workspace import jobs, schedules

    beat = looked = time.monotonic()
    beat -= jobs.WORKER_BEAT_SECONDS
    while True:
        if parent is not None and os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)
            return
        if time.monotonic() - beat > jobs.WORKER_BEAT_SECONDS:
            jobs.note_worker()
            connection.close()
            beat = time.monotonic()
        if time.monotonic() - looked > schedules.SCHEDULE_SECONDS:
            _tick(schedules.tick)
            looked = time.monotonic()
        time.sleep(0.5)

"""A wave's schedule: its invitations and reminders sent when their time comes, by the task
workers, without anyone pressing Send (issue 17).

A schedule is the wave's :class:`~.models.ScheduleStep` s: the invitations on a date and time,
and reminder 1, 2 … (at most the wave's ``max_reminders``), each on a date and time or "D days
after the invitation". Who a step sends to (narrowing :func:`~..surveys.sending.due` with its
``among``; sending keeps all its guarantees: claims, at least once, nothing after the wave closes):

- **the invitations**: everyone not yet invited (as *Send invitations*);
- **reminder k on a date**: those invited before that date who have had fewer than k reminders
  and have not completed;
- **reminder k, D days after the invitation**: for each invitee, counted from their own
  invitation: those invited at least D days ago who have had exactly k - 1 reminders and have not
  completed. The step stays planned while the wave is open and runs again whenever someone has
  become due (people invited later); it is done once the wave has closed.

**What fires the steps.** :func:`run_due` runs every step whose time has come and records each
run (:class:`~.models.StepRun`). Every task worker (those ``collabstate serve`` starts, and
``collabstate worker``) calls :func:`tick` when it starts and then every ``SCHEDULE_SECONDS``,
in the thread that already says it is alive; when a step is due, the tick puts one
:data:`run_schedules` task on the queue (not when one is already waiting), and a worker runs it as
any other task. Why a tick that enqueues rather than a task that puts itself back on the queue
with ``run_after``: such a chain breaks for good when one link fails or its worker is killed, and
leaves a row on the queue every minute, whose waiting rows other jobs' pages would count as ahead
of them; and why not send from the tick's thread itself: a worker being stopped finishes the task
under way, but would cut a thread's sending anywhere. A step missed while no worker ran runs when
one starts, and its run says it was late (``LATE_AFTER``).

**Never twice at once.** A step is claimed with one UPDATE (``planned`` -> ``running``), as
sending claims an invitee: two workers, or a worker and ``run_schedules`` by hand, never run one
step at the same time. While it runs a heartbeat is written (:class:`.jobs.Heartbeat`); a step
whose worker was killed (no heartbeat for ``jobs.STALE_AFTER``) is claimed again and runs again,
sending only to those still due. A step refused (the wave has closed, the mail server cannot be
reached) is recorded as refused with sending's reason and is not retried: plan it again.

**The clock.** :func:`run_due` and the checks take ``now``: the tests drive time with it, and
``python -m collabstate.web.manage run_schedules --now 2027-01-08T09:00`` runs the steps due at
that moment (for tests and operators).
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min, Q
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from ..surveys import sending
from ..surveys.models import Wave
from . import jobs
from .actions import WorkspaceError
from .models import AuditEntry, ScheduleStep, StepRun

__all__ = ["LATE_AFTER", "MAX_DAYS", "SCHEDULE_SECONDS", "add_step", "cancel_step", "due_steps", "problems", "run_due",
           "run_schedules", "run_step", "tick"]  # fmt: skip

#: How often each worker looks for a step whose time has come.
SCHEDULE_SECONDS = 30.0
#: A run started this long after its step was due says it was late (no worker was running).
LATE_AFTER = dt.timedelta(minutes=15)
#: The most days after the invitation a reminder may be planned.
MAX_DAYS = 365
PLANNED, RUNNING, DONE, REFUSED, CANCELLED = (ScheduleStep.PLANNED, ScheduleStep.RUNNING, ScheduleStep.DONE, ScheduleStep.REFUSED,
                                              ScheduleStep.CANCELLED)  # fmt: skip


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y %H:%M}"


# --- planning --------------------------------------------------------------------------------


def _moment(step: ScheduleStep, invitation_at: dt.datetime | None) -> dt.datetime | None:
    """When the step runs (a step days after: for people invited by the planned invitations)."""
    if step.at is not None:
        return step.at
    return invitation_at + dt.timedelta(days=step.days_after or 0) if invitation_at else None


def _in_order(first: ScheduleStep, then: ScheduleStep, invitation_at: dt.datetime | None) -> bool | None:
    """Whether ``first`` comes before ``then``; None when it cannot be known."""
    if first.days_after is not None and then.days_after is not None:
        return first.days_after < then.days_after
    a, b = _moment(first, invitation_at), _moment(then, invitation_at)
    if a is None or b is None:
        return None if first.number else True  # nothing comes before the invitations but a date
    return a < b


def problems(step: ScheduleStep, now: dt.datetime | None = None) -> dict[str, list[str]]:
    """What is wrong with ``step`` as a new step of its wave's schedule, by the form field it
    belongs to (``number``, ``at``, ``days_after``); empty when it can be planned."""
    now, wave, errors = now or timezone.now(), step.wave, defaultdict(list)
    if step.number > wave.max_reminders:
        most = f"at most {wave.max_reminders} reminder{'' if wave.max_reminders == 1 else 's'}" if wave.max_reminders else "no reminders"
        errors["number"].append(f"this wave sends {most} to each invitee, so reminder {step.number} cannot be planned; "
                                "choose the invitations or a reminder the wave sends")  # fmt: skip
    if (step.at is None) == (step.days_after is None):
        errors["at"].append("give either a date and time, or a number of days after the invitation (one of them, not both)")
    elif step.number == 0 and step.at is None:
        errors["days_after"].append("the invitations need a date and time; days after the invitation is for reminders")
    if step.at is not None:
        if step.at <= now:
            errors["at"].append(f"{_local(step.at)} is in the past (it is now {_local(now)}); choose a later date and time")
        elif step.at >= wave.closes_at:
            errors["at"].append(f"{_local(step.at)} is after the wave closes ({_local(wave.closes_at)}); choose a date and time before it")
        elif step.at < wave.opens_at:
            errors["at"].append(f"{_local(step.at)} is before the wave opens ({_local(wave.opens_at)}); choose a date and time after it")
    if step.days_after is not None and not 1 <= step.days_after <= MAX_DAYS:
        errors["days_after"].append(f"expected a whole number of days from 1 to {MAX_DAYS}, not {step.days_after}")
    if errors:
        return dict(errors)
    active = {s.number: s for s in wave.schedule.filter(status__in=ScheduleStep.ACTIVE).exclude(pk=step.pk)}
    if step.number in active:
        already = active[step.number]
        errors["number"].append(f"{already.label.lower()} is already planned ({already.when_text}); cancel that step to plan it again")
        return dict(errors)
    field = "at" if step.at is not None else "days_after"
    invitation_at = step.at if step.number == 0 else getattr(active.get(0), "at", None)
    when = _moment(step, invitation_at)
    if step.days_after is not None and invitation_at is not None and when is not None and when >= wave.closes_at:
        days = f"{step.days_after} day{'' if step.days_after == 1 else 's'}"
        errors[field].append(f"{days} after the invitations planned on {_local(invitation_at)} is after the wave closes "
                             f"({_local(wave.closes_at)}); choose fewer days")  # fmt: skip
    for other in sorted(active.values(), key=lambda s: s.number):
        first, then = (other, step) if other.number < step.number else (step, other)
        if _in_order(first, then, invitation_at) is False:
            side = "after" if first is other else "before"
            errors[field].append(f"{step.label.lower()} must come {side} {other.label.lower()} (planned {other.when_text})")
    return dict(errors)


def _audit(step: ScheduleStep, user, what: str) -> None:
    AuditEntry.objects.create(organisation=step.wave.organisation, wave=step.wave, user=user, action=AuditEntry.SCHEDULE,
                              detail=f"{what} {step.label.lower()} ({step.when_text}), step {step.pk}")  # fmt: skip


def add_step(wave: Wave, number: int, at: dt.datetime | None, days_after: int | None, user, now: dt.datetime | None = None) -> ScheduleStep:
    """Plan a step in ``wave``'s schedule; raises ``ValidationError`` (by field: ``number``,
    ``at``, ``days_after``) when it cannot be planned, as :func:`problems` says."""
    step = ScheduleStep(wave=wave, number=number, at=at, days_after=days_after, created_by=user)
    if found := problems(step, now):
        raise ValidationError(found)
    try:
        with transaction.atomic():
            step.save()
            _audit(step, user, "Planned")
    except IntegrityError:  # the same step planned at the same moment by someone else
        raise ValidationError({"number": [f"{step.label.lower()} has just been planned by someone else; see the schedule"]}) from None
    return step


def cancel_step(step: ScheduleStep, user) -> None:
    """Cancel a planned step (one running, done or refused cannot be)."""
    with transaction.atomic():
        if not ScheduleStep.objects.filter(pk=step.pk, status=PLANNED).update(status=CANCELLED):
            step.refresh_from_db()
            raise WorkspaceError(f"{step.label} is {step.get_status_display().lower()}, not planned: only a planned step can be cancelled.")
        step.status = CANCELLED
        _audit(step, user, "Cancelled")


# --- running ---------------------------------------------------------------------------------


def _among(step: ScheduleStep, now: dt.datetime) -> Q | None:
    """The invitees the step's sending is narrowed to (the module's list)."""
    if step.number == 0:
        return None
    if step.days_after is not None:
        return Q(reminders_sent=step.number - 1, invited_at__lte=now - dt.timedelta(days=step.days_after))
    return Q(reminders_sent__lt=step.number, invited_at__lt=step.at)


def _waiting() -> Q:
    """Steps that may be claimed: planned, or running with a worker gone (no heartbeat lately)."""
    return Q(status=PLANNED) | Q(status=RUNNING, heartbeat_at__lt=timezone.now() - jobs.STALE_AFTER)


def _first_due(step: ScheduleStep, now: dt.datetime) -> dt.datetime | None:
    """For a step days after: when the earliest invitee due now became due (None: nobody is)."""
    first = sending.due(step.wave, sending.REMINDERS, now, _among(step, now)).aggregate(first=Min("invited_at"))["first"]
    return first + dt.timedelta(days=step.days_after or 0) if first else None


def due_steps(now: dt.datetime | None = None) -> list[ScheduleStep]:
    """The steps whose time has come, across the site, the invitations first: a step on a date
    that has passed; a step days after with someone due, or whose wave has closed."""
    now = now or timezone.now()
    steps = ScheduleStep.objects.filter(_waiting()).filter(Q(at__lte=now) | Q(days_after__isnull=False)).select_related("wave")
    return [s for s in steps.order_by("number", "at", "pk") if s.at is not None or s.wave.state(now) == "closed" or _first_due(s, now)]


def run_due(now: dt.datetime | None = None) -> list[StepRun]:
    """Run every step whose time has come (:func:`due_steps`), one after the other; the runs."""
    now = now or timezone.now()
    return [run for step in due_steps(now) if (run := run_step(step, now)) is not None]


def _release(step: ScheduleStep, status: str) -> None:
    ScheduleStep.objects.filter(pk=step.pk, status=RUNNING).update(status=status, heartbeat_at=None)
    step.status = status


def run_step(step: ScheduleStep, now: dt.datetime | None = None) -> StepRun | None:
    """Claim ``step`` and send what it sends; its run, or None when it was not run (another
    worker has it, it is no longer planned, or nobody is due for a step days after)."""
    now = now or timezone.now()
    if not ScheduleStep.objects.filter(_waiting(), pk=step.pk).update(status=RUNNING, heartbeat_at=timezone.now()):
        return None
    step = ScheduleStep.objects.select_related("wave").get(pk=step.pk)
    due_at = step.at or _first_due(step, now)
    if due_at is None:  # a step days after with nobody due: waits, or is over once the wave has closed
        _release(step, DONE if step.wave.state(now) == "closed" else PLANNED)
        return None
    began, heartbeat = time.monotonic(), jobs.Heartbeat(step)
    heartbeat.start()
    try:
        outcome, refused = f"{sending.send(step.wave, step.what, now, _among(step, now))}.", False
    except sending.SendRefused as exc:
        outcome, refused = f"Nothing was sent: {exc.message}.", True
    except (SystemExit, KeyboardInterrupt):  # the worker is being stopped: the step runs again on the next one
        _release(step, PLANNED)
        raise
    except Exception:
        traceback.print_exc()  # into the worker's log
        outcome, refused = f"Nothing more was sent: an error on the server stopped the step (step {step.pk}). Plan it again.", True
    finally:
        heartbeat.stop()
    finished = now + dt.timedelta(seconds=time.monotonic() - began)
    run = StepRun.objects.create(step=step, due_at=due_at, started_at=now, finished_at=finished, late=now - due_at > LATE_AFTER,
                                 refused=refused, outcome=outcome)  # fmt: skip
    _release(step, REFUSED if refused else PLANNED if step.days_after is not None else DONE)
    return run


@task()
def run_schedules() -> int:
    """The task on the queue: run the steps whose time has come (:func:`run_due`); how many ran."""
    return len(run_due())


def tick(now: dt.datetime | None = None) -> bool:
    """What every worker calls when it starts and then every ``SCHEDULE_SECONDS``: put one
    :data:`run_schedules` task on the queue when a step is due and none is waiting. Whether it did."""
    if not due_steps(now):
        return False
    if DBTaskResult.objects.filter(task_path=run_schedules.module_path, status="READY").exists():
        return False
    run_schedules.enqueue()
    return True

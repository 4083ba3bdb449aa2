"""``python -m collabstate.web.manage run_schedules [--now 2027-01-08T09:00]``: run, in this
process, the schedules' steps whose time has come (:func:`~collabstate.web.workspace.schedules.run_due`),
as the workers do by themselves; ``--now`` says what time it is (for tests and operators: a test
clock, or to see at once what a worker would do)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ... import schedules


class Command(BaseCommand):
    help = "Run the schedules' steps whose time has come (the workers do it by themselves); --now sets the clock, for tests and operators."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="What time it is, e.g. 2027-01-08T09:00 (local time unless an offset is given); default: now.")

    def handle(self, *args, now: str | None = None, **options) -> None:
        moment = None
        if now:
            try:
                moment = dt.datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"--now: expected a date and time such as 2027-01-08T09:00, not {now!r}") from None
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        runs = schedules.run_due(moment)
        for run in runs:
            self.stdout.write(f"{run.step.wave.slug}: {run.step.label.lower()}{' (late)' if run.late else ''}: {run.outcome}")
        if not runs:
            self.stdout.write("No step of any schedule is due.")

"""``collabstate serve``, ``collabstate worker`` and the ``collabstate wave`` group: the survey
website with its task workers, a task worker alone, and the waves (create, list, invite, remind,
export, purge).

Django is imported only when one of them runs, so the rest of the command line stays quick.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from ._shared import InstrumentOption, err, fail, literal, out, read_instrument

__all__ = ["serve", "wave_app", "worker"]


def setup_django(*, migrate: bool = True) -> None:
    """:func:`collabstate.web.setup.setup_django`, imported when a command needs the database
    (so that ``collabstate --help`` does not load the web layer at all)."""
    from ..web.setup import setup_django as setup

    setup(migrate=migrate)


wave_app = typer.Typer(help="Survey waves on the web: create, invite, remind, export, purge.", no_args_is_help=True)


def serve(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    workers: Annotated[int, typer.Option(help="gunicorn worker processes (default: 2 per core + 1).")] = 0,
    task_workers: Annotated[
        int | None, typer.Option(min=0, help="Task workers for the background work (default: COLLABSTATE_TASK_WORKERS, 2).")
    ] = None,
) -> None:
    """Run the survey website with gunicorn, and the workers that do its background work
    (imports, invitee lists, invitations, reminders, exports, report builds), after running the
    database migrations. Ctrl-C stops them all.

    The database is SQLite under ./var/ unless DATABASE_URL is set (e.g. postgres://user@host/db).
    More workers on other machines: `collabstate worker` there, with the same DATABASE_URL.
    Contact details past their wave's retention are deleted first (as `collabstate wave purge`).

    Example: collabstate serve --port 8000
    """
    setup_django()
    from django.conf import settings

    from ..web.serving import serve as run

    settings.SERVING_ON = (host, port)
    _start_checks()
    _purge()
    workers = workers or 2 * (os.cpu_count() or 1) + 1
    tasks = settings.TASK_WORKERS if task_workers is None else task_workers
    out.print(f"collabstate: serving on http://{host}:{port}/ with {workers} workers and {tasks} task workers (Ctrl-C stops)",
              highlight=False)  # fmt: skip
    sys.stdout.flush()
    raise typer.Exit(run(["collabstate.web.wsgi", "--bind", f"{host}:{port}", "--workers", str(workers), "--graceful-timeout", "5",
                          "--preload"], tasks))  # fmt: skip


def _start_checks() -> None:
    """Django's system checks (among them the public address's, web/checks.py): warnings are
    printed, errors stop the start (SetupError, exit 3)."""
    from django.core import checks

    from ..errors import SetupError

    found = checks.run_checks()
    errors = [m for m in found if m.is_serious() and not m.is_silenced()]
    for message in found:
        if not message.is_serious() and not message.is_silenced():
            err.print(f"warning: {message}", markup=False, highlight=False, soft_wrap=True)
    if errors:
        raise SetupError("\n".join(str(m) for m in errors))


def worker(
    batch: Annotated[bool, typer.Option("--batch", help="Run the tasks waiting now, then stop.")] = False,
    interval: Annotated[float, typer.Option(min=0.05, help="Seconds between looks at the queue when it is empty.")] = 1.0,
    parent: Annotated[int | None, typer.Option(hidden=True, help="Stop when this process (collabstate serve) has gone.")] = None,
) -> None:
    """Run the site's background work (imports, invitee lists, invitations, reminders, exports,
    report builds) from the queue in its database, one task at a time, until stopped.

    `collabstate serve` starts its own workers; run this on other machines to add more: with the
    same DATABASE_URL, and the same COLLABSTATE_VAR folder shared (uploads and exports live there).
    Ctrl-C (or SIGTERM) lets the task under way finish; a second one stops it, and it starts again
    from the beginning on the next worker.

    Example: DATABASE_URL=postgres://collabstate@db/collabstate collabstate worker
    """
    setup_django(migrate=False)  # the site (collabstate serve) brings the database up to date
    from ..web.serving import run_worker

    run_worker(parent=parent, interval=interval, batch=batch)


def _wave(slug: str):
    setup_django()
    from ..web.surveys.models import Wave

    try:
        return Wave.objects.get(slug=slug)
    except Wave.DoesNotExist:
        raise fail(f"no wave {slug!r}; `collabstate wave list` shows the waves") from None


def _when(text: str, option: str) -> dt.datetime:
    from django.utils import timezone

    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"{option}: {text!r} is not a date or date and time such as 2026-12-01 or 2026-12-01T09:00") from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


#: A wave's field -> the argument or option of `wave create` that gives it.
_OPTION_OF = {"slug": "SLUG", "title": "--title", "instrument_ref": "--instrument", "instrument_yaml": "--instrument",
              "closes_at": "--closes", "opens_at": "--opens", "max_reminders": "--reminders", "retention_days": "--retention-days"}  # fmt: skip


@wave_app.command("create")
def create(
    slug: Annotated[str, typer.Argument(help="The wave's name in addresses, e.g. leaders-2026.")],
    instrument: InstrumentOption,
    title: Annotated[str | None, typer.Option(help="Title respondents see (default: the instrument's).")] = None,
    opens: Annotated[str | None, typer.Option(help="When it opens, e.g. 2026-12-01 (default: now).")] = None,
    closes: Annotated[str | None, typer.Option(help="When it closes, e.g. 2027-01-31T17:00 (default: 30 days after opening).")] = None,
    mode: Annotated[str, typer.Option(help="anonymous or identified.")] = "anonymous",
    open_link: Annotated[bool, typer.Option("--open-link", help="Anyone with the wave's address may respond (/s/SLUG/).")] = False,
    reminders: Annotated[int, typer.Option(help="At most this many reminders per invitee.")] = 2,
    organisation: Annotated[
        str, typer.Option(help="The organisation the wave belongs to (created if there is none of that name).")
    ] = "Default",
    retention_days: Annotated[
        int | None, typer.Option(min=0, help="Delete invitees' contact details this many days after the wave closes (`wave purge`).")
    ] = None,
) -> None:
    """Create a wave from a built-in instrument or a YAML file.

    Only the organisation's members see the wave in the workspace (/workspace/).

    Example: collabstate wave create leaders-2026 --instrument leaders --closes 2027-01-31 --organisation "North Partnership"
    """
    ins = read_instrument(instrument)
    if mode not in ("anonymous", "identified"):
        raise fail(f"--mode: expected anonymous or identified, not {mode!r}")
    setup_django()
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from ..web.surveys.models import Wave
    from ..web.workspace.actions import WorkspaceError, create_wave, organisation_named

    start = _when(opens, "--opens") if opens else timezone.now()
    end = _when(closes, "--closes") if closes else start + dt.timedelta(days=30)
    if end <= start:
        raise fail("--closes must be after --opens")
    if Wave.objects.filter(slug=slug).exists():
        raise fail(f"a wave {slug!r} already exists")
    try:
        owner = organisation_named(organisation)
    except WorkspaceError as exc:
        raise fail(f"--organisation: {exc}") from None
    path = Path(instrument)
    text = path.read_text(encoding="utf-8") if path.suffix in (".yaml", ".yml") and path.exists() else ""
    try:  # the wave's own checks, as the workspace's form makes them: a slug fit for an address, a title on one line
        wave = create_wave(owner, slug=slug, title=title or ins.title, instrument_ref="" if text else ins.id, instrument_yaml=text,
                           opens_at=start, closes_at=end, mode=mode, open_link=open_link, max_reminders=reminders,
                           retention_days=retention_days)  # fmt: skip
    except ValidationError as exc:
        for field, problems in exc.message_dict.items():
            for problem in problems:
                err.print(f"{_OPTION_OF.get(field, field)}: {problem}", markup=False, highlight=False, soft_wrap=True)
        raise fail(f"wave {slug!r} was not created") from None
    out.print(f"wave {wave.slug}: {ins.id}, {mode}, open {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}"
              + (f"; open link /s/{wave.slug}/" if open_link else "") + f"; organisation {owner.name}", highlight=False)  # fmt: skip


@wave_app.command("list")
def list_waves() -> None:
    """List the waves with their respondents and completes."""
    setup_django()
    from ..web.surveys.models import Wave

    for wave in Wave.objects.select_related("organisation"):
        done = wave.respondents.filter(status="completed").count()
        out.print(
            f"{wave.slug}\t{wave.title}\t{wave.organisation}\t{wave.state()}\t{wave.invitees.count()} invited\t{done} completed",
            highlight=False,
        )


@wave_app.command("invite")
def invite(
    slug: Annotated[str, typer.Argument(help="The wave.")],
    invitees: Annotated[
        Path | None,
        typer.Argument(
            help="CSV with email and optionally name, organisation, sector, role and question ids (known facts: docs/known-facts.md)."
        ),
    ] = None,
    send: Annotated[bool, typer.Option("--send/--no-send", help="Send the invitations at once.")] = True,
    failed: Annotated[
        bool, typer.Option("--failed", help="Send again exactly the invitations and reminders the mail server refused.")
    ] = False,
) -> None:
    """Add invitees from a CSV file (every problem is listed; nobody is added unless all rows are
    valid), then send the invitations not yet sent. Without a file, only send them.

    An invitee is marked invited only when the mail server accepted their e-mail; what it refused
    is listed (and kept, for the workspace's dashboard), and the command ends with exit code 1.

    Example: collabstate wave invite leaders-2026 invitees.csv; collabstate wave invite leaders-2026 --failed
    """
    wave = _wave(slug)
    from ..web.surveys.invitations import InviteeFileError, add_invitees
    from ..web.surveys.sending import FAILED, INVITATIONS

    if invitees is not None:
        try:
            added = add_invitees(wave, invitees.read_bytes(), name=str(invitees))
        except OSError as exc:
            raise fail(f"{invitees}: {exc.strerror}") from None
        except InviteeFileError as exc:
            for problem in exc.problems:
                err.print(f"{invitees}: {problem}", markup=False, highlight=False, soft_wrap=True)
            raise fail(f"{invitees}: {len(exc.problems)} problem(s); nobody was added") from None
        out.print(f"{len(added)} invitees added to {slug}", markup=False, highlight=False)
    if send or failed:
        _send(wave, FAILED if failed else INVITATIONS)


@wave_app.command("facts")
def facts(
    slug: Annotated[str, typer.Argument(help="The wave.")],
    choices: Annotated[list[str] | None, typer.Argument(help="QUESTION=off|prefill|hidden, any number; none: only list them.")] = None,
) -> None:
    """What the invitee list's known facts do in a wave (docs/known-facts.md): for each question
    the list can answer, off (asked as usual), prefill (shown with the list's answer selected) or
    hidden (the list's answer stored, not asked); then each one's mismatches so far.

    A question not named keeps its choice. The change is recorded in the audit log.

    Example: collabstate wave facts leaders-2026 sector=hidden role=prefill
    """
    wave = _wave(slug)
    from ..web.surveys.known_facts import MODES, OFF
    from ..web.workspace.facts import fact_ids, mismatches, save_modes

    known, allowed = fact_ids(wave), [m for m, _ in MODES]
    modes = dict(wave.known_facts)
    for choice in choices or []:
        question, _, mode = choice.partition("=")
        if question not in known:
            raise fail(
                f"{choice}: expected QUESTION=MODE where QUESTION is one of {', '.join(known) or '(none: no question with one answer)'}"
            )
        if mode not in allowed:
            raise fail(f"{choice}: expected the mode off, prefill or hidden after {question}=")
        modes[question] = mode
    if choices:
        save_modes(wave, {q: m for q, m in modes.items() if m != OFF}, None)
    counts = {m.question: m for m in mismatches(wave)}
    for question in known:
        line = f"{question}: {wave.known_facts.get(question, OFF)}"
        if (m := counts.get(question)) is not None:
            line += f"; {m.differed} of {m.compared} answered otherwise" if m.shown else "; counts held back until enough are compared"
        out.print(line, markup=False, highlight=False)


@wave_app.command("remind")
def remind(slug: Annotated[str, typer.Argument(help="The wave.")]) -> None:
    """Remind invitees who have not completed (at most the wave's number of reminders each).

    As with `wave invite`, a reminder counts only when the mail server accepted it; `wave invite
    SLUG --failed` sends again what it refused.
    """
    wave = _wave(slug)
    from ..web.surveys.sending import REMINDERS

    _send(wave, REMINDERS)


def _send(wave, what: str) -> None:
    """Send ``what`` (:func:`collabstate.web.surveys.sending.send`, as the workspace does), say
    how it went, list each e-mail refused, and exit 1 if any was."""
    from ..web.surveys.sending import failures, send

    started = dt.datetime.now(dt.UTC)
    sent = send(wave, what)  # a refusal of the whole send (closed, title, no server) is the app's to print: exit 1
    out.print(str(sent), markup=False, highlight=False)
    if sent.refused or sent.not_tried:
        for invitee in failures(wave).filter(send_failed_at__gte=started):
            err.print(f"not sent to {invitee.email}: {invitee.send_error}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)


@wave_app.command("export")
def export(
    slug: Annotated[str, typer.Argument(help="The wave.")],
    output: Annotated[Path, typer.Argument(help="File to write: .csv, .xlsx, .sav or .parquet.")],
    raw_text: Annotated[
        bool,
        typer.Option("--raw-text", help="In a CSV file, write text exactly as typed, even when a spreadsheet would run it as a formula."),
    ] = False,
) -> None:
    """Export the completed responses, validated as any data file, for `collabstate estimate` or `report`.

    Streamed: a chunk of responses at a time, with a progress bar on a terminal. A stored answer
    that no longer fits the questionnaire is written blank, and listed on standard error.

    Example: collabstate wave export leaders-2026 leaders-2026.sav
    """
    wave = _wave(slug)
    from rich.markup import escape
    from rich.progress import Progress

    from ..web.surveys.exports import export_wave

    try:
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task(escape(f"Exporting {literal(slug)}"), total=None)  # the default columns read markup
            written = export_wave(
                wave, output, progress=lambda done, total: bar.update(task, completed=done, total=total), raw_text=raw_text
            )
    except OSError as exc:
        raise fail(f"{output}: {exc}") from None
    for line in written.summary():
        err.print(line, highlight=False, soft_wrap=True, markup=False)
    out.print(f"{written.n} responses written to {output}", highlight=False, markup=False)


def _purge() -> int:
    from django.conf import settings
    from django.core.management import call_command

    from ..web.throttle.counting import purge as purge_counters
    from ..web.workspace.actions import purge_contact_details
    from ..web.workspace.export_jobs import purge_exports

    purge_counters()  # rate-limit counters whose window ended long ago (nothing to say about them)

    cleared = purge_contact_details()
    if cleared:
        out.print(f"contact details of {cleared} invitees deleted (their waves' retention has passed); see the audit log", highlight=False)
    exports = purge_exports()
    # finished tasks' rows on the queue (the jobs people see are kept; a task's row says only how it ran)
    call_command("prune_db_task_results", min_age_days=settings.EXPORT_DAYS, failed_min_age_days=settings.EXPORT_DAYS, verbosity=0)
    if exports:
        out.print(f"{exports} export files deleted (exports are kept for a set number of days)", highlight=False)
    return cleared + exports


@wave_app.command("purge")
def purge() -> None:
    """Delete invitees' contact details in every wave closed longer ago than its retention days,
    and the workspace's export files (and the task queue's finished tasks) older than EXPORT_DAYS
    (default 7) days.

    Each wave purged gets an entry in the audit log; running it again changes nothing. Run it
    daily (e.g. from cron); `collabstate serve` also runs it when it starts.

    Example: collabstate wave purge
    """
    setup_django()
    if not _purge():
        out.print("no contact details were due for deletion", highlight=False)

"""Invitee lists, invitations and reminders (actions; no views).

An invitee CSV has the columns ``email`` (required), ``name``, ``organisation``, ``sector``; every
problem is reported with its row number, and nothing is stored unless the whole file is valid.
Each invitee gets a link carrying a fresh 256-bit token; only its hash is stored, so a token can
be sent only once: a reminder carries a new link, and the earlier links keep working.
Reminders go only to invitees who have not completed, at most ``wave.max_reminders`` times.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ...errors import InputError
from .actions import new_token
from .models import Invitee, Link, Respondent, Wave

__all__ = ["InviteeFileError", "InviteeProblem", "add_invitees", "send_invitations", "send_reminders"]

COLUMNS = ("email", "name", "organisation", "sector")


@dataclass(frozen=True)
class InviteeProblem:
    row: int  # the spreadsheet row (the header is row 1)
    column: str
    value: str
    expected: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.value!r}: expected {self.expected}"


class InviteeFileError(InputError):
    def __init__(self, name: str, problems: list[InviteeProblem]) -> None:
        self.name, self.problems = name, problems
        super().__init__(f"{name}: {len(problems)} problem(s)\n" + "\n".join(f"{name}: {p}" for p in problems))


def add_invitees(wave: Wave, data: bytes | str, name: str = "invitees.csv") -> list[Invitee]:
    """Read an invitee CSV and add every row to ``wave``; raises :class:`InviteeFileError`
    listing every problem (and adds nobody) when any row is wrong."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    problems: list[InviteeProblem] = []
    if "email" not in header:
        raise InviteeFileError(name, [InviteeProblem(1, "email", ",".join(reader.fieldnames or []), "a header row with an 'email' column")])
    unknown = [h for h in header if h not in COLUMNS]
    for h in unknown:
        problems.append(InviteeProblem(1, h, h, f"one of the columns {', '.join(COLUMNS)}"))
    reader.fieldnames = header
    existing = {e.lower() for e in wave.invitees.values_list("email", flat=True)}
    seen: dict[str, int] = {}
    rows = []
    for number, record in enumerate(reader, start=2):
        if None in record:
            problems.append(InviteeProblem(number, "(row)", ",".join(record[None]), f"at most {len(header)} values, as in the header"))
        email = (record.get("email") or "").strip()
        try:
            validate_email(email)
        except ValidationError:
            problems.append(InviteeProblem(number, "email", email, "an e-mail address such as name@example.org"))
            continue
        key = email.lower()
        if key in seen:
            problems.append(InviteeProblem(number, "email", email, f"each address once; it is already in row {seen[key]}"))
        elif key in existing:
            problems.append(InviteeProblem(number, "email", email, "an address not already invited to this wave"))
        seen[key] = number
        rows.append(Invitee(wave=wave, email=email, **{c: (record.get(c) or "").strip() for c in COLUMNS[1:]}))
    if problems:
        raise InviteeFileError(name, problems)
    with transaction.atomic():
        return Invitee.objects.bulk_create(rows)


def _link(token: str) -> str:
    return settings.SITE_URL + reverse("start", args=[token])


def _message(wave: Wave, invitee: Invitee, token: str, reminder: bool) -> EmailMessage:
    hello = f"Dear {invitee.name}," if invitee.name else "Hello,"
    subject = f"{'Reminder: ' if reminder else ''}{wave.title}"
    closes = timezone.localtime(wave.closes_at).strftime("%-d %B %Y")
    body = (
        f"{hello}\n\n"
        + ("We have not yet received your answers. " if reminder else "")
        + f"You are invited to take part in {wave.title}.\n\n"
        f"Answer the survey at this link, which is yours alone:\n{_link(token)}\n\n"
        f"Your answers are saved as you go: the same link takes you back to where you left off. "
        f"The survey closes on {closes}.\n"
    )
    return EmailMessage(subject, body, to=[invitee.email])


def _send(wave: Wave, invitees: list[Invitee], reminder: bool) -> int:
    """A new link per invitee (tokens are not kept, so none can be sent twice), then one e-mail
    each through Django's e-mail backend."""
    messages = []
    now = timezone.now()
    with transaction.atomic():
        for invitee in invitees:
            token, hashed = new_token()
            respondent, _ = Respondent.objects.get_or_create(invitee=invitee, defaults={"wave": wave})
            Link.objects.create(respondent=respondent, token_hash=hashed)
            messages.append(_message(wave, invitee, token, reminder))
            if reminder:
                invitee.reminders_sent += 1
                invitee.last_reminded_at = now
            else:
                invitee.invited_at = now
        Invitee.objects.bulk_update(invitees, ["invited_at", "reminders_sent", "last_reminded_at"])
    with get_connection() as connection:
        connection.send_messages(messages)
    return len(messages)


def send_invitations(wave: Wave) -> int:
    """Invite everyone on the list who has not been invited yet; returns how many."""
    return _send(wave, list(wave.invitees.filter(invited_at__isnull=True)), reminder=False)


def send_reminders(wave: Wave) -> int:
    """Remind invitees who have not completed and have had fewer than ``max_reminders``."""
    pending = wave.invitees.filter(invited_at__isnull=False, reminders_sent__lt=wave.max_reminders).exclude(
        respondent__status=Respondent.COMPLETED
    )
    return _send(wave, list(pending), reminder=True)

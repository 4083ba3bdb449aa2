"""Sending invitations and reminders honestly: an invitee is marked invited (or reminded) only
once the mail server has accepted their e-mail.

:func:`send` is the one function that sends: the workspace's button, the admin's actions, the
command line (``collabstate wave invite`` and ``remind``) and a background task all call it.
For each invitee due, in this order:

1. **claim**: one UPDATE marks them as being sent to (``sending_since``), only if they are still
   due and nobody else is sending to them, so two clicks on Send, two analysts or the command line
   and the workspace at once never send one person the same e-mail twice;
2. **a new link**: the hash of a fresh token is stored and committed *before* the e-mail leaves,
   so the link in an e-mail the server accepted always works;
3. **the e-mail** goes through Django's e-mail backend, on one connection for the whole batch;
4. **record**: accepted, ``invited_at`` (or one more reminder) is set and any earlier failure
   cleared; refused, the server's answer goes into ``send_failed_at`` and ``send_error`` and the
   unsent link is deleted. The claim is released either way.

**At least once, not at most once.** A crash between 3 and 4 leaves the invitee claimed and not
marked. After ``settings.SEND_CLAIM_SECONDS`` the claim lapses: the dashboard lists them as
interrupted, and the next send sends again. They may then get the e-mail twice (both links
work), but nobody is ever counted as invited who was not sent an invitation. The other order
(mark, then send: at most once) is what we had, and it loses invitations silently: a duplicate
e-mail costs a moment of someone's attention, a missing one biases the response rate, whose
base counts a person who was never asked.

A failure of the connection itself (421, the server closing it, a time-out) closes it; the next
invitee gets a new one, and if that cannot be opened the batch stops there: the rest are left as
they were (``Sent.not_tried``), not marked as refused by a server that never saw them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from ...errors import RefusedError, UsageError
from ..validators import single_line_problem
from .actions import new_token
from .models import Invitee, Link, Respondent, Wave

__all__ = ["FAILED", "INVITATIONS", "REMINDERS", "SendRefused", "Sent", "due", "failures", "interrupted", "send", "site_message"]

INVITATIONS, REMINDERS, FAILED = "invitations", "reminders", "failed"
WHAT = {INVITATIONS: "the invitations not yet sent", REMINDERS: "the reminders due", FAILED: "again what the mail server refused"}
#: Invitees loaded at a time from the list of those due.
CHUNK = 500


class SendRefused(RefusedError):
    """Nothing was sent, and the message says why (the wave has closed, its title is not one line,
    the mail server cannot be reached)."""


@dataclass(frozen=True)
class Sent:
    """What a send did: e-mails the server accepted, refused (each recorded on its invitee) and
    not tried because the connection to the server was lost (``stopped`` says how)."""

    what: str
    sent: int = 0
    refused: int = 0
    not_tried: int = 0
    stopped: str = ""

    def __str__(self) -> str:
        noun = "reminder" if self.what == REMINDERS else "invitation" if self.what == INVITATIONS else "e-mail"
        text = f"{self.sent} {noun}{'' if self.sent == 1 else 's'} sent"
        if self.refused:
            text += f"; {self.refused} refused by the mail server (not marked as sent: see 'Not sent', and send them again)"
        if self.not_tried:
            text += f"; {self.not_tried} not tried because {self.stopped} (send again later)"
        return text


def due(wave: Wave, what: str, now: dt.datetime | None = None, among: Q | None = None) -> QuerySet[Invitee]:
    """The invitees a send of ``what`` goes to: for invitations, those not yet invited; for
    reminders, those invited who have not completed and have had fewer than the wave's number
    of reminders; for ``failed``, exactly those whose last e-mail was refused (an invitation
    again, or the reminder again). Never one another send is sending to right now. ``among``
    narrows them further (a schedule's step: those invited at least so many days ago who have
    had so many reminders, :mod:`collabstate.web.workspace.schedules`)."""
    stale = (now or timezone.now()) - dt.timedelta(seconds=settings.SEND_CLAIM_SECONDS)
    free = Q(sending_since__isnull=True) | Q(sending_since__lt=stale)
    invitation = Q(invited_at__isnull=True)
    reminder = Q(invited_at__isnull=False, reminders_sent__lt=wave.max_reminders) & ~Q(respondent__status=Respondent.COMPLETED)
    wanted = {INVITATIONS: invitation, REMINDERS: reminder, FAILED: (invitation | reminder) & Q(send_failed_at__isnull=False)}[what]
    return wave.invitees.filter(free & wanted & (among or Q())).order_by("pk")


def failures(wave: Wave) -> QuerySet[Invitee]:
    """Invitees whose last invitation or reminder the mail server refused, latest first."""
    return wave.invitees.filter(send_failed_at__isnull=False).order_by("-send_failed_at", "pk")


def interrupted(wave: Wave, now: dt.datetime | None = None) -> QuerySet[Invitee]:
    """Invitees a send was interrupted on (a crash, a killed worker): the e-mail may or may not
    have gone; the next send sends it (again)."""
    stale = (now or timezone.now()) - dt.timedelta(seconds=settings.SEND_CLAIM_SECONDS)
    return wave.invitees.filter(sending_since__lt=stale).order_by("pk")


def send(wave: Wave, what: str = INVITATIONS, now: dt.datetime | None = None, among: Q | None = None) -> Sent:
    """Send ``what`` (:data:`INVITATIONS`, :data:`REMINDERS` or :data:`FAILED`) to the invitees
    :func:`due` (narrowed by ``among``, if given) and return what happened. Refused outright (nothing sent) once the wave has
    closed, when its title is not one line, or when the mail server cannot be reached."""
    if what not in WHAT:
        raise UsageError(argument="what", value=what, expected=", ".join(WHAT))
    if wave.state(now) == "closed":
        closed = timezone.localtime(wave.closes_at).strftime("%-d %B %Y %H:%M")
        raise SendRefused(f"{wave.title} closed on {closed}: no invitations or reminders are sent after a wave closes")
    if problem := single_line_problem(wave.title):
        raise SendRefused(f"the wave's title has {problem}; a title is one line (it is the e-mails' subject): edit it, then send")
    pks = list(due(wave, what, now, among).values_list("pk", flat=True))
    if not pks:
        return Sent(what)
    first = get_connection()
    try:
        first.open()
    except (OSError, smtplib.SMTPException) as exc:
        raise SendRefused(f"the mail server could not be reached ({_said(exc)}); nobody was sent anything or marked as sent") from None
    backend: BaseEmailBackend | None = first
    sent = refused = seen = 0
    try:
        for start in range(0, len(pks), CHUNK):
            for invitee in Invitee.objects.filter(pk__in=pks[start : start + CHUNK]).order_by("pk"):
                if backend is None:
                    backend = get_connection()
                    try:
                        backend.open()
                    except (OSError, smtplib.SMTPException) as exc:
                        backend = None
                        return Sent(what, sent, refused, len(pks) - seen, f"the mail server could not be reached again ({_said(exc)})")
                seen += 1
                outcome = _send_one(backend, wave, invitee, what, among)
                if outcome is None:
                    continue  # due no more: someone else sent it meanwhile
                error, broken = outcome
                sent, refused = (sent, refused + 1) if error else (sent + 1, refused)
                if broken:
                    _close(backend)
                    backend = None
    finally:
        if backend is not None:
            _close(backend)
    return Sent(what, sent, refused)


def _send_one(backend, wave: Wave, invitee: Invitee, what: str, among: Q | None = None) -> tuple[str, bool] | None:
    """Claim, link, send, record (the module's steps 1 to 4) for one invitee: ``(error, the
    connection is broken)``, error '' when the e-mail was accepted; None when the invitee was no
    longer due."""
    reminder = invitee.invited_at is not None
    still_due = due(wave, what, among=among).filter(pk=invitee.pk, reminders_sent=invitee.reminders_sent, invited_at=invitee.invited_at)
    if not still_due.update(sending_since=timezone.now()):
        return None
    token, hashed = new_token()
    with transaction.atomic():
        respondent, created = Respondent.objects.get_or_create(invitee=invitee, defaults={"wave": wave})
        link = Link.objects.create(respondent=respondent, token_hash=hashed)
    error, broken = _deliver(backend, _message(wave, invitee, token, reminder))
    now = timezone.now()
    mine = Invitee.objects.filter(pk=invitee.pk)
    with transaction.atomic():
        if not error:
            done = {"reminders_sent": F("reminders_sent") + 1, "last_reminded_at": now} if reminder else {"invited_at": now}
            mine.update(sending_since=None, send_failed_at=None, send_error="", **done)
        else:
            (respondent if created else link).delete()  # the token went nowhere: it opens nothing
            mine.update(sending_since=None, send_failed_at=now, send_error=error[: Invitee._meta.get_field("send_error").max_length])
    return error, broken


def _deliver(backend, message: EmailMessage) -> tuple[str, bool]:
    """Hand one e-mail to the backend: ``('', False)`` when accepted, else what the server said
    and whether the connection is lost (421, closed, timed out)."""
    try:
        accepted = backend.send_messages([message])
    except smtplib.SMTPRecipientsRefused as exc:
        code, said = next(iter(exc.recipients.values()))
        return _reply(code, said), code == 421
    except smtplib.SMTPResponseException as exc:  # refused the sender or the message (SMTPSenderRefused, SMTPDataError …)
        return _reply(exc.smtp_code, exc.smtp_error), exc.smtp_code == 421
    except (BadHeaderError, ValueError) as exc:  # not sendable as it is: the connection is fine
        return f"not sent: {exc}", False
    except (OSError, smtplib.SMTPException) as exc:  # SMTPServerDisconnected, a time-out, a reset
        return f"the connection to the mail server was lost: {_said(exc)}", True
    return ("", False) if accepted == 1 else ("the mail backend did not accept the e-mail", False)


def _reply(code: int, said: bytes | str) -> str:
    text = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
    return f"{code} {' '.join(text.split())}"


def _said(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    return " ".join(str(exc).split()) or type(exc).__name__


def _close(backend) -> None:
    with contextlib.suppress(OSError):  # already gone (SMTPException is an OSError)
        backend.close()


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
    return site_message(subject, body, invitee.email)


def site_message(subject: str, body: str, to: str) -> EmailMessage:
    """An e-mail of the site: from ``DEFAULT_FROM_EMAIL``, with ``COLLABSTATE_REPLY_TO`` as its
    Reply-To when set (invitations, reminders, a colleague's invitation)."""
    reply_to = [settings.REPLY_TO] if settings.REPLY_TO else None
    return EmailMessage(subject, body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to], reply_to=reply_to)

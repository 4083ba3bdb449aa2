"""What the web layer stores.

- :class:`Wave`: an instrument (built-in, or an uploaded YAML file kept verbatim) with open and
  close dates, a mode (anonymous or identified) and either invitees or an open link. It belongs
  to one :class:`~collabstate.web.workspace.models.Organisation`, whose members alone see it.
- :class:`Invitee`: a person's contact details, deleted ``retention_days`` after the wave
  closes (:func:`collabstate.web.workspace.actions.purge_contact_details`), and how sending to
  them went: ``invited_at`` is set only once the mail server accepted the invitation; a refusal
  is kept in ``send_failed_at`` and ``send_error`` (:mod:`.sending`).
- :class:`Respondent`: one person's progress through the wave, reached through its
  :class:`Link` s. Only the SHA-256 of a link's token is stored; the token itself is in the
  invitation e-mail (or the open link's address) and nowhere else. A reminder carries a new link;
  the earlier ones keep working.
- :class:`Response` and :class:`Answer`: the answers, one row per data column (the instrument's
  column names and codes, as in a data file). In anonymous mode the respondent's link to its
  response is removed when the respondent completes, so answers cannot be traced to a token or
  an invitee.
"""

from __future__ import annotations

import uuid
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from ...instrument import Instrument, InstrumentError, builtin_instruments, load_instrument, parse_instrument
from ..validators import single_line


class Wave(models.Model):
    ANONYMOUS, IDENTIFIED = "anonymous", "identified"
    MODES = [(ANONYMOUS, "Anonymous"), (IDENTIFIED, "Identified")]

    organisation = models.ForeignKey("workspace.Organisation", on_delete=models.PROTECT, related_name="waves")
    slug = models.SlugField(unique=True, help_text="The wave's name in addresses, e.g. leaders-2026")
    title = models.CharField(max_length=200, validators=[single_line], help_text="One line: it is the subject of every invitation")
    instrument_ref = models.CharField(max_length=64, blank=True, help_text="A built-in instrument, e.g. readiness-2018")
    instrument_yaml = models.TextField(blank=True, help_text="An uploaded instrument (YAML), kept as uploaded")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    mode = models.CharField(max_length=10, choices=MODES, default=ANONYMOUS)
    open_link = models.BooleanField(default=False, help_text="Anyone with the wave's address may respond")
    max_reminders = models.PositiveSmallIntegerField(default=2)
    privacy_notice = models.TextField(blank=True, help_text="Shown on the first page, before any question")
    retention_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Invitees' contact details are deleted this many days after the wave closes (empty: kept)"
    )
    known_facts = models.JSONField(
        default=dict, blank=True, help_text="Question id -> 'prefill' or 'hidden': what the invitee list's answer does (see known_facts)"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """One instrument, built-in or uploaded and usable (every problem listed), and dates in order."""
        errors: dict[str, list[str]] = {}
        if bool(self.instrument_ref) == bool(self.instrument_yaml):
            errors["instrument_ref"] = ["Give a built-in instrument or upload an instrument file (one of them)."]
        elif self.instrument_ref and self.instrument_ref not in builtin_instruments():
            errors["instrument_ref"] = [f"No built-in instrument {self.instrument_ref!r}; there are {', '.join(builtin_instruments())}."]
        elif self.instrument_yaml:
            try:
                parse_instrument(self.instrument_yaml, source="the instrument file")
            except InstrumentError as exc:
                errors["instrument_yaml"] = [str(p) for p in exc.problems]
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = ["The wave must close after it opens."]
        if errors:
            raise ValidationError(errors)

    @property
    def instrument(self) -> Instrument:
        return _instrument(self.instrument_ref, self.instrument_yaml)

    def invited(self) -> int:
        """How many invitees were sent an invitation: the base of the response rate, on the
        dashboard and in the report."""
        return self.invitees.filter(invited_at__isnull=False).count()

    def invited_completed(self) -> int:
        """How many of those invitees have completed: the numerator of the response rate, on the
        dashboard and in the report (never respondents by the open link, nor imported responses)."""
        return self.respondents.filter(status=Respondent.COMPLETED, invitee__invited_at__isnull=False).count()

    def imported(self) -> int:
        """How many responses were imported from files: analysed, but not part of the response rate."""
        return self.responses.filter(imported=True, completed=True).count()

    def state(self, now=None) -> str:
        """``"open"``, ``"not_open"`` (before it opens) or ``"closed"``."""
        now = now or timezone.now()
        if now < self.opens_at:
            return "not_open"
        return "closed" if now >= self.closes_at else "open"


@lru_cache(maxsize=32)
def _instrument(ref: str, text: str) -> Instrument:
    """The wave's instrument, parsed once per process (keyed by its text, so an edit takes effect)."""
    return parse_instrument(text, source="wave instrument") if text else load_instrument(ref)


class Invitee(models.Model):
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invitees")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True, validators=[single_line])
    organisation = models.CharField(max_length=200, blank=True, validators=[single_line])
    sector = models.CharField(max_length=100, blank=True, validators=[single_line])
    role = models.CharField(max_length=100, blank=True, validators=[single_line])
    facts = models.JSONField(default=dict, blank=True, help_text="Question id -> the code the list gives (see known_facts)")
    invited_at = models.DateTimeField(null=True, blank=True, help_text="When the mail server accepted the invitation")
    reminders_sent = models.PositiveSmallIntegerField(default=0, help_text="Reminders the mail server accepted")
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    send_failed_at = models.DateTimeField(null=True, blank=True, help_text="When the last invitation or reminder was refused")
    send_error = models.CharField(max_length=500, blank=True, help_text="What the mail server said when it refused")
    sending_since = models.DateTimeField(
        null=True, blank=True, help_text="Set while an e-mail to them is being sent; left set only by a send that was interrupted"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["wave", "email"], name="one_invitation_per_email")]

    def __str__(self) -> str:
        return self.email


class Response(models.Model):
    """The answers of one respondent. ``public_id`` is the respondent_id of exported data."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    completed = models.BooleanField(default=False)
    completed_on = models.DateField(null=True, blank=True, help_text="The day only: a time could re-identify")
    imported = models.BooleanField(default=False, help_text="Read from a response file, not answered on the web")
    from_list = models.JSONField(
        default=list, blank=True, help_text="Columns stored from the invitee list without asking (a hidden known fact)"
    )


class Respondent(models.Model):
    STARTED, COMPLETED = "started", "completed"

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="respondents")
    invitee = models.OneToOneField(Invitee, null=True, blank=True, on_delete=models.SET_NULL, related_name="respondent")
    response = models.OneToOneField(Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="respondent")
    consented_at = models.DateTimeField(null=True, blank=True)
    page = models.CharField(max_length=100, blank=True, help_text="The question page to resume at")
    status = models.CharField(max_length=10, default=STARTED)
    pages_saved = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    #: Column -> stored text of the answers so far; set by :func:`.actions.find_respondent` (not a field).
    answers: dict[str, str]

    @property
    def completed(self) -> bool:
        return self.status == self.COMPLETED


class Answer(models.Model):
    """One data column's value, as text: a code (``4``), a flag (``1``/``0``), a number or text."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    column = models.CharField(max_length=100)
    value = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "column"], name="one_value_per_column")]


class FactCount(models.Model):
    """Of an anonymous wave's completed invitees, how many had a known fact for a question
    (``compared``: they answered it too) and how many answered otherwise (``differed``). Counted
    when they complete, since their answers are no longer linked to them afterwards; totals only,
    never who."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="fact_counts")
    question = models.CharField(max_length=100)
    compared = models.PositiveIntegerField(default=0)
    differed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["wave", "question"], name="one_fact_count_per_question")]


class Link(models.Model):
    """A token's hash and the respondent it opens."""

    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

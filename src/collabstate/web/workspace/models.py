"""Organisations, the people in them and what they may do, and the audit trail.

Roles, from least to most (each includes the ones before it):

- ``viewer``: sees the organisation's waves, their dashboards and their results so far;
- ``analyst``: also creates waves, uploads invitees, sends invitations and reminders, imports
  response files, downloads the report, the codebook and the responses (:class:`ExportJob`) and
  saves tables (:class:`SavedTable`);
- ``owner``: also erases a respondent's answers and manages the organisation's members.

>>> Membership(role="analyst").allows("viewer"), Membership(role="analyst").allows("owner")
(True, False)
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Organisation(models.Model):
    """A body that runs surveys; every wave belongs to one."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(unique=True, help_text="The organisation's name in addresses, e.g. north-partnership")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    VIEWER, ANALYST, OWNER = "viewer", "analyst", "owner"
    ROLES = [(VIEWER, "Viewer"), (ANALYST, "Analyst"), (OWNER, "Owner")]
    RANK = {VIEWER: 0, ANALYST: 1, OWNER: 2}

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=ROLES, default=VIEWER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_organisation")]
        ordering = ["organisation", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} ({self.role} of {self.organisation})"

    def allows(self, role: str) -> bool:
        """Whether this role includes ``role``."""
        return self.RANK[self.role] >= self.RANK[role]


class AuditEntry(models.Model):
    """Who did what, to which wave, and when: an import, an erasure, a retention purge, a change of
    members. Never holds an answer or a contact detail (an invitee is named by its number)."""

    IMPORT, ERASE, RETENTION, MEMBERS, EXPORT, TABLES = "import", "erase", "retention", "members", "export", "tables"
    REPORT_TEXT, SCHEDULE, SHARING, KNOWN_FACTS, EMAILS = "report-text", "schedule", "sharing", "known-facts", "emails"
    CODEBOOK, PRIMARY_CODER = "codebook", "primary-coder"
    ACTIONS = [(IMPORT, "Responses imported"), (ERASE, "Answers erased on request"),
               (RETENTION, "Contact details deleted (retention)"), (MEMBERS, "Members changed"),
               (EXPORT, "Responses exported"), (TABLES, "Saved tables changed"), (REPORT_TEXT, "Report text changed"),
               (SCHEDULE, "Schedule changed"), (SHARING, "Shared links changed"), (KNOWN_FACTS, "Known facts' use changed"),
               (EMAILS, "E-mails changed"), (CODEBOOK, "Codebook changed"), (PRIMARY_CODER, "Primary coder chosen")]  # fmt: skip

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="audit")
    wave = models.ForeignKey("surveys.Wave", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             help_text="Who did it; empty for the retention command")  # fmt: skip
    action = models.CharField(max_length=20, choices=ACTIONS)
    detail = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}: {self.detail}"


class Runner(models.Model):
    """What a record of background work (:class:`ExportJob`, :class:`WaveJob`) says of its runner:
    which process on which machine, when it started, last said it was alive, and finished, and
    its task on the queue (:mod:`.jobs` reads and writes these)."""

    finished_at = models.DateTimeField(null=True, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    host = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True, help_text="The task on the queue that runs it")

    class Meta:
        abstract = True


class ExportJob(Runner):
    """A wave's responses written to a file in the background (:mod:`.export_jobs`), for an analyst
    to download: its progress while it runs, then the file, under ``VAR_DIR/exports/``.

    A job may also make the wave's report (formats ``report-pdf``, ``report-html``,
    ``report-xlsx``, ``report-json``, ``report-pptx``) for a breakdown ``by`` and the waves it is ``compared`` with, with the
    same code as the live results; its progress is then in steps.

    >>> job = ExportJob(format="sav", status=ExportJob.RUNNING, done=12_000, total=40_000)
    >>> job.progress_text, job.percent
    ('12,000 of 40,000 responses', 30)
    >>> job = ExportJob(format="report-pdf", status=ExportJob.RUNNING, done=3, total=4, step="Drawing the charts for the PDF")
    >>> job.progress_text, job.percent, job.what
    ('step 3 of 4: Drawing the charts for the PDF', 50, 'pdf')
    """

    QUEUED, RUNNING, DONE, FAILED, DELETED = "queued", "running", "done", "failed", "deleted"
    STATUSES = [(QUEUED, "Waiting to start"), (RUNNING, "Running"), (DONE, "Ready"), (FAILED, "Failed"), (DELETED, "File deleted")]
    UNDER_WAY = (QUEUED, RUNNING)
    RESPONSE_FORMATS = [("csv", "CSV"), ("xlsx", "Excel workbook (.xlsx)"), ("sav", "SPSS with labels (.sav)"), ("parquet", "Parquet")]
    REPORT = "report-"
    REPORT_FORMATS = [(REPORT + "pdf", "Report (PDF, A4)"), (REPORT + "html", "Report (HTML page)"),
                      (REPORT + "xlsx", "Report tables (Excel workbook)"), (REPORT + "json", "Estimate table (JSON)"),
                      (REPORT + "pptx", "Report slides (PowerPoint)")]  # fmt: skip
    FORMATS = RESPONSE_FORMATS + REPORT_FORMATS

    wave = models.ForeignKey("surveys.Wave", on_delete=models.CASCADE, related_name="export_jobs")
    format = models.CharField(max_length=20, choices=FORMATS)
    # a report's choice, as the live results take it: a breakdown column ("none": no breakdown) and a wave compared with
    by = models.CharField(max_length=100, blank=True, help_text="A report's breakdown column, or 'none'")
    compared = models.ManyToManyField("surveys.Wave", blank=True, related_name="+", help_text="The earlier waves a report compares with")
    step = models.CharField(max_length=200, blank=True, help_text="A report's current step, or what it was made of once done")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=QUEUED)
    done = models.PositiveIntegerField(default=0, help_text="Responses written so far")
    total = models.PositiveIntegerField(default=0, help_text="Responses to write (counted when it starts)")
    file = models.CharField(max_length=200, blank=True, help_text="The file's name under VAR_DIR/exports/ once done")
    raw_text = models.BooleanField(
        default=False, help_text="CSV: text written exactly as typed, even text a spreadsheet would run as a formula"
    )
    n_problems = models.PositiveIntegerField(default=0, help_text="Stored answers that do not fit the questionnaire, written blank")
    problems = models.TextField(blank=True, help_text="The first of those answers and what was expected, one a line")
    error = models.TextField(blank=True, help_text="Why it failed or its file was deleted, for the person who asked")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.wave_id} as {self.format} ({self.status})"

    @property
    def under_way(self) -> bool:
        return self.status in self.UNDER_WAY

    @property
    def is_report(self) -> bool:
        return self.format.startswith(self.REPORT)

    @property
    def what(self) -> str:
        """A report's download (``pdf``, ``html``, ``xlsx``, ``json``); the format of responses."""
        return self.format.removeprefix(self.REPORT)

    @property
    def progress_text(self) -> str:
        """How far it has gone, in words."""
        if not self.is_report:
            return f"{self.done:,} of {self.total:,} responses"
        if self.status == self.DONE or not self.total:
            return self.step
        return f"step {self.done} of {self.total}" + (f": {self.step}" if self.step else "")

    @property
    def problem_lines(self) -> list[str]:
        """The first stored answers written blank, as the export listed them."""
        return [line for line in self.problems.splitlines() if not line.startswith("…")]

    @property
    def percent(self) -> int:
        """Done so far; a report's step under way counts as not done."""
        done = self.done - 1 if self.is_report and self.status != self.DONE and self.done else self.done
        return 100 * done // self.total if self.total else (100 if self.status == self.DONE else 0)


class WaveJob(Runner):
    """Work on a wave that grows with its size, done by a task on the queue (:mod:`.wave_jobs`)
    while the person who asked for it watches its page: an import of responses or an invitee list
    (the uploaded file waits under ``VAR_DIR/uploads/`` until the task has read it), or sending
    the invitations, the reminders, or again the e-mails the mail server refused.

    >>> job = WaveJob(kind=WaveJob.INVITATIONS, status=WaveJob.RUNNING, done=25_000, total=100_000)
    >>> job.progress_text, job.percent
    ('25,000 of 100,000 invitations sent', 25)
    >>> WaveJob(kind=WaveJob.IMPORT, status=WaveJob.RUNNING, done=3, total=4, step="Storing the responses").progress_text
    'step 3 of 4: Storing the responses'
    """

    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATUSES = [(QUEUED, "Waiting to start"), (RUNNING, "Running"), (DONE, "Done"), (FAILED, "Failed")]
    UNDER_WAY = (QUEUED, RUNNING)
    # the sendings are named as surveys.sending names them
    IMPORT, INVITEES, INVITATIONS, REMINDERS, FAILED = "import", "invitees", "invitations", "reminders", "failed"
    KINDS = [(IMPORT, "Import of responses"), (INVITEES, "Upload of invitees"), (INVITATIONS, "Sending of invitations"),
             (REMINDERS, "Sending of reminders"), (FAILED, "Sending again of the e-mails refused")]  # fmt: skip
    #: Kinds whose progress counts e-mails (the others count steps).
    SENDING = (INVITATIONS, REMINDERS, FAILED)

    wave = models.ForeignKey("surveys.Wave", on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=20, choices=KINDS)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=QUEUED)
    done = models.PositiveIntegerField(default=0, help_text="Steps done, or e-mails sent")
    total = models.PositiveIntegerField(default=0, help_text="Steps, or e-mails to send (counted when it starts)")
    step = models.CharField(max_length=200, blank=True, help_text="The step under way")
    upload = models.CharField(max_length=200, blank=True, help_text="The uploaded file under VAR_DIR/uploads/ until it is read")
    name = models.CharField(max_length=255, blank=True, help_text="The uploaded file's own name")
    outcome = models.TextField(blank=True, help_text="What it did, once done")
    error = models.TextField(blank=True, help_text="Why it failed, for the person who asked")
    problems = models.JSONField(default=list, blank=True, help_text="The first problems found in the file, as sentences")
    n_problems = models.PositiveIntegerField(default=0, help_text="Every problem found in the file")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [  # one of each kind under way in a wave: the database says so, so two clicks at once cannot both start one
            models.UniqueConstraint(
                fields=["wave", "kind"], condition=models.Q(status__in=("queued", "running")), name="one_wave_job_under_way"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} of {self.wave_id} ({self.status})"

    @property
    def under_way(self) -> bool:
        return self.status in self.UNDER_WAY

    @property
    def sending(self) -> bool:
        return self.kind in self.SENDING

    @property
    def progress_text(self) -> str:
        """How far it has gone, in words."""
        if self.sending:
            return f"{self.done:,} of {self.total:,} {'e-mails' if self.kind == self.FAILED else self.kind} sent"
        return f"step {self.done} of {self.total}: {self.step}" if self.total else self.step

    @property
    def percent(self) -> int:
        """Done so far; a step under way counts as not done."""
        done = self.done if self.sending or self.status == self.DONE else max(self.done - 1, 0)
        return 100 * done // self.total if self.total else (100 if self.status == self.DONE else 0)


class SavedTable(models.Model):
    """A crosstab of a wave kept under a name (the Tables page, :mod:`.tables`): what goes down
    the side (``rows``: questions, columns, indices, derived variables), the banners across the
    top (``columns``), a ``filter`` (a condition, a domain of the full design) and the
    ``statistics`` each option shows. Only the choice is kept: its numbers are computed afresh
    from the wave's responses whenever it is shown, downloaded or put in the report
    (``in_report``)."""

    wave = models.ForeignKey("surveys.Wave", on_delete=models.CASCADE, related_name="saved_tables")
    name = models.CharField(max_length=100)
    rows = models.JSONField(default=list, help_text="Questions, columns, indices or derived variables down the side, in order")
    columns = models.JSONField(default=list, blank=True, help_text="Banners across the top, in order")
    filter = models.CharField(max_length=500, blank=True, help_text="A condition such as sector == 1; empty for every respondent")
    statistics = models.JSONField(default=list, help_text="What each option shows: estimate, interval, letters")
    in_report = models.BooleanField(default=False, help_text="Shown in the section Tables of the wave's report")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["wave", "name"], name="one_saved_table_name_per_wave")]

    def __str__(self) -> str:
        return f"table {self.name!r} of {self.wave_id}"


class ReportSpecVersion(models.Model):
    """One version of a wave's report text (a report spec, :mod:`collabstate.report.spec`): the
    analyst's title, key messages, commentary, hidden sections and quotes, as YAML. Each save is a
    new version (``number`` 1, 2, …), never overwritten; restoring an old one saves its text again
    as the newest. The wave's report is built with the newest."""

    wave = models.ForeignKey("surveys.Wave", on_delete=models.CASCADE, related_name="report_specs")
    number = models.PositiveIntegerField()
    text = models.TextField(help_text="The report spec as YAML")
    note = models.CharField(max_length=200, blank=True, help_text="What changed, in a few words")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["wave", "number"], name="one_report_spec_number_per_wave")]

    def __str__(self) -> str:
        return f"report text {self.number} of {self.wave_id}"


class MemberInvitation(models.Model):
    """An owner's invitation to join an organisation with a role, sent by e-mail (:mod:`.colleagues`).
    Only a hash of the link's token is kept (as respondents' are): the link is single use and
    expires; inviting the same address again revokes the pending one.

    >>> import datetime as dt
    >>> now = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    >>> MemberInvitation(expires_at=now + dt.timedelta(days=7)).state(now), MemberInvitation(expires_at=now).state(now)
    ('pending', 'expired')
    """

    PENDING, ACCEPTED, REVOKED, EXPIRED = "pending", "accepted", "revoked", "expired"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Membership.ROLES, default=Membership.VIEWER)
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the link's token; the token itself is never stored")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"invitation of {self.email} to {self.organisation_id} as {self.role} ({self.state()})"

    def state(self, now=None) -> str:
        from django.utils import timezone

        now = now or timezone.now()
        if self.accepted_at:
            return self.ACCEPTED
        if self.revoked_at:
            return self.REVOKED
        return self.PENDING if self.expires_at > now else self.EXPIRED


class ScheduleStep(models.Model):
    """One step of a wave's schedule (:mod:`.schedules`): the invitations (``number`` 0) at a date
    and time, or reminder ``number`` (1 to the wave's ``max_reminders``) at a date and time or
    ``days_after`` the invitation, for each invitee counted from their own invitation.

    A step on a date runs once: ``planned`` -> ``running`` -> ``done`` or ``refused``. A step
    "days after" stays ``planned`` while the wave is open and runs whenever someone has become due
    (each run recorded); it is ``done`` once the wave has closed. ``heartbeat_at`` is written while
    it runs, so that a step whose worker was killed is taken up again.

    >>> ScheduleStep(number=0).label, ScheduleStep(number=2, days_after=7).when_text
    ('Invitations', '7 days after each invitation')
    """

    PLANNED, RUNNING, DONE, REFUSED, CANCELLED = "planned", "running", "done", "refused", "cancelled"
    STATUSES = [(PLANNED, "Planned"), (RUNNING, "Running"), (DONE, "Done"), (REFUSED, "Refused"), (CANCELLED, "Cancelled")]
    #: Statuses of a step still to run (at most one of each number in a wave).
    ACTIVE = (PLANNED, RUNNING)

    wave = models.ForeignKey("surveys.Wave", on_delete=models.CASCADE, related_name="schedule")
    number = models.PositiveSmallIntegerField(help_text="0: the invitations; 1, 2 …: that reminder")
    at = models.DateTimeField(null=True, blank=True, help_text="When it runs (a step on a date)")
    days_after = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Days after each invitee's invitation")
    status = models.CharField(max_length=10, choices=STATUSES, default=PLANNED)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Written while it runs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "number"], condition=models.Q(status__in=("planned", "running")), name="one_active_step"
            ),
            models.CheckConstraint(
                condition=models.Q(at__isnull=True, days_after__isnull=False, number__gt=0)
                | models.Q(at__isnull=False, days_after__isnull=True),
                name="step_at_a_time_or_days_after",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} of wave {self.wave_id}: {self.when_text} ({self.status})"

    @property
    def label(self) -> str:
        return "Invitations" if self.number == 0 else f"Reminder {self.number}"

    @property
    def what(self) -> str:
        """What it sends, as :mod:`~collabstate.web.surveys.sending` names it."""
        return "invitations" if self.number == 0 else "reminders"

    @property
    def when_text(self) -> str:
        if self.at is not None:
            return f"on {timezone.localtime(self.at):%-d %B %Y at %H:%M}"
        return f"{self.days_after} day{'' if self.days_after == 1 else 's'} after each invitation"

    @property
    def active(self) -> bool:
        return self.status in self.ACTIVE


class StepRun(models.Model):
    """One run of a :class:`ScheduleStep`: when, whether it was late (no worker ran when it was
    due), and its outcome (what :func:`~collabstate.web.surveys.sending.send` returned, or why it
    refused)."""

    step = models.ForeignKey(ScheduleStep, on_delete=models.CASCADE, related_name="runs")
    due_at = models.DateTimeField(help_text="When it was due (for a step days after: the earliest invitee's)")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    late = models.BooleanField(default=False, help_text="Started well after it was due")
    refused = models.BooleanField(default=False)
    outcome = models.TextField()

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.step.label} run {self.started_at:%Y-%m-%d %H:%M}: {self.outcome}"


class SharedReportLink(models.Model):
    """A read-only link to a wave's report for people outside the workspace (:mod:`.sharing`):
    ``<SITE_URL>/shared/<token>/``. Only a SHA-256 of the token is kept (as respondents' and
    invitations' are); the link works until ``expires_at`` or until it is revoked. Each opening
    is a :class:`SharedLinkOpening`; ``opened_count`` and ``last_opened_at`` count the report's page.

    >>> import datetime as dt
    >>> now = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    >>> SharedReportLink(expires_at=now + dt.timedelta(days=1)).state(now), SharedReportLink(expires_at=now).state(now)
    ('active', 'expired')
    """

    ACTIVE, REVOKED, EXPIRED = "active", "revoked", "expired"

    wave = models.ForeignKey("surveys.Wave", on_delete=models.CASCADE, related_name="shared_links")
    label = models.CharField(max_length=100, help_text="Who or what the link is for, e.g. Board meeting 12 March")
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the link's token; the token itself is never stored")
    include_quotes = models.BooleanField(default=False, help_text="The report keeps its open-text quotes")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opened_count = models.PositiveIntegerField(default=0, help_text="How many times the report's page was opened")
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"shared link {self.label!r} of {self.wave_id} ({self.state()})"

    def state(self, now=None) -> str:
        from django.utils import timezone

        now = now or timezone.now()
        if self.revoked_at:
            return self.REVOKED
        return self.ACTIVE if self.expires_at > now else self.EXPIRED


class SharedLinkOpening(models.Model):
    """One opening of a shared link: when, what (the page, the report in its frame, a download),
    who if signed in, and the network it came from cut short (an IPv4 address's first three
    numbers, an IPv6 address's /48): enough to tell a link passed round many places from one
    team's, never a person's own address."""

    PAGE, REPORT, XLSX = "page", "report", "xlsx"
    WHAT = [(PAGE, "The report's page"), (REPORT, "The report (in the page's frame or alone)"), (XLSX, "Tables (Excel) downloaded")]

    link = models.ForeignKey(SharedReportLink, on_delete=models.CASCADE, related_name="openings")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    what = models.CharField(max_length=10, choices=WHAT, default=PAGE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             help_text="Who opened it when signed in to the site; empty when signed out")  # fmt: skip
    network = models.CharField(
        max_length=50, blank=True, help_text="The network it came from: an IPv4 /24 or an IPv6 /48, never an address"
    )

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.what} of shared link {self.link_id} at {self.at:%Y-%m-%d %H:%M}"


class WaveCodebook(models.Model):
    """The codebook of one text question of a wave, kept in the database for coding its answers
    in the workspace (:mod:`.coding`): its codes are :class:`WaveCode` rows, the codes given are
    :class:`CodedAnswer` rows, per coder. ``primary_coder`` is the coder whose codes the wave's
    report uses (empty: the first analyst who coded)."""

    wave = models.ForeignKey("surveys.Wave", on_delete=models.CASCADE, related_name="codebooks")
    question = models.CharField(max_length=100, help_text="The text question coded")
    label = models.CharField(max_length=200, blank=True, help_text="The themes question's label (empty: the text question's)")
    primary_coder = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                      help_text="Whose codes the report uses; empty: the first analyst who coded")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question"]
        constraints = [models.UniqueConstraint(fields=["wave", "question"], name="one_codebook_per_wave_question")]

    def __str__(self) -> str:
        return f"codebook of {self.question} in {self.wave_id}"


class WaveCode(models.Model):
    """One code of a :class:`WaveCodebook`, as a codebook file spells it (``code`` is its id)."""

    book = models.ForeignKey(WaveCodebook, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=100, help_text="The code's id: lower-case letters, digits and _")
    label = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    keywords = models.JSONField(default=list, blank=True, help_text="Words that suggest the code")
    parent = models.CharField(max_length=100, blank=True, help_text="The id of the code this one falls under")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["book", "code"], name="one_code_id_per_codebook")]

    def __str__(self) -> str:
        return f"{self.code} ({self.label})"


class CodedAnswer(models.Model):
    """A code one coder gave one answer (``code`` empty: the coder coded the answer and gave it no
    code, an answer no theme fits); ``quote``: the coder chose the answer as a quote of that code."""

    book = models.ForeignKey(WaveCodebook, on_delete=models.CASCADE, related_name="coded")
    response = models.ForeignKey("surveys.Response", on_delete=models.CASCADE, related_name="+")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=100, blank=True, help_text="A code of the codebook; empty: coded, no code fits")
    quote = models.BooleanField(default=False, help_text="Chosen as a quote of this code for the report")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["book", "response", "coder", "code"], name="one_code_per_answer_and_coder")]

    def __str__(self) -> str:
        return f"{self.code or '(no code)'} for response {self.response_id} by {self.coder_id}"

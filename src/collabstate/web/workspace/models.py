"""Organisations, the people in them and what they may do, and the audit trail.

Roles, from least to most (each includes the ones before it):

- ``viewer``: sees the organisation's waves, their dashboards and their results so far;
- ``analyst``: also creates waves, uploads invitees, sends invitations and reminders, imports
  response files and downloads the report and the codebook (and, later, the responses);
- ``owner``: also erases a respondent's answers and manages the organisation's members.

>>> Membership(role="analyst").allows("viewer"), Membership(role="analyst").allows("owner")
(True, False)
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


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

    IMPORT, ERASE, RETENTION, MEMBERS = "import", "erase", "retention", "members"
    ACTIONS = [(IMPORT, "Responses imported"), (ERASE, "Answers erased on request"),
               (RETENTION, "Contact details deleted (retention)"), (MEMBERS, "Members changed")]  # fmt: skip

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

"""What the workspace changes, kept out of the views (the Zulip pattern): waves, erasure,
retention and members. Imports live in :mod:`.importing`; sending invitations and reminders is
:func:`collabstate.web.surveys.sending.send`, which the workspace, the admin and the command line
share (re-exported here as ``send``).

Every erasure, retention purge, change of members and of saved tables leaves an
:class:`~collabstate.web.workspace.models.AuditEntry` saying who, when and what, never an answer
or a contact detail.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.text import slugify

from ...errors import RefusedError
from ..surveys.models import Answer, Invitee, Respondent, Response, Wave
from ..surveys.sending import send
from . import export_jobs, results, tables
from .models import AuditEntry, Membership, Organisation, SavedTable

__all__ = [
    "DELETED_EMAIL_DOMAIN",
    "WorkspaceError",
    "add_member",
    "change_role",
    "check_open",
    "create_wave",
    "delete_table",
    "erase_respondent",
    "organisation_named",
    "purge_contact_details",
    "remove_member",
    "save_table",
    "send",
    "table_in_report",
]

#: A deleted invitee's address is ``deleted-<number>@contact.invalid`` (``.invalid`` is reserved:
#: nothing is ever delivered there), which also marks the invitee as done.
DELETED_EMAIL_DOMAIN = "contact.invalid"


class WorkspaceError(RefusedError):
    """An action refused, with a message for the person who asked for it."""


def organisation_named(name: str) -> Organisation:
    """The organisation called ``name``, created (with a free slug) if there is none."""
    name = name.strip()
    if not name:
        raise WorkspaceError("an organisation needs a name")
    found = Organisation.objects.filter(name=name).first()
    if found:
        return found
    base = slugify(name)[:40] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return Organisation.objects.create(name=name, slug=slug)


def create_wave(organisation: Organisation, **fields) -> Wave:
    """A new wave of ``organisation``, checked first (raises Django's ``ValidationError`` naming
    each field that is wrong)."""
    wave = Wave(organisation=organisation, **fields)
    wave.full_clean()
    wave.save()
    return wave


def check_open(wave: Wave, now: dt.datetime | None = None) -> None:
    """Raise :class:`WorkspaceError` once the wave has closed: nothing is sent after that."""
    if wave.state(now) == "closed":
        closed = timezone.localtime(wave.closes_at).strftime("%-d %B %Y %H:%M")
        raise WorkspaceError(f"{wave.title} closed on {closed}: no invitations or reminders are sent after a wave closes")


def erase_respondent(wave: Wave, invitee: Invitee, user) -> int:
    """Erase one invitee of an identified wave on their request: their answers, their progress
    and links (the link in their invitation stops working) and their contact details, so they are
    neither counted nor contacted again, and, if they had answered, every export of the wave's
    responses made or being made (:func:`.export_jobs.withdraw`). Leaves an audit entry naming the
    invitee by number only.
    Returns the number of answers deleted."""
    if wave.mode != Wave.IDENTIFIED:
        raise WorkspaceError("answers in an anonymous wave cannot be traced to a person, so they cannot be erased on request")
    if invitee.wave_id != wave.pk:
        raise WorkspaceError(f"invitee {invitee.pk} is not on the list of {wave.title}")
    with transaction.atomic():
        respondent = Respondent.objects.select_for_update().filter(wave=wave, invitee=invitee).first()
        deleted = 0
        answered = respondent is not None and respondent.response_id is not None  # exports may hold their answers
        if respondent is not None:
            if respondent.response_id is not None:  # answered
                deleted = Answer.objects.filter(response_id=respondent.response_id).count()
                Response.objects.filter(pk=respondent.response_id).delete()
            respondent.delete()  # and its links
        number = invitee.pk
        invitee.delete()
        reason = "Deleted because a respondent's answers were erased on request after it was asked for. Ask for a new export."
        exports = export_jobs.withdraw(wave, reason) if answered else 0
        AuditEntry.objects.create(
            organisation=wave.organisation, wave=wave, user=user, action=AuditEntry.ERASE,
            detail=f"invitee {number} erased on request: {deleted} answers, their progress, links and contact details deleted"
            + (f"; {exports} exports of the wave's responses deleted" if exports else ""),
        )  # fmt: skip
        transaction.on_commit(lambda: _forget_answers(wave))
    return deleted


def _forget_answers(wave: Wave) -> None:
    """No cached report, nor the responses the tables keep in memory, keeps an erased respondent's answers."""
    results.forget(wave)
    tables.forget(wave)


def purge_contact_details(now: dt.datetime | None = None) -> int:
    """Delete the contact details (e-mail address, name, organisation) and the known facts (the
    answers the list gave) of the invitees of every wave that closed ``retention_days`` or more
    ago; the sector and role are kept for the response rates.
    One audit entry per wave purged; running it again changes nothing. Returns how many
    invitees were cleared."""
    now = now or timezone.now()
    cleared = 0
    for wave in Wave.objects.filter(retention_days__isnull=False, closes_at__lte=now).select_related("organisation"):
        days = wave.retention_days  # the query above leaves out None; the check says so to the type checker
        if days is None or wave.closes_at + dt.timedelta(days=days) > now:
            continue
        with transaction.atomic():
            count = wave.invitees.exclude(email__endswith="@" + DELETED_EMAIL_DOMAIN).update(
                email=Concat(Value("deleted-"), Cast("id", CharField()), Value("@" + DELETED_EMAIL_DOMAIN)),
                name="",
                organisation="",
                facts={},
            )
            if count:
                AuditEntry.objects.create(
                    organisation=wave.organisation, wave=wave, action=AuditEntry.RETENTION,
                    detail=f"contact details of {count} invitees deleted, {wave.retention_days} days after the wave closed",
                )  # fmt: skip
        cleared += count
    return cleared


def _owners_left(organisation: Organisation, without: Membership) -> bool:
    return organisation.memberships.filter(role=Membership.OWNER).exclude(pk=without.pk).exists()


def _audit_members(organisation: Organisation, by, detail: str) -> None:
    AuditEntry.objects.create(organisation=organisation, user=by, action=AuditEntry.MEMBERS, detail=detail)


def add_member(organisation: Organisation, who: str, role: str, by) -> Membership:
    """Add the person whose username or e-mail address is ``who`` (their account must exist)."""
    who = who.strip()
    users = get_user_model().objects.filter(Q(username__iexact=who) | Q(email__iexact=who), is_active=True)[:2]
    if len(users) != 1:
        problem = "no account has" if not users else "more than one account has"
        raise WorkspaceError(f"{problem} the username or e-mail address {who!r}; staff create accounts in the admin")
    user = users[0]
    if organisation.memberships.filter(user=user).exists():
        raise WorkspaceError(f"{user.get_username()} is already a member of {organisation}; change their role in the list")
    with transaction.atomic():
        membership = Membership.objects.create(organisation=organisation, user=user, role=role)
        _audit_members(organisation, by, f"{user.get_username()} added as {role}")
    return membership


def change_role(membership: Membership, role: str, by) -> None:
    if role not in Membership.RANK:
        raise WorkspaceError(f"role {role!r}: expected one of {', '.join(Membership.RANK)}")
    if membership.role == Membership.OWNER and role != Membership.OWNER and not _owners_left(membership.organisation, membership):
        raise WorkspaceError(
            f"{membership.user.get_username()} is the only owner of {membership.organisation}; make someone else an owner first"
        )
    with transaction.atomic():
        old, membership.role = membership.role, role
        membership.save(update_fields=["role"])
        _audit_members(membership.organisation, by, f"{membership.user.get_username()}: {old} -> {role}")


def remove_member(membership: Membership, by) -> None:
    if membership.role == Membership.OWNER and not _owners_left(membership.organisation, membership):
        raise WorkspaceError(
            f"{membership.user.get_username()} is the only owner of {membership.organisation}; make someone else an owner first"
        )
    with transaction.atomic():
        membership.delete()
        _audit_members(membership.organisation, by, f"{membership.user.get_username()} removed (was {membership.role})")


def _audit_table(saved: SavedTable, user, what: str) -> None:
    AuditEntry.objects.create(organisation=saved.wave.organisation, wave=saved.wave, user=user, action=AuditEntry.TABLES,
                              detail=f"table ‘{saved.name}’ {what}")  # fmt: skip


def save_table(wave: Wave, choice: tables.TableChoice, name: str, in_report: bool, user) -> SavedTable:
    """Keep ``choice`` as a table of ``wave`` called ``name`` (a name not taken in the wave)."""
    taken = f"{wave.title} has a saved table called ‘{name}’ already; choose another name, or delete that one first"
    if wave.saved_tables.filter(name=name).exists():
        raise WorkspaceError(taken)
    try:
        with transaction.atomic():
            saved = SavedTable.objects.create(wave=wave, name=name, rows=list(choice.rows), columns=list(choice.columns),
                                              filter=choice.filter, statistics=list(choice.statistics), in_report=in_report,
                                              created_by=user)  # fmt: skip
            what = f"saved: {', '.join(choice.rows)}" + (f" by {', '.join(choice.columns)}" if choice.columns else "")
            what += (f", where {choice.filter}" if choice.filter else "") + ("; in the report" if in_report else "")
            _audit_table(saved, user, what)
    except IntegrityError:  # saved by someone else since the check above
        raise WorkspaceError(taken) from None
    return saved


def delete_table(saved: SavedTable, user) -> None:
    with transaction.atomic():
        saved.delete()
        _audit_table(saved, user, "deleted" + ("; taken out of the report" if saved.in_report else ""))


def table_in_report(saved: SavedTable, in_report: bool, user) -> None:
    """Put a saved table in the wave's report, or take it out (its next build shows it, or not)."""
    if saved.in_report == in_report:
        return
    with transaction.atomic():
        saved.in_report = in_report
        saved.save(update_fields=["in_report"])
        _audit_table(saved, user, "added to the report" if in_report else "taken out of the report")

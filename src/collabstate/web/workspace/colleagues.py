"""Colleagues: an organisation's owners invite people by e-mail with a role, from the members page.

The e-mail carries a link ``<SITE_URL>/workspace/join/<token>/``; only a hash of the token is
stored (as respondents' tokens are, :func:`collabstate.web.surveys.actions.token_hash`). The link
is single use and expires after :data:`DAYS` days; inviting the same address again revokes the
pending invitation (its link then shows the "no longer valid" page, 410), as does an owner's
revoke. Opening the link, a person without an account chooses a username and a password (Django's
password validators) and joins; someone whose e-mail address has an account signs in to join.
Every invitation, revocation and join leaves an :class:`.models.AuditEntry` (members changed).
"""

from __future__ import annotations

import datetime as dt
import smtplib

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.mail import BadHeaderError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from ..surveys.actions import new_token, token_hash
from ..surveys.sending import site_message
from .actions import WorkspaceError
from .models import AuditEntry, MemberInvitation, Membership, Organisation

__all__ = ["DAYS", "InviteForm", "accept", "invite", "join", "join_link", "revoke"]

#: Days an invitation's link works.
DAYS = 7


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254, help_text="The invitation is sent there; the link works for 7 days",
                             error_messages={"required": "Enter their e-mail address",
                                             "invalid": "Enter an e-mail address like name@example.org"})  # fmt: skip
    role = forms.ChoiceField(label="Their role", choices=Membership.ROLES, initial=Membership.VIEWER, widget=forms.RadioSelect,
                             error_messages={"required": "Choose a role", "invalid_choice": "Choose viewer, analyst or owner"})  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "invite")
        super().__init__(*args, **kwargs)


def _audit(organisation: Organisation, by, detail: str) -> None:
    AuditEntry.objects.create(organisation=organisation, user=by, action=AuditEntry.MEMBERS, detail=detail)


def join_link(token: str) -> str:
    return settings.SITE_URL + reverse("join", args=[token])


def invite(organisation: Organisation, email: str, role: str, by) -> tuple[MemberInvitation, str]:
    """Invite ``email`` to ``organisation`` as ``role`` and send the e-mail; returns the invitation
    and its token (kept nowhere else). A pending invitation of the same address is revoked."""
    email = email.strip()
    if role not in Membership.RANK:
        raise WorkspaceError(f"role {role!r}: expected one of {', '.join(Membership.RANK)}")
    if organisation.memberships.filter(user__email__iexact=email, user__is_active=True).exists():
        raise WorkspaceError(f"{email} is already a member of {organisation}; change their role in the list")
    now = timezone.now()
    token, hashed = new_token()
    with transaction.atomic():
        replaced = organisation.invitations.filter(email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True)
        again = replaced.update(revoked_at=now)
        invitation = MemberInvitation.objects.create(organisation=organisation, email=email, role=role, token_hash=hashed,
                                                     invited_by=by, expires_at=now + dt.timedelta(days=DAYS))  # fmt: skip
        _audit(organisation, by, f"{email} invited as {role}" + (" (the earlier invitation replaced)" if again else ""))
        inviter = by.get_full_name() or by.get_username()
        body = (f"{inviter} invites you to join {organisation} on collabstate as {dict(Membership.ROLES)[role].lower()}.\n\n"
                f"Open this link to join (it works once, for {DAYS} days):\n\n{join_link(token)}\n\n"
                "If you were not expecting this, ignore this e-mail.\n")  # fmt: skip
        try:  # in the transaction: an e-mail that cannot be sent leaves no invitation behind
            site_message(f"Join {organisation} on collabstate", body, email).send()
        except (OSError, smtplib.SMTPException, BadHeaderError) as exc:
            raise WorkspaceError(f"the invitation could not be sent ({' '.join(str(exc).split()) or type(exc).__name__}); "
                                 "nobody was invited: try again later") from None  # fmt: skip
    return invitation, token


def revoke(invitation: MemberInvitation, by) -> None:
    if invitation.state() != MemberInvitation.PENDING:
        raise WorkspaceError(f"the invitation of {invitation.email} is {invitation.state()}: there is nothing to revoke")
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        _audit(invitation.organisation, by, f"invitation of {invitation.email} revoked")


def find(token: str) -> MemberInvitation:
    """The invitation of ``token``, whatever its state; 404 for a token nobody was sent."""
    if not token or len(token) > 100 or not token.isascii():
        raise Http404("no such invitation")
    invitation = MemberInvitation.objects.select_related("organisation").filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise Http404("no such invitation")
    return invitation


def accept(invitation: MemberInvitation, user) -> Membership:
    """``user`` joins the invitation's organisation with its role, once: the invitation is locked,
    checked still pending, and marked used in the same transaction."""
    with transaction.atomic():
        locked = MemberInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.state() != MemberInvitation.PENDING:
            raise WorkspaceError(f"this invitation is {locked.state()}")
        locked.accepted_at, locked.accepted_by = timezone.now(), user
        locked.save(update_fields=["accepted_at", "accepted_by"])
        membership, created = Membership.objects.get_or_create(user=user, organisation=locked.organisation,
                                                               defaults={"role": locked.role})  # fmt: skip
        what = f"joined as {locked.role}" if created else f"accepted an invitation as {locked.role} (already {membership.role})"
        _audit(locked.organisation, user, f"{user.get_username()} ({locked.email}) {what}")
    return membership


class NewAccountForm(UserCreationForm):
    def __init__(self, email: str, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.email = email  # the password may not look like the address either
        self.fields["username"].help_text = "The name you sign in with: letters, digits and @ . + - _ only"
        self.fields[
            "password1"
        ].help_text = "At least 8 characters, not only digits, not a common password, not like your username or address"
        self.fields.pop("usable_password", None)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken; choose another")
        return username


def _gone(request: HttpRequest, invitation: MemberInvitation) -> HttpResponse:
    return render(request, "workspace/join_gone.html", {"invitation": invitation, "state": invitation.state()}, status=410)


@sensitive_post_parameters("password", "password1", "password2")
@never_cache
def join(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an invitation: a form to make an account and join, or to sign in and join
    (when the invited address has an account); 410 once used, revoked or expired."""
    invitation = find(token)
    if invitation.state() != MemberInvitation.PENDING:
        return _gone(request, invitation)
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    existing = get_user_model().objects.filter(email__iexact=invitation.email, is_active=True).first()
    data = request.POST if request.method == "POST" else None
    form: AuthenticationForm | NewAccountForm
    if existing is not None:
        form = AuthenticationForm(request, data=data, initial={"username": existing.get_username()})
    else:
        form = NewAccountForm(invitation.email, data=data)
    if data is not None and form.is_valid():
        if isinstance(form, AuthenticationForm):
            user = form.get_user()
            if (user.email or "").casefold() != invitation.email.casefold():
                form.add_error(None, f"This invitation is for {invitation.email}: sign in with that address's account")
                return render(request, "workspace/join.html", {"invitation": invitation, "form": form, "existing": existing})
        else:
            user = form.save()
        try:
            accept(invitation, user)
        except WorkspaceError:
            invitation.refresh_from_db()
            return _gone(request, invitation)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"You have joined {invitation.organisation} as {invitation.role}.")
        return redirect("workspace:home")
    return render(request, "workspace/join.html", {"invitation": invitation, "form": form, "existing": existing})


def pending(organisation: Organisation) -> list[MemberInvitation]:
    now = timezone.now()
    found = organisation.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)
    return list(found.select_related("invited_by"))

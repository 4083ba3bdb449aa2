"""Colleagues: owners invite by e-mail with a role (only the token's hash stored, the link single
use and expiring, revocable, re-inviting replaces, every step audited), the join page makes the
account or signs in; and a forgotten password is reset by e-mail."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from workspace_helpers import PASSWORD

from collabstate.web.workspace.models import AuditEntry, MemberInvitation, Membership

NEW_PASSWORD = "another-long-phrase-7"


def _invite(client, org, email: str = "cara@example.org", role: str = "analyst"):
    return client.post(reverse("workspace:invite", args=[org.slug]), {"invite-email": email, "invite-role": role})


def _link(message) -> str:
    found = re.findall(r"http://testserver(/workspace/join/[A-Za-z0-9_-]{43}/)", message.body)
    assert found, message.body
    return found[-1]


def test_an_owner_invites_and_only_the_hash_is_stored(client, owner_b, org_b, settings):
    settings.SITE_URL = "http://testserver"
    client.force_login(owner_b)
    response = _invite(client, org_b)
    assert response.status_code == 302 and response["Location"] == reverse("workspace:members", args=[org_b.slug])
    [message] = mail.outbox
    assert message.to == ["cara@example.org"] and "Beta Board" in message.subject and "analyst" in message.body
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    link = _link(message)
    token = link.split("/")[3]
    invitation = MemberInvitation.objects.get()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(MemberInvitation.objects.values_list())
    assert (invitation.role, invitation.invited_by, invitation.state()) == ("analyst", owner_b, "pending")
    assert dt.timedelta(days=6) < invitation.expires_at - invitation.created_at <= dt.timedelta(days=7)
    page = client.get(reverse("workspace:members", args=[org_b.slug])).content.decode()
    assert "Invitations not yet accepted" in page and "cara@example.org" in page
    assert AuditEntry.objects.filter(organisation=org_b, action=AuditEntry.MEMBERS, detail="cara@example.org invited as analyst").exists()


def test_only_owners_invite_and_revoke_and_only_in_their_organisation(client, analyst_b, owner_b, org_b, org_a, member):
    client.force_login(analyst_b)
    assert _invite(client, org_b).status_code == 403
    client.force_login(owner_b)
    assert _invite(client, org_b, role="boss").status_code == 200  # the form again, with its error
    assert _invite(client, org_a).status_code == 404
    assert not mail.outbox and not MemberInvitation.objects.exists()
    _invite(client, org_b)
    invitation = MemberInvitation.objects.get()
    client.force_login(analyst_b)
    assert client.post(reverse("workspace:revoke_invitation", args=[org_b.slug, invitation.pk])).status_code == 403
    client.force_login(member(org_a, Membership.OWNER, "owner-a"))
    assert client.post(reverse("workspace:revoke_invitation", args=[org_b.slug, invitation.pk])).status_code == 404
    assert client.post(reverse("workspace:revoke_invitation", args=[org_a.slug, invitation.pk])).status_code == 404
    invitation.refresh_from_db()
    assert invitation.state() == "pending"


def test_joining_makes_the_account_and_the_membership_once(client, owner_b, org_b, settings):
    settings.SITE_URL = "http://testserver"
    client.force_login(owner_b)
    _invite(client, org_b, "Cara@Example.org", "analyst")
    link = _link(mail.outbox[0])
    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and "Join Beta Board" in page.content.decode()
    weak = client.post(link, {"username": "cara", "password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 200 and "There is a problem" in weak.content.decode()
    assert not get_user_model().objects.filter(username="cara").exists()
    joined = client.post(link, {"username": "cara", "password1": PASSWORD, "password2": PASSWORD})
    assert joined.status_code == 302 and joined["Location"] == reverse("workspace:home")
    cara = get_user_model().objects.get(username="cara")
    assert cara.email == "Cara@example.org" and cara.check_password(PASSWORD)
    assert Membership.objects.get(user=cara, organisation=org_b).role == "analyst"
    assert "Beta Board" in client.get(reverse("workspace:home")).content.decode()  # signed in
    assert AuditEntry.objects.filter(user=cara, detail__contains="joined as analyst").exists()
    client.logout()
    again = client.get(link)
    assert again.status_code == 410 and "used already" in again.content.decode()
    assert client.post(link, {"username": "cara2", "password1": PASSWORD, "password2": PASSWORD}).status_code == 410
    assert client.get("/workspace/join/" + "x" * 43 + "/").status_code == 404


def test_someone_with_an_account_signs_in_to_join(client, owner_b, org_b, org_a, member, settings):
    settings.SITE_URL = "http://testserver"
    dana = member(org_a, Membership.VIEWER, "dana")  # dana@example.org
    client.force_login(owner_b)
    _invite(client, org_b, "dana@example.org", "viewer")
    link = _link(mail.outbox[0])
    client.logout()
    assert "Sign in and join" in client.get(link).content.decode()
    assert client.post(link, {"username": "dana", "password": "wrong"}).status_code == 200
    assert client.post(link, {"username": "dana", "password": PASSWORD}).status_code == 302
    assert Membership.objects.get(user=dana, organisation=org_b).role == "viewer"


def test_expired_revoked_and_replaced_links_are_refused(client, owner_b, org_b, settings):
    settings.SITE_URL = "http://testserver"
    client.force_login(owner_b)
    _invite(client, org_b, "eve@example.org", "viewer")
    _invite(client, org_b, "eve@example.org", "owner")  # re-invited: replaces the first
    first, second = _link(mail.outbox[0]), _link(mail.outbox[1])
    assert MemberInvitation.objects.filter(revoked_at__isnull=True).get().role == "owner"
    assert AuditEntry.objects.filter(detail__contains="earlier invitation replaced").exists()
    _invite(client, org_b, "fay@example.org", "analyst")
    third = _link(mail.outbox[2])
    fay = MemberInvitation.objects.get(email="fay@example.org")
    assert client.post(reverse("workspace:revoke_invitation", args=[org_b.slug, fay.pk])).status_code == 302
    assert AuditEntry.objects.filter(detail="invitation of fay@example.org revoked").exists()
    page = client.get(reverse("workspace:members", args=[org_b.slug])).content.decode()
    assert '<th scope="row">fay@example.org</th>' not in page and '<th scope="row">eve@example.org</th>' in page
    MemberInvitation.objects.filter(email="eve@example.org", revoked_at__isnull=True).update(
        expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    client.logout()
    for link, says in ((first, "withdrawn"), (third, "withdrawn"), (second, "expired")):
        response = client.get(link)
        assert response.status_code == 410 and says in response.content.decode(), link
        assert client.post(link, {"username": "x", "password1": PASSWORD, "password2": PASSWORD}).status_code == 410
    assert not get_user_model().objects.filter(username="x").exists()


def test_a_password_is_reset_by_e_mail(client, viewer_b, settings):
    settings.SITE_URL = "http://testserver"
    assert 'href="/accounts/password_reset/"' in client.get("/accounts/login/").content.decode()
    sent = client.post("/accounts/password_reset/", {"email": "viewer-b@example.org"})
    assert sent.status_code == 302 and sent["Location"] == "/accounts/password_reset/done/"
    assert client.post("/accounts/password_reset/", {"email": "nobody@example.org"}).status_code == 302  # says the same
    [message] = mail.outbox
    link = re.findall(r"http://testserver(/accounts/reset/\S+/)", message.body)[0]
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    viewer_b.refresh_from_db()
    assert viewer_b.check_password(NEW_PASSWORD)
    assert "no longer works" in client.get(link, follow=True).content.decode()  # once only


def test_password_reset_requests_are_limited(client, viewer_b, settings):
    settings.PASSWORD_RESETS_RATE = "2/15m"
    codes = [client.post("/accounts/password_reset/", {"email": "viewer-b@example.org"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429] and len(mail.outbox) == 2


def test_an_invitation_the_mail_server_refuses_leaves_nothing_and_says_so(client, owner_b, org_b, monkeypatch):
    import smtplib

    from collabstate.web.workspace import colleagues

    class Refused:
        def send(self):
            raise smtplib.SMTPRecipientsRefused({"cara@example.org": (550, b"no such mailbox")})

    monkeypatch.setattr(colleagues, "site_message", lambda *args: Refused())
    client.force_login(owner_b)
    response = _invite(client, org_b)
    assert response.status_code == 200 and "the invitation could not be sent" in response.content.decode()
    assert not MemberInvitation.objects.exists() and not AuditEntry.objects.filter(action=AuditEntry.MEMBERS).exists()

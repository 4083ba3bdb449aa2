"""Signing in and out (Django's auth views, the workspace's pages), members managed by owners
(never leaving an organisation without an owner, every change audited), and the Django admin,
which stays for staff only."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse
from workspace_helpers import PASSWORD

from collabstate.web.workspace.models import AuditEntry, Membership, Organisation


def test_sign_in_takes_a_person_to_the_page_they_asked_for_and_sign_out_ends_it(client, viewer_b, wave_b):
    wanted = reverse("workspace:wave", args=[wave_b.pk])
    to_login = client.get(wanted)
    assert to_login.status_code == 302 and to_login["Location"] == f"/accounts/login/?next={wanted}"
    page = client.get(to_login["Location"]).content.decode()
    assert '<h1 class="heading-l">Sign in to the workspace</h1>' in page and 'autocomplete="current-password"' in page
    wrong = html.unescape(client.post("/accounts/login/", {"username": "viewer-b", "password": "nope", "next": wanted}).content.decode())
    assert "There is a problem" in wrong and "Please enter a correct username and password" in wrong and "<title>Error:" in wrong
    signed_in = client.post("/accounts/login/", {"username": "viewer-b", "password": PASSWORD, "next": wanted})
    assert signed_in.status_code == 302 and signed_in["Location"] == wanted
    assert "Beta wave" in client.get(wanted).content.decode()
    assert client.get("/accounts/login/")["Location"] == reverse("workspace:home")  # already signed in
    out = client.post("/accounts/logout/")
    assert out.status_code == 200 and "You have signed out" in out.content.decode()
    assert client.get(wanted).status_code == 302


def _sign_in(client, username: str, password: str, address: str = "127.0.0.1", path: str = "/accounts/login/") -> int:
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address).status_code


def _windows_pass() -> None:
    """Move every rate-limit window into the past, as if its period had passed."""
    from django.db.models import F

    from collabstate.web.throttle.models import Counter

    Counter.objects.update(started=F("started") - 24 * 3600)


def test_failed_sign_ins_are_limited_per_account_and_address(client, viewer_b, analyst_b, settings):
    """Over the rate, that address gets 429 for that account and no password is checked, the right
    one included; someone else's failures (another address, or another account at the same
    address) never lock a person out of the right password."""
    settings.SIGN_IN_FAILURES_RATE = "3/15m"
    assert [_sign_in(client, "viewer-b", f"guess-{i}") for i in range(4)] == [200, 200, 200, 429]
    refused = client.post("/accounts/login/", {"username": "viewer-b", "password": PASSWORD})
    page = refused.content.decode()
    assert refused.status_code == 429 and "Too many attempts to sign in" in page and "wait 15 minutes" in page
    assert "_auth_user_id" not in client.session
    assert _sign_in(client, "VIEWER-B ", "guess-again") == 429  # the username as typed is case-folded
    assert _sign_in(client, "viewer-b", PASSWORD, address="192.0.2.7") == 302  # the person, from their own address
    client.post("/accounts/logout/")
    assert _sign_in(client, "analyst-b", PASSWORD) == 302  # a colleague behind the same address
    client.post("/accounts/logout/")
    _windows_pass()
    assert _sign_in(client, "viewer-b", PASSWORD) == 302


def test_one_address_guessing_many_accounts_is_limited(client, viewer_b, settings):
    settings.SIGN_IN_ADDRESS_FAILURES_RATE = "5/15m"
    assert [_sign_in(client, f"someone-{i}", "guess") for i in range(6)] == [200] * 5 + [429]
    assert _sign_in(client, "viewer-b", PASSWORD) == 429
    assert _sign_in(client, "viewer-b", PASSWORD, address="2001:db8::1") == 302


def test_an_ipv6_address_counts_as_its_network(client, viewer_b, settings):
    settings.SIGN_IN_FAILURES_RATE = "2/15m"
    assert [_sign_in(client, "viewer-b", "guess", address=f"2001:db8:0:1::{i}") for i in range(3)] == [200, 200, 429]
    assert _sign_in(client, "viewer-b", PASSWORD, address="2001:db8:0:2::1") == 302


def test_behind_a_proxy_the_forwarded_address_is_counted(client, viewer_b, settings):
    settings.SIGN_IN_FAILURES_RATE, settings.TRUSTED_PROXIES = "2/15m", 1

    def post(who: str, password: str) -> int:
        data = {"username": "viewer-b", "password": password}
        return client.post("/accounts/login/", data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.9, {who}").status_code

    assert [post("203.0.113.5", "guess") for _ in range(3)] == [200, 200, 429]
    assert post("203.0.113.6", PASSWORD) == 302  # another client of the same proxy


def test_the_admin_sign_in_is_throttled_too(client, django_user_model, settings):
    django_user_model.objects.create_superuser("staff", "staff@example.org", PASSWORD)
    settings.SIGN_IN_FAILURES_RATE = "2/15m"
    path = "/admin/login/?next=/admin/"
    assert [_sign_in(client, "staff", "guess", path=path) for _ in range(2)] == [200, 200]
    refused = client.post(path, {"username": "staff", "password": PASSWORD})
    assert refused.status_code == 429 and "Too many attempts to sign in" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert _sign_in(client, "staff", PASSWORD, address="192.0.2.7", path=path) == 302


def test_signing_in_successfully_clears_the_failures(client, viewer_b, settings):
    settings.SIGN_IN_FAILURES_RATE = "3/15m"
    for _ in range(3):
        assert _sign_in(client, "viewer-b", "guess") == 200
        assert _sign_in(client, "viewer-b", "guess") == 200
        assert _sign_in(client, "viewer-b", PASSWORD) == 302
        client.post("/accounts/logout/")


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_sign_in_never_sends_a_person_to_another_site(client, viewer_b, elsewhere):
    signed_in = client.post("/accounts/login/", {"username": "viewer-b", "password": PASSWORD, "next": elsewhere})
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("workspace:home")


def test_a_person_changes_their_password(client, viewer_b):
    client.force_login(viewer_b)
    page = html.unescape(client.post("/accounts/password_change/", {"old_password": "wrong"}).content.decode())
    assert "Old password: Your old password was entered incorrectly" in page
    new = "another-long-pass-phrase-2"
    done = client.post("/accounts/password_change/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}, follow=True)
    assert "Your password has been changed" in done.content.decode()
    viewer_b.refresh_from_db()
    assert viewer_b.check_password(new)


def test_unknown_workspace_pages_get_the_workspaces_404(client, viewer_b):
    client.force_login(viewer_b)
    page = client.get("/workspace/waves/999999/")
    assert page.status_code == 404 and "There is no such page among your organisations" in page.content.decode()
    assert "invitation" in client.get("/r/not-a-token/").content.decode()  # respondents keep their own page


def test_an_owner_adds_members_changes_roles_and_removes_them_with_audit_entries(client, owner_b, org_b, django_user_model):
    newcomer = django_user_model.objects.create_user("newcomer", "new@example.org", PASSWORD)
    client.force_login(owner_b)
    url = reverse("workspace:members", args=[org_b.slug])
    added = client.post(url, {"who": "NEW@example.org", "role": "analyst"}, follow=True).content.decode()
    assert "newcomer added as analyst." in added
    membership = Membership.objects.get(user=newcomer, organisation=org_b)
    assert membership.role == "analyst"
    page = html.unescape(client.post(url, {"who": "nobody", "role": "viewer"}).content.decode())
    assert "Username or e-mail address: no account has the username or e-mail address 'nobody'" in page
    page = html.unescape(client.post(url, {"who": "newcomer", "role": "viewer"}).content.decode())
    assert "newcomer is already a member of Beta Board" in page

    change = reverse("workspace:member", args=[org_b.slug, membership.pk])
    assert "newcomer is now owner." in client.post(change, {"role": "owner"}, follow=True).content.decode()
    assert "newcomer removed from Beta Board." in client.post(change, {"remove": "on"}, follow=True).content.decode()
    assert not Membership.objects.filter(user=newcomer).exists()
    details = list(AuditEntry.objects.filter(action="members").order_by("pk").values_list("user__username", "detail"))
    assert details == [
        ("owner-b", "newcomer added as analyst"),
        ("owner-b", "newcomer: analyst -> owner"),
        ("owner-b", "newcomer removed (was owner)"),
    ]


def test_the_only_owner_cannot_leave_the_organisation_without_one(client, owner_b, org_b):
    client.force_login(owner_b)
    mine = Membership.objects.get(user=owner_b)
    change = reverse("workspace:member", args=[org_b.slug, mine.pk])
    for data in ({"role": "viewer"}, {"remove": "on"}):
        page = client.post(change, data, follow=True).content.decode()
        assert "owner-b is the only owner of Beta Board; make someone else an owner first" in page
    assert Membership.objects.get(user=owner_b).role == "owner"


def test_an_owner_cannot_change_a_membership_of_another_organisation(client, owner_b, org_b, analyst_a):
    client.force_login(owner_b)
    theirs = Membership.objects.get(user=analyst_a)
    assert client.post(reverse("workspace:member", args=[org_b.slug, theirs.pk]), {"remove": "on"}).status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("model", ["organisation", "membership", "auditentry"])
def test_the_admin_is_for_staff_only(client, owner_b, django_user_model, model):
    url = f"/admin/workspace/{model}/"
    client.force_login(owner_b)  # an owner in the workspace is not staff
    assert client.get(url).status_code == 302 and client.get(url)["Location"].startswith("/admin/login/")
    client.force_login(django_user_model.objects.create_superuser("staff", "staff@example.org", PASSWORD))
    assert client.get(url).status_code == 200


def test_staff_see_the_audit_log_but_cannot_change_it(client, django_user_model, org_b):
    entry = AuditEntry.objects.create(organisation=org_b, action="erase", detail="invitee 1 erased on request")
    client.force_login(django_user_model.objects.create_superuser("staff", "staff@example.org", PASSWORD))
    assert "invitee 1 erased on request" in client.get("/admin/workspace/auditentry/").content.decode()
    assert client.get("/admin/workspace/auditentry/add/").status_code == 403
    assert client.post(f"/admin/workspace/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert client.get(f"/admin/workspace/organisation/{org_b.pk}/change/").status_code == 200
    assert Organisation.objects.count() == 1

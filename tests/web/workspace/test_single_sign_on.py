"""Single sign-on through OpenID Connect against a fake provider on this machine (fake_idp.py):
off unless set up; a verified address of one account signs in; an address with a pending
invitation makes the account and joins with the invitation's role; everyone else, and every answer
that does not match the sign-in this browser started (state, nonce, audience), gets a page saying
why; a half-made setup is reported by the system checks."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.utils import timezone
from fake_idp import FakeIdP, configure
from workspace_helpers import PASSWORD

from collabstate.web.checks import single_sign_on_problems
from collabstate.web.workspace.models import AuditEntry, MemberInvitation, Membership

START, CALLBACK = "/accounts/oidc/start/", "/accounts/oidc/callback/"


@pytest.fixture
def idp(settings, db):
    settings.SITE_URL = "http://testserver"
    with FakeIdP() as provider:
        configure(settings, provider)
        yield provider


def through(client, idp: FakeIdP, start: str = START, **person):
    """Sign in at the fake provider as ``person`` (over the default one); the callback's response."""
    idp.person = {**idp.person, **person}
    response = client.get(start)
    assert response.status_code == 302, response.content[:300]
    to = urlsplit(response["Location"])
    assert f"{to.scheme}://{to.netloc}{to.path}" == f"{idp.url}/authorize"
    query = {k: v[0] for k, v in parse_qs(to.query).items()}
    assert query["redirect_uri"] == "http://testserver" + CALLBACK and query["code_challenge_method"] == "S256"
    assert query["nonce"] and query["state"] and query["scope"] == "openid email profile"
    back = urlsplit(idp.authorize(query))
    return client.get(f"{back.path}?{back.query}")


def signed_in(client):
    return client.session.get(SESSION_KEY)


def invite(organisation, email: str, role: str = "analyst", **fields) -> MemberInvitation:
    fields.setdefault("expires_at", timezone.now() + dt.timedelta(days=7))
    return MemberInvitation.objects.create(organisation=organisation, email=email, role=role, token_hash=email.ljust(64, "x"), **fields)


def test_off_unless_set_up(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with" not in page and "oidc" not in page
    assert client.get(START).status_code == 404 and client.get(CALLBACK + "?code=a&state=b").status_code == 404
    assert single_sign_on_problems() == []


def test_the_sign_in_page_has_the_button_beside_the_password_form(client, idp, settings):
    page = client.get("/accounts/login/?next=/workspace/organisations/beta/members/").content.decode()
    assert '<a class="button button-secondary" href="/accounts/oidc/start/?next=/workspace/organisations/beta/members/">' in page
    assert "Sign in with Example ID</a>" in page and 'name="password"' in page
    settings.OIDC_NAME = ""
    assert "Sign in with your organisation&#x27;s account</a>" in client.get("/accounts/login/").content.decode()
    assert idp.seen == [], "the sign-in page asked the provider for nothing"


def test_a_verified_address_of_an_account_signs_in(client, idp, member, org_b):
    member(org_b, "analyst", "ada")  # ada@example.org
    response = through(client, idp, start=START + "?next=/workspace/organisations/beta/members/", email="ADA@Example.org")
    assert response.status_code == 302 and response["Location"] == "/workspace/organisations/beta/members/"
    user = get_user_model().objects.get(username="ada")
    assert signed_in(client) == str(user.pk) and user.last_login is not None
    assert idp.seen[:2] == ["/.well-known/openid-configuration", "/token"] and "/jwks" in idp.seen and "/userinfo" in idp.seen
    assert "Beta Board" in client.get("/workspace/").content.decode()
    user.is_active = False  # switched off: the session ends (the library's get_user would have kept it)
    user.save()
    assert client.get("/workspace/").status_code == 302


def test_explicit_endpoints_and_hs256_need_no_discovery(client, settings, member, org_b):
    settings.SITE_URL = "http://testserver"
    with FakeIdP() as idp:
        idp.algorithm = "HS256"
        configure(settings, idp, explicit=True)
        assert single_sign_on_problems() == []
        member(org_b, "viewer", "ada")
        assert through(client, idp).status_code == 302 and signed_in(client)
        assert "/.well-known/openid-configuration" not in idp.seen and "/jwks" not in idp.seen


def test_password_sign_in_still_works_and_asks_the_provider_nothing(client, idp, member, org_b):
    member(org_b, "viewer", "ada")
    response = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302 and signed_in(client) and idp.seen == []


def test_an_unverified_address_is_refused(client, idp, member, org_b):
    member(org_b, "analyst", "ada")
    response = through(client, idp, email_verified=False)
    assert response.status_code == 403 and not signed_in(client)
    assert "Example ID says the e-mail address ada@example.org is not verified" in response.content.decode()
    assert through(client, idp, email_verified="false").status_code == 403


def test_an_unknown_address_is_refused_and_no_account_is_made(client, idp):
    response = through(client, idp, email="zed@example.org")
    page = response.content.decode()
    assert response.status_code == 403 and '<h1 class="heading-l">You are not signed in</h1>' in page
    assert "No workspace account for zed@example.org. Ask an owner of your organisation to invite you." in page
    assert not get_user_model().objects.exists() and not signed_in(client)
    assert through(client, idp, email="").status_code == 403  # no address at all


def test_a_pending_invitation_makes_the_account_and_joins_with_its_role(client, idp, org_a, org_b, owner_b):
    first = invite(org_b, "Cara@Example.org", "analyst", invited_by=owner_b)
    second = invite(org_a, "cara@example.org", "viewer")
    response = through(client, idp, email="cara@example.org", given_name="Cara", family_name="Lind")
    assert response.status_code == 302 and response["Location"] == "/workspace/"
    user = get_user_model().objects.get(email="cara@example.org")
    assert (user.username, user.get_full_name(), user.has_usable_password()) == ("cara@example.org", "Cara Lind", False)
    assert signed_in(client) == str(user.pk)
    assert {(m.organisation, m.role) for m in Membership.objects.filter(user=user)} == {(org_b, "analyst"), (org_a, "viewer")}
    for invitation in (first, second):
        invitation.refresh_from_db()
        assert invitation.state() == "accepted" and invitation.accepted_by == user
    assert AuditEntry.objects.filter(organisation=org_b, action=AuditEntry.MEMBERS, user=user,
                                     detail="cara@example.org (Cara@Example.org) joined as analyst").exists()  # fmt: skip


@pytest.mark.parametrize("lapse", ["expired", "revoked"])
def test_an_expired_or_revoked_invitation_is_refused(client, idp, org_b, lapse):
    past = timezone.now() - dt.timedelta(days=1)
    invite(org_b, "cara@example.org", **({"expires_at": past} if lapse == "expired" else {"revoked_at": past}))
    response = through(client, idp, email="cara@example.org")
    said = {"expired": "has expired", "revoked": "was withdrawn"}[lapse]
    assert response.status_code == 403 and f"its invitation to Beta Board {said}. Ask an owner of Beta Board" in response.content.decode()
    assert not get_user_model().objects.exists() and not Membership.objects.exists()


def test_two_accounts_with_the_address_are_refused(client, idp, django_user_model):
    django_user_model.objects.create_user("ada1", "ada@example.org")
    django_user_model.objects.create_user("ada2", "Ada@example.org")
    response = through(client, idp)
    assert (
        response.status_code == 403
        and "More than one workspace account has the e-mail address ada@example.org" in response.content.decode()
    )


@pytest.mark.parametrize("tamper", [{"nonce": "not-the-one-sent"}, {"aud": "another-client"}, {"iss": "http://127.0.0.1:1"}])
def test_an_id_token_that_does_not_match_is_refused(client, idp, member, org_b, tamper):
    member(org_b, "analyst", "ada")
    idp.tamper = tamper
    response = through(client, idp)
    assert response.status_code == 400 and not signed_in(client)
    assert "could not be checked (it did not match the sign-in this browser started)" in response.content.decode()


def test_a_state_this_browser_did_not_start_or_used_twice_is_refused(client, idp, member, org_b):
    member(org_b, "analyst", "ada")
    response = client.get(START)
    query = {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}
    back = urlsplit(idp.authorize({**query, "state": "forged"}))
    assert client.get(f"{back.path}?{back.query}").status_code == 400 and not signed_in(client)
    back = urlsplit(idp.authorize(query))
    assert client.get(f"{back.path}?{back.query}").status_code == 302 and signed_in(client)
    client.logout()
    assert client.get(f"{back.path}?{back.query}").status_code in (400, 403) and not signed_in(client)  # replayed
    assert "not started in this browser" in client.get(CALLBACK + "?code=a&state=b").content.decode()  # a fresh browser


def test_the_provider_saying_no_or_unreachable_is_a_page(client, idp, settings):
    idp.deny = "access_denied"
    response = through(client, idp)
    assert response.status_code == 403 and "Example ID did not sign you in (access_denied: The user said no)." in response.content.decode()
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens there
    response = client.get(START)
    assert response.status_code == 502 and "Example ID cannot be reached just now" in response.content.decode()


def _problems(settings, **values) -> list[str]:
    for name in ("OIDC_RP_CLIENT_ID", "OIDC_RP_CLIENT_SECRET", "OIDC_ISSUER", "OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT",
                 "OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT", "OIDC_NAME"):  # fmt: skip
        setattr(settings, name, values.get(name, ""))
    settings.OIDC_RP_SIGN_ALGO = values.get("OIDC_RP_SIGN_ALGO", "RS256")
    return [f"{m.id}: {m.msg}" for m in single_sign_on_problems()]


def test_the_system_check_reports_a_half_made_setup(settings):
    issuer = {"OIDC_ISSUER": "https://login.example.org/tenant/v2.0"}
    assert _problems(settings) == [] and _problems(settings, OIDC_RP_CLIENT_ID="id", OIDC_RP_CLIENT_SECRET="s", **issuer) == []
    [only_secret] = _problems(settings, OIDC_RP_CLIENT_SECRET="s", OIDC_NAME="Microsoft")
    assert only_secret.startswith(
        "collabstate.E030: COLLABSTATE_OIDC_CLIENT_SECRET, COLLABSTATE_OIDC_NAME set, but not COLLABSTATE_OIDC_CLIENT_ID"
    )
    [no_secret] = _problems(settings, OIDC_RP_CLIENT_ID="id", **issuer)
    assert no_secret.startswith("collabstate.E031: COLLABSTATE_OIDC_CLIENT_ID is set, but not COLLABSTATE_OIDC_CLIENT_SECRET")
    [algorithm] = _problems(settings, OIDC_RP_CLIENT_ID="id", OIDC_RP_CLIENT_SECRET="s", OIDC_RP_SIGN_ALGO="none", **issuer)
    assert algorithm.startswith("collabstate.E032: COLLABSTATE_OIDC_SIGN_ALGO 'none' is not one of")
    endpoints = {"OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example.org/a", "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example.org/t"}
    [missing] = _problems(settings, OIDC_RP_CLIENT_ID="id", OIDC_RP_CLIENT_SECRET="s", **endpoints)
    assert missing.startswith("collabstate.E033: single sign-on needs COLLABSTATE_OIDC_ISSUER")
    assert missing.endswith("or else COLLABSTATE_OIDC_USERINFO_ENDPOINT, COLLABSTATE_OIDC_JWKS_ENDPOINT")
    [plain] = _problems(settings, OIDC_RP_CLIENT_ID="id", OIDC_RP_CLIENT_SECRET="s", OIDC_ISSUER="http://idp.example.org")
    assert plain.startswith("collabstate.E034: COLLABSTATE_OIDC_ISSUER 'http://idp.example.org' is not an https:// address")
    assert _problems(settings, OIDC_RP_CLIENT_ID="id", OIDC_RP_CLIENT_SECRET="s", OIDC_ISSUER="http://127.0.0.1:8080/realms/x") == []


def test_refusals_count_as_failed_sign_ins_of_the_address(client, idp, member, org_b, settings):
    settings.SIGN_IN_ADDRESS_FAILURES_RATE = "2/15m"
    member(org_b, "analyst", "ada")
    assert [through(client, idp, email="zed@example.org").status_code for _ in range(2)] == [403, 403]
    response = through(client, idp, email="ada@example.org")  # the right person, from an address over the limit
    assert response.status_code == 429 and not signed_in(client)


def test_single_sign_on_never_sends_a_person_to_another_site(client, idp, member, org_b):
    member(org_b, "analyst", "ada")
    response = through(client, idp, start=START + "?next=https://evil.example.org/")
    assert response.status_code == 302 and response["Location"] == "/workspace/" and signed_in(client)

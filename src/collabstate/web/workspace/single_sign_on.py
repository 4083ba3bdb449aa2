"""Optional single sign-on through OpenID Connect: a "Sign in with <name>" button on the sign-in
page, beside the password form, when ``COLLABSTATE_OIDC_CLIENT_ID`` is set (docs/sign-in.md).

The library is mozilla-django-oidc, not django-allauth. The site already has its own sign-in page,
sign-in throttle, invitations and password reset; mozilla-django-oidc adds only what is missing (an
authentication backend and two views: the start, which sends the browser to the provider with a
state, a nonce and a PKCE challenge kept in the session, and the callback, which checks the state,
exchanges the code, checks the id_token's signature and nonce). django-allauth would bring a second
account system (its own sign-in, sign-up, e-mail and password pages, models and middleware) that
would have to be kept from competing with ours.

Who gets in (:meth:`Backend.get_or_create_user`): the provider's e-mail address, unless the
provider says it is not verified (``email_verified`` false), must be the address of exactly one
workspace account (case ignored), which is then signed in; or, when no account has it, of one or
more pending invitations, for which an account is made and each invitation accepted with its role
(:func:`.colleagues.accept`, as the join page does). Everyone else gets a page saying why (403),
never an account of no organisation. Sign-ins go through Django's ``login`` as password ones do
(``user_logged_in``: last sign-in time, the throttle's counts) and are logged
(``collabstate.web.sso``); joins leave the audit entry :func:`.colleagues.accept` writes.

Endpoints come from the settings (``COLLABSTATE_OIDC_*_ENDPOINT``); any left empty are read from
the issuer's discovery document, ``<COLLABSTATE_OIDC_ISSUER>/.well-known/openid-configuration``,
at the first single sign-on of each server process, never at start (a site without a network
still starts; its password sign-in works). The redirect URI sent is always ``SITE_URL`` +
``/accounts/oidc/callback/``, the one to register with the provider. Beyond the library's checks,
the id_token's audience must name the client, and its issuer the configured one (when set).
"""

from __future__ import annotations

import logging
import re

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from ...errors import RefusedError
from .actions import WorkspaceError
from .colleagues import accept
from .models import MemberInvitation

__all__ = ["BACKEND", "Backend", "Callback", "ProviderUnreachable", "Start", "button_words", "enabled", "redirect_uri"]

log = logging.getLogger("collabstate.web.sso")

#: The backend's path, in ``AUTHENTICATION_BACKENDS`` when single sign-on is set up.
BACKEND = "collabstate.web.workspace.single_sign_on.Backend"
#: The library's endpoint settings and their names in a discovery document.
DISCOVERED = {"OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint", "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
              "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint", "OIDC_OP_JWKS_ENDPOINT": "jwks_uri"}  # fmt: skip
_documents: dict[str, dict] = {}  # issuer -> its discovery document, read once per process


class ProviderUnreachable(RefusedError):
    """The issuer's discovery document could not be read or does not match the issuer."""


def enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", "")) and BACKEND in settings.AUTHENTICATION_BACKENDS


def provider_name() -> str:
    return getattr(settings, "OIDC_NAME", "") or "your organisation's account"


def button_words() -> str:
    """``Sign in with <COLLABSTATE_OIDC_NAME>`` ('' when single sign-on is off)."""
    name = re.sub(r"(?i)^sign in with\s+", "", provider_name())
    return f"Sign in with {name}" if enabled() else ""


def redirect_uri() -> str:
    return settings.SITE_URL + reverse("oidc_authentication_callback")


def discovery() -> dict:
    issuer = settings.OIDC_ISSUER
    if issuer not in _documents:
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderUnreachable(f"the provider's settings could not be read from {url}: {exc}") from None
        if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
            found = document.get("issuer") if isinstance(document, dict) else None
            raise ProviderUnreachable(f"{url} names the issuer {found!r}, not COLLABSTATE_OIDC_ISSUER {issuer!r}")
        _documents[issuer] = document
    return _documents[issuer]


def setting(name: str, *default):
    """The library's settings, with an endpoint left empty read from the issuer's discovery document."""
    value = import_from_settings(name, *default)
    if name in DISCOVERED and not value and settings.OIDC_ISSUER:
        value = discovery().get(DISCOVERED[name]) or value
    return value


def refused(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    return render(request, "workspace/sso_refused.html", {"reason": reason, "provider": provider_name()}, status=status)


def _free_username(email: str) -> str:
    """The address as a username (characters a username may not hold made ``_``), numbered if taken."""
    base = re.sub(r"[^\w.@+-]", "_", email)[:140]
    taken = get_user_model().objects.filter(username__istartswith=base).values_list("username", flat=True)
    folded = {name.casefold() for name in taken}
    return next(name for name in (base, *(f"{base}-{n}" for n in range(2, 10_000))) if name.casefold() not in folded)


def _verified(claims: dict) -> bool:
    """False only when the provider says the address is not verified (many never say)."""
    flag = claims.get("email_verified")
    return flag is None or str(flag).strip().lower() in ("true", "1")


def _bare(issuer: str) -> str:
    """An issuer without its ``https://`` and final ``/`` (Google's id_tokens say ``accounts.google.com`` or ``https://accounts.google.com``)."""
    return issuer.removeprefix("https://").rstrip("/")


class Backend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with the workspace's rule of who may sign in."""

    get_settings = staticmethod(setting)

    def __init__(self, *args, **kwargs) -> None:
        # Django makes every backend for every sign-in, password ones too: the endpoints (perhaps
        # from the network) are read only when a single sign-on arrives, in authenticate.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs:  # a password sign-in: not this backend's
            return None
        super().__init__()
        self.request = request
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id):
        return ModelBackend.get_user(self, user_id)  # the library's would keep a switched-off account signed in

    def get_token(self, payload):
        return super().get_token({**payload, "redirect_uri": redirect_uri()})  # as sent by Start, whatever the Host

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        if settings.OIDC_RP_CLIENT_ID not in (audience if isinstance(audience, list) else [audience]):
            raise SuspiciousOperation(f"the token is for {audience!r}, not this site's client id")
        issuer = settings.OIDC_ISSUER
        if issuer and _bare(str(payload.get("iss", ""))) != _bare(issuer):
            raise SuspiciousOperation(f"the token was issued by {payload.get('iss')!r}, not {issuer!r}")
        return payload

    def refuse(self, reason: str):
        self.request.sso_refusal = reason
        log.warning("single sign-on refused: %s", reason)
        return None

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") not in (None, payload.get("sub")):
            raise SuspiciousOperation("the user information is about someone other than the id_token")
        claims = {**payload, **userinfo}
        email, name = str(claims.get("email") or "").strip(), provider_name()
        if not email:
            return self.refuse(f"{name} did not give your e-mail address, so no workspace account can be found for you. "
                               "Ask the provider's administrator to release the email claim.")  # fmt: skip
        if not _verified(claims):
            return self.refuse(f"{name} says the e-mail address {email} is not verified. Verify it there, then sign in again.")
        users = list(self.UserModel.objects.filter(email__iexact=email)[:2])
        if len(users) > 1:
            return self.refuse(f"More than one workspace account has the e-mail address {email}, so single sign-on cannot tell "
                               "which is yours. Sign in with your username and password, or ask an administrator to give "
                               "each account an address of its own.")  # fmt: skip
        if users and not users[0].is_active:
            return self.refuse(f"The workspace account of {email} is switched off. Ask an owner of your organisation.")
        if users:
            log.info("single sign-on: %s signed in as %s", email, users[0].get_username())
            return users[0]
        return self.join(email, claims)

    def join(self, email: str, claims: dict):
        """An account for a person with pending invitations, each accepted (as the join page does)."""
        invitations = list(MemberInvitation.objects.select_related("organisation").filter(
            email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()))  # fmt: skip
        if not invitations:
            latest = MemberInvitation.objects.select_related("organisation").filter(email__iexact=email).first()
            lapsed = {MemberInvitation.EXPIRED: "has expired", MemberInvitation.REVOKED: "was withdrawn"}
            if latest is not None and latest.state() in lapsed:
                return self.refuse(f"No workspace account for {email}, and its invitation to {latest.organisation} "
                                   f"{lapsed[latest.state()]}. Ask an owner of {latest.organisation} to invite you again.")  # fmt: skip
            return self.refuse(f"No workspace account for {email}. Ask an owner of your organisation to invite you.")
        try:
            with transaction.atomic():  # no password: the account signs in through the provider
                user = self.UserModel.objects.create_user(
                    _free_username(email),
                    email=email,
                    first_name=str(claims.get("given_name") or "")[:150],
                    last_name=str(claims.get("family_name") or "")[:150],
                )
                for invitation in invitations:
                    accept(invitation, user)
        except WorkspaceError as exc:  # accepted or revoked meanwhile
            return self.refuse(f"No workspace account for {email}: {exc}. Ask an owner of your organisation to invite you again.")
        joined = ", ".join(f"{i.organisation} as {i.role}" for i in invitations)
        log.info("single sign-on: %s made the account %s and joined %s", email, user.get_username(), joined)
        return user


class Start(OIDCAuthenticationRequestView):
    """``/accounts/oidc/start/``: to the provider, with a state, a nonce and a PKCE challenge."""

    get_settings = staticmethod(setting)

    def __init__(self, **kwargs) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)  # the endpoint is read in get, not here

    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404("single sign-on is not set up")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnreachable as exc:
            log.warning("single sign-on could not start: %s", exc)
            return refused(request, f"{provider_name()} cannot be reached just now. Try again later, or sign in with your password.",
                           502)  # fmt: skip
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)

    def get_extra_params(self, request: HttpRequest) -> dict:
        return {**super().get_extra_params(request), "redirect_uri": redirect_uri()}


class Callback(OIDCAuthenticationCallbackView):
    """``/accounts/oidc/callback/``: the provider sends the browser back here; signed in, or a page saying why not."""

    get_settings = staticmethod(setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404("single sign-on is not set up")
        name = provider_name()
        try:
            return super().get(request)
        except SuspiciousOperation as exc:  # the state not of this browser, the nonce or signature wrong
            log.warning("single sign-on refused: %s", exc)
            return refused(request, f"The answer from {name} could not be checked (it did not match the sign-in this browser "
                                    "started). Start again from the sign-in page.", 400)  # fmt: skip
        except (requests.RequestException, ProviderUnreachable) as exc:
            log.warning("single sign-on failed: %s", exc)
            return refused(request, f"{name} could not be reached, or refused to finish the sign-in. Try again later, "
                                    "or sign in with your password.", 502)  # fmt: skip

    def login_failure(self) -> HttpResponse:
        reason = getattr(self.request, "sso_refusal", "")
        if not reason and (error := self.request.GET.get("error", "")):
            said = self.request.GET.get("error_description", "")[:300]
            reason = f"{provider_name()} did not sign you in ({error[:60]}{': ' + said if said else ''})."
        elif not reason:
            reason = "This sign-in was not started in this browser, or has already been used. Start again from the sign-in page."
        return refused(self.request, reason, 403)

"""Production refuses to run with a secret key anyone can read, or none.

``COLLABSTATE_PRODUCTION=1`` needs ``DJANGO_SECRET_KEY`` (sessions, CSRF tokens and password
reset links are signed with it: the development key is in the source, so anyone could forge
them) and ``DJANGO_ALLOWED_HOSTS``. :func:`production_problems` says what is missing;
``python -m collabstate.web.manage check --deploy`` reports each as an error (``collabstate.E001``
…), and ``collabstate serve``, the other management commands and the WSGI module stop at start
with the message instead of a traceback.

The site's public address (``COLLABSTATE_SITE_URL``) is checked by :func:`site_url_check`, a
system check that ``collabstate serve`` runs at start (as does ``manage.py check``): an absolute
http(s) address without a path, query or fragment (``collabstate.E010``), set explicitly in
production (``collabstate.E011``), and a warning when it names this machine (127.0.0.1,
localhost) on another port or host than the one served on (``collabstate.W010``).

Single sign-on (``COLLABSTATE_OIDC_*``, docs/sign-in.md) half set up is reported by
:func:`single_sign_on_check` (``collabstate.E030`` … ``E034``), so the site does not start with a
button that cannot work.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "production_problems",
    "refuse_to_start",
    "secret_key_check",
    "single_sign_on_check",
    "single_sign_on_problems",
    "site_url_check",
    "site_url_problems",
]

HOW = "set it to a long random value, e.g. the output of: python -c 'import secrets; print(secrets.token_urlsafe(50))'"


def production_problems() -> list[tuple[str, str]]:
    """(check id, message) for each setting production cannot run without; none outside production."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    problems = []
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to read an empty one
        key = ""
    if not key:
        problems.append(("collabstate.E001", f"COLLABSTATE_PRODUCTION=1 needs DJANGO_SECRET_KEY, and it is not set: {HOW}"))
    elif key == settings.DEVELOPMENT_SECRET_KEY:
        problems.append(
            ("collabstate.E002", f"DJANGO_SECRET_KEY is the public development key (it is in collabstate's source); in production {HOW}")
        )
    if not settings.ALLOWED_HOSTS:
        problems.append(
            ("collabstate.E003", "COLLABSTATE_PRODUCTION=1 needs DJANGO_ALLOWED_HOSTS: the site's host names, e.g. survey.example.org")
        )
    return problems


@checks.register(checks.Tags.security, deploy=True)
def secret_key_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return [checks.Error(message, id=check_id) for check_id, message in production_problems()]


def refuse_to_start() -> str:
    """The message to stop with when production lacks what it needs ('' when nothing is missing)."""
    return "\n".join(f"collabstate: {message}" for _, message in production_problems())


_LOCAL = {"127.0.0.1", "localhost", "::1"}


def site_url_problems() -> list[checks.CheckMessage]:
    """What is wrong with ``SITE_URL`` (the links in e-mails), as errors and warnings."""
    url = str(getattr(settings, "SITE_URL", ""))
    hint = "set COLLABSTATE_SITE_URL to the address people open the site at, e.g. https://survey.example.org"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return [checks.Error(f"COLLABSTATE_SITE_URL {url!r} is not a valid address", hint=hint, id="collabstate.E010")]
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [
            checks.Error(f"COLLABSTATE_SITE_URL {url!r} is not an absolute http:// or https:// address", hint=hint, id="collabstate.E010")
        ]
    if parts.path.strip("/") or parts.query or parts.fragment or parts.username or parts.password:
        return [checks.Error(f"COLLABSTATE_SITE_URL {url!r} has a path, query or user; links add their own path", hint=hint,
                             id="collabstate.E010")]  # fmt: skip
    problems: list[checks.CheckMessage] = []
    if getattr(settings, "PRODUCTION", False) and not getattr(settings, "SITE_URL_SET", True):
        problems.append(checks.Error("COLLABSTATE_PRODUCTION=1 needs COLLABSTATE_SITE_URL: links in e-mails would point at 127.0.0.1",
                                     hint=hint, id="collabstate.E011"))  # fmt: skip
    serving = getattr(settings, "SERVING_ON", None)
    if serving and parts.hostname in _LOCAL:
        host, served_port = serving
        url_port = port or (443 if parts.scheme == "https" else 80)
        if url_port != served_port or (host not in _LOCAL and host != parts.hostname):
            problems.append(checks.Warning(f"COLLABSTATE_SITE_URL is {url}, but the site is served on {host}:{served_port}: "
                                           "links in e-mails will not reach it", hint=hint, id="collabstate.W010"))  # fmt: skip
    return problems


@checks.register("collabstate")
def site_url_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return site_url_problems()


#: The single sign-on settings (mozilla-django-oidc's names) and the variables they are read from.
OIDC_VARIABLES = {"OIDC_RP_CLIENT_ID": "COLLABSTATE_OIDC_CLIENT_ID", "OIDC_RP_CLIENT_SECRET": "COLLABSTATE_OIDC_CLIENT_SECRET",
                  "OIDC_ISSUER": "COLLABSTATE_OIDC_ISSUER", "OIDC_OP_AUTHORIZATION_ENDPOINT": "COLLABSTATE_OIDC_AUTHORIZATION_ENDPOINT",
                  "OIDC_OP_TOKEN_ENDPOINT": "COLLABSTATE_OIDC_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT": "COLLABSTATE_OIDC_USERINFO_ENDPOINT",
                  "OIDC_OP_JWKS_ENDPOINT": "COLLABSTATE_OIDC_JWKS_ENDPOINT", "OIDC_NAME": "COLLABSTATE_OIDC_NAME"}  # fmt: skip
OIDC_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512")


def _provider_address(url: str) -> bool:
    """An absolute https:// address, or http:// on this machine (a provider under test)."""
    try:
        parts = urlsplit(url)
        return bool(parts.hostname) and (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOCAL))
    except ValueError:
        return False


def single_sign_on_problems() -> list[checks.CheckMessage]:
    """What keeps the single sign-on settings from working (none when it is off and nothing is set)."""
    value = {name: str(getattr(settings, name, "") or "") for name in OIDC_VARIABLES}
    hint = "docs/sign-in.md says what to set"
    if not value["OIDC_RP_CLIENT_ID"]:
        given = [variable for name, variable in OIDC_VARIABLES.items() if value[name]]
        return [checks.Error(f"{', '.join(given)} set, but not COLLABSTATE_OIDC_CLIENT_ID: single sign-on is off; set the client id "
                             "the provider gave, or unset the others", hint=hint, id="collabstate.E030")] if given else []  # fmt: skip
    problems: list[checks.CheckMessage] = []
    if not value["OIDC_RP_CLIENT_SECRET"]:
        problems.append(checks.Error("COLLABSTATE_OIDC_CLIENT_ID is set, but not COLLABSTATE_OIDC_CLIENT_SECRET: set the client "
                                     "secret the provider gave with the client id", hint=hint, id="collabstate.E031"))  # fmt: skip
    algorithm = str(getattr(settings, "OIDC_RP_SIGN_ALGO", ""))
    if algorithm not in OIDC_ALGORITHMS:
        problems.append(checks.Error(f"COLLABSTATE_OIDC_SIGN_ALGO {algorithm!r} is not one of {', '.join(OIDC_ALGORITHMS)} "
                                     "(most providers sign with RS256, the default)", hint=hint, id="collabstate.E032"))  # fmt: skip
    needed = ["OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT"]
    needed += ["OIDC_OP_JWKS_ENDPOINT"] if algorithm.startswith(("RS", "ES")) else []
    missing = [OIDC_VARIABLES[name] for name in needed if not value[name]]
    if missing and not value["OIDC_ISSUER"]:
        problems.append(checks.Error(f"single sign-on needs COLLABSTATE_OIDC_ISSUER (its endpoints are then read from the issuer's "
                                     f"discovery document at the first sign-in) or else {', '.join(missing)}", hint=hint,
                                     id="collabstate.E033"))  # fmt: skip
    for name in ("OIDC_ISSUER", *needed):
        if value[name] and not _provider_address(value[name]):
            problems.append(checks.Error(f"{OIDC_VARIABLES[name]} {value[name]!r} is not an https:// address (http:// is allowed "
                                         "only on this machine)", hint=hint, id="collabstate.E034"))  # fmt: skip
    return problems


@checks.register("collabstate")
def single_sign_on_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return single_sign_on_problems()

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
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

__all__ = ["production_problems", "refuse_to_start", "secret_key_check", "site_url_check", "site_url_problems"]

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

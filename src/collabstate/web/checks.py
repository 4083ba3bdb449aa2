"""Production refuses to run with a secret key anyone can read, or none.

``COLLABSTATE_PRODUCTION=1`` needs ``DJANGO_SECRET_KEY`` (sessions, CSRF tokens and password
reset links are signed with it: the development key is in the source, so anyone could forge
them) and ``DJANGO_ALLOWED_HOSTS``. :func:`production_problems` says what is missing;
``python -m collabstate.web.manage check --deploy`` reports each as an error (``collabstate.E001``
…), and ``collabstate serve``, the other management commands and the WSGI module stop at start
with the message instead of a traceback.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

__all__ = ["production_problems", "refuse_to_start", "secret_key_check"]

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

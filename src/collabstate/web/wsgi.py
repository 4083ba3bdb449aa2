"""WSGI entry point, for gunicorn: ``gunicorn collabstate.web.wsgi``.

The built-in instruments are parsed here, once: ``collabstate serve`` starts gunicorn with
``--preload``, so the workers are forked with them (and the skip-logic grammar) in memory
instead of each spending ~0.5 s of its first requests on them.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collabstate.web.settings")
application = get_wsgi_application()


def _warm() -> None:
    from ..instrument import builtin_instruments
    from .surveys.models import Wave

    for name in builtin_instruments():
        Wave(instrument_ref=name).instrument  # noqa: B018 (parsed and kept by the model's cache)


_warm()

"""WSGI entry point, for gunicorn: ``gunicorn collabstate.web.wsgi``.

The URL configuration (and so every view module and what it imports: the report, the
statistics, scipy) is loaded here, and the built-in instruments are parsed here, once:
``collabstate serve`` starts gunicorn with ``--preload``, so the workers are forked with all of
it in memory. Otherwise each worker spent about 2 s of CPU on it during its first requests,
which is what the first respondents waited for.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collabstate.web.settings")
application = get_wsgi_application()

from .checks import refuse_to_start  # noqa: E402 (needs the settings configured above)

if _refused := refuse_to_start():  # production without its secret key or hosts: the message, not a traceback
    raise SystemExit(_refused)


def _warm() -> None:
    from django.urls import get_resolver

    from ..instrument import builtin_instruments
    from .surveys.models import Wave

    get_resolver().url_patterns  # noqa: B018 (imports every view module)
    for name in builtin_instruments():
        Wave(instrument_ref=name).instrument  # noqa: B018 (parsed and kept by the model's cache)


_warm()

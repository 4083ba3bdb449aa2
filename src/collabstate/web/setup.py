"""Django made ready outside a web server: for the ``serve`` and ``wave`` commands and any script
that works on the survey database (:func:`setup_django`)."""

from __future__ import annotations

import os

__all__ = ["setup_django"]


def setup_django(*, migrate: bool = True) -> None:
    """Configure Django and, unless ``migrate`` is False, bring the database up to date
    (migrations, the cache table)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collabstate.web.settings")
    import django
    from django.core.management import call_command

    django.setup()
    from ..errors import SetupError
    from .checks import refuse_to_start

    if message := refuse_to_start():  # production without its secret key or hosts: say so, not a traceback
        raise SetupError(message)
    if migrate:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)

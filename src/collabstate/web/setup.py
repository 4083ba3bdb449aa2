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
    if migrate:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)

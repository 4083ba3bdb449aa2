"""Django made ready outside a web server: for the ``serve`` and ``wave`` commands and any script
that works on the survey database (:func:`setup_django`)."""

from __future__ import annotations

import os

__all__ = ["bring_up_to_date", "setup_django"]


def setup_django(*, migrate: bool = True) -> None:
    """Configure Django and, unless ``migrate`` is False, bring the database up to date
    (migrations, the cache table)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collabstate.web.settings")
    import django

    django.setup()
    from ..errors import SetupError
    from .checks import refuse_to_start

    if message := refuse_to_start():  # production without its secret key or hosts: say so, not a traceback
        raise SetupError(message)
    if migrate:
        bring_up_to_date()


def bring_up_to_date() -> bool:
    """Apply the migrations not yet applied and make the cache table if it is missing (a quick
    look, and nothing more, when the database is up to date); whether anything was migrated."""
    from django.core.management import call_command
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)  # only makes the table when it is missing
    return bool(pending)

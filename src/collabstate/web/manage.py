"""Django's management commands for collabstate: ``python -m collabstate.web.manage migrate``.

In production (``COLLABSTATE_PRODUCTION=1``) without a secret key or allowed hosts, every command
but ``check --deploy`` (which reports them as errors) stops with the message and exit code 3.

Every command first brings the database up to date (:func:`.setup.bring_up_to_date`: nothing but
a quick look when it is), so that ``createsuperuser`` works on a fresh data folder; except the
commands that make, apply or inspect migrations themselves, ``check``, and help.
"""

import os
import sys

#: Commands run without migrating first: they make, apply or show migrations, or only check or help.
NO_MIGRATE = frozenset({"makemigrations", "migrate", "squashmigrations", "showmigrations", "sqlmigrate", "optimizemigration",
                        "check", "help", "version", "--help", "-h", "--version"})  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collabstate.web.settings")
    args = sys.argv[1:] if argv is None else argv
    if "--deploy" not in args:
        import django

        from .checks import refuse_to_start

        django.setup()
        if message := refuse_to_start():
            print(message, file=sys.stderr)
            raise SystemExit(3)
        if args and args[0] not in NO_MIGRATE:
            from .setup import bring_up_to_date

            bring_up_to_date()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["collabstate-manage", *args])


if __name__ == "__main__":
    main()

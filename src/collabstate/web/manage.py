"""Django's management commands for collabstate: ``python -m collabstate.web.manage migrate``.

In production (``COLLABSTATE_PRODUCTION=1``) without a secret key or allowed hosts, every command
but ``check --deploy`` (which reports them as errors) stops with the message and exit code 3.
"""

import os
import sys


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
    from django.core.management import execute_from_command_line

    execute_from_command_line(["collabstate-manage", *args])


if __name__ == "__main__":
    main()

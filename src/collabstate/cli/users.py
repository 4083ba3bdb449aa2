"""``collabstate user create``: a person who signs in to the workspace, made from the command
line (on a fresh data folder too: the database is brought up to date first)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ._shared import out

__all__ = ["user_app"]

user_app = typer.Typer(help="People who sign in to the workspace.", no_args_is_help=True)


@user_app.command("create")
def create(
    email: Annotated[str, typer.Argument(help="Their e-mail address, which is also the name they sign in with.")],
    organisation: Annotated[str, typer.Option(help="Their organisation (created if there is none of that name).")],
    role: Annotated[str, typer.Option(help="owner, analyst or viewer.")] = "viewer",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (default: a random one, printed).")
    ] = False,
) -> None:
    """Make an account that signs in to the workspace (/workspace/) as a member of an organisation.

    Without --password-stdin a random password is made and printed once.

    Example: collabstate user create ami@example.org --organisation "North Partnership" --role owner
    """
    from ..web.setup import setup_django

    password = sys.stdin.readline() if password_stdin else None
    setup_django()
    from ..web.firstrun import create_user

    _, password, generated = create_user(email, organisation, role, password)
    out.print(f"{email}: {role} of {organisation}; signs in at /accounts/login/", markup=False, highlight=False)
    if generated:
        out.print(f"password: {password}", markup=False, highlight=False)

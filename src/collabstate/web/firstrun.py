"""A site's first run: people made from the command line (``collabstate user create``) and the
demo waves loaded into the site's own database (``collabstate demo``), so that a newcomer signs
in and sees waves at once.

Both need Django set up (:func:`collabstate.web.setup.setup_django`) and raise the project's
error family (:mod:`collabstate.errors`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from ..errors import InputError, RefusedError, UsageError
from .workspace.models import Membership

__all__ = ["DEMO_OWNER", "DEMO_WAVES", "DemoSite", "create_user", "embedded_database", "load_demo", "new_password"]

ROLES = [role for role, _ in Membership.ROLES]
#: The demo organisation's owner (the password is new on every load and printed).
DEMO_OWNER = "demo@collabstate.invalid"
DEMO_ORGANISATION = "Demo"
#: slug, built-in instrument, title, closing year
DEMO_WAVES = [
    ("readiness-2018", "readiness-2018", "Collaboration readiness 2018", 2018),
    ("leaders-2024", "leaders", "Leaders survey 2024", 2024),
    ("leaders-2025", "leaders", "Leaders survey 2025", 2025),
    ("leaders-2026", "leaders", "Leaders survey 2026", 2026),
]


def new_password() -> str:
    """A random password of 20 characters that anyone can type."""
    return secrets.token_urlsafe(15)


def create_user(email: str, organisation: str, role: str, password: str | None = None) -> tuple[object, str, bool]:
    """A person who signs in with ``email`` (their user name) and ``password`` (generated when
    None), as a ``role`` of ``organisation`` (created when there is none of that name). Returns
    the user, the password and whether it was generated. Refuses an address that already has an
    account (change its password with ``python -m collabstate.web.manage changepassword``)."""
    from .workspace.actions import WorkspaceError, organisation_named

    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise UsageError(argument="EMAIL", value=email, expected="an e-mail address such as ami@example.org") from None
    if role not in ROLES:
        raise UsageError(argument="--role", value=role, expected=" or ".join(ROLES))
    User = get_user_model()
    if User.objects.filter(username__iexact=email).exists():
        raise RefusedError(
            f"there is already an account {email!r}; python -m collabstate.web.manage changepassword {email} changes its password"
        )
    generated = password is None
    password = new_password() if password is None else password.rstrip("\r\n")
    user = User(username=email, email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InputError("the password is refused: " + " ".join(exc.messages)) from None
    with transaction.atomic():
        try:
            owner = organisation_named(organisation)
        except WorkspaceError as exc:
            raise UsageError(argument="--organisation", value=organisation, expected=str(exc)) from None
        user.set_password(password)
        user.save()
        Membership.objects.create(user=user, organisation=owner, role=role)
    return user, password, generated


def embedded_database() -> bool:
    """Whether the site's database is the embedded one (SQLite, the default without DATABASE_URL)."""
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


@dataclass
class DemoSite:
    """What :func:`load_demo` did: the owner's e-mail and new password, the waves (slug and
    responses) and the waves it replaced."""

    owner: str
    password: str
    waves: list[tuple[str, int]] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)


def load_demo(frames: dict[str, object] | None = None, progress: Callable[[str], None] | None = None) -> DemoSite:
    """The demo waves (:data:`DEMO_WAVES`, their responses from :mod:`collabstate.demo` unless
    ``frames`` gives them by slug) in the organisation "Demo", with an owner :data:`DEMO_OWNER`
    whose password is new each time; the leaders' waves have the demo's codebooks of their open
    questions on their Coding pages. A demo wave already there is replaced (so running it
    twice leaves one of each); a wave of the same slug in another organisation is not touched:
    :class:`~collabstate.errors.RefusedError`."""
    from ..demo import DEMO_CODINGS, leaders_wave, readiness_2018
    from ..errors import CollabstateError
    from ..instrument.codebook import load_codebook
    from .surveys.models import Wave
    from .workspace.actions import organisation_named
    from .workspace.coding import upload_codebook
    from .workspace.importing import NOT_STORED, import_responses

    tell = progress or (lambda message: None)
    makers: dict[str, Callable[[], object]] = {"readiness-2018": readiness_2018, "leaders-2024": lambda: leaders_wave(2024),
                                               "leaders-2025": lambda: leaders_wave(2025), "leaders-2026": lambda: leaders_wave(2026)}  # fmt: skip
    elsewhere = Wave.objects.filter(slug__in=[slug for slug, *_ in DEMO_WAVES]).exclude(organisation__name=DEMO_ORGANISATION)
    if taken := sorted(elsewhere.values_list("slug", flat=True)):
        raise RefusedError(f"the site already has waves {', '.join(taken)} of another organisation; the demo waves were not loaded")
    organisation = organisation_named(DEMO_ORGANISATION)
    User = get_user_model()
    password = new_password()
    owner, _ = User.objects.get_or_create(username=DEMO_OWNER, defaults={"email": DEMO_OWNER})
    owner.set_password(password)
    owner.save()
    Membership.objects.update_or_create(user=owner, organisation=organisation, defaults={"role": Membership.OWNER})
    site = DemoSite(DEMO_OWNER, password)
    for slug, ref, title, year in DEMO_WAVES:
        tell(f"Loading {slug}")
        old = Wave.objects.filter(slug=slug, organisation=organisation)
        if old.exists():
            old.delete()
            site.replaced.append(slug)
        closes = timezone.make_aware(dt.datetime(year, 12, 1, 17))
        wave = Wave.objects.create(slug=slug, instrument_ref=ref, title=title, organisation=organisation,
                                   opens_at=closes - dt.timedelta(days=42), closes_at=closes)  # fmt: skip
        frame = frames[slug] if frames and slug in frames else makers[slug]()
        frame = frame.drop([c for c in ("wave", *NOT_STORED) if c in frame.columns])  # type: ignore[attr-defined]
        report = import_responses(wave, frame, name=f"{slug} (demo)", user=owner)
        if not report.ok:
            wave.delete()
            raise CollabstateError(f"the demo wave {slug} did not import: {report.problems[0] if report.problems else 'no responses'}")
        site.waves.append((slug, report.imported))
        if ref == "leaders":  # the Coding page starts from the demo's codebooks (the codes are the analyst's to give)
            for book_path, _ in DEMO_CODINGS:
                question = load_codebook(book_path, wave.instrument).question
                upload_codebook(wave, question, book_path.read_text(encoding="utf-8"), book_path.name, owner)
    return site

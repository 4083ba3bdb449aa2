"""Who may see and change what. Every workspace view is wrapped by :func:`wave_view`,
:func:`organisation_view` or :func:`signed_in_view`, which, in this order:

1. send anyone not signed in to the sign-in page;
2. look the wave or organisation up among the signed-in person's own organisations: anything
   else is a 404, as if it did not exist (never a 403, which would confirm that it does);
3. check their role in that organisation includes the one the view needs (else 403);
4. check the request method (else 405).

The wrapped view receives the wave (or organisation) and the person's membership in place of
the address's ``wave`` (or ``org``) argument. The role a view needs is kept on it as
``workspace_role``, and its methods as ``workspace_methods`` (the permission tests read them).
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseNotAllowed

from ..surveys.models import Wave
from .models import Membership, Organisation

__all__ = ["organisation_view", "organisations_for", "signed_in_view", "wave_view"]


def organisations_for(user) -> list[tuple[Organisation, Membership]]:
    """The person's organisations, by name, each with their membership."""
    memberships = Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")
    return [(m.organisation, m) for m in memberships]


def _membership(user, organisation: Organisation | None) -> Membership:
    """The person's membership of ``organisation``; 404 when there is none (or no organisation):
    the one place that decides whether something exists for them."""
    membership = (
        Membership.objects.filter(user=user, organisation=organisation).select_related("organisation").first() if organisation else None
    )
    if membership is None:
        raise Http404("no such page")
    return membership


def _guard(role: str, methods: tuple[str, ...], find):
    """The decorator: ``find(request, kwargs)`` returns the object and the person's membership
    of its organisation, or raises 404."""

    def decorate(view):
        @login_required
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs):
            found, membership = find(request, kwargs)
            if not membership.allows(role):
                raise PermissionDenied(f"this needs the {role} role in {membership.organisation.name}")
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, found, membership, *args, **kwargs)

        guarded.workspace_role = role
        guarded.workspace_methods = methods
        return guarded

    return decorate


def _find_wave(request: HttpRequest, kwargs: dict) -> tuple[Wave, Membership]:
    wave = Wave.objects.select_related("organisation").filter(pk=kwargs.pop("wave")).first()
    if wave is None:  # as _membership would say of no organisation
        raise Http404("no such page")
    return wave, _membership(request.user, wave.organisation)


def _find_organisation(request: HttpRequest, kwargs: dict) -> tuple[Organisation, Membership]:
    organisation = Organisation.objects.filter(slug=kwargs.pop("org")).first()
    if organisation is None:  # as _membership would say of no organisation
        raise Http404("no such page")
    return organisation, _membership(request.user, organisation)


def wave_view(role: str, methods: tuple[str, ...] = ("GET",)):
    """For a view of one wave (address argument ``wave``, its number): ``view(request, wave, membership)``."""
    return _guard(role, methods, _find_wave)


def organisation_view(role: str, methods: tuple[str, ...] = ("GET",)):
    """For a view of one organisation (address argument ``org``, its slug): ``view(request, organisation, membership)``."""
    return _guard(role, methods, _find_organisation)


def signed_in_view(methods: tuple[str, ...] = ("GET",)):
    """For a view of the person's own things (their organisations and waves): ``view(request)``."""

    def decorate(view):
        @login_required
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs):
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, *args, **kwargs)

        guarded.workspace_role = Membership.VIEWER
        guarded.workspace_methods = methods
        return guarded

    return decorate

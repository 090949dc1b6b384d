"""Glue between HTTP and the domain: the `page` decorator every HTML view goes through.

It requires a signed-in person with a page role, builds the `Actor` once, and turns domain
refusals into 404/403 responses, so views stay thin and never decide access themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from madrasa.core.errors import NotFound, PermissionDenied

from .models import User
from .roles import Role
from .selectors import Actor, get_actor

P = ParamSpec("P")

PageView = Callable[Concatenate[HttpRequest, Actor, P], HttpResponse]


def request_actor(request: HttpRequest) -> Actor:
    actor = getattr(request, "_madrasa_actor", None)
    if actor is None:
        user = request.user
        actor = get_actor(user) if isinstance(user, User) else None
        request._madrasa_actor = actor  # type: ignore[attr-defined]  # per-request memo
    if actor is None:
        raise DjangoPermissionDenied
    return actor


def page(
    *, roles: frozenset[Role] | None = None
) -> Callable[[PageView[P]], Callable[Concatenate[HttpRequest, P], HttpResponse]]:
    """Decorate an HTML view `view(request, actor, ...)`; `roles` narrows who may open it."""

    def decorator(view: PageView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            actor = request_actor(request)
            if not actor.uses_pages:
                raise DjangoPermissionDenied
            if roles is not None and not actor.roles & roles:
                raise DjangoPermissionDenied
            try:
                return view(request, actor, *args, **kwargs)
            except NotFound as exc:
                raise Http404(str(exc.message)) from None
            except PermissionDenied:
                raise DjangoPermissionDenied from None

        return wrapped  # type: ignore[return-value]  # wraps() keeps the inner signature

    return decorator


def any_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view as deliberately open to anyone (login page, health check)."""
    view.madrasa_public = True  # type: ignore[attr-defined]  # read by the access-matrix test
    return view


__all__ = ["any_view", "page", "request_actor"]

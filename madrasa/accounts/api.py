"""API authentication (the signed-in session, as an `Actor`) and the `/me` endpoint."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.security import SessionAuth

from .models import User
from .schemas import MeOut
from .selectors import Actor, get_actor


class ActorSessionAuth(SessionAuth):
    """Session cookie + CSRF (for unsafe methods); yields the request's `Actor`."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        user = request.user
        if isinstance(user, User) and user.is_authenticated and user.is_active:
            actor = get_actor(user)
            # Agencies will authenticate as OAuth clients (agency API issue), never by session.
            return actor if actor.uses_pages else None
        return None


session_auth = ActorSessionAuth()


def request_actor(request: HttpRequest) -> Actor:
    """The signed-in actor of an API request (set by `session_auth`)."""
    return request.auth  # type: ignore[attr-defined, no-any-return]  # set by ninja's auth


router = Router(tags=["accounts"])


@router.get("/me", response=MeOut, operation_id="accounts_get_me")
def get_me(request: HttpRequest) -> MeOut:
    actor = request_actor(request)
    return MeOut(
        uuid=actor.user.uuid,
        username=actor.user.get_username(),
        primary_role=actor.primary_role.value if actor.primary_role else None,
        roles=sorted(r.value for r in actor.roles),
    )

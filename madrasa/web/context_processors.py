from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from madrasa.accounts.http import request_actor
from madrasa.accounts.models import User


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page shell (header, language switcher, user menu) needs on every page."""
    actor = request_actor(request) if isinstance(request.user, User) else None
    return {
        "actor": actor,
        "primary_role": actor.primary_role if actor else None,
        "mfa_required": settings.MADRASA_REQUIRE_MFA,
        "madrasa_env": settings.MADRASA_ENV,
    }

"""Session rules for signed-in people: an idle timeout, an absolute lifetime counted from
sign-in (Django's own cookie age restarts at every save), and the second factor for staff."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .models import User
from .services import needs_second_factor

LAST_SEEN_KEY = "madrasa_last_seen"
SIGNED_IN_KEY = "madrasa_signed_in"
# Write the timestamp at most once a minute: a session write per request would be wasteful.
TOUCH_EVERY_SECONDS = 60


def start_session_clock(request: HttpRequest) -> None:
    """Called right after sign-in: the absolute lifetime counts from here."""
    now = int(time.time())
    request.session[SIGNED_IN_KEY] = now
    request.session[LAST_SEEN_KEY] = now


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if isinstance(user, User) and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            signed_in = request.session.setdefault(SIGNED_IN_KEY, now)
            idle = (
                isinstance(last_seen, int)
                and now - last_seen > settings.MADRASA_IDLE_TIMEOUT_SECONDS
            )
            too_old = isinstance(signed_in, int) and now - signed_in > settings.SESSION_COOKIE_AGE
            expired = idle or too_old
            is_verified = getattr(user, "is_verified", None)  # added by django_otp's middleware
            verified = callable(is_verified) and bool(is_verified())
            unverified = not verified and needs_second_factor(user)
            if expired or unverified:
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"code": "session_expired", "detail": _("Your session has expired.")},
                        status=401,
                    )
                return redirect(f"{settings.LOGIN_URL_PATH}?next={request.path}")
            if not isinstance(last_seen, int) or now - last_seen >= TOUCH_EVERY_SECONDS:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)

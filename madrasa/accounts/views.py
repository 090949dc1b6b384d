"""Sign-in pages: password, then (for staff in production) a TOTP code; sign-out."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from madrasa.core.middleware import client_ip

from .forms import LoginForm, SecondFactorForm
from .middleware import start_session_clock
from .models import User
from .services import (
    LoginRefused,
    login_with_password,
    record_login_success,
    record_logout,
    verify_second_factor,
)

PENDING_KEY = "madrasa_pending_user"
PENDING_SECONDS = 300


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return str(settings.LOGIN_REDIRECT_URL_PATH)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            result = login_with_password(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip_address=client_ip(request),
            )
        except LoginRefused as exc:
            error = str(exc.message)
            status = 429 if exc.code == "login_throttled" else 401
        else:
            if result.needs_second_factor:
                request.session.cycle_key()
                request.session[PENDING_KEY] = [result.user.pk, int(time.time())]
                return redirect(f"{settings.LOGIN_URL_PATH}otp/?next={_next_url(request)}")
            login(request, result.user, backend="django.contrib.auth.backends.ModelBackend")
            start_session_clock(request)
            record_login_success(user=result.user, second_factor=False)
            return redirect(_next_url(request))
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": _next_url(request)},
        status=status,
    )


@sensitive_post_parameters("token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def second_factor_view(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_KEY)
    if not (isinstance(pending, list) and time.time() - pending[1] < PENDING_SECONDS):
        request.session.pop(PENDING_KEY, None)
        return redirect(settings.LOGIN_URL_PATH)
    user = User.objects.filter(pk=pending[0], is_active=True).first()
    if user is None:
        return redirect(settings.LOGIN_URL_PATH)
    form = SecondFactorForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = verify_second_factor(
                user=user, token=form.cleaned_data["token"], ip_address=client_ip(request)
            )
        except LoginRefused as exc:
            error = str(exc.message)
            status = 401
        else:
            request.session.pop(PENDING_KEY, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            start_session_clock(request)
            otp_login(request, device)
            record_login_success(user=user, second_factor=True)
            return redirect(_next_url(request))
    return render(
        request,
        "accounts/second_factor.html",
        {"form": form, "error": error, "next": _next_url(request)},
        status=status,
    )


@require_POST
@csrf_protect
def logout_view(request: HttpRequest) -> HttpResponse:
    if isinstance(request.user, User):
        record_logout(user=request.user)
    logout(request)
    return redirect(settings.LOGIN_URL_PATH)

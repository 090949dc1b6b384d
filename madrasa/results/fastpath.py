"""A WSGI fast path for results day: `GET /api/v1/results/<session>/lookup` answered by
lookup.py without Django's middleware stack, URL resolver and django-ninja, which are about 80 %
of the cost of a lookup (0.9 ms per request in-process against 0.15 ms for the lookup itself).
Every other request goes to Django unchanged.

It answers exactly as the API endpoint does (same lookup, same rate limits, same status, body
and cache headers; the tests compare the two), adds the security headers the middleware would
(nosniff, referrer policy, COOP, frame denial, a CSP, HSTS in production, X-Request-Id), checks
the Host header against ALLOWED_HOSTS, and sends Django's request_started/request_finished
signals so that database connections are managed as usual. Anything unusual (a malformed birth
date, another method, a bad host) is left to Django.

Enable it by wrapping the WSGI application (`madrasa/wsgi.py`):

    application = ResultsFastPath(get_wsgi_application())
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.core import signals
from django.http.request import split_domain_port, validate_host
from django.utils import translation
from django.utils.translation.trans_real import (
    get_supported_language_variant,
    parse_accept_lang_header,
)

__all__ = ["ResultsFastPath"]

_PATH = re.compile(r"^/api/v1/results/([^/]{1,64})/lookup$")
_REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found", 429: "Too Many Requests"}
_JSON_CSP = "default-src 'none'; frame-ancestors 'none'"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _language(environ: dict[str, Any]) -> str:
    """The page language as LocaleMiddleware picks it: the language cookie, then
    Accept-Language, then the default."""
    cookie = environ.get("HTTP_COOKIE", "")
    name = settings.LANGUAGE_COOKIE_NAME
    for part in cookie.split(";"):
        key, _sep, value = part.strip().partition("=")
        if key == name and value:
            try:
                return get_supported_language_variant(value)
            except LookupError:
                break
    for code, _quality in parse_accept_lang_header(environ.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            break
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return str(settings.LANGUAGE_CODE)


def _client_address(environ: dict[str, Any]) -> str | None:
    if getattr(settings, "MADRASA_TRUST_X_FORWARDED_FOR", False):
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return environ.get("REMOTE_ADDR") or None


def _host_allowed(environ: dict[str, Any]) -> bool:
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    domain, _port = split_domain_port(host)
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed)


def _security_headers() -> list[tuple[str, str]]:
    headers = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", str(settings.SECURE_REFERRER_POLICY)),
        ("Cross-Origin-Opener-Policy", str(settings.SECURE_CROSS_ORIGIN_OPENER_POLICY)),
        ("X-Frame-Options", str(settings.X_FRAME_OPTIONS)),
        ("Content-Security-Policy", _JSON_CSP),
    ]
    hsts = int(getattr(settings, "SECURE_HSTS_SECONDS", 0) or 0)
    if hsts:
        value = f"max-age={hsts}"
        if getattr(settings, "SECURE_HSTS_INCLUDE_SUBDOMAINS", False):
            value += "; includeSubDomains"
        if getattr(settings, "SECURE_HSTS_PRELOAD", False):
            value += "; preload"
        headers.append(("Strict-Transport-Security", value))
    return headers


class ResultsFastPath:
    def __init__(self, application: WSGIApp) -> None:
        self.application = application

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        match = _PATH.match(environ.get("PATH_INFO", ""))
        if (
            match is None
            or environ.get("REQUEST_METHOD") != "GET"
            or (
                settings.SECURE_SSL_REDIRECT
                and environ.get("wsgi.url_scheme") != "https"
                and environ.get("HTTP_X_FORWARDED_PROTO") != "https"
            )
            or not _host_allowed(environ)
        ):
            return self.application(environ, start_response)
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        raw_birth = query.get("birth_date", [""])[-1]
        birth: date | None = None
        if raw_birth:
            try:
                birth = date.fromisoformat(raw_birth)
            except ValueError:
                return self.application(environ, start_response)  # Django's 422
        from .lookup import answer_lookup  # after django.setup(): the module is imported before

        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            with translation.override(_language(environ)):
                answer = answer_lookup(
                    session_key=match.group(1),
                    raw_code=query.get("code", [""])[-1][:32],
                    birth_date=birth,
                    pin=query.get("pin", [""])[-1][:32],
                    client_address=_client_address(environ),
                    if_none_match=environ.get("HTTP_IF_NONE_MATCH", ""),
                )
        finally:
            signals.request_finished.send(sender=self.__class__)
        body = b"" if answer.status == 304 else json.dumps(answer.body).encode()
        headers = [
            ("Content-Type", "application/json"),
            *answer.headers.items(),
            *_security_headers(),
            ("Content-Length", str(len(body))),
            ("X-Request-Id", uuid.uuid4().hex),
        ]
        start_response(f"{answer.status} {_REASONS.get(answer.status, '')}", headers)
        return [body]


def _application() -> WSGIApp:
    from django.core.wsgi import get_wsgi_application

    return ResultsFastPath(get_wsgi_application())


def __getattr__(name: str) -> Any:
    # `gunicorn madrasa.results.fastpath:application` (bench/results_day.py --app fastpath)
    if name == "application":
        return _application()
    raise AttributeError(name)

"""The REST API root: /api/v1/, OpenAPI at /api/v1/openapi.json (committed in openapi/)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from madrasa.accounts.api import router as accounts_router
from madrasa.accounts.api import session_auth
from madrasa.agency.api import router as agency_router
from madrasa.attendance.api import router as attendance_router
from madrasa.bulletins.api import router as bulletins_router
from madrasa.core.errors import DomainError
from madrasa.credentials.api import router as credentials_router
from madrasa.enrolment.api import router as enrolment_router
from madrasa.grading.api import router as grading_router
from madrasa.health.api import router as health_router
from madrasa.marks.api import router as marks_router
from madrasa.registry.api import router as registry_router
from madrasa.results.api import router as results_router

api = NinjaAPI(
    title="Madrasa API",
    version="1",
    description="National student information system. Every endpoint is scoped to the caller.",
    auth=session_auth,
    urls_namespace="api-v1",
    docs_url=None,
)
api.add_router("", accounts_router)
api.add_router("", registry_router)
api.add_router("", enrolment_router)
api.add_router("", grading_router)
api.add_router("", marks_router)
api.add_router("", bulletins_router)
api.add_router("", results_router)
api.add_router("", credentials_router)
api.add_router("", attendance_router)
api.add_router("", health_router)
api.add_router("", agency_router)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(
        request, {"code": exc.code, "detail": str(exc.message)}, status=exc.http_status
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"code": "not_authenticated", "detail": _("Sign in first.")}, status=401
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"code": "invalid_input", "detail": exc.errors}, status=422)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(
        request, {"code": "http_error", "detail": str(exc)}, status=exc.status_code
    )

"""The page shell: the home page that fits each role, the governance dashboard, the audit log
page, the health check."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from madrasa.accounts.http import any_view, page
from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.core.selectors import search_audit_events
from madrasa.registry.access import (
    visible_provinces,
    visible_regions,
    visible_schools,
    visible_students,
)
from madrasa.registry.selectors import list_reference_regions
from madrasa.web.dashboard import ensure_fresh, get_dashboard, open_year, request_refresh

DASHBOARD_ROLES = frozenset({Role.MINISTRY, Role.ACADEMY, Role.DIRECTORATE})


@require_GET
@page()
def home(request: HttpRequest, actor: Actor) -> HttpResponse:
    role = actor.primary_role
    context: dict[str, object] = {"role": role}
    if role == Role.MINISTRY:
        context |= {
            "regions": list_reference_regions(),
            "school_count": visible_schools(actor).count(),
            "pupil_count": visible_students(actor).count(),
        }
    elif role in {Role.ACADEMY, Role.DIRECTORATE}:
        context |= {
            "regions": visible_regions(actor),
            "provinces": visible_provinces(actor).select_related("region"),
            "school_count": visible_schools(actor).count(),
            "pupil_count": visible_students(actor).count(),
        }
    elif role in {Role.DIRECTOR, Role.TEACHER}:
        context |= {"schools": visible_schools(actor).select_related("province")}
    elif role in {Role.PARENT, Role.PUPIL}:
        context |= {"pupils": visible_students(actor).select_related("school")}
    return render(request, "web/home.html", context)


@require_GET
@page(roles=DASHBOARD_ROLES)
def dashboard(request: HttpRequest, actor: Actor) -> HttpResponse:
    year = open_year()
    if year is not None:
        ensure_fresh(year)  # queues a refresh when the stored figures are missing or too old
    board = get_dashboard(
        actor,
        region_code=request.GET.get("region", "").strip()[:2],
        province_code=request.GET.get("province", "").strip()[:3],
    )
    return render(
        request,
        "web/dashboard.html",
        {
            "board": board,
            "may_refresh": actor.is_national,
            "max_age": settings.MADRASA_INDICATORS_MAX_AGE_MINUTES,
        },
    )


@require_POST
@page(roles=frozenset({Role.MINISTRY}))
def dashboard_refresh(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The ministry asks for the figures to be computed again now."""
    year = open_year()
    if year is not None:
        request_refresh(actor=actor.user, year=year)
    return redirect("web:dashboard")


@require_GET
@page(roles=frozenset({Role.MINISTRY}))
def audit_log(request: HttpRequest, actor: Actor) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    events = search_audit_events(query)
    paginator = Paginator(events, 50)
    page_obj = paginator.get_page(request.GET.get("page"))
    return render(request, "web/audit.html", {"page_obj": page_obj, "q": query})


@require_GET
@never_cache
@any_view
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})

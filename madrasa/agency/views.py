"""The ministry's search of the agency log (who received which pupils' data, for what)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from madrasa.accounts.http import page
from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.registry.access import access_student

from .purposes import PURPOSES
from .selectors import search_log

PAGE_SIZE = 50


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@require_GET
@page(roles=frozenset({Role.MINISTRY}))
def access_log(request: HttpRequest, actor: Actor) -> HttpResponse:
    filters = {
        "client_name": request.GET.get("client", "").strip()[:200],
        "purpose": request.GET.get("purpose", "") if request.GET.get("purpose") in PURPOSES else "",
        "national_code": request.GET.get("code", "").strip()[:16],
        "since": _day(request.GET.get("since", "")),
        "until": _day(request.GET.get("until", "")),
        "refused_only": request.GET.get("refused") == "1",
    }
    paginator = Paginator(search_log(**filters), PAGE_SIZE)  # type: ignore[arg-type]  # filters
    page_obj = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page_obj": page_obj,
        "purposes": [(p.code, p.label) for p in PURPOSES.values()],
        "filters": filters,
        "query": query.urlencode(),
    }
    return render(request, "agency/log.html", context)


@require_GET
@page()
def pupil_accesses(request: HttpRequest, actor: Actor, student_uuid: UUID) -> HttpResponse:
    """The family's view (and that of everyone who sees the pupil) of the agencies that received
    the pupil's data."""
    student = access_student(actor, student_uuid)
    return render(request, "agency/pupil.html", {"student": student})

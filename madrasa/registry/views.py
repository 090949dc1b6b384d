"""Registry pages: territory dashboards, a school, a pupil. Access is decided in access.py."""

from __future__ import annotations

from uuid import UUID

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from madrasa.accounts.http import page
from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor

from .access import access_province, access_region, access_school, access_student, visible_regions
from .selectors import (
    count_by_province,
    list_province_schools,
    list_school_students,
    search_students,
)


@require_GET
@page(roles=frozenset({Role.MINISTRY, Role.ACADEMY}))
def region_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    regions = visible_regions(actor)
    return render(request, "registry/region_list.html", {"regions": regions})


@require_GET
@page()
def region_detail(request: HttpRequest, actor: Actor, code: str) -> HttpResponse:
    region = access_region(actor, code)
    rows = count_by_province(actor, region)
    return render(request, "registry/region_detail.html", {"region": region, "rows": rows})


@require_GET
@page()
def province_detail(request: HttpRequest, actor: Actor, code: str) -> HttpResponse:
    province = access_province(actor, code)
    schools = list_province_schools(actor, province)
    return render(
        request, "registry/province_detail.html", {"province": province, "schools": schools}
    )


@require_GET
@page()
def school_detail(request: HttpRequest, actor: Actor, school_uuid: UUID) -> HttpResponse:
    school = access_school(actor, school_uuid)
    pupils = list_school_students(actor, school)
    return render(request, "registry/school_detail.html", {"school": school, "pupils": pupils})


@require_GET
@page()
def student_detail(request: HttpRequest, actor: Actor, student_uuid: UUID) -> HttpResponse:
    student = access_student(actor, student_uuid)
    return render(request, "registry/student_detail.html", {"student": student})


@require_GET
@page()
def student_search(request: HttpRequest, actor: Actor) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    students = search_students(actor, query)
    page_obj = Paginator(students, 50).get_page(request.GET.get("page"))
    return render(request, "registry/student_search.html", {"page_obj": page_obj, "q": query})

"""Registry endpoints: thin adapters over access.py and selectors.py.

No `from __future__ import annotations` here: ninja reads the annotations of functions wrapped
by @paginate from the wrapper's module, so they must be real objects, not strings.
"""

from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import PageNumberPagination, paginate

from madrasa.accounts.api import request_actor as _actor
from madrasa.core.errors import PermissionDenied

from .access import access_province, access_region, access_school, access_student
from .models import Guardianship, Province, Region, School, Student
from .schemas import (
    GuardianIn,
    GuardianOut,
    ProvinceCountOut,
    ProvinceOut,
    RegionDetailOut,
    RegionOut,
    SchoolFilter,
    SchoolOut,
    StructureOut,
    StudentFilter,
    StudentOut,
)
from .selectors import (
    count_by_province,
    list_guardians,
    list_levels,
    list_reference_provinces,
    list_reference_regions,
    list_school_years,
    search_schools,
    search_students,
)
from .services import add_guardian

router = Router(tags=["registry"])


@router.get("/regions", response=list[RegionOut], operation_id="registry_list_regions")
def list_regions(request: HttpRequest) -> QuerySet[Region]:
    """The 12 regions (reference data, readable by every signed-in role)."""
    return list_reference_regions()


@router.get("/provinces", response=list[ProvinceOut], operation_id="registry_list_provinces")
def list_provinces(request: HttpRequest) -> QuerySet[Province]:
    """The 75 prefectures and provinces (reference data)."""
    return list_reference_provinces()


@router.get("/regions/{code}", response=RegionDetailOut, operation_id="registry_get_region")
def get_region(request: HttpRequest, code: str) -> RegionDetailOut:
    """A region's dashboard figures, for the ministry and the region's academy."""
    actor = _actor(request)
    region = access_region(actor, code)
    rows = count_by_province(actor, region)
    return RegionDetailOut(
        code=region.code,
        name_fr=region.name_fr,
        name_ar=region.name_ar,
        chef_lieu_fr=region.chef_lieu_fr,
        provinces=[ProvinceCountOut(**row.__dict__) for row in rows],
    )


@router.get("/provinces/{code}", response=ProvinceOut, operation_id="registry_get_province")
def get_province(request: HttpRequest, code: str) -> Province:
    return access_province(_actor(request), code)


@router.get("/structure", response=StructureOut, operation_id="registry_get_structure")
def get_structure(request: HttpRequest) -> StructureOut:
    """School years with their semesters, and levels with their streams (reference data)."""
    return StructureOut.model_validate(
        {"years": list(list_school_years()), "levels": list(list_levels())}
    )


@router.get("/schools", response=list[SchoolOut], operation_id="registry_list_schools")
@paginate(PageNumberPagination, page_size=50)
def list_schools(
    request: HttpRequest,
    filters: SchoolFilter = Query(...),  # type: ignore[type-arg]  # noqa: B008
) -> QuerySet[School]:
    """Schools the caller may see, by code or name, optionally in one province."""
    return search_schools(_actor(request), filters.q, filters.province)


@router.get("/schools/{school_uuid}", response=SchoolOut, operation_id="registry_get_school")
def get_school(request: HttpRequest, school_uuid: UUID) -> School:
    return access_school(_actor(request), school_uuid)


@router.get("/pupils/{student_uuid}", response=StudentOut, operation_id="registry_get_pupil")
def get_pupil(request: HttpRequest, student_uuid: UUID) -> Student:
    return access_student(_actor(request), student_uuid)


@router.get("/pupils", response=list[StudentOut], operation_id="registry_list_pupils")
@paginate(PageNumberPagination, page_size=50)
def list_pupils(
    request: HttpRequest,
    # ninja declares a query schema as a default (B008); its stub calls Query generic (type-arg)
    filters: StudentFilter = Query(...),  # type: ignore[type-arg]  # noqa: B008
) -> QuerySet[Student]:
    """Search the pupils the caller may see, by national code or by name in either script."""
    actor = _actor(request)
    school = access_school(actor, filters.school) if filters.school else None
    return search_students(actor, filters.q, school)


@router.get(
    "/pupils/{student_uuid}/guardians",
    response=list[GuardianOut],
    operation_id="registry_list_guardians",
)
def get_guardians(request: HttpRequest, student_uuid: UUID) -> QuerySet[Guardianship]:
    """A pupil's guardians with their relation and phone (no identity card number)."""
    return list_guardians(access_student(_actor(request), student_uuid))


@router.post(
    "/pupils/{student_uuid}/guardians",
    response={201: GuardianOut},
    operation_id="registry_create_guardian",
)
def post_guardian(
    request: HttpRequest, student_uuid: UUID, payload: GuardianIn
) -> Status[Guardianship]:
    """Link a guardian to a pupil (the director of the pupil's school)."""
    actor = _actor(request)
    student = access_student(actor, student_uuid)
    if student.school_id not in actor.director_school_ids:
        raise PermissionDenied(_("Only the director of the pupil's school records guardians."))
    link = add_guardian(actor=actor.user, student=student, **payload.model_dump())
    return Status(201, link)

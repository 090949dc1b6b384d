"""Who may see which territory, school or pupil: the one place that decides.

Every view, API endpoint and export calls these functions. Objects outside the actor's scope are
reported as not found (404), so that their existence is not revealed.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import NotFound

from .models import Province, Region, School, Student

__all__ = [
    "access_province",
    "access_region",
    "access_school",
    "access_student",
    "visible_provinces",
    "visible_regions",
    "visible_schools",
    "visible_students",
]

_NOTHING = Q(pk__in=[])


def visible_regions(actor: Actor) -> QuerySet[Region]:
    """Regions whose dashboard the actor may open."""
    if actor.has(Role.MINISTRY):
        return Region.objects.all()
    condition = _NOTHING
    condition |= Q(id__in=actor.academy_region_ids)
    return Region.objects.filter(condition)


def visible_provinces(actor: Actor) -> QuerySet[Province]:
    if actor.has(Role.MINISTRY):
        return Province.objects.all()
    condition = _NOTHING
    condition |= Q(region_id__in=actor.academy_region_ids)
    condition |= Q(id__in=actor.directorate_province_ids)
    return Province.objects.filter(condition)


def visible_schools(actor: Actor) -> QuerySet[School]:
    if actor.has(Role.MINISTRY):
        return School.objects.all()
    condition = _NOTHING
    condition |= Q(province__region_id__in=actor.academy_region_ids)
    condition |= Q(province_id__in=actor.directorate_province_ids)
    condition |= Q(id__in=actor.director_school_ids)
    condition |= Q(id__in=actor.teacher_school_ids)
    return School.objects.filter(condition)


_OPEN_TRANSFER = ("pending_school", "pending_directorate")


def visible_students(actor: Actor) -> QuerySet[Student]:
    """Pupils whose record the actor may read.

    - territory roles: pupils whose current school is in their territory;
    - a director: the school's pupils, and pupils asking to transfer in while the request is open
      (the director decides on it); a directorate likewise for schools of its province;
    - a teacher: the pupils currently enrolled in a class they teach (not the whole school);
    - a parent or a pupil: that pupil.

    The enrolment tables are reached through their reverse relations (`enrolments`, `transfers`)
    so that this module keeps to the registry layer.
    """
    if actor.has(Role.MINISTRY):
        return Student.objects.all()
    condition = _NOTHING
    condition |= Q(school__province__region_id__in=actor.academy_region_ids)
    condition |= Q(school__province_id__in=actor.directorate_province_ids)
    condition |= Q(school_id__in=actor.director_school_ids)
    condition |= Q(id__in=actor.parent_student_ids)
    condition |= Q(id__in=actor.pupil_student_ids)
    if actor.director_school_ids or actor.directorate_province_ids:
        incoming = Student.objects.filter(
            Q(transfers__to_school_id__in=actor.director_school_ids)
            | Q(transfers__to_school__province_id__in=actor.directorate_province_ids),
            transfers__status__in=_OPEN_TRANSFER,
        )
        condition |= Q(id__in=incoming.values("id"))
    if actor.has(Role.TEACHER):
        taught = Student.objects.filter(
            enrolments__status="active",
            enrolments__school_class__teaching_assignments__teacher_id=actor.user.pk,
            enrolments__school_id__in=actor.teacher_school_ids,
        )
        condition |= Q(id__in=taught.values("id"))
    return Student.objects.filter(condition)


def access_region(actor: Actor, code: str) -> Region:
    region = visible_regions(actor).filter(code=code).first()
    if region is None:
        raise NotFound(_("No such region."))
    return region


def access_province(actor: Actor, code: str) -> Province:
    province = visible_provinces(actor).select_related("region").filter(code=code).first()
    if province is None:
        raise NotFound(_("No such province or prefecture."))
    return province


def access_school(actor: Actor, school_uuid: UUID) -> School:
    school = (
        visible_schools(actor).select_related("province__region").filter(uuid=school_uuid).first()
    )
    if school is None:
        raise NotFound(_("No such school."))
    return school


def access_student(actor: Actor, student_uuid: UUID) -> Student:
    student = (
        visible_students(actor)
        .select_related("school__province__region")
        .filter(uuid=student_uuid)
        .first()
    )
    if student is None:
        raise NotFound(_("No such pupil."))
    return student

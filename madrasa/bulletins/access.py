"""Who may see which bulletin, compute which scope, write which remark, publish which school.

A bulletin outside the actor's scope is reported as not found. Families (parents, the pupil)
see a bulletin only once it is published; staff see it from its computation.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import NotFound, PermissionDenied
from madrasa.enrolment.models import SchoolClass, TeachingAssignment
from madrasa.registry.access import access_school
from madrasa.registry.models import Province, Region, School

from .models import Bulletin, BulletinLine, BulletinRun

__all__ = [
    "SCHOOL_PAGE_ROLES",
    "access_bulletin",
    "access_run",
    "bulletins_school",
    "can_compute",
    "can_remark_as_director",
    "can_remark_on_line",
    "check_compute",
    "publishing_school",
    "visible_bulletins",
    "visible_runs",
]

_NOTHING = Q(pk__in=[])
# The school bulletins page: the school's director and the territory above it.
SCHOOL_PAGE_ROLES = frozenset({Role.MINISTRY, Role.ACADEMY, Role.DIRECTORATE, Role.DIRECTOR})


def _taught_classes(actor: Actor) -> QuerySet[SchoolClass]:
    return SchoolClass.objects.filter(
        teaching_assignments__teacher_id=actor.user.pk, school_id__in=actor.teacher_school_ids
    )


def visible_bulletins(actor: Actor) -> QuerySet[Bulletin]:
    """Staff: the bulletins of their territory, school, or the classes they teach (published or
    not). Parents and pupils: their child's / their own, once published."""
    base = Bulletin.objects.select_related(
        "enrolment__student",
        "enrolment__school__province__region",
        "enrolment__school_class__level",
        "enrolment__school_class__stream",
        "enrolment__year",
        "semester",
        "signed_by",
    )
    if actor.has(Role.MINISTRY):
        return base
    condition = _NOTHING
    condition |= Q(enrolment__school__province__region_id__in=actor.academy_region_ids)
    condition |= Q(enrolment__school__province_id__in=actor.directorate_province_ids)
    condition |= Q(enrolment__school_id__in=actor.director_school_ids)
    if actor.has(Role.TEACHER):
        condition |= Q(enrolment__school_class_id__in=_taught_classes(actor).values("id"))
    family = actor.parent_student_ids | actor.pupil_student_ids
    if family:
        condition |= Q(enrolment__student_id__in=family, published_at__isnull=False)
    return base.filter(condition)


def access_bulletin(actor: Actor, bulletin_uuid: UUID) -> Bulletin:
    bulletin = visible_bulletins(actor).filter(uuid=bulletin_uuid).first()
    if bulletin is None:
        raise NotFound(_("No such bulletin."))
    return bulletin


def bulletins_school(actor: Actor, school_uuid: UUID) -> School:
    """A school whose bulletins page the actor opens: its director, its directorate, its
    academy, the ministry (a teacher uses the class pages)."""
    school = access_school(actor, school_uuid)
    if not actor.roles & SCHOOL_PAGE_ROLES or (
        not actor.is_national
        and school.pk not in actor.director_school_ids
        and school.province_id not in actor.directorate_province_ids
        and school.province.region_id not in actor.academy_region_ids
    ):
        raise NotFound(_("No such school."))
    return school


def publishing_school(actor: Actor, school_uuid: UUID) -> School:
    """Only the school's director signs and publishes its bulletins."""
    school = bulletins_school(actor, school_uuid)
    if school.pk not in actor.director_school_ids:
        raise PermissionDenied(_("Only the school's director signs and publishes its bulletins."))
    return school


def can_compute(actor: Actor, scope_kind: str, scope_code: str) -> bool:
    """A school: its director and the territory above it; a province: its directorate, its
    academy; a region: its academy; the whole country: the ministry."""
    if actor.is_national:
        return True
    if scope_kind == BulletinRun.ScopeKind.SCHOOL:
        return School.objects.filter(
            Q(id__in=actor.director_school_ids)
            | Q(province_id__in=actor.directorate_province_ids)
            | Q(province__region_id__in=actor.academy_region_ids),
            code=scope_code,
        ).exists()
    if scope_kind == BulletinRun.ScopeKind.PROVINCE:
        return Province.objects.filter(
            Q(id__in=actor.directorate_province_ids) | Q(region_id__in=actor.academy_region_ids),
            code=scope_code,
        ).exists()
    if scope_kind == BulletinRun.ScopeKind.REGION:
        return Region.objects.filter(id__in=actor.academy_region_ids, code=scope_code).exists()
    return False


def check_compute(actor: Actor, scope_kind: str, scope_code: str) -> None:
    if not can_compute(actor, scope_kind, scope_code):
        raise NotFound(_("No such school or territory to compute."))


def visible_runs(actor: Actor) -> QuerySet[BulletinRun]:
    """Runs the actor started, and runs over a scope the actor may compute."""
    runs = BulletinRun.objects.select_related("year", "semester", "actor")
    if actor.is_national:
        return runs
    condition = Q(actor_id=actor.user.pk)
    schools = School.objects.filter(
        Q(id__in=actor.director_school_ids)
        | Q(province_id__in=actor.directorate_province_ids)
        | Q(province__region_id__in=actor.academy_region_ids)
    )
    condition |= Q(scope_kind=BulletinRun.ScopeKind.SCHOOL, scope_code__in=schools.values("code"))
    provinces = Province.objects.filter(
        Q(id__in=actor.directorate_province_ids) | Q(region_id__in=actor.academy_region_ids)
    )
    condition |= Q(
        scope_kind=BulletinRun.ScopeKind.PROVINCE, scope_code__in=provinces.values("code")
    )
    regions = Region.objects.filter(id__in=actor.academy_region_ids)
    condition |= Q(scope_kind=BulletinRun.ScopeKind.REGION, scope_code__in=regions.values("code"))
    return runs.filter(condition)


def access_run(actor: Actor, run_uuid: UUID) -> BulletinRun:
    run = visible_runs(actor).filter(uuid=run_uuid).first()
    if run is None:
        raise NotFound(_("No such computation."))
    return run


def can_remark_on_line(actor: Actor, line: BulletinLine) -> bool:
    """The teacher of the line's subject in the pupil's class (a blank subject: all of them)."""
    enrolment = line.bulletin.enrolment
    if enrolment.school_id not in actor.teacher_school_ids:
        return False
    return TeachingAssignment.objects.filter(
        Q(subject="") | Q(subject=line.subject.code),
        teacher_id=actor.user.pk,
        school_class_id=enrolment.school_class_id,
    ).exists()


def can_remark_as_director(actor: Actor, bulletin: Bulletin) -> bool:
    return bulletin.enrolment.school_id in actor.director_school_ids

"""Who may act on which class, enrolment or transfer. Built on registry.access: an object the
actor may not see is reported as not found; one they may see but not change is refused (403).
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import NotFound, PermissionDenied
from madrasa.registry.access import access_school, access_student, visible_students
from madrasa.registry.models import DuplicateCandidate, School, Student

from .models import Enrolment, SchoolClass, Transfer

__all__ = [
    "access_class",
    "access_duplicate",
    "access_enrolment",
    "access_student_for_merge",
    "access_transfer",
    "can_decide_as_directorate",
    "can_decide_as_school",
    "can_merge",
    "can_request_transfer",
    "manageable_school",
    "transfer_step_for",
    "visible_classes",
    "visible_transfers",
]


def manageable_school(actor: Actor, school_uuid: UUID) -> School:
    """A school whose classes, enrolments and decisions the actor runs: its director's."""
    school = access_school(actor, school_uuid)
    if school.pk not in actor.director_school_ids:
        raise PermissionDenied(_("Only the school's director can do this."))
    return school


def visible_classes(actor: Actor) -> QuerySet[SchoolClass]:
    """Classes of the schools in the actor's territory or direction; a teacher sees only the
    classes they teach."""
    base = SchoolClass.objects.select_related("school", "year", "level", "stream")
    if actor.has(Role.MINISTRY):
        return base
    condition = Q(school__province__region_id__in=actor.academy_region_ids)
    condition |= Q(school__province_id__in=actor.directorate_province_ids)
    condition |= Q(school_id__in=actor.director_school_ids)
    taught = SchoolClass.objects.filter(
        teaching_assignments__teacher_id=actor.user.pk, school_id__in=actor.teacher_school_ids
    )
    condition |= Q(id__in=taught.values("id"))
    return base.filter(condition)


def access_class(actor: Actor, class_uuid: UUID) -> SchoolClass:
    school_class = visible_classes(actor).filter(uuid=class_uuid).first()
    if school_class is None:
        raise NotFound(_("No such class."))
    return school_class


def access_enrolment(actor: Actor, enrolment_uuid: UUID) -> Enrolment:
    """An enrolment of a school the actor directs (the only role that changes enrolments)."""
    enrolment = (
        Enrolment.objects.select_related("student", "school", "year", "level", "stream")
        .filter(uuid=enrolment_uuid, school_id__in=actor.director_school_ids)
        .first()
    )
    if enrolment is None:
        raise NotFound(_("No such enrolment."))
    return enrolment


def visible_transfers(actor: Actor) -> QuerySet[Transfer]:
    """Requests about pupils the actor sees, and requests to enter schools they decide for."""
    base = Transfer.objects.select_related(
        "student", "from_school", "to_school__province", "year", "requested_by"
    )
    if actor.has(Role.MINISTRY):
        return base
    condition = Q(to_school_id__in=actor.director_school_ids)
    condition |= Q(from_school_id__in=actor.director_school_ids)
    condition |= Q(to_school__province_id__in=actor.directorate_province_ids)
    condition |= Q(from_school__province_id__in=actor.directorate_province_ids)
    condition |= Q(to_school__province__region_id__in=actor.academy_region_ids)
    condition |= Q(from_school__province__region_id__in=actor.academy_region_ids)
    condition |= Q(student_id__in=actor.parent_student_ids)
    return base.filter(condition)


def access_transfer(actor: Actor, transfer_uuid: UUID) -> Transfer:
    transfer = visible_transfers(actor).filter(uuid=transfer_uuid).first()
    if transfer is None:
        raise NotFound(_("No such transfer request."))
    return transfer


def can_request_transfer(actor: Actor, student: Student) -> bool:
    """A parent of the pupil, or the director of the pupil's current school."""
    return student.pk in actor.parent_student_ids or (
        student.school_id is not None and student.school_id in actor.director_school_ids
    )


def can_decide_as_school(actor: Actor, transfer: Transfer) -> bool:
    return transfer.to_school_id in actor.director_school_ids


def can_decide_as_directorate(actor: Actor, transfer: Transfer) -> bool:
    return transfer.to_school.province_id in actor.directorate_province_ids


def transfer_step_for(actor: Actor, transfer: Transfer) -> str:
    """ "school" or "directorate" when the request waits for this actor's decision, else ""."""
    if transfer.status == Transfer.Status.PENDING_SCHOOL and can_decide_as_school(actor, transfer):
        return "school"
    if transfer.status == Transfer.Status.PENDING_DIRECTORATE and can_decide_as_directorate(
        actor, transfer
    ):
        return "directorate"
    return ""


def can_merge(actor: Actor) -> bool:
    """Merging records across schools belongs to the directorate and above."""
    return bool(actor.roles & {Role.MINISTRY, Role.ACADEMY, Role.DIRECTORATE})


def access_student_for_merge(actor: Actor, student_uuid: UUID) -> Student:
    if not can_merge(actor):
        raise PermissionDenied(_("Only a directorate, an academy or the ministry merges records."))
    return access_student(actor, student_uuid)


def access_duplicate(actor: Actor, candidate_id: int, *, open_only: bool) -> DuplicateCandidate:
    """A flagged pair whose two records the actor sees, for those who merge records; with
    `open_only`, only a pair still to review."""
    if not can_merge(actor):
        raise PermissionDenied(_("Only a directorate, an academy or the ministry merges records."))
    visible = visible_students(actor).values("id")
    pairs = DuplicateCandidate.objects.filter(student__in=visible, other__in=visible)
    if open_only:
        pairs = pairs.filter(status=DuplicateCandidate.Status.OPEN)
    candidate = (
        pairs.filter(pk=candidate_id)
        .select_related("student__school", "other__school", "resolved_by")
        .first()
    )
    if candidate is None:
        raise NotFound(_("No such pair to review.") if open_only else _("No such pair of records."))
    return candidate

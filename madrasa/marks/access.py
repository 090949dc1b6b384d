"""Who may read or enter which marks. Built on enrolment.access and registry.access: an object the
actor may not see is reported as not found (404); one they may see but not change is refused
(403).

- A teacher enters marks for (class, subject) when they teach that class the subject (a
  `TeachingAssignment` whose subject is the Subject code, or blank: all subjects, as in primary).
  They see only the assessments they may enter.
- The school's director enters marks for every class and subject of the school, closes a term
  and decides the change requests made after closure.
- A provincial directorate, a regional academy and the ministry read the marks of their
  territory.
- A parent reads their child's marks, a pupil their own (through the pupil's marks page).
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import NotFound, PermissionDenied
from madrasa.enrolment.models import SchoolClass, TeachingAssignment
from madrasa.registry.access import access_student
from madrasa.registry.models import Student

from .models import Assessment, MarkChangeRequest

__all__ = [
    "access_assessment",
    "access_change_request",
    "access_pupil_marks",
    "can_decide_change",
    "can_enter_marks",
    "entry_subject_codes",
    "sees_all_subjects",
    "visible_assessments",
    "visible_change_requests",
]

ALL_SUBJECTS = None  # what entry_subject_codes answers for a director


def sees_all_subjects(actor: Actor, school_class: SchoolClass) -> bool:
    """Staff above the teacher (in scope) read every subject of a class."""
    return (
        actor.is_national
        or school_class.school_id in actor.director_school_ids
        or school_class.school.province_id in actor.directorate_province_ids
        or school_class.school.province.region_id in actor.academy_region_ids
    )


def entry_subject_codes(actor: Actor, school_class: SchoolClass) -> frozenset[str] | None:
    """The subject codes the actor may enter marks for in this class: None means every subject
    (the school's director); an empty set means none."""
    if school_class.school_id in actor.director_school_ids:
        return ALL_SUBJECTS
    if school_class.school_id not in actor.teacher_school_ids:
        return frozenset()
    taught = TeachingAssignment.objects.filter(
        teacher_id=actor.user.pk, school_class_id=school_class.pk
    ).values_list("subject", flat=True)
    codes = {code.strip().upper() for code in taught}
    if "" in codes:
        return ALL_SUBJECTS
    return frozenset(codes)


def can_enter_marks(actor: Actor, school_class: SchoolClass, subject_code: str) -> bool:
    codes = entry_subject_codes(actor, school_class)
    return codes is ALL_SUBJECTS or subject_code.upper() in codes


def visible_assessments(actor: Actor) -> QuerySet[Assessment]:
    """Assessments whose marks the actor may read: territory staff and the director in scope; a
    teacher only the (class, subject) pairs they teach."""
    base = Assessment.objects.select_related(
        "school_class__school__province__region",
        "school_class__year",
        "school_class__level",
        "school_class__stream",
        "subject",
        "semester",
    )
    if actor.has(Role.MINISTRY):
        return base
    condition = Q(school_class__school__province__region_id__in=actor.academy_region_ids)
    condition |= Q(school_class__school__province_id__in=actor.directorate_province_ids)
    condition |= Q(school_class__school_id__in=actor.director_school_ids)
    if actor.teacher_school_ids:
        taught = TeachingAssignment.objects.filter(
            teacher_id=actor.user.pk,
            school_class_id=OuterRef("school_class_id"),
            school_class__school_id__in=actor.teacher_school_ids,
        ).filter(Q(subject="") | Q(subject__iexact=OuterRef("subject__code")))
        condition |= Q(Exists(taught))
    return base.filter(condition)


def access_assessment(
    actor: Actor, assessment_uuid: UUID, *, for_write: bool = False
) -> Assessment:
    """An assessment the actor may read; with `for_write`, one whose marks they may enter."""
    assessment = visible_assessments(actor).filter(uuid=assessment_uuid).first()
    if assessment is None:
        raise NotFound(_("No such assessment."))
    if for_write and not can_enter_marks(actor, assessment.school_class, assessment.subject.code):
        raise PermissionDenied(_("Only the teacher of this subject or the director enter marks."))
    return assessment


def access_pupil_marks(actor: Actor, student_uuid: UUID) -> Student:
    """A pupil whose marks page the actor may open: their parent, the pupil, and staff who see
    the pupil's record (a teacher then sees only the subjects they teach)."""
    return access_student(actor, student_uuid)


def visible_change_requests(actor: Actor) -> QuerySet[MarkChangeRequest]:
    """Requests of the schools the actor directs, and the ones the actor made."""
    return MarkChangeRequest.objects.select_related(
        "assessment__school_class__school",
        "assessment__subject",
        "assessment__semester",
        "enrolment__student",
        "requested_by",
        "decided_by",
    ).filter(
        Q(assessment__school_class__school_id__in=actor.director_school_ids)
        | Q(requested_by_id=actor.user.pk)
    )


def access_change_request(actor: Actor, request_uuid: UUID) -> MarkChangeRequest:
    change = visible_change_requests(actor).filter(uuid=request_uuid).first()
    if change is None:
        raise NotFound(_("No such change request."))
    return change


def can_decide_change(actor: Actor, change: MarkChangeRequest) -> bool:
    """The director of the school decides; never on their own request (two people for every
    change after closure)."""
    return (
        change.assessment.school_class.school_id in actor.director_school_ids
        and change.requested_by_id != actor.user.pk
    )

"""Who may take a register, read a pupil's or a school's absences, justify an absence and decide
on a justification. Objects outside the actor's scope are reported as not found."""

from __future__ import annotations

from uuid import UUID

from django.utils.translation import gettext as _

from madrasa.accounts.selectors import Actor
from madrasa.core.errors import NotFound, PermissionDenied
from madrasa.enrolment.access import access_class
from madrasa.enrolment.models import SchoolClass, TeachingAssignment
from madrasa.registry.access import access_school, access_student
from madrasa.registry.models import School, Student

from .models import Justification

__all__ = [
    "access_attendance_school",
    "access_justification",
    "access_pupil_attendance",
    "access_register_class",
    "can_decide_justifications",
    "can_justify",
    "can_take_register",
]


def can_take_register(actor: Actor, school_class: SchoolClass) -> bool:
    """A teacher of the class, or the school's director."""
    if school_class.school_id in actor.director_school_ids:
        return True
    return (
        school_class.school_id in actor.teacher_school_ids
        and TeachingAssignment.objects.filter(
            teacher_id=actor.user.pk, school_class=school_class
        ).exists()
    )


def access_register_class(
    actor: Actor, class_uuid: UUID, *, for_write: bool = False
) -> SchoolClass:
    """A class whose registers the actor reads (everyone who sees the class) or takes."""
    school_class = access_class(actor, class_uuid)
    if for_write and not can_take_register(actor, school_class):
        raise PermissionDenied(_("Only a teacher of the class or its director takes attendance."))
    return school_class


def access_pupil_attendance(actor: Actor, student_uuid: UUID) -> Student:
    """Everyone who sees the pupil's record sees the pupil's absences."""
    return access_student(actor, student_uuid)


def can_justify(actor: Actor, student: Student) -> bool:
    """A parent of the pupil justifies the pupil's absences."""
    return student.pk in actor.parent_student_ids


def _sees_whole_school(actor: Actor, school: School) -> bool:
    return (
        actor.is_national
        or school.pk in actor.director_school_ids
        or school.province_id in actor.directorate_province_ids
        or school.province.region_id in actor.academy_region_ids
    )


def access_attendance_school(actor: Actor, school_uuid: UUID) -> School:
    """The school's monthly absences: its director and the territory above it (a teacher sees
    the registers of the classes taught, not the whole school)."""
    school = access_school(actor, school_uuid)
    if not _sees_whole_school(actor, school):
        raise PermissionDenied(_("Only the school's director and its territory see this page."))
    return school


def can_decide_justifications(actor: Actor, school: School) -> bool:
    return school.pk in actor.director_school_ids


def access_justification(actor: Actor, school: School, justification_uuid: UUID) -> Justification:
    """A justification sent to a school the actor directs."""
    if not can_decide_justifications(actor, school):
        raise PermissionDenied(_("Only the school's director accepts or refuses a justification."))
    justification = (
        Justification.objects.select_related("student")
        .filter(uuid=justification_uuid, school=school)
        .first()
    )
    if justification is None:
        raise NotFound(_("No such justification."))
    return justification

"""Who may read or write a pupil's school health record and its consents. Health data is seen
only by the school health staff of the pupil's school and by the pupil's parents; an agency
receives it only with an active consent for its purpose (`require_consent`)."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from madrasa.accounts.models import RoleAssignment
from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import NotFound, PermissionDenied
from madrasa.registry.models import School, Student

from .models import Consent

__all__ = [
    "access_health_record",
    "access_health_school",
    "active_consent",
    "can_manage_consent",
    "can_record_health",
    "health_school_ids",
    "require_consent",
    "visible_health_students",
]


def health_school_ids(actor: Actor) -> frozenset[int]:
    """The schools whose pupils the actor follows as school health staff."""
    if not actor.has(Role.HEALTH):
        return frozenset()
    return frozenset(
        RoleAssignment.objects.filter(
            user_id=actor.user.pk, role=Role.HEALTH, is_active=True, school__isnull=False
        ).values_list("school_id", flat=True)
    )


def visible_health_students(actor: Actor) -> QuerySet[Student]:
    """Pupils whose health record the actor may read: the pupils of their schools (health
    staff) and their children (parents). Nobody else, the ministry included."""
    condition = Q(pk__in=[])
    condition |= Q(school_id__in=health_school_ids(actor))
    condition |= Q(id__in=actor.parent_student_ids)
    return Student.objects.filter(condition, merged_into__isnull=True)


def can_record_health(actor: Actor, student: Student) -> bool:
    return student.school_id is not None and student.school_id in health_school_ids(actor)


def access_health_record(actor: Actor, student_uuid: UUID, *, for_write: bool = False) -> Student:
    student = (
        visible_health_students(actor).select_related("school").filter(uuid=student_uuid).first()
    )
    if student is None:
        raise NotFound(_("No such pupil."))
    if for_write and not can_record_health(actor, student):
        raise PermissionDenied(_("Only the school health staff record health data."))
    return student


def access_health_school(actor: Actor, school_uuid: UUID) -> School:
    school = School.objects.filter(uuid=school_uuid, id__in=health_school_ids(actor)).first()
    if school is None:
        raise NotFound(_("No such school."))
    return school


def can_manage_consent(actor: Actor, student: Student) -> bool:
    """A parent of the pupil (for themselves), or the school health staff (recording a consent
    the guardian signed on paper)."""
    return student.pk in actor.parent_student_ids or can_record_health(actor, student)


def active_consent(student: Student, purpose: str) -> Consent | None:
    return (
        Consent.objects.select_related("guardian")
        .filter(student=student, purpose=purpose, revoked_at__isnull=True)
        .first()
    )


def require_consent(student: Student | None, purpose: str) -> Consent:
    """The active consent for `purpose`, or a refusal that says nothing about the pupil (the
    same for a pupil without consent and for no pupil at all)."""
    consent = active_consent(student, purpose) if student is not None else None
    if consent is None:
        raise PermissionDenied(
            _("No active consent of a guardian allows sharing this record for this purpose."),
            code="consent_required",
        )
    return consent

"""Who may ask for, answer, download and revoke documents. An object the actor may not see is
reported as not found; one they see but may not change is refused (403)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import NotFound, PermissionDenied
from madrasa.registry.access import access_student
from madrasa.registry.models import Student

from .models import CredentialRequest, IssuedCredential

__all__ = [
    "ADULT_AGE",
    "access_credential",
    "access_request",
    "access_requestable_student",
    "can_decide",
    "can_request",
    "can_revoke",
    "is_adult",
    "visible_credentials",
    "visible_requests",
]

ADULT_AGE = 18


def is_adult(student: Student, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    born = student.birth_date
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return years >= ADULT_AGE


def can_request(actor: Actor, student: Student) -> bool:
    """A parent of the pupil, the pupil once adult, or the director of the pupil's school (at
    the counter, for a family without internet)."""
    if student.pk in actor.parent_student_ids:
        return True
    if student.pk in actor.pupil_student_ids and is_adult(student):
        return True
    return student.school_id is not None and student.school_id in actor.director_school_ids


def access_requestable_student(actor: Actor, student_uuid: UUID) -> Student:
    student = access_student(actor, student_uuid)
    if not can_request(actor, student):
        raise PermissionDenied(
            _("Only a parent, the pupil once adult, or the school's director can ask for this.")
        )
    return student


def visible_requests(actor: Actor) -> QuerySet[CredentialRequest]:
    base = CredentialRequest.objects.select_related(
        "student", "school", "year", "requested_by", "decided_by"
    )
    if actor.has(Role.MINISTRY):
        return base
    condition = Q(school_id__in=actor.director_school_ids)
    condition |= Q(student_id__in=actor.parent_student_ids)
    condition |= Q(requested_by_id=actor.user.pk)
    return base.filter(condition)


def access_request(actor: Actor, request_uuid: UUID) -> CredentialRequest:
    found = visible_requests(actor).filter(uuid=request_uuid).first()
    if found is None:
        raise NotFound(_("No such request."))
    return found


def can_decide(actor: Actor, request: CredentialRequest) -> bool:
    return request.school_id in actor.director_school_ids


def visible_credentials(actor: Actor) -> QuerySet[IssuedCredential]:
    base = IssuedCredential.objects.select_related("student", "school", "year", "request")
    if actor.has(Role.MINISTRY):
        return base
    condition = Q(school_id__in=actor.director_school_ids)
    condition |= Q(student_id__in=actor.parent_student_ids)
    condition |= Q(student_id__in=actor.pupil_student_ids)
    return base.filter(condition)


def access_credential(actor: Actor, credential_uuid: UUID) -> IssuedCredential:
    found = visible_credentials(actor).filter(uuid=credential_uuid).first()
    if found is None:
        raise NotFound(_("No such document."))
    return found


def can_revoke(actor: Actor, credential: IssuedCredential) -> bool:
    return actor.has(Role.MINISTRY) or credential.school_id in actor.director_school_ids

"""Objects of the marks routes for the access-matrix test (tests/security/test_access_matrix.py):
`BUILDERS[kind](world, own=...)` returns the URL parameter's value."""

from __future__ import annotations

from typing import Any

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.enrolment.models import Enrolment
from madrasa.grading.models import Subject
from madrasa.marks.models import Assessment, MarkChangeRequest
from madrasa.marks.services import close_term, create_assessment, save_marks

from .conftest import semester


def _assessment(world: World, *, own: bool) -> Assessment:
    """Contrôle 1 of mathematics, semester 1, in the teacher's class (own) or the other
    school's class."""
    assessment, _created = create_assessment(
        actor=None,
        school_class=world.classes[0 if own else 1],
        subject=Subject.objects.get(code="MATH"),
        semester=semester(1),
        number=1,
    )
    return assessment


def _change_request(world: World, *, own: bool) -> MarkChangeRequest:
    """A pending change after closure: in world.school asked by its teacher (its director
    decides), or in the other school."""
    assessment = _assessment(world, own=own)
    existing = MarkChangeRequest.objects.filter(assessment=assessment).first()
    if existing is not None:
        return existing
    school = world.school if own else world.other_school
    close_term(actor=None, school=school, semester=semester(1))
    student = world.student if own else world.other_student
    enrolment = Enrolment.objects.get(student=student, status="active")
    save_marks(
        actor=world.users[Role.TEACHER if own else Role.MINISTRY],
        assessment=assessment,
        entries=[(enrolment.pk, "12")],
        reason="Copie revue",
    )
    return MarkChangeRequest.objects.get(assessment=assessment)


BUILDERS: dict[str, Any] = {
    "assessment": lambda world, own: _assessment(world, own=own).uuid,
    "mark_change_request": lambda world, own: _change_request(world, own=own).uuid,
}

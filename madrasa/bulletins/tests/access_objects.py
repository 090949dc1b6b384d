"""Objects of the bulletins app for the access-matrix test (tests/security)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from conftest import World
from madrasa.bulletins.models import Bulletin, BulletinRun
from madrasa.bulletins.services import (
    BulletinTarget,
    execute_run,
    publish_bulletins,
    start_bulletin_run,
)
from madrasa.enrolment.models import Enrolment
from madrasa.enrolment.services import current_year

from .factories import close_term, subject_marks


def bulletin(world: World, *, own: bool) -> str:
    """The published first-semester bulletin of world.student (own) or world.other_student."""
    student = world.student if own else world.other_student
    existing = Bulletin.objects.filter(enrolment__student=student, period="S1").first()
    if existing is not None:
        return str(existing.uuid)
    school = world.school if own else world.other_school
    school_class = world.classes[0 if own else 1]
    enrolment = Enrolment.objects.get(student=student, status="active")
    target = BulletinTarget.of(current_year(), "S1")
    assert target.semester is not None
    subject_marks(school_class, "MATH", target.semester, {enrolment: [Decimal(12), Decimal(14)]})
    run = start_bulletin_run(
        actor=None, scope_kind="school", scope_code=school.code, target=target, schedule=False
    )
    execute_run(run_uuid=run.uuid)
    close_term(school, target.semester)
    publish_bulletins(actor=None, school=school, target=target)
    return str(Bulletin.objects.get(enrolment=enrolment, period="S1").uuid)


def bulletin_run(world: World, *, own: bool) -> str:
    """A computation queued for world.school (own) or world.other_school."""
    school = world.school if own else world.other_school
    existing = BulletinRun.objects.filter(scope_code=school.code).first()
    if existing is not None:
        return str(existing.uuid)
    run = start_bulletin_run(
        actor=None,
        scope_kind="school",
        scope_code=school.code,
        target=BulletinTarget.of(current_year(), "S1"),
        schedule=False,
    )
    return str(run.uuid)


BUILDERS: dict[str, Any] = {"bulletin": bulletin, "bulletin_run": bulletin_run}

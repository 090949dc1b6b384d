"""A class with computed first-semester bulletins: world.student and two more pupils."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import World
from madrasa.bulletins.models import Bulletin
from madrasa.bulletins.services import BulletinTarget, execute_run, start_bulletin_run
from madrasa.enrolment.models import Enrolment
from madrasa.enrolment.services import current_year
from madrasa.registry.models import Semester

from .factories import add_pupils, subject_marks

D = Decimal


def compute_school(world: World, period: str = "S1", **kwargs: object) -> None:
    run = start_bulletin_run(
        actor=None,
        scope_kind="school",
        scope_code=world.school.code,
        target=BulletinTarget.of(current_year(), period),
        schedule=False,
        **kwargs,  # type: ignore[arg-type]
    )
    finished = execute_run(run_uuid=run.uuid)
    assert finished is not None
    assert finished.status == "done", finished.error


@pytest.fixture
def s1(world: World) -> Semester:
    return current_year().semesters.get(number=1)


@pytest.fixture
def computed(world: World, s1: Semester) -> Bulletin:
    """world.student's computed (unpublished) S1 bulletin: MATH 12, 15 and FR 9, ABN."""
    school_class = world.classes[0]
    own = Enrolment.objects.get(student=world.student, status="active")
    (other,) = add_pupils(school_class, 1, tag="c")
    subject_marks(school_class, "MATH", s1, {own: [D(12), D(15)], other: [D(16)]})
    subject_marks(school_class, "FR", s1, {own: [D(9), "ABN"], other: ["ABJ"]})
    compute_school(world)
    return Bulletin.objects.get(enrolment=own, period="S1")

"""Fixtures of the marks tests: the teacher's mathematics class (world.classes[0]) with its
first contrôle, and a way to fill a class with pupils in bulk."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from conftest import World
from madrasa.enrolment.models import Enrolment, SchoolClass
from madrasa.enrolment.services import current_year
from madrasa.grading.models import Subject
from madrasa.marks.models import Assessment
from madrasa.marks.services import create_assessment
from madrasa.registry.models import Semester, Student


def semester(number: int = 1) -> Semester:
    return Semester.objects.select_related("year").get(year=current_year(), number=number)


def new_assessment(
    school_class: SchoolClass, subject: str = "MATH", semester_number: int = 1
) -> Assessment:
    assessment, _created = create_assessment(
        actor=None,
        school_class=school_class,
        subject=Subject.objects.get(code=subject),
        semester=semester(semester_number),
    )
    return assessment


def fill_class(school_class: SchoolClass, count: int, *, prefix: str = "C") -> list[Enrolment]:
    """`count` more pupils actively enrolled in the class (bulk rows: a fixture, not a flow)."""
    students = Student.objects.bulk_create(
        Student(
            national_code=f"{prefix}{i:09d}",
            first_name_ar="تلميذ",
            last_name_ar=f"رقم {i}",
            first_name_latn="Eleve",
            last_name_latn=f"Numero{i:03d}",
            birth_date=date(2015, 1, 1),
            gender="F" if i % 2 else "M",
            school=school_class.school,
        )
        for i in range(count)
    )
    students = list(Student.objects.filter(national_code__startswith=prefix).order_by("id"))
    return Enrolment.objects.bulk_create(
        Enrolment(
            student=s,
            school=school_class.school,
            year=school_class.year,
            level=school_class.level,
            school_class=school_class,
            started_on=timezone.localdate(),
        )
        for s in students
    )


@pytest.fixture
def assessment(world: World) -> Assessment:
    """Contrôle 1 of mathematics, semester 1, in the teacher's class."""
    return new_assessment(world.classes[0])


@pytest.fixture
def enrolment(world: World) -> Enrolment:
    """world.student's enrolment in world.classes[0]."""
    return Enrolment.objects.get(student=world.student, status="active")

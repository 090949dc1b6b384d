"""Test data for bulletins: pupils through the enrolment services; assessments and marks as
plain rows (bulk_create), as the marks app's services are not this app's to call."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from django.utils import timezone

from madrasa.enrolment.models import Enrolment, SchoolClass
from madrasa.enrolment.services import enrol_student
from madrasa.grading.models import Subject
from madrasa.marks.models import Assessment, Mark, TermClosure
from madrasa.registry.models import School, Semester
from madrasa.registry.services import create_student

MarkSpec = Decimal | str | None  # a value, an absence code, or no mark at all


def add_pupils(school_class: SchoolClass, count: int, *, tag: str) -> list[Enrolment]:
    """`count` new pupils enrolled in the class (names P<tag>-<i>)."""
    enrolments = []
    for i in range(count):
        student = create_student(
            actor=None,
            first_name_ar="تلميذ",
            last_name_ar=f"رقم {tag}{i}",
            first_name_latn=f"Pupil{tag}{i}",
            last_name_latn=f"Test{tag}",
            birth_date=date(2012, 1 + i % 12, 1 + i % 27),
            gender="F" if i % 2 else "M",
            school=school_class.school,
        )
        enrolments.append(
            enrol_student(
                actor=None,
                student=student,
                school=school_class.school,
                level=school_class.level,
                year=school_class.year,
                stream=school_class.stream,
                school_class=school_class,
            )
        )
    return enrolments


def assessment(
    school_class: SchoolClass,
    subject: str,
    semester: Semester,
    number: int,
    *,
    kind: str = Assessment.Kind.CONTINUOUS,
) -> Assessment:
    return Assessment.objects.create(
        school_class=school_class,
        subject=Subject.objects.get(code=subject),
        semester=semester,
        number=number,
        kind=kind,
    )


def put_marks(assessment: Assessment, marks: Mapping[Enrolment, MarkSpec]) -> None:
    """One mark per pupil: a Decimal value or an absence code (None: no mark)."""
    now = timezone.now()
    Mark.objects.bulk_create(
        Mark(
            year_id=assessment.school_class.year_id,
            assessment=assessment,
            enrolment=enrolment,
            value=spec if isinstance(spec, Decimal) else None,
            absence=spec if isinstance(spec, str) else "",
            updated_at=now,
        )
        for enrolment, spec in marks.items()
        if spec is not None
    )


def subject_marks(
    school_class: SchoolClass,
    subject: str,
    semester: Semester,
    rows: Mapping[Enrolment, Iterable[MarkSpec]],
) -> None:
    """Marks of several assessments: rows[pupil][k] is the pupil's mark in assessment k + 1."""
    columns: dict[int, dict[Enrolment, MarkSpec]] = {}
    for enrolment, specs in rows.items():
        for k, spec in enumerate(specs):
            columns.setdefault(k, {})[enrolment] = spec
    for k, marks in sorted(columns.items()):
        put_marks(assessment(school_class, subject, semester, k + 1), marks)


def close_term(school: School, semester: Semester) -> None:
    TermClosure.objects.get_or_create(
        school=school, semester=semester, defaults={"closed_at": timezone.now()}
    )

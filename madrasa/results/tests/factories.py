"""Leaf rows for the results tests: pupils, and candidates with marks written straight to the
tables (the import service has its own tests)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.utils import timezone

from madrasa.grading.models import ExamScheme, Subject
from madrasa.registry.models import School, Stream, Student
from madrasa.results.models import ExamCandidate, ExamMark, ExamSession
from madrasa.results.services import create_session

BIRTH = date(2008, 4, 17)


def students(count: int, school: School, *, prefix: str = "R", start: int = 0) -> list[Student]:
    rows = [
        Student(
            national_code=f"{prefix}{start + i:09d}",
            first_name_ar="سارة",
            last_name_ar="الإدريسي",
            first_name_latn="Sara",
            last_name_latn=f"Idrissi{start + i}",
            birth_date=BIRTH,
            gender="F",
            school=school,
        )
        for i in range(count)
    ]
    Student.objects.bulk_create(rows)
    return list(
        Student.objects.filter(national_code__in=[r.national_code for r in rows]).order_by(
            "national_code"
        )
    )


def session_for(code: str, *, name: str = "Session") -> ExamSession:
    from madrasa.enrolment.services import current_year

    scheme = ExamScheme.objects.get(year=current_year(), code=code)
    return create_session(actor=None, scheme=scheme, name=name)


def candidate(
    session: ExamSession,
    student: Student,
    *,
    centre: School,
    kind: str = "enrolled",
    stream: Stream | None = None,
    previous: ExamCandidate | None = None,
) -> ExamCandidate:
    return ExamCandidate.objects.create(
        session=session,
        student=student,
        kind=kind,
        centre=centre,
        stream=stream,
        previous=previous,
    )


MarkSpec = tuple[str, str | None, Decimal | str]  # (component, subject code, value or absence)


def marks(candidate_row: ExamCandidate, specs: Iterable[MarkSpec]) -> None:
    subjects = {s.code: s for s in Subject.objects.all()}
    now = timezone.now()
    ExamMark.objects.bulk_create(
        ExamMark(
            candidate=candidate_row,
            component=component,
            subject=subjects[subject] if subject else None,
            value=value if isinstance(value, Decimal) else None,
            absence=value if isinstance(value, str) else "",
            imported_at=now,
        )
        for component, subject, value in specs
    )

"""Reads of the attendance domain for pages, the API and the CLI (access is checked before)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from madrasa.enrolment.models import SchoolClass
from madrasa.registry.models import School, Student

from .models import AbsenceAlert, Justification, Mark, Register, SchoolingStatus, StatusRun
from .rules import count_half_days, month_bounds

__all__ = [
    "MonthTotals",
    "pending_justifications",
    "pupil_absences",
    "pupil_alerts",
    "pupil_month_totals",
    "register_marks",
    "school_month_totals",
    "status_runs",
]


@dataclass
class MonthTotals:
    """Absences of one pupil in one month."""

    month: date
    absent_half_days: int = 0
    unjustified_half_days: int = 0
    late: int = 0
    student: Student | None = None
    rows: list[tuple[date, int, bool]] = field(default_factory=list, repr=False)

    def close(self) -> MonthTotals:
        self.absent_half_days, self.unjustified_half_days = count_half_days(self.rows)
        return self


def register_marks(
    school_class: SchoolClass, day: date, slot: str
) -> tuple[Register | None, dict[int, Mark]]:
    """The register of a class for a day and slot (None if not taken yet) and its marks by pupil."""
    register = Register.objects.filter(school_class=school_class, day=day, slot=slot).first()
    if register is None:
        return None, {}
    marks = Mark.objects.filter(year_id=school_class.year_id, register=register)
    return register, {m.student_id: m for m in marks}


def pupil_absences(student: Student, first: date, last: date) -> QuerySet[Mark]:
    return (
        Mark.objects.filter(student=student, day__range=(first, last))
        .select_related("register", "justification")
        .order_by("-day", "half", "register__slot")
    )


def pupil_month_totals(student: Student, first: date, last: date) -> list[MonthTotals]:
    """Monthly totals of the pupil between two days, the latest month first."""
    months: dict[date, MonthTotals] = {}
    for kind, day, half, justified in Mark.objects.filter(
        student=student, day__range=(first, last)
    ).values_list("kind", "day", "half", "is_justified"):
        month = day.replace(day=1)
        totals = months.setdefault(month, MonthTotals(month=month))
        if kind == Mark.Kind.LATE:
            totals.late += 1
        else:
            totals.rows.append((day, half, justified))
    return [months[m].close() for m in sorted(months, reverse=True)]


def school_month_totals(school: School, month: date) -> list[MonthTotals]:
    """Every pupil of the school with an absence or a lateness in the month, most absent first."""
    first, last = month_bounds(month)
    totals: dict[int, MonthTotals] = defaultdict(lambda: MonthTotals(month=first))
    for student_id, kind, day, half, justified in Mark.objects.filter(
        register__school_class__school=school, day__range=(first, last)
    ).values_list("student_id", "kind", "day", "half", "is_justified"):
        if kind == Mark.Kind.LATE:
            totals[student_id].late += 1
        else:
            totals[student_id].rows.append((day, half, justified))
    students = Student.objects.in_bulk(list(totals))
    result = []
    for student_id, item in totals.items():
        item.student = students.get(student_id)
        result.append(item.close())
    result.sort(
        key=lambda t: (-t.unjustified_half_days, -t.absent_half_days, -t.late, str(t.student))
    )
    return result


def pending_justifications(school: School) -> QuerySet[Justification]:
    return (
        Justification.objects.filter(school=school, status=Justification.Status.PENDING)
        .select_related("student", "submitted_by")
        .prefetch_related("marks__register")
        .order_by("submitted_at", "id")
    )


def pupil_alerts(student: Student) -> QuerySet[AbsenceAlert]:
    return AbsenceAlert.objects.filter(student=student).order_by("-month")


def status_runs(limit: int = 20) -> list[StatusRun]:
    return list(StatusRun.objects.select_related("requested_by")[:limit])


def pupil_statuses(student: Student) -> QuerySet[SchoolingStatus]:
    return SchoolingStatus.objects.filter(student=student).order_by("-month")

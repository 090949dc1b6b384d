"""Reads of the marks domain for pages and the API (access is checked by the caller, through
access.py). Each read is a fixed number of queries, whatever the class size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet

from madrasa.accounts.selectors import Actor
from madrasa.enrolment.models import Enrolment, SchoolClass
from madrasa.grading.models import SubjectCoefficient
from madrasa.grading.services import subjects_for
from madrasa.registry.models import School, Semester, Student

from .access import visible_assessments, visible_change_requests
from .models import Assessment, Mark, MarkChangeRequest, MarkEvent, TermClosure

__all__ = [
    "GridRow",
    "MissingMarks",
    "PupilSubjectMarks",
    "class_assessments",
    "class_subjects",
    "closed_semester_ids",
    "grid_rows",
    "mark_history",
    "mark_text",
    "missing_marks",
    "pending_requests",
    "pupil_marks",
]


def mark_text(value: Decimal | None, absence: str) -> str:
    """A mark as typed back into the grid: "12.5", "ABJ", "" (point as the separator; the page
    formats it for the language)."""
    if absence:
        return absence
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass
class GridRow:
    enrolment: Enrolment
    mark: Mark | None
    pending: MarkChangeRequest | None = None

    @property
    def text(self) -> str:
        return mark_text(self.mark.value, self.mark.absence) if self.mark else ""


def grid_rows(assessment: Assessment) -> list[GridRow]:
    """One row per pupil actively enrolled in the assessment's class, by family name, with the
    pupil's mark and pending change request (three queries)."""
    enrolments = list(
        Enrolment.objects.filter(
            school_class_id=assessment.school_class_id, status=Enrolment.Status.ACTIVE
        )
        .select_related("student")
        .order_by("student__last_name_latn", "student__first_name_latn", "id")
    )
    marks = {m.enrolment_id: m for m in Mark.objects.filter(assessment=assessment)}
    pending = {
        r.enrolment_id: r
        for r in MarkChangeRequest.objects.filter(
            assessment=assessment, status=MarkChangeRequest.Status.PENDING
        )
    }
    return [GridRow(e, marks.get(e.pk), pending.get(e.pk)) for e in enrolments]


def class_subjects(school_class: SchoolClass) -> list[SubjectCoefficient]:
    return subjects_for(
        year_id=school_class.year_id,
        level_id=school_class.level_id,
        stream_id=school_class.stream_id,
    )


def class_assessments(actor: Actor, school_class: SchoolClass) -> QuerySet[Assessment]:
    """The class's assessments the actor sees, with how many marks each has."""
    return (
        visible_assessments(actor)
        .filter(school_class=school_class)
        .annotate(
            mark_count=Count(
                "marks",
                filter=Q(
                    marks__enrolment__status=Enrolment.Status.ACTIVE,
                    marks__enrolment__school_class_id=school_class.pk,
                ),
            )
        )
        .order_by("semester__number", "subject__rank", "kind", "number")
    )


def closed_semester_ids(school_id: int) -> set[int]:
    return set(
        TermClosure.objects.filter(school_id=school_id).values_list("semester_id", flat=True)
    )


def mark_history(assessment: Assessment, enrolment: Enrolment | None = None) -> QuerySet[MarkEvent]:
    """Every change to the assessment's marks (or one pupil's), newest first."""
    events = MarkEvent.objects.filter(assessment=assessment).select_related(
        "actor", "enrolment__student"
    )
    if enrolment is not None:
        events = events.filter(enrolment=enrolment)
    return events.order_by("-at", "-id")


@dataclass
class PupilSubjectMarks:
    """A pupil's marks in one subject and semester, in assessment order."""

    semester: Semester
    subject_name: dict[str, str]
    subject_code: str
    marks: list[tuple[Assessment, Mark | None]] = field(default_factory=list)


def pupil_marks(actor: Actor, student: Student, *, year_id: int) -> list[PupilSubjectMarks]:
    """The pupil's marks for a year, by semester and subject: every assessment of the pupil's
    class(es) that year (an empty cell where no mark is entered yet). A parent or the pupil sees
    every subject; staff what `visible_assessments` lets them read."""
    enrolments = list(
        Enrolment.objects.filter(student=student, year_id=year_id).values_list(
            "id", "school_class_id"
        )
    )
    marks = {
        m.assessment_id: m
        for m in Mark.objects.filter(
            year_id=year_id, enrolment_id__in=[pk for pk, _class in enrolments]
        )
    }
    class_ids = {class_id for _pk, class_id in enrolments if class_id}
    family = student.pk in actor.parent_student_ids or student.pk in actor.pupil_student_ids
    assessments = (
        Assessment.objects.select_related("subject", "semester")
        if family
        else visible_assessments(actor)
    )
    assessments = assessments.filter(
        Q(school_class_id__in=class_ids, semester__year_id=year_id) | Q(pk__in=list(marks))
    ).order_by("semester__number", "subject__rank", "kind", "number")
    groups: dict[tuple[int, int], PupilSubjectMarks] = {}
    for assessment in assessments:
        key = (assessment.semester_id, assessment.subject_id)
        if key not in groups:
            subject = assessment.subject
            groups[key] = PupilSubjectMarks(
                semester=assessment.semester,
                subject_code=subject.code,
                subject_name={"ar": subject.name_ar, "fr": subject.name_fr, "en": subject.name_en},
            )
        groups[key].marks.append((assessment, marks.get(assessment.pk)))
    return list(groups.values())


@dataclass
class MissingMarks:
    """For one class and subject in a semester: assessments planned and created, and marks
    still to enter (pupils x assessments created - marks entered)."""

    school_class: SchoolClass
    subject_code: str
    subject_name: dict[str, str]
    planned: int
    created: int
    pupils: int
    entered: int

    @property
    def missing(self) -> int:
        return max(self.pupils * self.created - self.entered, 0)

    @property
    def incomplete(self) -> bool:
        return self.missing > 0 or self.created < self.planned


def missing_marks(school: School, semester: Semester) -> list[MissingMarks]:
    """Per class and subject of the school in the semester's year, what is not entered yet (four
    queries for the whole school)."""
    classes = list(
        SchoolClass.objects.filter(school=school, year_id=semester.year_id)
        .select_related("level", "stream")
        .annotate(pupils=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.ACTIVE)))
        .order_by("level__rank", "name")
    )
    coefficients = list(
        SubjectCoefficient.objects.filter(
            year_id=semester.year_id, level_id__in={c.level_id for c in classes}
        ).select_related("subject")
    )
    by_level: dict[tuple[int, int | None], list[SubjectCoefficient]] = defaultdict(list)
    for row in coefficients:
        by_level[(row.level_id, row.stream_id)].append(row)
    counts = (
        Assessment.objects.filter(school_class__in=[c.pk for c in classes], semester=semester)
        .values("school_class_id", "subject_id")
        .annotate(
            created=Count("id", distinct=True),
            entered=Count(
                "marks",
                filter=Q(
                    marks__enrolment__status=Enrolment.Status.ACTIVE,
                    marks__enrolment__school_class_id=F("school_class_id"),
                ),
            ),
        )
    )
    found = {(r["school_class_id"], r["subject_id"]): r for r in counts}
    out: list[MissingMarks] = []
    for school_class in classes:
        rows = by_level.get((school_class.level_id, school_class.stream_id)) or by_level.get(
            (school_class.level_id, None), []
        )
        for row in sorted(rows, key=lambda r: (r.subject.rank, r.subject.code)):
            counted = found.get((school_class.pk, row.subject_id), {})
            out.append(
                MissingMarks(
                    school_class=school_class,
                    subject_code=row.subject.code,
                    subject_name={
                        "ar": row.subject.name_ar,
                        "fr": row.subject.name_fr,
                        "en": row.subject.name_en,
                    },
                    planned=row.assessments_per_semester,
                    created=int(counted.get("created", 0)),
                    pupils=int(school_class.pupils),
                    entered=int(counted.get("entered", 0)),
                )
            )
    return out


def pending_requests(actor: Actor, school: School | None = None) -> QuerySet[MarkChangeRequest]:
    """Change requests waiting for a decision that the actor sees (the director's queue)."""
    requests = visible_change_requests(actor).filter(status=MarkChangeRequest.Status.PENDING)
    if school is not None:
        requests = requests.filter(assessment__school_class__school=school)
    return requests.order_by("requested_at", "id")

"""Marks endpoints: a class's assessments, the marks of an assessment (read, and saved as a whole
grid), their history, a pupil's marks, term closure and the change requests after it. Thin
adapters: access.py decides scope, services.py writes, selectors.py reads.

No `from __future__ import annotations` here: ninja reads the annotations of functions wrapped
by @paginate from the wrapper's module, so they must be real objects, not strings.
"""

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import PageNumberPagination, paginate

from madrasa.accounts.api import request_actor as _actor
from madrasa.core.errors import InvalidInput, NotFound, PermissionDenied
from madrasa.enrolment.access import access_class, manageable_school
from madrasa.enrolment.models import Enrolment, SchoolClass
from madrasa.enrolment.services import year_or_current as _year
from madrasa.grading.models import Subject
from madrasa.registry.models import Semester

from .access import (
    access_assessment,
    access_change_request,
    access_pupil_marks,
    can_decide_change,
    can_enter_marks,
)
from .models import Assessment, MarkChangeRequest, MarkEvent
from .schemas import (
    AssessmentFilter,
    AssessmentIn,
    AssessmentOut,
    ChangeDecisionIn,
    ChangeRequestOut,
    EntryErrorOut,
    HistoryFilter,
    MarkErrorsOut,
    MarkEventOut,
    MarkOut,
    MarksIn,
    PupilMarkOut,
    SaveOut,
    TermClosureIn,
    TermClosureOut,
)
from .selectors import (
    class_assessments,
    closed_semester_ids,
    grid_rows,
    mark_history,
    mark_text,
    missing_marks,
    pending_requests,
    pupil_marks,
)
from .services import MarkErrors, close_term, create_assessment, decide_change_request, save_marks

router = Router(tags=["marks"])


def _semester(year_id: int, number: int) -> Semester:
    semester = (
        Semester.objects.select_related("year").filter(year_id=year_id, number=number).first()
    )
    if semester is None:
        raise InvalidInput(_("The school year has no semester %(number)s.") % {"number": number})
    return semester


def _assessment_out(assessment: Assessment, *, closed: bool) -> dict[str, Any]:
    return {
        "uuid": assessment.uuid,
        "class_uuid": assessment.school_class.uuid,
        "year": assessment.school_class.year.code,
        "subject": assessment.subject.code,
        "semester": assessment.semester.number,
        "kind": assessment.kind,
        "number": assessment.number,
        "held_on": assessment.held_on,
        "mark_count": getattr(assessment, "mark_count", None),
        "closed": closed,
    }


def _marks_out(assessment: Assessment) -> list[MarkOut]:
    out = []
    for row in grid_rows(assessment):
        student = row.enrolment.student
        out.append(
            MarkOut(
                enrolment_uuid=row.enrolment.uuid,
                student_uuid=student.uuid,
                national_code=student.national_code,
                name_ar=f"{student.last_name_ar} {student.first_name_ar}".strip(),
                name_latn=f"{student.last_name_latn} {student.first_name_latn}".strip(),
                value=row.mark.value if row.mark else None,
                absence=row.mark.absence if row.mark else "",
                text=row.text,
                pending_change=mark_text(row.pending.new_value, row.pending.new_absence)
                if row.pending
                else None,
            )
        )
    return out


@router.get(
    "/classes/{class_uuid}/assessments",
    response=list[AssessmentOut],
    operation_id="marks_list_assessments",
)
def list_assessments(
    request: HttpRequest,
    class_uuid: UUID,
    filters: AssessmentFilter = Query(...),  # type: ignore[type-arg]  # noqa: B008
) -> list[dict[str, Any]]:
    """The class's assessments the caller sees (a teacher: the subjects taught), with how many
    marks each has."""
    actor = _actor(request)
    school_class = access_class(actor, class_uuid)
    assessments = class_assessments(actor, school_class)
    if filters.subject:
        assessments = assessments.filter(subject__code=filters.subject.upper())
    if filters.semester:
        assessments = assessments.filter(semester__number=filters.semester)
    closed = closed_semester_ids(school_class.school_id)
    return [_assessment_out(a, closed=a.semester_id in closed) for a in assessments]


@router.post(
    "/classes/{class_uuid}/assessments",
    response={200: AssessmentOut, 201: AssessmentOut},
    operation_id="marks_create_assessment",
)
def create_assessment_endpoint(
    request: HttpRequest, class_uuid: UUID, payload: AssessmentIn
) -> Status[dict[str, Any]]:
    """Create the next contrôle of a subject in a semester (or the collège local exam). With
    `number`, that one: an existing assessment is returned as it is (200), so a re-sent request
    creates nothing."""
    actor = _actor(request)
    school_class: SchoolClass = access_class(actor, class_uuid)
    subject = Subject.objects.filter(code=payload.subject.upper()).first()
    if subject is None:
        raise InvalidInput(_("Unknown subject %(code)s.") % {"code": payload.subject})
    if not can_enter_marks(actor, school_class, subject.code):
        raise PermissionDenied(_("Only the teacher of this subject or the director enter marks."))
    assessment, created = create_assessment(
        actor=actor.user,
        school_class=school_class,
        subject=subject,
        semester=_semester(school_class.year_id, payload.semester),
        kind=payload.kind,
        number=payload.number,
        held_on=payload.held_on,
    )
    closed = assessment.semester_id in closed_semester_ids(school_class.school_id)
    return Status(201 if created else 200, _assessment_out(assessment, closed=closed))


@router.get(
    "/assessments/{assessment_uuid}",
    response=AssessmentOut,
    operation_id="marks_get_assessment",
)
def get_assessment(request: HttpRequest, assessment_uuid: UUID) -> dict[str, Any]:
    assessment = access_assessment(_actor(request), assessment_uuid)
    closed = assessment.semester_id in closed_semester_ids(assessment.school_class.school_id)
    return _assessment_out(assessment, closed=closed)


@router.get(
    "/assessments/{assessment_uuid}/marks",
    response=list[MarkOut],
    operation_id="marks_list_marks",
)
def list_marks(request: HttpRequest, assessment_uuid: UUID) -> list[MarkOut]:
    """One row per pupil of the class (by family name) with the mark, empty when none yet."""
    return _marks_out(access_assessment(_actor(request), assessment_uuid))


@router.put(
    "/assessments/{assessment_uuid}/marks",
    response={200: SaveOut, 422: MarkErrorsOut},
    operation_id="marks_update_marks",
)
def save_marks_endpoint(
    request: HttpRequest, assessment_uuid: UUID, payload: MarksIn
) -> Status[Any]:
    """Save a grid of marks (the teacher of the subject, or the director). Every entry is
    checked first: one wrong value and nothing is saved (422, one message per pupil). Values
    equal to the stored ones write nothing, so sending the same grid again is harmless. Once
    the term is closed, changes need a `reason` and become requests for the director."""
    actor = _actor(request)
    assessment = access_assessment(actor, assessment_uuid, for_write=True)
    try:
        result = save_marks(
            actor=actor.user,
            assessment=assessment,
            entries=[(e.enrolment, e.value) for e in payload.entries],
            reason=payload.reason,
        )
    except MarkErrors as exc:
        return Status(
            422,
            MarkErrorsOut(
                code=exc.code,
                detail=str(exc.message),
                errors=[
                    EntryErrorOut(
                        enrolment=e.enrolment_uuid or e.key,
                        value=e.raw,
                        code=e.code,
                        message=e.message,
                    )
                    for e in exc.errors
                ],
            ),
        )
    return Status(
        200,
        SaveOut(
            created=result.created,
            updated=result.updated,
            deleted=result.deleted,
            unchanged=result.unchanged,
            requested=result.requested,
            audit_seq=result.audit_seq,
            marks=_marks_out(assessment),
        ),
    )


@router.get(
    "/assessments/{assessment_uuid}/history",
    response=list[MarkEventOut],
    operation_id="marks_list_history",
)
def list_history(
    request: HttpRequest,
    assessment_uuid: UUID,
    filters: HistoryFilter = Query(...),  # type: ignore[type-arg]  # noqa: B008
) -> QuerySet[MarkEvent]:
    """Every change of the assessment's marks, newest first: who, old, new, when, why (the
    teacher of the subject and the director)."""
    assessment = access_assessment(_actor(request), assessment_uuid, for_write=True)
    enrolment = None
    if filters.enrolment is not None:
        enrolment = Enrolment.objects.filter(uuid=filters.enrolment).first()
        if enrolment is None:
            raise NotFound(_("No such pupil in this class."))
    return mark_history(assessment, enrolment)


@router.get(
    "/pupils/{student_uuid}/marks",
    response=list[PupilMarkOut],
    operation_id="marks_list_pupil_marks",
)
def list_pupil_marks(
    request: HttpRequest, student_uuid: UUID, year: str | None = None
) -> list[PupilMarkOut]:
    """A pupil's marks of a year (default the current one), as entered: for the parent, the
    pupil, and staff who see the pupil (a teacher: the subjects taught)."""
    actor = _actor(request)
    student = access_pupil_marks(actor, student_uuid)
    school_year = _year(year)
    out = []
    for group in pupil_marks(actor, student, year_id=school_year.pk):
        for assessment, mark in group.marks:
            out.append(
                PupilMarkOut(
                    assessment_uuid=assessment.uuid,
                    year=school_year.code,
                    semester=group.semester.number,
                    subject=group.subject_code,
                    kind=assessment.kind,
                    number=assessment.number,
                    value=mark.value if mark else None,
                    absence=mark.absence if mark else "",
                )
            )
    return out


@router.post(
    "/schools/{school_uuid}/term-closures",
    response={200: TermClosureOut, 201: TermClosureOut},
    operation_id="marks_create_term_closure",
)
def close_term_endpoint(
    request: HttpRequest, school_uuid: UUID, payload: TermClosureIn
) -> Status[TermClosureOut]:
    """Close a semester's marks for the school (its director). From then on a mark changes only
    through a request with a reason that the director approves. Closing again changes nothing."""
    actor = _actor(request)
    school = manageable_school(actor, school_uuid)
    semester = _semester(_year(payload.year).pk, payload.semester)
    missing = sum(row.missing for row in missing_marks(school, semester))
    closure, created = close_term(
        actor=actor.user, school=school, semester=semester, missing=missing
    )
    return Status(
        201 if created else 200,
        TermClosureOut(
            school_uuid=school.uuid,
            year=semester.year.code,
            semester=semester.number,
            closed_at=closure.closed_at,
            closed_by=closure.closed_by.get_username() if closure.closed_by else None,
            missing_marks=missing,
        ),
    )


@router.get(
    "/mark-change-requests",
    response=list[ChangeRequestOut],
    operation_id="marks_list_change_requests",
)
@paginate(PageNumberPagination, page_size=50)
def list_change_requests(request: HttpRequest) -> QuerySet[MarkChangeRequest]:
    """Change requests waiting for a decision: a director's queue, and the caller's own."""
    return pending_requests(_actor(request))


@router.post(
    "/mark-change-requests/{request_uuid}/decision",
    response=ChangeRequestOut,
    operation_id="marks_record_change_decision",
)
def decide_change(
    request: HttpRequest, request_uuid: UUID, payload: ChangeDecisionIn
) -> MarkChangeRequest:
    """Approve (the mark changes, with the reason in its history) or refuse a request (the
    school's director; never one's own request)."""
    actor = _actor(request)
    change = access_change_request(actor, request_uuid)
    if not can_decide_change(actor, change):
        raise PermissionDenied(_("The school's director decides, and never on their own request."))
    decide_change_request(
        actor=actor.user, change=change, approve=payload.approve, note=payload.note
    )
    return access_change_request(actor, request_uuid)


__all__ = ["router"]

"""Marks pages: a class's assessments, the grade-entry grid of an assessment (keyboard-first, with
a draft kept in the browser; a plain form without JavaScript), the history of a mark, a pupil's
marks, closing the term and the change requests after it.

Thin: access.py decides who may see or change what, services.py writes, selectors.py reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madrasa.accounts.http import page
from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import InvalidInput, NotFound, PermissionDenied
from madrasa.enrolment.access import access_class, manageable_school
from madrasa.enrolment.models import Enrolment, SchoolClass
from madrasa.enrolment.services import current_year
from madrasa.grading.models import AbsenceCode, Subject
from madrasa.grading.services import policy_for
from madrasa.registry.models import SchoolYear, Semester

from .access import (
    access_assessment,
    access_change_request,
    access_pupil_marks,
    can_decide_change,
    can_enter_marks,
    entry_subject_codes,
    sees_all_subjects,
)
from .forms import AssessmentForm, DecisionForm
from .models import Assessment, MarkChangeRequest, TermClosure
from .selectors import (
    GridRow,
    class_assessments,
    class_subjects,
    closed_semester_ids,
    grid_rows,
    mark_history,
    missing_marks,
    pending_requests,
    pupil_marks,
)
from .services import MarkErrors, close_term, create_assessment, decide_change_request, save_marks

INVALID = 422
DIRECTOR = frozenset({Role.DIRECTOR})


def _subject_name(subject: Subject | dict[str, str]) -> str:
    language = (get_language() or "ar").split("-")[0]
    names = (
        subject
        if isinstance(subject, dict)
        else {"ar": subject.name_ar, "fr": subject.name_fr, "en": subject.name_en}
    )
    return names.get(language) or names["fr"]


def _typed(text: str) -> str:
    """A stored mark as shown in a grid cell: a decimal comma in Arabic and French."""
    if (get_language() or "ar").startswith("en"):
        return text
    return text.replace(".", ",")


def _semesters(year: SchoolYear) -> list[Semester]:
    return list(Semester.objects.filter(year=year).order_by("number"))


# A class's assessments ------------------------------------------------------------------------


@dataclass
class SubjectLine:
    code: str
    name: str
    planned: int
    assessments: list[Assessment]
    can_enter: bool
    local_exam: Assessment | None = None

    @property
    def can_add(self) -> bool:
        return self.can_enter and len(self.assessments) < self.planned


@require_GET
@page()
def class_marks(request: HttpRequest, actor: Actor, class_uuid: UUID) -> HttpResponse:
    school_class = access_class(actor, class_uuid)
    codes = entry_subject_codes(actor, school_class)
    all_visible = sees_all_subjects(actor, school_class)
    subjects = [
        row
        for row in class_subjects(school_class)
        if all_visible or codes is None or row.subject.code in codes
    ]
    assessments = list(class_assessments(actor, school_class))
    closed = closed_semester_ids(school_class.school_id)
    semesters = []
    for semester in _semesters(school_class.year):
        lines = []
        for row in subjects:
            mine = [
                a
                for a in assessments
                if a.semester_id == semester.pk and a.subject_id == row.subject_id
            ]
            lines.append(
                SubjectLine(
                    code=row.subject.code,
                    name=_subject_name(row.subject),
                    planned=row.assessments_per_semester,
                    assessments=[a for a in mine if a.kind == Assessment.Kind.CONTINUOUS],
                    local_exam=next(
                        (a for a in mine if a.kind == Assessment.Kind.LOCAL_EXAM), None
                    ),
                    can_enter=codes is None or row.subject.code in codes,
                )
            )
        semesters.append({"semester": semester, "lines": lines, "closed": semester.pk in closed})
    context: dict[str, Any] = {
        "school_class": school_class,
        "semesters": semesters,
        "pupil_count": Enrolment.objects.filter(
            school_class=school_class, status=Enrolment.Status.ACTIVE
        ).count(),
        "is_director": school_class.school_id in actor.director_school_ids,
        "has_local_exam": school_class.level.code == "C3",
    }
    return render(request, "marks/class_marks.html", context)


@require_POST
@page()
def assessment_create(request: HttpRequest, actor: Actor, class_uuid: UUID) -> HttpResponse:
    school_class = access_class(actor, class_uuid)
    if entry_subject_codes(actor, school_class) == frozenset():
        raise PermissionDenied(_("Only the teachers of this class or the director enter marks."))
    form = AssessmentForm(request.POST, semesters=_semesters(school_class.year))
    if not form.is_valid():
        messages.error(request, _("Choose a subject and a semester."))
        return redirect("marks:class_marks", school_class.uuid)
    subject: Subject = form.cleaned_data["subject"]
    if not can_enter_marks(actor, school_class, subject.code):
        raise PermissionDenied(_("Only the teacher of this subject or the director enter marks."))
    try:
        assessment, _created = create_assessment(
            actor=actor.user,
            school_class=school_class,
            subject=subject,
            semester=form.cleaned_data["semester"],
            kind=form.cleaned_data["kind"],
        )
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
        return redirect("marks:class_marks", school_class.uuid)
    return redirect("marks:grid", assessment.uuid)


# The grade-entry grid -------------------------------------------------------------------------


@dataclass
class Cell:
    row: GridRow
    value: str
    error: str = ""

    @property
    def enrolment(self) -> Enrolment:
        return self.row.enrolment


def _assessment_title(assessment: Assessment) -> str:
    if assessment.kind == Assessment.Kind.LOCAL_EXAM:
        return _("Local exam")
    return _("Contrôle %(number)s") % {"number": assessment.number}


@require_http_methods(["GET", "POST"])
@page()
def grid(request: HttpRequest, actor: Actor, assessment_uuid: UUID) -> HttpResponse:
    assessment = access_assessment(actor, assessment_uuid, for_write=request.method == "POST")
    school_class: SchoolClass = assessment.school_class
    can_enter = can_enter_marks(actor, school_class, assessment.subject.code)
    closed = TermClosure.objects.filter(
        school_id=school_class.school_id, semester_id=assessment.semester_id
    ).first()
    rows = grid_rows(assessment)
    cells = [Cell(row, _typed(row.text)) for row in rows]
    status = 200
    reason = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        entries = []
        for cell in cells:
            key = f"m-{cell.enrolment.uuid}"
            if key in request.POST:
                cell.value = request.POST[key]
                entries.append((str(cell.enrolment.uuid), cell.value))
        try:
            result = save_marks(
                actor=actor.user, assessment=assessment, entries=entries, reason=reason
            )
        except MarkErrors as exc:
            by_pupil = {e.enrolment_uuid: e.message for e in exc.errors}
            for cell in cells:
                cell.error = by_pupil.get(str(cell.enrolment.uuid), "")
            messages.error(request, str(exc.message))
            status = INVALID
        except InvalidInput as exc:
            messages.error(request, str(exc.message))
            status = INVALID
        else:
            if result.requested:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d change is waiting for the director's approval.",
                        "%(count)d changes are waiting for the director's approval.",
                        result.requested,
                    )
                    % {"count": result.requested},
                )
            elif result.changed:
                messages.success(
                    request,
                    ngettext("%(count)d mark saved.", "%(count)d marks saved.", result.changed)
                    % {"count": result.changed},
                )
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("marks:grid", assessment.uuid)
    policy = policy_for(school_class.year_id)
    context = {
        "assessment": assessment,
        "title": _assessment_title(assessment),
        "subject_name": _subject_name(assessment.subject),
        "school_class": school_class,
        "cells": cells,
        "can_enter": can_enter,
        "closed": closed,
        "reason": reason,
        "scale_max": policy.scale_max,
        "scale_max_text": f"{policy.scale_max.normalize():f}",
        "api_url": reverse("api-v1:save_marks_endpoint", args=[assessment.uuid]),
        "absence_codes": AbsenceCode.choices,
        "shows_history": can_enter,
    }
    return render(request, "marks/grid.html", context, status=status)


@require_GET
@page()
def history(request: HttpRequest, actor: Actor, assessment_uuid: UUID) -> HttpResponse:
    """Every change of the assessment's marks (the teacher of the subject and the director);
    `?pupil=<enrolment uuid>` for one pupil's mark."""
    assessment = access_assessment(actor, assessment_uuid, for_write=True)
    enrolment = None
    pupil = request.GET.get("pupil", "")
    if pupil:
        try:
            enrolment = Enrolment.objects.select_related("student").filter(uuid=UUID(pupil)).first()
        except ValueError:
            enrolment = None
        if enrolment is None:
            raise NotFound(_("No such pupil in this class."))
    events = list(mark_history(assessment, enrolment)[:500])
    requests = MarkChangeRequest.objects.filter(assessment=assessment).select_related(
        "enrolment__student", "requested_by", "decided_by"
    )
    if enrolment is not None:
        requests = requests.filter(enrolment=enrolment)
    return render(
        request,
        "marks/history.html",
        {
            "assessment": assessment,
            "title": _assessment_title(assessment),
            "subject_name": _subject_name(assessment.subject),
            "enrolment": enrolment,
            "events": events,
            "requests": list(requests.order_by("-requested_at")[:200]),
        },
    )


# A pupil's marks ------------------------------------------------------------------------------


@require_GET
@page()
def pupil_marks_page(request: HttpRequest, actor: Actor, student_uuid: UUID) -> HttpResponse:
    student = access_pupil_marks(actor, student_uuid)
    year = current_year()
    groups = pupil_marks(actor, student, year_id=year.pk)
    semesters: list[dict[str, Any]] = []
    for group in groups:
        if not semesters or semesters[-1]["semester"].pk != group.semester.pk:
            semesters.append({"semester": group.semester, "subjects": []})
        semesters[-1]["subjects"].append(
            {
                "name": _subject_name(group.subject_name),
                "code": group.subject_code,
                "marks": group.marks,
            }
        )
    for block in semesters:
        block["columns"] = max(len(s["marks"]) for s in block["subjects"])
        for subject in block["subjects"]:
            subject["pad"] = range(block["columns"] - len(subject["marks"]))
    return render(
        request,
        "marks/pupil_marks.html",
        {
            "student": student,
            "year": year,
            "semesters": semesters,
            "absence_codes": AbsenceCode.choices,
        },
    )


# Term closure and change requests (the school's director) -------------------------------------


@require_http_methods(["GET", "POST"])
@page(roles=DIRECTOR)
def term_closure(request: HttpRequest, actor: Actor, school_uuid: UUID) -> HttpResponse:
    school = manageable_school(actor, school_uuid)
    year = current_year()
    semesters = _semesters(year)
    closures = {
        c.semester_id: c
        for c in TermClosure.objects.filter(school=school).select_related("closed_by")
    }
    chosen = request.POST.get("semester") or request.GET.get("semester")
    semester = next((s for s in semesters if str(s.number) == chosen), None)
    if semester is None:
        semester = next(
            (s for s in semesters if s.pk not in closures), semesters[-1] if semesters else None
        )
    if semester is None:
        raise NotFound(_("The school year has no semester."))
    rows = missing_marks(school, semester)
    missing = sum(r.missing for r in rows)
    if request.method == "POST":
        _closure, created = close_term(
            actor=actor.user, school=school, semester=semester, missing=missing
        )
        if created:
            messages.success(
                request,
                _("Semester %(number)s is closed: a change now needs your approval.")
                % {"number": semester.number},
            )
        else:
            messages.info(request, _("This semester was already closed."))
        return redirect(
            f"{reverse('marks:term_closure', args=[school.uuid])}?semester={semester.number}"
        )
    return render(
        request,
        "marks/term_closure.html",
        {
            "school": school,
            "year": year,
            "semesters": semesters,
            "semester": semester,
            "closures": closures,
            "closure": closures.get(semester.pk),
            "rows": [r for r in rows if r.incomplete],
            "row_count": len(rows),
            "missing": missing,
            "names": {r.subject_code: _subject_name(r.subject_name) for r in rows},
        },
    )


@require_GET
@page(roles=DIRECTOR)
def change_requests(request: HttpRequest, actor: Actor, school_uuid: UUID) -> HttpResponse:
    school = manageable_school(actor, school_uuid)
    pending = list(pending_requests(actor, school))
    decided = list(
        MarkChangeRequest.objects.filter(assessment__school_class__school=school)
        .exclude(status=MarkChangeRequest.Status.PENDING)
        .select_related(
            "assessment__subject",
            "assessment__school_class",
            "enrolment__student",
            "requested_by",
            "decided_by",
        )
        .order_by("-decided_at")[:20]
    )
    return render(
        request,
        "marks/change_requests.html",
        {
            "school": school,
            "pending": [(r, can_decide_change(actor, r)) for r in pending],
            "decided": decided,
            "form": DecisionForm(),
        },
    )


@require_POST
@page(roles=DIRECTOR)
def change_decide(request: HttpRequest, actor: Actor, request_uuid: UUID) -> HttpResponse:
    change = access_change_request(actor, request_uuid)
    school = change.assessment.school_class.school
    if not can_decide_change(actor, change):
        raise PermissionDenied(_("The school's director decides, and never on their own request."))
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Approve or refuse the request."))
    else:
        approve = form.cleaned_data["decision"] == "approve"
        try:
            decide_change_request(
                actor=actor.user, change=change, approve=approve, note=form.cleaned_data["note"]
            )
        except InvalidInput as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                _("The change is approved and the mark updated.")
                if approve
                else _("The change is refused; the mark stays as it was."),
            )
    return redirect("marks:change_requests", school.uuid)

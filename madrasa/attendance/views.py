"""Attendance pages: a class register (few taps, draft kept in the browser), a pupil's absences
and their justification, a school's monthly totals and justifications to decide, and the
national monthly status runs. Thin: access.py decides, services.py writes, selectors.py reads.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from madrasa.accounts.http import page
from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import InvalidInput, NotFound, PermissionDenied
from madrasa.enrolment.models import SchoolClass
from madrasa.enrolment.selectors import class_pupils

from .access import (
    access_attendance_school,
    access_justification,
    access_pupil_attendance,
    access_register_class,
    can_decide_justifications,
    can_justify,
    can_take_register,
)
from .models import Mark, Slot
from .rules import month_bounds, parse_month
from .selectors import (
    pending_justifications,
    pupil_absences,
    pupil_alerts,
    pupil_month_totals,
    pupil_statuses,
    register_marks,
    school_month_totals,
    status_runs,
)
from .services import (
    MarkInput,
    decide_justification,
    record_register,
    request_status_run,
    submit_justification,
)

INVALID = 422
NOON_MINUTES = 12 * 60 + 30


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _default_slot() -> str:
    now = timezone.localtime()
    return Slot.MORNING if now.hour * 60 + now.minute < NOON_MINUTES else Slot.AFTERNOON


def _month(value: str | None) -> date:
    try:
        return parse_month(value or "")
    except ValueError:
        return timezone.localdate().replace(day=1)


def parse_register(data: QueryDict, pupil_ids: set[int]) -> dict[int, MarkInput]:
    """The posted register: `m_<pupil id>` is present/absent/late, `late_<pupil id>` minutes."""
    marks: dict[int, MarkInput] = {}
    for pupil_id in pupil_ids:
        state = data.get(f"m_{pupil_id}", "present")
        if state == Mark.Kind.ABSENT:
            marks[pupil_id] = MarkInput(kind=Mark.Kind.ABSENT)
        elif state == Mark.Kind.LATE:
            raw = data.get(f"late_{pupil_id}", "")
            minutes = int(raw) if raw.isdigit() else 0
            marks[pupil_id] = MarkInput(kind=Mark.Kind.LATE, late_minutes=minutes)
    return marks


@require_http_methods(["GET", "POST"])
@page()
def register(request: HttpRequest, actor: Actor, class_uuid: UUID) -> HttpResponse:
    school_class: SchoolClass = access_register_class(
        actor, class_uuid, for_write=request.method == "POST"
    )
    today = timezone.localdate()
    source = request.POST if request.method == "POST" else request.GET
    day = _day(source.get("day"), today)
    slot = source.get("slot") or _default_slot()
    pupils = list(class_pupils(school_class))
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        marks = parse_register(request.POST, {e.student_id for e in pupils})
        try:
            record_register(
                actor=actor.user,
                school_class=school_class,
                day=day,
                slot=slot,
                marks=marks,
                reason=request.POST.get("reason", ""),
                today=today,
            )
        except InvalidInput as exc:
            errors.append(str(exc.message))
            status = INVALID
        else:
            messages.success(request, _("Attendance saved."))
            url = reverse("attendance:register", args=[school_class.uuid])
            return redirect(f"{url}?day={day.isoformat()}&slot={slot}&saved=1")
    if slot not in Slot.values:
        slot = Slot.MORNING
        if request.method == "GET":
            errors.append(_("Unknown slot."))
    taken, marks_by_pupil = register_marks(school_class, day, slot)
    rows = []
    for enrolment in pupils:
        mark = marks_by_pupil.get(enrolment.student_id)
        state = mark.kind if mark else "present"
        minutes = mark.late_minutes if mark and mark.kind == Mark.Kind.LATE else ""
        if request.method == "POST":
            state = request.POST.get(f"m_{enrolment.student_id}", "present")
            minutes = request.POST.get(f"late_{enrolment.student_id}", "")
        rows.append({"student": enrolment.student, "state": state, "minutes": minutes})
    context: dict[str, Any] = {
        "school_class": school_class,
        "day": day,
        "slot": slot,
        "slots": Slot.choices,
        "rows": rows,
        "taken": taken,
        "can_write": can_take_register(actor, school_class),
        "needs_reason": day < today,
        "is_future": day > today,
        "errors": errors,
        "just_saved": request.GET.get("saved") == "1",
        "reason": request.POST.get("reason", "") if request.method == "POST" else "",
    }
    return render(request, "attendance/register.html", context, status=status)


@require_http_methods(["GET"])
@page()
def pupil_attendance(request: HttpRequest, actor: Actor, student_uuid: UUID) -> HttpResponse:
    student = access_pupil_attendance(actor, student_uuid)
    today = timezone.localdate()
    first = date(today.year - 1 if today.month < 9 else today.year, 9, 1)
    last = today
    absences = list(pupil_absences(student, first, last))
    context = {
        "student": student,
        "totals": pupil_month_totals(student, first, last),
        "absences": absences,
        "can_justify": can_justify(actor, student),
        "justifiable": [
            m
            for m in absences
            if m.kind == Mark.Kind.ABSENT and not m.is_justified and m.justification_id is None
        ],
        "alerts": list(pupil_alerts(student)),
        "statuses": list(pupil_statuses(student)[:12]),
    }
    return render(request, "attendance/pupil.html", context)


@require_POST
@page(roles=frozenset({Role.PARENT}))
def pupil_justify(request: HttpRequest, actor: Actor, student_uuid: UUID) -> HttpResponse:
    student = access_pupil_attendance(actor, student_uuid)
    if not can_justify(actor, student):
        raise PermissionDenied(_("Only a parent of the pupil justifies an absence."))
    ids = [int(v) for v in request.POST.getlist("absence") if v.isdigit()]
    try:
        submit_justification(
            actor=actor.user,
            student=student,
            mark_ids=ids,
            reason=request.POST.get("reason", ""),
            document=request.FILES.get("document"),
        )
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
        return redirect("attendance:pupil", student.uuid)
    messages.success(request, _("Your justification was sent to the school."))
    return redirect("attendance:pupil", student.uuid)


@require_http_methods(["GET"])
@page()
def school_attendance(request: HttpRequest, actor: Actor, school_uuid: UUID) -> HttpResponse:
    school = access_attendance_school(actor, school_uuid)
    month = _month(request.GET.get("month"))
    first, last = month_bounds(month)
    context = {
        "school": school,
        "month": month,
        "month_value": month.strftime("%Y-%m"),
        "totals": school_month_totals(school, month),
        "can_decide": can_decide_justifications(actor, school),
        "pending": list(pending_justifications(school)),
        "first": first,
        "last": last,
    }
    return render(request, "attendance/school.html", context)


@require_http_methods(["GET", "POST"])
@page(roles=frozenset({Role.DIRECTOR}))
def school_decide(request: HttpRequest, actor: Actor, school_uuid: UUID) -> HttpResponse:
    """POST: accept or refuse a justification. GET ?document=<uuid>: its attached document."""
    school = access_attendance_school(actor, school_uuid)
    if request.method == "GET":
        if "document" not in request.GET:
            return school_attendance(request, school_uuid=school_uuid)
        try:
            wanted = UUID(request.GET.get("document", ""))
        except ValueError:
            raise NotFound(_("No such justification.")) from None
        justification = access_justification(actor, school, wanted)
        if not justification.document:
            raise NotFound(_("No document is attached."))
        with justification.document.open("rb") as handle:
            content = handle.read()  # at most 5 MB (services.DOCUMENT_MAX_BYTES)
        name = justification.document.name.rsplit("/", 1)[-1]
        response = HttpResponse(content, content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    raw = request.POST.get("justification", "")
    try:
        justification = access_justification(actor, school, UUID(raw))
    except ValueError:
        messages.error(request, _("Choose a justification."))
        return redirect("attendance:school", school.uuid)
    try:
        decide_justification(
            actor=actor.user,
            justification=justification,
            accept=request.POST.get("decision") == "accept",
            note=request.POST.get("note", ""),
        )
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("attendance:school", school.uuid)


@require_http_methods(["GET", "POST"])
@page(roles=frozenset({Role.MINISTRY}))
def status_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method == "POST":
        try:
            month = parse_month(request.POST.get("month", ""))
        except ValueError:
            messages.error(request, _("Give a month as YYYY-MM."))
        else:
            request_status_run(actor=actor.user, month=month)
            messages.success(request, _("The computation is queued."))
        return redirect("attendance:status")
    default = timezone.localdate().replace(day=1)
    context = {
        "runs": status_runs(),
        "default_month": default.strftime("%Y-%m"),
    }
    return render(request, "attendance/status.html", context)

"""School health pages: a pupil's health record (health staff record, parents read), the
guardian's consent (given or revoked by the parent online, or recorded by the health staff
from a signed form), and the list of a school's pupils for its health staff."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madrasa.accounts.http import page
from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import InvalidInput, PermissionDenied
from madrasa.registry.models import Guardian, Student

from .access import (
    access_health_record,
    access_health_school,
    active_consent,
    can_manage_consent,
    can_record_health,
)
from .models import Allergy, ConsentPurpose, Screening, Vaccine
from .rules import parse_acuity
from .selectors import health_record, pupil_consents, pupil_guardianships, school_pupils
from .services import (
    grant_consent,
    record_allergy,
    record_immunization,
    record_screening,
    revoke_consent,
)

INVALID = 422
HEALTH_PAGE_ROLES = frozenset({Role.HEALTH, Role.PARENT})


def _day(data: QueryDict, name: str) -> date:
    try:
        return date.fromisoformat(data.get(name, ""))
    except ValueError:
        raise InvalidInput(_("Give a valid date."), code="bad_date") from None


def _decimal(data: QueryDict, name: str) -> Decimal | None:
    raw = data.get(name, "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise InvalidInput(_("Give a number."), code="bad_number") from None


def _acuity(data: QueryDict, name: str) -> Decimal | None:
    raw = data.get(name, "").strip()
    if not raw:
        return None
    try:
        return parse_acuity(raw)
    except ValueError:
        raise InvalidInput(_("Write the acuity as 8/10 or 0.8."), code="bad_acuity") from None


def _record(actor: Actor, student: Student, data: QueryDict) -> None:
    kind = data.get("kind", "")
    if kind == "immunization":
        dose = data.get("dose_number", "1")
        record_immunization(
            actor=actor.user,
            student=student,
            vaccine=data.get("vaccine", ""),
            occurred_on=_day(data, "on"),
            dose_number=int(dose) if dose.isdigit() else 0,
            lot_number=data.get("lot_number", ""),
        )
    elif kind in Screening.Kind.values:
        record_screening(
            actor=actor.user,
            student=student,
            kind=kind,
            screened_on=_day(data, "on"),
            height_cm=_decimal(data, "height_cm"),
            weight_kg=_decimal(data, "weight_kg"),
            acuity_left=_acuity(data, "acuity_left"),
            acuity_right=_acuity(data, "acuity_right"),
            hearing_left=data.get("hearing_left", ""),
            hearing_right=data.get("hearing_right", ""),
            note=data.get("note", ""),
        )
    elif kind == "allergy":
        record_allergy(
            actor=actor.user,
            student=student,
            substance=data.get("substance", ""),
            category=data.get("category", ""),
            criticality=data.get("criticality", ""),
            noted_on=_day(data, "on"),
        )
    else:
        raise InvalidInput(_("Choose what to record."), code="unknown_kind")


@require_http_methods(["GET", "POST"])
@page(roles=HEALTH_PAGE_ROLES)
def pupil_health(request: HttpRequest, actor: Actor, student_uuid: UUID) -> HttpResponse:
    student = access_health_record(actor, student_uuid, for_write=request.method == "POST")
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            _record(actor, student, request.POST)
        except InvalidInput as exc:
            errors.append(str(exc.message))
            status = INVALID
        else:
            messages.success(request, _("Recorded."))
            return redirect("health:pupil", student.uuid)
    record = health_record(student)
    context: dict[str, Any] = {
        "student": student,
        "record": record,
        "consents": list(pupil_consents(student)),
        "consent": active_consent(student, ConsentPurpose.HEALTH),
        "guardianships": list(pupil_guardianships(student)),
        "can_record": can_record_health(actor, student),
        "can_manage_consent": can_manage_consent(actor, student),
        "is_parent": student.pk in actor.parent_student_ids,
        "vaccines": Vaccine.choices,
        "categories": Allergy.Category.choices,
        "criticalities": Allergy.Criticality.choices,
        "hearing": Screening.Hearing.choices,
        "today": timezone.localdate(),
        "errors": errors,
    }
    return render(request, "health/pupil.html", context, status=status)


def _consenting_guardian(actor: Actor, student: Student, data: QueryDict) -> Guardian:
    """The parent's own guardian record, or the one the health staff chose."""
    links = pupil_guardianships(student)
    if student.pk in actor.parent_student_ids:
        link = links.filter(guardian__user_id=actor.user.pk).first()
    else:
        try:
            chosen = UUID(data.get("guardian", ""))
        except ValueError:
            chosen = None
        link = links.filter(guardian__uuid=chosen).first() if chosen else None
    if link is None:
        raise InvalidInput(
            _("The consent must come from a guardian recorded for the pupil."),
            code="not_a_guardian",
        )
    return link.guardian


@require_POST
@page(roles=HEALTH_PAGE_ROLES)
def pupil_consent(request: HttpRequest, actor: Actor, student_uuid: UUID) -> HttpResponse:
    student = access_health_record(actor, student_uuid)
    if not can_manage_consent(actor, student):
        raise PermissionDenied(_("Only a guardian or the school health staff record a consent."))
    try:
        if request.POST.get("action") == "revoke":
            revoke_consent(actor=actor.user, student=student, purpose=ConsentPurpose.HEALTH)
            messages.success(request, _("Consent revoked: nothing is shared from now on."))
        else:
            given_on = _day(request.POST, "given_on") if request.POST.get("given_on") else None
            grant_consent(
                actor=actor.user,
                student=student,
                guardian=_consenting_guardian(actor, student, request.POST),
                purpose=ConsentPurpose.HEALTH,
                given_on=given_on,
            )
            messages.success(request, _("Consent recorded."))
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
    return redirect("health:pupil", student.uuid)


@require_GET
@page(roles=frozenset({Role.HEALTH}))
def school_health(request: HttpRequest, actor: Actor, school_uuid: UUID) -> HttpResponse:
    school = access_health_school(actor, school_uuid)
    query = request.GET.get("q", "")
    page_obj = Paginator(school_pupils(school, query), 50).get_page(request.GET.get("page"))
    return render(
        request, "health/school.html", {"school": school, "page_obj": page_obj, "q": query}
    )

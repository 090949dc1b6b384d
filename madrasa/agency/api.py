"""The agency API (mounted under /api/v1/): OAuth 2.0 bearer tokens of agencies, one purpose
per endpoint, every request logged. Tokens come from POST /oauth/token/ (urls.py)."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from madrasa.attendance.rules import parse_month
from madrasa.core.errors import PermissionDenied
from madrasa.core.routers import on_replica
from madrasa.health.access import require_consent
from madrasa.health.fhir import health_bundle, validate_with_fhir_resources
from madrasa.health.models import ConsentPurpose
from madrasa.health.selectors import health_record
from madrasa.registry.models import Student

from .auth import AgencyCaller, AgencyTokenAuth
from .errors import AgencyError
from .purposes import HEALTH, RECRUITMENT, SOCIAL_AID
from .rules import BATCH_LIMIT, Identifier, IdentifierProblem, parse_identifier
from .schemas import (
    AgencyErrorOut,
    DiplomaCheckIn,
    DiplomaCheckOut,
    SchoolingStatusIn,
    SchoolingStatusItem,
    SchoolingStatusOut,
)
from .selectors import month_is_computed, published_baccalaureates, schooling_statuses
from .services import record_agency_request

router = Router(tags=["agency"])

ERRORS = {
    401: AgencyErrorOut,
    403: AgencyErrorOut,
    409: AgencyErrorOut,
    413: AgencyErrorOut,
    422: AgencyErrorOut,
}


def _refuse(
    request: HttpRequest, caller: AgencyCaller, error: AgencyError, count: int
) -> AgencyError:
    """Log a refused request (nothing shared) and return the error to raise."""
    record_agency_request(
        client=caller.client,
        purpose=caller.purpose,
        endpoint=request.path[:64],
        status_code=error.http_status,
        identifiers=count,
        error_code=error.code,
    )
    return error


@router.post(
    "/agency/schooling-status",
    response={200: SchoolingStatusOut, **ERRORS},
    auth=AgencyTokenAuth(SOCIAL_AID.code),
    operation_id="agency_list_schooling_statuses",
    summary="Schooling status of up to 10,000 pupils for a month (purpose social_aid)",
)
def schooling_status(request: HttpRequest, payload: SchoolingStatusIn) -> SchoolingStatusOut:
    caller: AgencyCaller = request.auth  # type: ignore[attr-defined]  # set by ninja's auth
    count = len(payload.identifiers)
    if count > BATCH_LIMIT:
        raise _refuse(
            request,
            caller,
            AgencyError(
                _("A batch holds at most %(limit)s identifiers; this one has %(count)s.")
                % {"limit": f"{BATCH_LIMIT:,}", "count": f"{count:,}"},
                code="batch_too_large",
                status=413,
            ),
            count,
        )
    if count == 0:
        raise _refuse(
            request,
            caller,
            AgencyError(_("Send at least one identifier."), code="empty_batch", status=422),
            count,
        )
    try:
        month = parse_month(payload.month)
    except ValueError:
        raise _refuse(
            request,
            caller,
            AgencyError(_("The month is written YYYY-MM."), code="invalid_month", status=422),
            count,
        ) from None
    digits = int(getattr(settings, "MADRASA_NATIONAL_CODE_DIGITS", 9))
    parsed = [
        parse_identifier(
            i,
            national_code=item.national_code,
            guardian_national_id=item.guardian_national_id,
            birth_date=item.birth_date,
            code_digits=digits,
        )
        for i, item in enumerate(payload.identifiers)
    ]
    problems = [p for p in parsed if isinstance(p, IdentifierProblem)]
    if problems:
        shown = "; ".join(f"#{p.index}: {p.problem}" for p in problems[:10])
        more = len(problems) - 10
        raise _refuse(
            request,
            caller,
            AgencyError(
                _("%(count)s malformed identifiers (nothing was looked up): %(shown)s%(more)s")
                % {
                    "count": len(problems),
                    "shown": shown,
                    "more": f" (+{more})" if more > 0 else "",
                },
                code="malformed_identifiers",
                status=422,
            ),
            count,
        )
    # The reads of a batch go to a read replica when one is configured (docs/scale.md): one
    # block, so the month check and the statuses come from the same replay point.
    with on_replica():
        computed = month_is_computed(month)
        identifiers = [p for p in parsed if isinstance(p, Identifier)]
        answers, shared = schooling_statuses(month, identifiers) if computed else ([], [])
    if not computed:
        raise _refuse(
            request,
            caller,
            AgencyError(
                _("The status of %(month)s is not computed yet.") % {"month": payload.month},
                code="month_not_available",
                status=409,
            ),
            count,
        )
    logged = record_agency_request(
        client=caller.client,
        purpose=caller.purpose,
        endpoint=request.path[:64],
        status_code=200,
        identifiers=count,
        shared_student_ids=shared,
        fields=SOCIAL_AID.fields,
    )
    return SchoolingStatusOut(
        month=month.strftime("%Y-%m"),
        request_id=str(logged.uuid),
        results=[SchoolingStatusItem(index=i, status=s) for i, s in enumerate(answers)],
    )


@router.get(
    "/agency/health/{national_code}",
    response={200: dict[str, Any], **ERRORS},
    auth=AgencyTokenAuth(HEALTH.code),
    operation_id="agency_get_health_record",
    summary="A pupil's school health record as a FHIR R4 Bundle (purpose health, with consent)",
)
def health_record_bundle(request: HttpRequest, national_code: str) -> HttpResponse:
    """Patient, Immunization, Observation, AllergyIntolerance and Consent resources, only with
    an active consent of a guardian for the health purpose. Without one, and for a code that
    names no pupil, the same refusal (403 consent_required): existence is not revealed."""
    caller: AgencyCaller = request.auth  # type: ignore[attr-defined]  # set by ninja's auth
    code = national_code.strip().upper()
    digits = int(getattr(settings, "MADRASA_NATIONAL_CODE_DIGITS", 9))
    problem = parse_identifier(
        0, national_code=code, guardian_national_id=None, birth_date=None, code_digits=digits
    )
    if isinstance(problem, IdentifierProblem):
        raise _refuse(
            request,
            caller,
            AgencyError(_("Malformed national code."), code="malformed_identifiers", status=422),
            1,
        )
    student = Student.objects.filter(national_code=code, merged_into__isnull=True).first()
    try:
        consent = require_consent(student, ConsentPurpose.HEALTH)
    except PermissionDenied as exc:
        raise _refuse(
            request, caller, AgencyError(exc.message, code=exc.code, status=403), 1
        ) from None
    assert student is not None  # noqa: S101  require_consent refuses None
    record = health_record(student)
    bundle = health_bundle(
        student,
        consent,
        immunizations=record.immunizations,
        screenings=record.screenings,
        allergies=record.allergies,
        bundle_id=str(uuid.uuid4()),
        timestamp=timezone.now().isoformat(timespec="seconds"),
    )
    validate_with_fhir_resources(bundle)
    record_agency_request(
        client=caller.client,
        purpose=caller.purpose,
        endpoint=request.path[:64],
        status_code=200,
        identifiers=1,
        shared_student_ids=[student.pk],
        fields=HEALTH.fields,
    )
    return HttpResponse(
        json.dumps(bundle, cls=DjangoJSONEncoder), content_type="application/fhir+json"
    )


@router.post(
    "/agency/diploma-check",
    response={200: DiplomaCheckOut, **ERRORS},
    auth=AgencyTokenAuth(RECRUITMENT.code),
    operation_id="agency_get_diploma_verification",
    summary="Does the named person hold this baccalauréat? (purpose recruitment)",
)
def diploma_check(request: HttpRequest, payload: DiplomaCheckIn) -> DiplomaCheckOut:
    """Yes or no from the published results; when yes, the year, stream and mention on record.
    A no says nothing about why (unknown person, other year, stream or mention, not admitted)."""
    caller: AgencyCaller = request.auth  # type: ignore[attr-defined]  # set by ninja's auth
    digits = int(getattr(settings, "MADRASA_NATIONAL_CODE_DIGITS", 9))
    parsed = parse_identifier(
        0,
        national_code=payload.national_code,
        guardian_national_id=None,
        birth_date=None,
        code_digits=digits,
    )
    try:
        birth_date = date.fromisoformat(payload.birth_date.strip())
    except ValueError:
        birth_date = None
    if isinstance(parsed, IdentifierProblem) or birth_date is None or not payload.last_name.strip():
        raise _refuse(
            request,
            caller,
            AgencyError(
                _("Give a national code, a birth date (YYYY-MM-DD) and a family name."),
                code="malformed_identifiers",
                status=422,
            ),
            1,
        )
    if not 1950 <= payload.year <= 2100:
        raise _refuse(
            request,
            caller,
            AgencyError(_("The exam year is not plausible."), code="invalid_year", status=422),
            1,
        )
    assert isinstance(parsed, Identifier)  # noqa: S101  checked above
    with on_replica():  # published results: a read replica when one is configured
        records = published_baccalaureates(
            national_code=parsed.national_code,
            birth_date=birth_date,
            last_name=payload.last_name,
            year=payload.year,
        )
    stream = payload.stream.strip().upper()
    mention = (payload.mention or "").strip().lower()
    held = next(
        (
            r
            for r in records
            if r.admitted and r.stream.upper() == stream and (not mention or r.mention == mention)
        ),
        None,
    )
    # The person's published record was consulted: the family sees it, whatever the answer.
    consulted = (
        list(
            Student.objects.filter(national_code=parsed.national_code).values_list("id", flat=True)
        )
        if records
        else []
    )
    logged = record_agency_request(
        client=caller.client,
        purpose=caller.purpose,
        endpoint=request.path[:64],
        status_code=200,
        identifiers=1,
        shared_student_ids=consulted,
        fields=RECRUITMENT.fields if held else RECRUITMENT.fields[:1],
    )
    if held is None:
        return DiplomaCheckOut(holds=False, request_id=str(logged.uuid))
    return DiplomaCheckOut(
        holds=True,
        year=held.year,
        stream=held.stream,
        mention=held.mention,
        request_id=str(logged.uuid),
    )

"""The grading API (mounted under /api/v1/ in madrasa/api.py): a school year's grading policy,
coefficient tables and exam schemes; the ministry changes them. Thin: access.py decides who,
services.py checks and writes.
"""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from madrasa.accounts.api import request_actor as _actor
from madrasa.registry.models import Level, SchoolYear, Stream

from .access import access_year_for_edit, access_year_for_read
from .models import ExamScheme, GradingPolicy, SubjectCoefficient
from .schemas import (
    CoefficientsIn,
    CoefficientsOut,
    PolicyIn,
    PolicyOut,
    SchemeIn,
    SchemeOut,
    YearGradingOut,
)
from .selectors import year_grading
from .services import (
    copy_year_policy,
    replace_coefficients,
    update_exam_scheme,
    update_policy,
)
from .validation import CoefficientRow, GradingInvalid, PolicyValues, SchemeValues

router = Router(tags=["grading"])


def _year_out(year: SchoolYear) -> YearGradingOut:
    grading = year_grading(year)
    return YearGradingOut(
        year=year.code,
        locked=grading.lock.locked,
        closed_semesters=list(grading.lock.closed),
        policy=PolicyOut.from_orm(grading.policy) if grading.policy is not None else None,
        coefficients=grading.coefficients,  # type: ignore[arg-type]  # resolved by the schema
        schemes=grading.schemes,  # type: ignore[arg-type]  # resolved by the schema
    )


def _level(code: str) -> Level:
    level = Level.objects.filter(code=code).first()
    if level is None:
        raise GradingInvalid(
            _("Level: there is no level with the code “%(code)s”.") % {"code": code},
            field="level",
        )
    return level


def _stream(level: Level, code: str | None) -> Stream | None:
    if not code:
        return None
    stream = Stream.objects.filter(level=level, code=code).first()
    if stream is None:
        raise GradingInvalid(
            _("Stream: the level %(level)s has no stream “%(code)s”.")
            % {"level": level.code, "code": code},
            field="stream",
        )
    return stream


@router.get("/grading/years/{code}", response=YearGradingOut, operation_id="grading_get_year")
def get_year(request: HttpRequest, code: str) -> YearGradingOut:
    """A school year's grading policy, coefficient tables and exam schemes (`policy` is null
    while the ministry has not set one)."""
    return _year_out(access_year_for_read(_actor(request), code))


@router.put(
    "/grading/years/{code}/policy", response=PolicyOut, operation_id="grading_update_policy"
)
def put_policy(request: HttpRequest, code: str, payload: PolicyIn) -> GradingPolicy:
    """Set the year's policy (the ministry). Refused for a closed year; every value checked."""
    actor = _actor(request)
    year = access_year_for_edit(actor, code)
    return update_policy(
        actor=actor.user,
        year=year,
        values=PolicyValues(
            scale_max=payload.scale_max,
            pass_mark=payload.pass_mark,
            mentions=[(m.code, m.min) for m in payload.mentions],
            decimals=payload.decimals,
            rounding=payload.rounding,
            absence_rules=payload.absence_rules,
            semester_weights=payload.semester_weights,
            source=payload.source,
        ),
    )


@router.put(
    "/grading/years/{code}/coefficients",
    response=CoefficientsOut,
    operation_id="grading_update_coefficients",
)
def put_coefficients(request: HttpRequest, code: str, payload: CoefficientsIn) -> CoefficientsOut:
    """Set the whole subject table of one level (no stream) or one stream (the ministry):
    subjects left out are removed, new ones added, the others updated."""
    actor = _actor(request)
    year = access_year_for_edit(actor, code)
    level = _level(payload.level)
    stream = _stream(level, payload.stream)
    change = replace_coefficients(
        actor=actor.user,
        year=year,
        level=level,
        stream=stream,
        rows=[
            CoefficientRow(
                subject=row.subject,
                coefficient=row.coefficient,
                assessments_per_semester=row.assessments_per_semester,
            )
            for row in payload.rows
        ],
    )
    rows = SubjectCoefficient.objects.filter(year=year, level=level, stream=stream).select_related(
        "level", "stream", "subject"
    )
    return CoefficientsOut(
        level=level.code,
        stream=stream.code if stream is not None else None,
        rows=list(rows.order_by("subject__rank", "subject__code")),  # type: ignore[arg-type]
        added=change.added,
        changed=change.changed,
        removed=change.removed,
    )


@router.put(
    "/grading/years/{code}/schemes/{scheme}",
    response=SchemeOut,
    operation_id="grading_update_scheme",
)
def put_scheme(request: HttpRequest, code: str, scheme: str, payload: SchemeIn) -> ExamScheme:
    """Set (or create) one exam scheme of the year (the ministry): `scheme` is
    college_certificate, baccalaureat or baccalaureat_free."""
    actor = _actor(request)
    year = access_year_for_edit(actor, code)
    return update_exam_scheme(
        actor=actor.user,
        year=year,
        code=scheme,
        values=SchemeValues(
            level=payload.level,
            components=[(c.code, c.weight) for c in payload.components],
            resit_min=payload.resit_min,
            resit_keeps_best=payload.resit_keeps_best,
            source=payload.source,
        ),
    )


@router.post(
    "/grading/years/{code}/copy-from/{source}",
    response={201: YearGradingOut},
    operation_id="grading_create_year_copy",
)
def copy_from(
    request: HttpRequest, code: str, source: str, replace: bool = False
) -> Status[YearGradingOut]:
    """Start the year `code` as a copy of the year `source`'s policy, coefficients and schemes
    (the ministry). Refused when `code` already has a policy, unless `replace=true`. Safe to
    retry: a repeated copy is refused with `policy_exists` and changes nothing."""
    actor = _actor(request)
    target = access_year_for_edit(actor, code)
    origin = access_year_for_edit(actor, source)
    copy_year_policy(actor=actor.user, source=origin, target=target, replace=replace)
    return Status(201, _year_out(target))

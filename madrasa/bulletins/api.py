"""Bulletins endpoints: a pupil's bulletins, one bulletin, a class's bulletins, computations
(start, progress) and publication. Thin adapters: access.py decides scope, services.py writes.
"""

from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from madrasa.accounts.api import request_actor as _actor
from madrasa.enrolment.access import access_class
from madrasa.enrolment.services import year_or_current as _year
from madrasa.registry.access import access_student

from .access import (
    access_bulletin,
    access_run,
    check_compute,
    publishing_school,
    visible_bulletins,
)
from .models import Bulletin, BulletinRun
from .schemas import (
    BulletinFilter,
    BulletinOut,
    BulletinRunIn,
    BulletinRunOut,
    PublishIn,
    PublishOut,
)
from .selectors import pupil_bulletins
from .services import BulletinTarget, publish_bulletins, start_bulletin_run

router = Router(tags=["bulletins"])


@router.get(
    "/pupils/{student_uuid}/bulletins",
    response=list[BulletinOut],
    operation_id="bulletins_list_pupil_bulletins",
)
def list_pupil_bulletins(request: HttpRequest, student_uuid: UUID) -> QuerySet[Bulletin]:
    """A pupil's bulletins: parents and the pupil see the published ones only."""
    actor = _actor(request)
    student = access_student(actor, student_uuid)
    return pupil_bulletins(visible_bulletins(actor), student.pk).prefetch_related("lines__subject")


@router.get(
    "/bulletins/{bulletin_uuid}", response=BulletinOut, operation_id="bulletins_get_bulletin"
)
def get_bulletin(request: HttpRequest, bulletin_uuid: UUID) -> Bulletin:
    return access_bulletin(_actor(request), bulletin_uuid)


@router.get(
    "/classes/{class_uuid}/bulletins",
    response=list[BulletinOut],
    operation_id="bulletins_list_class_bulletins",
)
def list_class_bulletins(
    request: HttpRequest,
    class_uuid: UUID,
    filters: BulletinFilter = Query(...),  # type: ignore[type-arg]  # noqa: B008
) -> QuerySet[Bulletin]:
    """A class's bulletins of a period (staff who see the class), best rank first."""
    school_class = access_class(_actor(request), class_uuid)
    return (
        visible_bulletins(_actor(request))
        .filter(enrolment__school_class=school_class, period=filters.period)
        .prefetch_related("lines__subject")
        .order_by("rank", "enrolment__student__national_code")
    )


@router.post("/bulletin-runs", response={202: BulletinRunOut}, operation_id="bulletins_create_run")
def create_run(request: HttpRequest, payload: BulletinRunIn) -> Status[BulletinRun]:
    """Compute the bulletins of a school, a province, a region or the whole country in the
    background; follow it with GET /bulletin-runs/{uuid}."""
    actor = _actor(request)
    check_compute(actor, payload.scope, payload.code)
    run = start_bulletin_run(
        actor=actor,
        scope_kind=payload.scope,
        scope_code="" if payload.scope == "nation" else payload.code,
        target=BulletinTarget.of(_year(payload.year), payload.period),
        correction=payload.correction,
    )
    run.refresh_from_db()
    return Status(202, run)


@router.get("/bulletin-runs/{run_uuid}", response=BulletinRunOut, operation_id="bulletins_get_run")
def get_run(request: HttpRequest, run_uuid: UUID) -> BulletinRun:
    return access_run(_actor(request), run_uuid)


@router.post(
    "/schools/{school_uuid}/bulletins/publish",
    response=PublishOut,
    operation_id="bulletins_publish_school",
)
def publish_school(request: HttpRequest, school_uuid: UUID, payload: PublishIn) -> PublishOut:
    """Sign and publish the school's bulletins of a period to families (its director)."""
    actor = _actor(request)
    school = publishing_school(actor, school_uuid)
    count = publish_bulletins(
        actor=actor, school=school, target=BulletinTarget.of(_year(payload.year), payload.period)
    )
    return PublishOut(published=count)

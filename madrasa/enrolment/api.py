"""Enrolment endpoints: classes, enrolments (and new pupils), class moves, decisions, transfers,
duplicates. Thin adapters: access.py decides scope, services.py writes.

No `from __future__ import annotations` here: ninja reads the annotations of functions wrapped
by @paginate from the wrapper's module, so they must be real objects, not strings.
"""

from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import PageNumberPagination, paginate

from madrasa.accounts.api import request_actor as _actor
from madrasa.core.errors import InvalidInput, PermissionDenied
from madrasa.registry.access import access_school, access_student
from madrasa.registry.models import DuplicateCandidate, Level, School, Stream
from madrasa.registry.services import dismiss_duplicate

from .access import (
    access_class,
    access_duplicate,
    access_enrolment,
    access_student_for_merge,
    access_transfer,
    can_merge,
    can_request_transfer,
    manageable_school,
    transfer_step_for,
)
from .models import Enrolment, JourneyEvent, SchoolClass, Transfer
from .schemas import (
    ClassFilter,
    ClassIn,
    ClassOut,
    DecisionIn,
    DuplicateOut,
    EnrolmentIn,
    EnrolmentOut,
    JourneyEventOut,
    MergeIn,
    MoveIn,
    RollOverIn,
    RollOverOut,
    TransferDecisionIn,
    TransferFilter,
    TransferIn,
    TransferOut,
)
from .selectors import (
    class_pupils,
    open_duplicates,
    pupil_enrolments,
    pupil_journey,
    school_classes,
    transfer_queue,
)
from .services import (
    cancel_transfer,
    create_class,
    decide_transfer_as_directorate,
    decide_transfer_as_school,
    enrol_new_pupil,
    enrol_student,
    merge_pupils,
    move_to_class,
    record_decision,
    request_transfer,
    roll_over_school,
)
from .services import year_or_current as _year

router = Router(tags=["enrolment"])


def _level(code: str) -> Level:
    level = Level.objects.filter(code=code).first()
    if level is None:
        raise InvalidInput(_("Unknown level %(code)s.") % {"code": code})
    return level


def _stream(level: Level, code: str | None) -> Stream | None:
    if not code:
        return None
    stream = Stream.objects.filter(level=level, code=code, is_active=True).first()
    if stream is None:
        raise InvalidInput(
            _("The level %(level)s has no stream %(code)s.") % {"level": level.code, "code": code}
        )
    return stream


def _enrolment_out(enrolment: Enrolment) -> Enrolment:
    return (
        Enrolment.objects.select_related(
            "student", "school", "year", "level", "stream", "school_class", "decision_stream"
        )
        .filter(pk=enrolment.pk)
        .get()
    )


@router.get(
    "/schools/{school_uuid}/classes",
    response=list[ClassOut],
    operation_id="enrolment_list_classes",
)
def list_classes(
    request: HttpRequest,
    school_uuid: UUID,
    filters: ClassFilter = Query(...),  # type: ignore[type-arg]  # noqa: B008
) -> QuerySet[SchoolClass]:
    """A school's classes for a year with their head counts (a teacher: the classes taught)."""
    actor = _actor(request)
    school = access_school(actor, school_uuid)
    return school_classes(actor, school, _year(filters.year))


@router.post(
    "/schools/{school_uuid}/classes",
    response={201: ClassOut},
    operation_id="enrolment_create_class",
)
def create_class_endpoint(
    request: HttpRequest, school_uuid: UUID, payload: ClassIn
) -> Status[SchoolClass]:
    """Create a class (the school's director)."""
    actor = _actor(request)
    school = manageable_school(actor, school_uuid)
    level = _level(payload.level)
    school_class = create_class(
        actor=actor.user,
        school=school,
        year=_year(payload.year),
        level=level,
        stream=_stream(level, payload.stream),
        name=payload.name,
        capacity=payload.capacity,
    )
    return Status(201, school_class)


@router.post(
    "/schools/{school_uuid}/rollover",
    response=RollOverOut,
    operation_id="enrolment_create_rollover",
)
def roll_over(request: HttpRequest, school_uuid: UUID, payload: RollOverIn) -> RollOverOut:
    """Enrol the school's pupils in the new year from last year's decisions (its director).

    Safe to repeat: pupils already enrolled for the new year are left as they are.
    """
    actor = _actor(request)
    school = manageable_school(actor, school_uuid)
    result = roll_over_school(
        actor=actor.user,
        school=school,
        from_year=_year(payload.from_year),
        to_year=_year(payload.to_year),
    )
    return RollOverOut(created=result.created, left=result.left)


@router.get(
    "/classes/{class_uuid}/pupils",
    response=list[EnrolmentOut],
    operation_id="enrolment_list_class_pupils",
)
def list_class_pupils(request: HttpRequest, class_uuid: UUID) -> QuerySet[Enrolment]:
    """The class list: the current enrolments of a class."""
    school_class = access_class(_actor(request), class_uuid)
    return class_pupils(school_class).select_related(
        "school", "year", "level", "stream", "school_class"
    )


@router.get(
    "/pupils/{student_uuid}/journey",
    response=list[JourneyEventOut],
    operation_id="enrolment_get_journey",
)
def get_journey(request: HttpRequest, student_uuid: UUID) -> QuerySet[JourneyEvent]:
    """Every step of a pupil's path, oldest first."""
    return pupil_journey(access_student(_actor(request), student_uuid))


@router.get(
    "/pupils/{student_uuid}/enrolments",
    response=list[EnrolmentOut],
    operation_id="enrolment_list_pupil_enrolments",
)
def list_pupil_enrolments(request: HttpRequest, student_uuid: UUID) -> QuerySet[Enrolment]:
    """Every enrolment of a pupil, with its year-end decision."""
    return pupil_enrolments(access_student(_actor(request), student_uuid))


@router.post("/enrolments", response={201: EnrolmentOut}, operation_id="enrolment_create_enrolment")
def create_enrolment(request: HttpRequest, payload: EnrolmentIn) -> Status[Enrolment]:
    """Enrol a pupil in the caller's school. Give `student` for a pupil already in the registry,
    or `pupil` for a new one, who is created now and gets a national code."""
    actor = _actor(request)
    school = manageable_school(actor, payload.school)
    level = _level(payload.level)
    stream = _stream(level, payload.stream)
    year = _year(payload.year)
    school_class = None
    if payload.class_uuid is not None:
        school_class = access_class(actor, payload.class_uuid)
    if (payload.student is None) == (payload.pupil is None):
        raise InvalidInput(_("Give either an existing pupil or a new pupil's identity."))
    if payload.student is not None:
        student = access_student(actor, payload.student)
        enrolment = enrol_student(
            actor=actor.user,
            student=student,
            school=school,
            level=level,
            year=year,
            stream=stream,
            school_class=school_class,
        )
    else:
        assert payload.pupil is not None  # noqa: S101  narrowed by the check above
        enrolment = enrol_new_pupil(
            actor=actor.user,
            school=school,
            level=level,
            year=year,
            stream=stream,
            school_class=school_class,
            **payload.pupil.model_dump(),
        )
    return Status(201, _enrolment_out(enrolment))


@router.post(
    "/enrolments/{enrolment_uuid}/class",
    response=EnrolmentOut,
    operation_id="enrolment_update_class",
)
def move_enrolment(request: HttpRequest, enrolment_uuid: UUID, payload: MoveIn) -> Enrolment:
    """Move a pupil to another class of the same school, year, level and stream."""
    actor = _actor(request)
    enrolment = access_enrolment(actor, enrolment_uuid)
    school_class = access_class(actor, payload.class_uuid)
    return _enrolment_out(
        move_to_class(actor=actor.user, enrolment=enrolment, school_class=school_class)
    )


@router.post(
    "/enrolments/{enrolment_uuid}/decision",
    response=EnrolmentOut,
    operation_id="enrolment_record_decision",
)
def decide(request: HttpRequest, enrolment_uuid: UUID, payload: DecisionIn) -> Enrolment:
    """Record the year-end decision for an enrolment (the school's director)."""
    actor = _actor(request)
    enrolment = access_enrolment(actor, enrolment_uuid)
    stream = None
    if payload.stream:
        next_level = Level.objects.filter(rank=enrolment.level.rank + 1).first()
        if next_level is None:
            raise InvalidInput(
                _("There is no level after %(level)s.") % {"level": enrolment.level.code}
            )
        stream = _stream(next_level, payload.stream)
    return _enrolment_out(
        record_decision(
            actor=actor.user,
            enrolment=enrolment,
            decision=payload.decision,
            stream=stream,
            note=payload.note,
        )
    )


@router.get("/transfers", response=list[TransferOut], operation_id="enrolment_list_transfers")
@paginate(PageNumberPagination, page_size=50)
def list_transfers(
    request: HttpRequest,
    filters: TransferFilter = Query(...),  # type: ignore[type-arg]  # noqa: B008
) -> QuerySet[Transfer]:
    """Transfer requests the caller sees (open ones by default), oldest first."""
    return transfer_queue(_actor(request), open_only=filters.status == "open")


@router.get(
    "/transfers/{transfer_uuid}", response=TransferOut, operation_id="enrolment_get_transfer"
)
def get_transfer(request: HttpRequest, transfer_uuid: UUID) -> Transfer:
    return access_transfer(_actor(request), transfer_uuid)


@router.post("/transfers", response={201: TransferOut}, operation_id="enrolment_create_transfer")
def create_transfer(request: HttpRequest, payload: TransferIn) -> Status[Transfer]:
    """Ask for a pupil to move to another school (a parent of the pupil, or its director)."""
    actor = _actor(request)
    student = access_student(actor, payload.student)
    if not can_request_transfer(actor, student):
        raise PermissionDenied(_("Only a parent or the pupil's director can ask for a transfer."))
    to_school = School.objects.filter(uuid=payload.to_school, is_active=True).first()
    if to_school is None:
        raise InvalidInput(_("No such school."))
    transfer = request_transfer(
        actor=actor.user, student=student, to_school=to_school, reason=payload.reason
    )
    return Status(201, access_transfer(actor, transfer.uuid))


@router.post(
    "/transfers/{transfer_uuid}/decision",
    response=TransferOut,
    operation_id="enrolment_record_transfer_decision",
)
def decide_transfer(
    request: HttpRequest, transfer_uuid: UUID, payload: TransferDecisionIn
) -> Transfer:
    """Accept or refuse a request: first the receiving school's director, then its directorate."""
    actor = _actor(request)
    transfer = access_transfer(actor, transfer_uuid)
    step = transfer_step_for(actor, transfer)
    if step == "school":
        decide_transfer_as_school(
            actor=actor.user, transfer=transfer, accept=payload.accept, note=payload.note
        )
    elif step == "directorate":
        decide_transfer_as_directorate(
            actor=actor.user, transfer=transfer, approve=payload.accept, note=payload.note
        )
    elif transfer.status in Transfer.OPEN_STATUSES:
        raise PermissionDenied(_("This request is waiting for someone else's decision."))
    else:
        raise InvalidInput(_("This request has already been decided."))
    return access_transfer(actor, transfer.uuid)


@router.post(
    "/transfers/{transfer_uuid}/cancel",
    response=TransferOut,
    operation_id="enrolment_archive_transfer",
)
def cancel_transfer_endpoint(request: HttpRequest, transfer_uuid: UUID) -> Transfer:
    """Withdraw an open request (whoever asked, or the pupil's current director)."""
    actor = _actor(request)
    transfer = access_transfer(actor, transfer_uuid)
    if not (
        transfer.requested_by_id == actor.user.pk
        or transfer.from_school_id in actor.director_school_ids
    ):
        raise PermissionDenied(_("Only whoever asked, or the pupil's director, can withdraw it."))
    cancel_transfer(actor=actor.user, transfer=transfer)
    return access_transfer(actor, transfer.uuid)


@router.get("/duplicates", response=list[DuplicateOut], operation_id="enrolment_list_duplicates")
@paginate(PageNumberPagination, page_size=50)
def list_duplicates(request: HttpRequest) -> QuerySet[DuplicateCandidate]:
    """Pairs of records that may be the same pupil, both within the caller's scope."""
    actor = _actor(request)
    if not can_merge(actor):
        raise PermissionDenied(_("Only a directorate, an academy or the ministry merges records."))
    return open_duplicates(actor)


@router.post(
    "/duplicates/{candidate_id}/merge",
    response=DuplicateOut,
    operation_id="enrolment_record_merge",
)
def merge(request: HttpRequest, candidate_id: int, payload: MergeIn) -> DuplicateCandidate:
    """Merge the pair into the record `keep`; the other keeps its code and points to it."""
    actor = _actor(request)
    candidate = access_duplicate(actor, candidate_id, open_only=True)
    if payload.keep not in (candidate.student.uuid, candidate.other.uuid):
        raise InvalidInput(_("Keep one of the two records of the pair."))
    keep = access_student_for_merge(actor, payload.keep)
    drop = candidate.other if keep.pk == candidate.student_id else candidate.student
    merge_pupils(actor=actor.user, keep=keep, drop=drop)
    candidate.refresh_from_db()
    return candidate


@router.post(
    "/duplicates/{candidate_id}/dismiss",
    response=DuplicateOut,
    operation_id="enrolment_record_dismissal",
)
def dismiss(request: HttpRequest, candidate_id: int) -> DuplicateCandidate:
    """Record that the pair are two different pupils."""
    actor = _actor(request)
    return dismiss_duplicate(
        actor=actor.user, candidate=access_duplicate(actor, candidate_id, open_only=True)
    )

"""Writes of the enrolment domain: classes, enrolments, class moves, transfers, year-end
decisions and record merges. Each is atomic, audited, and writes the pupil's journey step.

Scope (who may do what to which school or pupil) is decided in access.py before these run;
these functions enforce the business rules that hold whoever acts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from madrasa.accounts.models import RoleAssignment, User
from madrasa.core.audit import record_event
from madrasa.core.errors import InvalidInput
from madrasa.registry.models import (
    DuplicateCandidate,
    Guardianship,
    Level,
    School,
    SchoolYear,
    Stream,
    Student,
)
from madrasa.registry.services import create_student

from .models import Enrolment, JourneyEvent, SchoolClass, TeachingAssignment, Transfer

__all__ = [
    "assign_teacher",
    "cancel_transfer",
    "create_class",
    "current_year",
    "decide_transfer_as_directorate",
    "decide_transfer_as_school",
    "enrol_new_pupil",
    "enrol_student",
    "merge_pupils",
    "move_to_class",
    "record_decision",
    "request_transfer",
    "roll_over_school",
    "year_or_current",
]

# Decisions that end the pupil's schooling in this school (no enrolment follows next year).
ENDING_DECISIONS = frozenset({Enrolment.Decision.DROPPED_OUT, Enrolment.Decision.EXCLUDED})


def _name(obj: Any) -> str:
    """A school's or level's name in the language of the message (Arabic or French)."""
    return str(obj.name_ar if (get_language() or "").startswith("ar") else obj.name_fr)


def current_year() -> SchoolYear:
    year = SchoolYear.objects.filter(is_current=True).first()
    if year is None:
        raise InvalidInput(_("No school year is open: the ministry must set the current year."))
    return year


def year_or_current(code: str | None) -> SchoolYear:
    """The school year with this code (e.g. 2025-2026), or the current one when none is given."""
    if not code:
        return current_year()
    year = SchoolYear.objects.filter(code=code).first()
    if year is None:
        raise InvalidInput(_("Unknown school year %(code)s.") % {"code": code})
    return year


def _journey(
    student: Student,
    kind: str,
    *,
    actor: User | None,
    year: SchoolYear | None = None,
    school: School | None = None,
    level: Level | None = None,
    **detail: Any,
) -> JourneyEvent:
    return JourneyEvent.objects.create(
        student=student,
        kind=kind,
        at=timezone.now(),
        year=year,
        school=school,
        level=level,
        detail={k: v for k, v in detail.items() if v not in (None, "")},
        actor=actor,
    )


def _check_stream(level: Level, stream: Stream | None) -> None:
    has_streams = level.streams.filter(is_active=True).exists()
    if stream is None and has_streams:
        raise InvalidInput(
            _("The level %(level)s needs a stream (filière).") % {"level": _name(level)}
        )
    if stream is not None and stream.level_id != level.pk:
        raise InvalidInput(
            _("The stream %(stream)s does not belong to the level %(level)s.")
            % {"stream": stream.code, "level": level.code}
        )


@transaction.atomic
def create_class(
    *,
    actor: User | None,
    school: School,
    year: SchoolYear,
    level: Level,
    name: str,
    stream: Stream | None = None,
    capacity: int = 45,
) -> SchoolClass:
    name = " ".join(name.split())
    if not name or len(name) > 40:
        raise InvalidInput(_("A class name has 1 to 40 characters."))
    if not 1 <= capacity <= 60:
        raise InvalidInput(_("A class holds between 1 and 60 pupils."))
    _check_stream(level, stream)
    if SchoolClass.objects.filter(school=school, year=year, name=name).exists():
        raise InvalidInput(
            _("The school already has a class named %(name)s in %(year)s.")
            % {"name": name, "year": year.code}
        )
    school_class = SchoolClass.objects.create(
        school=school, year=year, level=level, stream=stream, name=name, capacity=capacity
    )
    record_event(
        actor=actor,
        action="class.create",
        object_type="class",
        object_id=school_class.uuid,
        data={"school": str(school.uuid), "year": year.code, "level": level.code},
    )
    return school_class


@transaction.atomic
def assign_teacher(
    *, actor: User | None, teacher: User, school_class: SchoolClass, subject: str = ""
) -> TeachingAssignment:
    """`teacher` teaches `subject` to the class; they must hold the teacher role in its school."""
    if not RoleAssignment.objects.filter(
        user=teacher, role="teacher", school_id=school_class.school_id, is_active=True
    ).exists():
        raise InvalidInput(
            _("%(user)s is not a teacher of this school.") % {"user": teacher.get_username()}
        )
    assignment, _created = TeachingAssignment.objects.get_or_create(
        teacher=teacher, school_class=school_class, subject=subject.strip()
    )
    record_event(
        actor=actor,
        action="class.assign_teacher",
        object_type="class",
        object_id=school_class.uuid,
        data={"teacher": teacher.get_username(), "subject": subject.strip()},
    )
    return assignment


def _check_class(
    school_class: SchoolClass | None,
    school: School,
    year: SchoolYear,
    level: Level,
    stream: Stream | None,
) -> None:
    if school_class is None:
        return
    if (
        school_class.school_id != school.pk
        or school_class.year_id != year.pk
        or school_class.level_id != level.pk
        or school_class.stream_id != (stream.pk if stream else None)
    ):
        raise InvalidInput(
            _("The class %(name)s is not a class of this school, year, level and stream.")
            % {"name": school_class.name}
        )


@transaction.atomic
def enrol_student(
    *,
    actor: User | None,
    student: Student,
    school: School,
    level: Level,
    year: SchoolYear | None = None,
    stream: Stream | None = None,
    school_class: SchoolClass | None = None,
    on: date | None = None,
) -> Enrolment:
    """Enrol a pupil in a school for a year. A pupil enrolled elsewhere this year needs a
    transfer instead; `Student.school` becomes this school."""
    year = year or current_year()
    student = Student.objects.select_for_update().get(pk=student.pk)
    if student.merged_into_id is not None:
        raise InvalidInput(_("This record was merged into another one: enrol that one."))
    _check_stream(level, stream)
    _check_class(school_class, school, year, level, stream)
    existing = (
        Enrolment.objects.filter(student=student, year=year, status=Enrolment.Status.ACTIVE)
        .select_related("school")
        .first()
    )
    if existing is not None:
        if existing.school_id == school.pk:
            raise InvalidInput(
                _("%(code)s is already enrolled in this school for %(year)s.")
                % {"code": student.national_code, "year": year.code}
            )
        raise InvalidInput(
            _("%(code)s is enrolled in %(school)s for %(year)s: ask for a transfer.")
            % {"code": student.national_code, "school": _name(existing.school), "year": year.code}
        )
    enrolment = Enrolment.objects.create(
        student=student,
        school=school,
        year=year,
        level=level,
        stream=stream,
        school_class=school_class,
        started_on=on or timezone.localdate(),
    )
    Student.objects.filter(pk=student.pk).update(school=school)
    student.school = school
    _journey(
        student,
        JourneyEvent.Kind.ENROLLED,
        actor=actor,
        year=year,
        school=school,
        level=level,
        stream=stream.code if stream else None,
        school_class=school_class.name if school_class else None,
    )
    record_event(
        actor=actor,
        action="enrolment.create",
        object_type="student",
        object_id=student.uuid,
        data={"school": str(school.uuid), "year": year.code, "level": level.code},
    )
    return enrolment


@transaction.atomic
def enrol_new_pupil(
    *,
    actor: User | None,
    school: School,
    level: Level,
    first_name_ar: str,
    last_name_ar: str,
    first_name_latn: str,
    last_name_latn: str,
    birth_date: date,
    gender: str,
    birth_place_ar: str = "",
    birth_place_latn: str = "",
    year: SchoolYear | None = None,
    stream: Stream | None = None,
    school_class: SchoolClass | None = None,
) -> Enrolment:
    """A pupil's first enrolment: the record is created and gets its national code now."""
    student = create_student(
        actor=actor,
        first_name_ar=first_name_ar,
        last_name_ar=last_name_ar,
        first_name_latn=first_name_latn,
        last_name_latn=last_name_latn,
        birth_date=birth_date,
        gender=gender,
        school=school,
        birth_place_ar=birth_place_ar,
        birth_place_latn=birth_place_latn,
    )
    return enrol_student(
        actor=actor,
        student=student,
        school=school,
        level=level,
        year=year,
        stream=stream,
        school_class=school_class,
    )


@transaction.atomic
def move_to_class(
    *, actor: User | None, enrolment: Enrolment, school_class: SchoolClass
) -> Enrolment:
    """Move an enrolled pupil to another class of the same school, year, level and stream."""
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise InvalidInput(_("Only a current enrolment can change class."))
    _check_class(school_class, enrolment.school, enrolment.year, enrolment.level, enrolment.stream)
    if enrolment.school_class_id == school_class.pk:
        raise InvalidInput(_("The pupil is already in this class."))
    before = enrolment.school_class.name if enrolment.school_class else ""
    enrolment.school_class = school_class
    enrolment.save(update_fields=["school_class"])
    _journey(
        enrolment.student,
        JourneyEvent.Kind.CLASS_CHANGED,
        actor=actor,
        year=enrolment.year,
        school=enrolment.school,
        level=enrolment.level,
        before=before,
        after=school_class.name,
    )
    record_event(
        actor=actor,
        action="enrolment.move_class",
        object_type="student",
        object_id=enrolment.student.uuid,
        data={"from": before, "to": school_class.name},
    )
    return enrolment


@transaction.atomic
def record_decision(
    *,
    actor: User | None,
    enrolment: Enrolment,
    decision: str,
    stream: Stream | None = None,
    note: str = "",
) -> Enrolment:
    """The year-end decision for an enrolment (admis, redouble, orienté, abandon, exclu).

    "Oriented" names the stream of the next level the pupil goes to. A decision can be corrected
    while the enrolment is current; each change is audited and shows in the journey.
    """
    if decision not in Enrolment.Decision.values:
        raise InvalidInput(_("Unknown decision %(value)s.") % {"value": decision})
    if enrolment.status == Enrolment.Status.TRANSFERRED:
        raise InvalidInput(_("This pupil left the school by transfer; the new school decides."))
    if decision == Enrolment.Decision.ORIENTED:
        if stream is None:
            raise InvalidInput(_("Choose the stream the pupil is oriented to."))
        if stream.level.rank != enrolment.level.rank + 1:
            raise InvalidInput(_("A pupil is oriented to a stream of the next level."))
    elif stream is not None:
        raise InvalidInput(_("Only an orientation names a stream."))
    if (
        decision == Enrolment.Decision.PROMOTED
        and not Level.objects.filter(rank=enrolment.level.rank + 1).exists()
    ):
        raise InvalidInput(_("There is no level after this one: record the cycle as completed."))
    if (
        decision == Enrolment.Decision.GRADUATED
        and Level.objects.filter(
            cycle_id=enrolment.level.cycle_id, rank__gt=enrolment.level.rank
        ).exists()
    ):
        raise InvalidInput(_("Only a pupil in the last level of a cycle completes it."))
    before = enrolment.decision
    enrolment.decision = decision
    enrolment.decision_stream = stream
    enrolment.decision_note = note.strip()[:300]
    enrolment.decided_at = timezone.now()
    enrolment.decided_by = actor
    fields = ["decision", "decision_stream", "decision_note", "decided_at", "decided_by"]
    if decision in ENDING_DECISIONS:
        enrolment.status = Enrolment.Status.ENDED
        enrolment.ended_on = timezone.localdate()
        fields += ["status", "ended_on"]
    elif enrolment.status == Enrolment.Status.ENDED and before in ENDING_DECISIONS:
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.ended_on = None
        fields += ["status", "ended_on"]
    enrolment.save(update_fields=fields)
    _journey(
        enrolment.student,
        JourneyEvent.Kind.DECISION,
        actor=actor,
        year=enrolment.year,
        school=enrolment.school,
        level=enrolment.level,
        decision=decision,
        previous=before,
        stream=stream.code if stream else None,
        note=enrolment.decision_note,
    )
    record_event(
        actor=actor,
        action="enrolment.decision",
        object_type="student",
        object_id=enrolment.student.uuid,
        data={"year": enrolment.year.code, "decision": decision, "previous": before},
    )
    return enrolment


@transaction.atomic
def request_transfer(
    *, actor: User | None, student: Student, to_school: School, reason: str
) -> Transfer:
    """Ask for a pupil to move to `to_school` during the current year."""
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidInput(_("Give the reason for the transfer."))
    year = current_year()
    enrolment = (
        Enrolment.objects.filter(student=student, year=year, status=Enrolment.Status.ACTIVE)
        .select_related("school")
        .first()
    )
    if enrolment is None:
        raise InvalidInput(
            _("%(code)s is not enrolled this year: enrol the pupil instead.")
            % {"code": student.national_code}
        )
    if enrolment.school_id == to_school.pk:
        raise InvalidInput(_("The pupil is already in this school."))
    if not to_school.is_active:
        raise InvalidInput(_("This school is closed."))
    if Transfer.objects.filter(student=student, status__in=Transfer.OPEN_STATUSES).exists():
        raise InvalidInput(_("A transfer request for this pupil is already open."))
    transfer = Transfer.objects.create(
        student=student,
        from_school=enrolment.school,
        to_school=to_school,
        year=year,
        reason=reason[:500],
        requested_by=actor,
    )
    _journey(
        student,
        JourneyEvent.Kind.TRANSFER_REQUESTED,
        actor=actor,
        year=year,
        school=enrolment.school,
        to_school=to_school.code,
        reason=transfer.reason,
    )
    record_event(
        actor=actor,
        action="transfer.request",
        object_type="transfer",
        object_id=transfer.uuid,
        data={"from": enrolment.school.code, "to": to_school.code},
    )
    return transfer


def _locked(transfer: Transfer) -> Transfer:
    return (
        Transfer.objects.select_for_update()
        .select_related("student", "to_school")
        .get(pk=transfer.pk)
    )


@transaction.atomic
def decide_transfer_as_school(
    *, actor: User | None, transfer: Transfer, accept: bool, note: str = ""
) -> Transfer:
    """The receiving school's director accepts (then the directorate decides) or refuses."""
    transfer = _locked(transfer)
    if transfer.status != Transfer.Status.PENDING_SCHOOL:
        raise InvalidInput(_("This request is not waiting for the receiving school."))
    note = note.strip()
    if not accept and len(note) < 3:
        raise InvalidInput(_("Give the reason for the refusal."))
    transfer.status = Transfer.Status.PENDING_DIRECTORATE if accept else Transfer.Status.REFUSED
    transfer.school_decided_by = actor
    transfer.school_decided_at = timezone.now()
    transfer.school_note = note[:500]
    transfer.save(update_fields=["status", "school_decided_by", "school_decided_at", "school_note"])
    _journey(
        transfer.student,
        JourneyEvent.Kind.TRANSFER_ACCEPTED_BY_SCHOOL
        if accept
        else JourneyEvent.Kind.TRANSFER_REFUSED,
        actor=actor,
        year=transfer.year,
        school=transfer.to_school,
        by="school",
        note=note,
    )
    record_event(
        actor=actor,
        action="transfer.school_decision",
        object_type="transfer",
        object_id=transfer.uuid,
        data={"accept": accept},
    )
    return transfer


@transaction.atomic
def decide_transfer_as_directorate(
    *, actor: User | None, transfer: Transfer, approve: bool, note: str = ""
) -> Transfer:
    """The receiving school's directorate approves (the pupil moves now) or refuses."""
    transfer = _locked(transfer)
    if transfer.status != Transfer.Status.PENDING_DIRECTORATE:
        raise InvalidInput(_("This request is not waiting for the directorate."))
    note = note.strip()
    if not approve and len(note) < 3:
        raise InvalidInput(_("Give the reason for the refusal."))
    transfer.status = Transfer.Status.APPROVED if approve else Transfer.Status.REFUSED
    transfer.directorate_decided_by = actor
    transfer.directorate_decided_at = timezone.now()
    transfer.directorate_note = note[:500]
    transfer.save(
        update_fields=[
            "status",
            "directorate_decided_by",
            "directorate_decided_at",
            "directorate_note",
        ]
    )
    if approve:
        _move_school(transfer, actor)
    else:
        _journey(
            transfer.student,
            JourneyEvent.Kind.TRANSFER_REFUSED,
            actor=actor,
            year=transfer.year,
            school=transfer.to_school,
            by="directorate",
            note=note,
        )
    record_event(
        actor=actor,
        action="transfer.directorate_decision",
        object_type="transfer",
        object_id=transfer.uuid,
        data={"approve": approve},
    )
    return transfer


def _move_school(transfer: Transfer, actor: User | None) -> None:
    today = timezone.localdate()
    old = (
        Enrolment.objects.select_for_update()
        .filter(student=transfer.student, year=transfer.year, status=Enrolment.Status.ACTIVE)
        .first()
    )
    if old is None or old.school_id != transfer.from_school_id:
        raise InvalidInput(
            _("The pupil is no longer enrolled in the school the request came from.")
        )
    old.status = Enrolment.Status.TRANSFERRED
    old.ended_on = today
    old.save(update_fields=["status", "ended_on"])
    Enrolment.objects.create(
        student=transfer.student,
        school=transfer.to_school,
        year=transfer.year,
        level=old.level,
        stream=old.stream,
        started_on=today,
    )
    Student.objects.filter(pk=transfer.student_id).update(school=transfer.to_school)
    _journey(
        transfer.student,
        JourneyEvent.Kind.TRANSFER_APPROVED,
        actor=actor,
        year=transfer.year,
        school=transfer.to_school,
        level=old.level,
        from_school=transfer.from_school.code,
    )


@transaction.atomic
def cancel_transfer(*, actor: User | None, transfer: Transfer) -> Transfer:
    transfer = _locked(transfer)
    if transfer.status not in Transfer.OPEN_STATUSES:
        raise InvalidInput(_("Only an open request can be cancelled."))
    transfer.status = Transfer.Status.CANCELLED
    transfer.save(update_fields=["status"])
    _journey(
        transfer.student,
        JourneyEvent.Kind.TRANSFER_CANCELLED,
        actor=actor,
        year=transfer.year,
        school=transfer.from_school,
    )
    record_event(
        actor=actor, action="transfer.cancel", object_type="transfer", object_id=transfer.uuid
    )
    return transfer


@transaction.atomic
def merge_pupils(*, actor: User | None, keep: Student, drop: Student) -> Student:
    """Merge the record `drop` into `keep`: every enrolment, journey step, transfer, guardian and
    family account moves to `keep`; `drop` keeps its national code (never reused) and points to
    `keep`. Two current enrolments in the same year cannot both stay: the one of `drop` ends.
    """
    if keep.pk == drop.pk:
        raise InvalidInput(_("A record cannot be merged into itself."))
    keep, drop = (
        Student.objects.select_for_update().get(pk=keep.pk),
        Student.objects.select_for_update().get(pk=drop.pk),
    )
    if keep.merged_into_id or drop.merged_into_id:
        raise InvalidInput(_("One of these records was already merged."))
    today = timezone.localdate()
    kept_years = set(
        Enrolment.objects.filter(student=keep, status=Enrolment.Status.ACTIVE).values_list(
            "year_id", flat=True
        )
    )
    Enrolment.objects.filter(
        student=drop, status=Enrolment.Status.ACTIVE, year_id__in=kept_years
    ).update(status=Enrolment.Status.ENDED, ended_on=today, decision_note="merged")
    moved_enrolments = Enrolment.objects.filter(student=drop).update(student=keep)
    Transfer.objects.filter(student=drop, status__in=Transfer.OPEN_STATUSES).update(
        status=Transfer.Status.CANCELLED
    )
    Transfer.objects.filter(student=drop).update(student=keep)
    JourneyEvent.objects.filter(student=drop).update(student=keep)
    kept_guardians = Guardianship.objects.filter(student=keep).values_list("guardian_id", flat=True)
    Guardianship.objects.filter(student=drop).exclude(guardian_id__in=list(kept_guardians)).update(
        student=keep
    )
    for assignment in RoleAssignment.objects.filter(student=drop):
        if RoleAssignment.objects.filter(
            user_id=assignment.user_id, role=assignment.role, student=keep
        ).exists():
            assignment.delete()
        else:
            assignment.student_id = keep.pk
            assignment.save(update_fields=["student"])
    DuplicateCandidate.objects.filter(
        Q(student=drop, other=keep) | Q(student=keep, other=drop)
    ).update(status=DuplicateCandidate.Status.MERGED, resolved_by=actor, resolved_at=timezone.now())
    drop.merged_into = keep
    drop.school = None
    drop.save(update_fields=["merged_into", "school"])
    latest = (
        Enrolment.objects.filter(student=keep, status=Enrolment.Status.ACTIVE)
        .order_by("-year__starts_on")
        .first()
    )
    if latest is not None and keep.school_id != latest.school_id:
        Student.objects.filter(pk=keep.pk).update(school_id=latest.school_id)
    _journey(
        keep,
        JourneyEvent.Kind.MERGED,
        actor=actor,
        merged_code=drop.national_code,
        enrolments=moved_enrolments,
    )
    record_event(
        actor=actor,
        action="student.merge",
        object_type="student",
        object_id=keep.uuid,
        data={"merged": str(drop.uuid), "merged_code": drop.national_code},
    )
    keep.refresh_from_db()
    return keep


@dataclass(frozen=True)
class RollOver:
    """What opening a new year did for a school: enrolments created, and the pupils left for
    someone else to place, by reason."""

    created: int
    left: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def roll_over_school(
    *, actor: User | None, school: School, from_year: SchoolYear, to_year: SchoolYear
) -> RollOver:
    """Enrol the school's pupils for `to_year` from their `from_year` decisions, set-based.

    Repeaters stay at their level and stream; promoted pupils go to the next level when the
    school teaches it (same cycle) and it needs no stream; oriented pupils go to the next level in
    the stream they were oriented to. Pupils leaving the cycle, without a decision, already
    enrolled for `to_year`, or promoted to a level that needs an orientation are left out and
    counted by reason. Running it again creates nothing new (idempotent).
    """
    if to_year.starts_on <= from_year.starts_on:
        raise InvalidInput(_("The new year must come after the year being closed."))
    levels = {level.pk: level for level in Level.objects.select_related("cycle")}
    by_rank = {level.rank: level for level in levels.values()}
    streams = list(Stream.objects.filter(is_active=True).values_list("id", "level_id", "code"))
    stream_code = {pk: code for pk, _level, code in streams}
    stream_by_code = {(level_id, code): pk for pk, level_id, code in streams}
    already = set(
        Enrolment.objects.filter(year=to_year)
        .exclude(status=Enrolment.Status.TRANSFERRED)
        .values_list("student_id", flat=True)
    )
    rows = (
        Enrolment.objects.filter(school=school, year=from_year)
        .exclude(status=Enrolment.Status.TRANSFERRED)
        .values("id", "student_id", "level_id", "stream_id", "decision", "decision_stream_id")
    )
    left: dict[str, int] = {}
    new: list[Enrolment] = []
    closed: list[int] = []
    for row in rows:
        reason, level_id, stream_id = _next_place(
            dict(row), levels, by_rank, stream_code, stream_by_code
        )
        if row["student_id"] in already:
            reason = "already_enrolled"
        if reason:
            left[reason] = left.get(reason, 0) + 1
            continue
        closed.append(row["id"])
        assert level_id is not None  # noqa: S101  a place was found
        new.append(
            Enrolment(
                student_id=row["student_id"],
                school=school,
                year=to_year,
                level_id=level_id,
                stream_id=stream_id,
                started_on=to_year.starts_on,
            )
        )
    Enrolment.objects.bulk_create(new, batch_size=1000)
    Enrolment.objects.filter(id__in=closed, status=Enrolment.Status.ACTIVE).update(
        status=Enrolment.Status.ENDED, ended_on=from_year.ends_on
    )
    at = timezone.make_aware(datetime.combine(to_year.starts_on, time(8)))
    JourneyEvent.objects.bulk_create(
        [
            JourneyEvent(
                student_id=e.student_id,
                kind=JourneyEvent.Kind.ENROLLED,
                at=at,
                year=to_year,
                school=school,
                level_id=e.level_id,
                detail={"from_decision": True},
                actor=actor,
            )
            for e in new
        ],
        batch_size=1000,
    )
    record_event(
        actor=actor,
        action="enrolment.roll_over",
        object_type="school",
        object_id=school.uuid,
        data={"from": from_year.code, "to": to_year.code, "created": len(new), "left": left},
    )
    return RollOver(created=len(new), left=left)


def _next_place(
    row: dict[str, Any],
    levels: dict[int, Level],
    by_rank: dict[int, Level],
    stream_code: dict[int, str],
    stream_by_code: dict[tuple[int, str], int],
) -> tuple[str, int | None, int | None]:
    """(reason left out or "", next level id, next stream id) for one enrolment row."""
    level = levels[row["level_id"]]
    decision = row["decision"]
    if decision == Enrolment.Decision.REPEAT:
        return "", level.pk, row["stream_id"]
    if decision not in (Enrolment.Decision.PROMOTED, Enrolment.Decision.ORIENTED):
        return ("no_decision" if not decision else "left_school"), None, None
    following = by_rank.get(level.rank + 1)
    if following is None or following.cycle_id != level.cycle_id:
        return "leaves_cycle", None, None
    if decision == Enrolment.Decision.ORIENTED:
        return "", following.pk, row["decision_stream_id"]
    if any(level_id == following.pk for level_id, _code in stream_by_code):
        # Promoted into a level with streams: the same stream code if the level has it.
        same = stream_by_code.get((following.pk, stream_code.get(row["stream_id"] or 0, "")))
        if same is None:
            return "needs_orientation", None, None
        return "", following.pk, same
    return "", following.pk, None

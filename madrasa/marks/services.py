"""Writes of the marks domain: assessments, the marks of an assessment (a whole grid at once),
term closure and the change requests a closed term needs. Each is atomic and audited.

Scope (who may enter which marks) is decided in access.py before these run; these functions
enforce the rules that hold whoever acts: only pupils actively enrolled in the class have marks,
values lie on the year's scale with at most two decimals, a closed term changes only through an
approved request.

`save_marks` is set-based: whatever the class size it runs a bounded number of queries (one read
of the class, one of the marks, one upsert, one delete, one insert of the history, one audit
entry), and re-sending the same grid writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from madrasa.accounts.models import User
from madrasa.core.audit import record_event
from madrasa.core.errors import InvalidInput
from madrasa.enrolment.models import Enrolment, SchoolClass
from madrasa.grading.models import AbsenceCode, ExamScheme, Subject
from madrasa.grading.services import parse_decimal, policy_for, subjects_for
from madrasa.registry.models import School, Semester, Student

from .models import Assessment, Mark, MarkChangeRequest, MarkEvent, TermClosure

__all__ = [
    "ABSENCE_CODES",
    "EntryError",
    "MarkErrors",
    "ParsedMark",
    "SaveResult",
    "close_term",
    "create_assessment",
    "decide_change_request",
    "is_term_closed",
    "parse_mark",
    "save_marks",
]

ABSENCE_CODES = frozenset(AbsenceCode.values)
# Digits (Latin or Arabic-Indic), then at most one decimal separator (point, comma or the Arabic
# decimal separator) followed by digits. No sign, no exponent, no spaces inside.
_NUMBER = re.compile(r"^[0-9\u0660-\u0669]+(?:[.,\u066b][0-9\u0660-\u0669]+)?$")
_CENT = Decimal("0.01")
REASON_MAX = 500


@dataclass(frozen=True)
class ParsedMark:
    """A mark as typed: a value, an absence code, or nothing (the mark is to be removed)."""

    value: Decimal | None = None
    absence: str = ""

    @property
    def is_empty(self) -> bool:
        return self.value is None and not self.absence


class MarkSyntaxError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_mark(raw: str, *, scale_max: Decimal) -> ParsedMark:
    """Read a typed mark: "12,5", "12.5", "abj", "" … Raises MarkSyntaxError (with a code and a
    translated reason) for anything else."""
    text = (raw or "").strip()
    if not text:
        return ParsedMark()
    if text.upper() in ABSENCE_CODES:
        return ParsedMark(absence=text.upper())
    if not _NUMBER.match(text):
        raise MarkSyntaxError(
            "not_a_mark",
            _("it is neither a mark from 0 to %(max)s nor an absence code (ABJ, ABN, DIS)")
            % {"max": _plain(scale_max)},
        )
    try:
        value = parse_decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern above only lets numbers through
        raise MarkSyntaxError("not_a_mark", _("it is not a number")) from None
    if value != value.quantize(_CENT):
        raise MarkSyntaxError("too_many_decimals", _("a mark has at most two decimals"))
    if value > scale_max:
        raise MarkSyntaxError(
            "above_maximum", _("it is above the maximum of %(max)s") % {"max": _plain(scale_max)}
        )
    return ParsedMark(value=value.quantize(_CENT))


def _plain(value: Decimal) -> str:
    """20.00 -> "20", 12.50 -> "12.5" (for messages)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _pupil_label(student: Student | dict[str, Any]) -> str:
    """The pupil's name in the message's script, with the national code."""

    def get(key: str) -> str:
        return str(student[key] if isinstance(student, dict) else getattr(student, key))

    if (get_language() or "").startswith("ar"):
        name = f"{get('first_name_ar')} {get('last_name_ar')}".strip()
    else:
        name = f"{get('first_name_latn')} {get('last_name_latn')}".strip()
    return f"{name} ({get('national_code')})"


# Assessments ----------------------------------------------------------------------------------


def _has_local_exam(school_class: SchoolClass) -> bool:
    """The class's level sits the collège certificate, whose scheme has a local exam part."""
    for scheme in ExamScheme.objects.filter(
        year_id=school_class.year_id,
        level_id=school_class.level_id,
        code=ExamScheme.Code.COLLEGE_CERTIFICATE,
    ):
        if "local" in scheme.weights():
            return True
    return False


@transaction.atomic
def create_assessment(
    *,
    actor: User | None,
    school_class: SchoolClass,
    subject: Subject,
    semester: Semester,
    kind: str = Assessment.Kind.CONTINUOUS,
    number: int | None = None,
    held_on: date | None = None,
) -> tuple[Assessment, bool]:
    """Create the next contrôle (1..N, N the subject's `assessments_per_semester` for the class's
    level and stream), or the collège local exam. With `number`, that assessment: returned as it
    is when it exists already (so a re-sent request creates nothing). Returns (assessment,
    created)."""
    if semester.year_id != school_class.year_id:
        raise InvalidInput(
            _("This semester is not of the class's school year."), code="wrong_semester"
        )
    # One creation at a time per class: the next number is read under this lock.
    SchoolClass.objects.select_for_update().filter(pk=school_class.pk).first()
    rows = subjects_for(
        year_id=school_class.year_id,
        level_id=school_class.level_id,
        stream_id=school_class.stream_id,
    )
    row = next((r for r in rows if r.subject_id == subject.pk), None)
    if row is None:
        raise InvalidInput(
            _("%(subject)s is not taught in this class's level.") % {"subject": subject.code},
            code="subject_not_taught",
        )
    if kind == Assessment.Kind.LOCAL_EXAM:
        if not _has_local_exam(school_class):
            raise InvalidInput(
                _("Only the last year of collège sits a local exam."), code="no_local_exam"
            )
        planned = 1
    elif kind == Assessment.Kind.CONTINUOUS:
        planned = row.assessments_per_semester
    else:
        raise InvalidInput(_("Unknown kind of assessment."), code="invalid_kind")
    existing = Assessment.objects.filter(
        school_class=school_class, subject=subject, semester=semester, kind=kind
    )
    if number is not None:
        found = existing.filter(number=number).first()
        if found is not None:
            return found, False
        if not 1 <= number <= planned:
            raise InvalidInput(
                _("This subject has %(count)s assessments per semester.") % {"count": planned},
                code="number_out_of_range",
            )
    else:
        taken = set(existing.values_list("number", flat=True))
        free = [n for n in range(1, planned + 1) if n not in taken]
        if not free:
            raise InvalidInput(
                _("All %(count)s assessments of %(subject)s this semester exist already.")
                % {"count": planned, "subject": subject.code},
                code="all_assessments_exist",
            )
        number = free[0]
    assessment = Assessment.objects.create(
        school_class=school_class,
        subject=subject,
        semester=semester,
        kind=kind,
        number=number,
        held_on=held_on,
        created_by=actor,
    )
    record_event(
        actor=actor,
        action="marks.create_assessment",
        object_type="assessment",
        object_id=assessment.uuid,
        data={
            "class": str(school_class.uuid),
            "subject": subject.code,
            "semester": semester.number,
            "kind": kind,
            "number": number,
        },
    )
    return assessment, True


# Saving a grid of marks -----------------------------------------------------------------------


@dataclass(frozen=True)
class EntryError:
    """Why one typed mark was refused."""

    key: str  # the enrolment uuid (or id) as sent
    raw: str
    code: str
    message: str
    enrolment_uuid: str | None = None


class MarkErrors(InvalidInput):
    """Some typed marks were refused; nothing was saved. `errors` has one entry per pupil."""

    code = "invalid_marks"

    def __init__(self, errors: list[EntryError]) -> None:
        super().__init__(
            _("%(count)s marks need fixing; nothing was saved.") % {"count": len(errors)}
            if len(errors) != 1
            else _("1 mark needs fixing; nothing was saved.")
        )
        self.errors = errors


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    requested: int = 0  # change requests made (closed term)
    audit_seq: int | None = None
    events: list[MarkEvent] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def is_term_closed(school_id: int, semester_id: int) -> bool:
    return TermClosure.objects.filter(school_id=school_id, semester_id=semester_id).exists()


def _same(mark: Mark | None, parsed: ParsedMark) -> bool:
    if mark is None:
        return parsed.is_empty
    return mark.value == parsed.value and mark.absence == parsed.absence


@transaction.atomic
def save_marks(
    *,
    actor: User | None,
    assessment: Assessment,
    entries: Iterable[tuple[str | UUID | int, str]],
    reason: str = "",
) -> SaveResult:
    """Save the typed marks of an assessment: `entries` are (enrolment uuid or id, raw text).
    All entries are checked first; if one is wrong nothing is saved (MarkErrors, one message
    per pupil). Then changed marks are written in bulk with one history row per change and one
    audit entry for the batch; unchanged ones write nothing.

    After the director closed the semester for the school, nothing changes directly: with a
    `reason`, each change becomes a request for the director's approval; without, refused."""
    # Saves of one assessment happen one after the other (the lock is held to commit).
    locked = (
        Assessment.objects.select_for_update()
        .select_related("school_class", "subject", "semester")
        .get(pk=assessment.pk)
    )
    school_class = locked.school_class
    scale_max = policy_for(school_class.year_id).scale_max
    pupils = {
        row["id"]: row
        for row in Enrolment.objects.filter(
            school_class_id=school_class.pk, status=Enrolment.Status.ACTIVE
        ).values(
            "id",
            "uuid",
            "student__first_name_ar",
            "student__last_name_ar",
            "student__first_name_latn",
            "student__last_name_latn",
            "student__national_code",
        )
    }
    by_key: dict[str, int] = {}
    for pk, row in pupils.items():
        by_key[str(pk)] = pk
        by_key[str(row["uuid"])] = pk

    errors: list[EntryError] = []
    wanted: dict[int, ParsedMark] = {}
    seen: set[int] = set()
    for key, raw in entries:
        key_text = str(key).strip().lower()
        raw_text = "" if raw is None else str(raw)
        found = by_key.get(key_text)
        if found is None:
            errors.append(
                EntryError(
                    key=key_text,
                    raw=raw_text,
                    code="not_in_class",
                    message=_("%(key)s is not a pupil enrolled in this class.") % {"key": key_text},
                )
            )
            continue
        pk = found
        pupil = pupils[pk]
        label = _pupil_label(
            {k.removeprefix("student__"): v for k, v in pupil.items() if k.startswith("student__")}
        )
        if pk in seen:
            errors.append(
                EntryError(
                    key=key_text,
                    raw=raw_text,
                    code="given_twice",
                    message=_("%(pupil)s: a mark is given twice.") % {"pupil": label},
                    enrolment_uuid=str(pupil["uuid"]),
                )
            )
            continue
        seen.add(pk)
        try:
            wanted[pk] = parse_mark(raw_text, scale_max=scale_max)
        except MarkSyntaxError as exc:
            errors.append(
                EntryError(
                    key=key_text,
                    raw=raw_text,
                    code=exc.code,
                    message=_("%(pupil)s: «%(value)s» is refused: %(why)s.")
                    % {"pupil": label, "value": raw_text.strip(), "why": exc.message},
                    enrolment_uuid=str(pupil["uuid"]),
                )
            )
    if errors:
        raise MarkErrors(errors)

    # Naming the year lets PostgreSQL read only that year's partition.
    year_id = school_class.year_id
    current = {m.enrolment_id: m for m in Mark.objects.filter(year_id=year_id, assessment=locked)}
    changes = {pk: p for pk, p in wanted.items() if not _same(current.get(pk), p)}
    result = SaveResult(unchanged=len(wanted) - len(changes))
    if not changes:
        return result
    if is_term_closed(school_class.school_id, locked.semester_id):
        result.requested = _request_changes(
            actor=actor, assessment=locked, changes=changes, current=current, reason=reason
        )
        result.unchanged = len(wanted) - result.requested
        return result

    now = timezone.now()
    upserts = [
        Mark(
            year_id=year_id,
            assessment=locked,
            enrolment_id=pk,
            value=p.value,
            absence=p.absence,
            updated_at=now,
            updated_by=actor,
        )
        for pk, p in changes.items()
        if not p.is_empty
    ]
    removed = [pk for pk, p in changes.items() if p.is_empty]
    if upserts:
        Mark.objects.bulk_create(
            upserts,
            update_conflicts=True,
            unique_fields=["year", "assessment", "enrolment"],
            update_fields=["value", "absence", "updated_at", "updated_by"],
        )
    if removed:
        Mark.objects.filter(year_id=year_id, assessment=locked, enrolment_id__in=removed).delete()
    result.created = sum(1 for m in upserts if m.enrolment_id not in current)
    result.updated = len(upserts) - result.created
    result.deleted = len(removed)
    event = record_event(
        actor=actor,
        action="marks.save",
        object_type="assessment",
        object_id=locked.uuid,
        data={
            "class": str(school_class.uuid),
            "subject": locked.subject.code,
            "semester": locked.semester.number,
            "number": locked.number,
            "created": result.created,
            "updated": result.updated,
            "deleted": result.deleted,
        },
    )
    result.audit_seq = event.seq
    result.events = MarkEvent.objects.bulk_create(
        _event(
            assessment=locked,
            enrolment_id=pk,
            before=current.get(pk),
            after=p,
            actor=actor,
            at=now,
            audit_seq=event.seq,
        )
        for pk, p in changes.items()
    )
    return result


def _event(
    *,
    assessment: Assessment,
    enrolment_id: int,
    before: Mark | None,
    after: ParsedMark,
    actor: User | None,
    at: Any,
    audit_seq: int,
    reason: str = "",
) -> MarkEvent:
    return MarkEvent(
        assessment=assessment,
        enrolment_id=enrolment_id,
        old_value=before.value if before else None,
        old_absence=before.absence if before else "",
        new_value=after.value,
        new_absence=after.absence,
        at=at,
        actor=actor,
        reason=reason,
        audit_seq=audit_seq,
    )


def _request_changes(
    *,
    actor: User | None,
    assessment: Assessment,
    changes: dict[int, ParsedMark],
    current: dict[int, Mark],
    reason: str,
) -> int:
    """A closed term: each change becomes a pending request (or updates the pupil's pending
    one). Returns how many requests were made or changed."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            _(
                "The semester is closed for this school: a change needs a reason, and the "
                "director's approval."
            ),
            code="term_closed",
        )
    if actor is None:
        raise InvalidInput(_("A change request needs a person who asks."), code="no_actor")
    pending = {
        r.enrolment_id: r
        for r in MarkChangeRequest.objects.filter(
            assessment=assessment,
            enrolment_id__in=list(changes),
            status=MarkChangeRequest.Status.PENDING,
        )
    }
    new_requests: list[MarkChangeRequest] = []
    updated: list[MarkChangeRequest] = []
    for pk, p in changes.items():
        before = current.get(pk)
        request = pending.get(pk)
        if request is not None:
            if (
                request.new_value == p.value
                and request.new_absence == p.absence
                and request.reason == reason[:REASON_MAX]
            ):
                continue  # the same request sent again
            request.new_value, request.new_absence = p.value, p.absence
            request.reason = reason[:REASON_MAX]
            request.requested_by = actor
            updated.append(request)
            continue
        new_requests.append(
            MarkChangeRequest(
                assessment=assessment,
                enrolment_id=pk,
                old_value=before.value if before else None,
                old_absence=before.absence if before else "",
                new_value=p.value,
                new_absence=p.absence,
                reason=reason[:REASON_MAX],
                requested_by=actor,
            )
        )
    if new_requests:
        MarkChangeRequest.objects.bulk_create(new_requests)
    if updated:
        MarkChangeRequest.objects.bulk_update(
            updated, ["new_value", "new_absence", "reason", "requested_by"]
        )
    count = len(new_requests) + len(updated)
    if count:
        record_event(
            actor=actor,
            action="marks.request_change",
            object_type="assessment",
            object_id=assessment.uuid,
            data={
                "requested": len(new_requests),
                "replaced": len(updated),
                "reason": reason[:REASON_MAX],
            },
        )
    return count


# Term closure and change requests -------------------------------------------------------------


@transaction.atomic
def close_term(
    *, actor: User | None, school: School, semester: Semester, missing: int = 0
) -> tuple[TermClosure, bool]:
    """Close the semester's marks for the school (its director). Safe to repeat: a closed term
    is returned as it is. `missing` (the count of marks not entered) goes into the audit."""
    closure = TermClosure.objects.filter(school=school, semester=semester).first()
    if closure is not None:
        return closure, False
    closure = TermClosure.objects.create(
        school=school, semester=semester, closed_at=timezone.now(), closed_by=actor
    )
    record_event(
        actor=actor,
        action="marks.close_term",
        object_type="school",
        object_id=school.code,
        data={"year": semester.year.code, "semester": semester.number, "missing": missing},
    )
    return closure, True


@transaction.atomic
def decide_change_request(
    *, actor: User, change: MarkChangeRequest, approve: bool, note: str = ""
) -> MarkChangeRequest:
    """Approve (the mark takes the requested value, with a history row carrying the reason) or
    refuse a pending request. Whoever asked may not approve their own request."""
    locked = (
        MarkChangeRequest.objects.select_for_update()
        .select_related("assessment__school_class", "assessment__subject", "enrolment")
        .get(pk=change.pk)
    )
    if locked.status != MarkChangeRequest.Status.PENDING:
        raise InvalidInput(_("This request has already been decided."), code="already_decided")
    if approve and locked.requested_by_id == actor.pk:
        raise InvalidInput(
            _("A change you asked for is approved by someone else."), code="own_request"
        )
    now = timezone.now()
    assessment = locked.assessment
    if approve and (
        locked.enrolment.school_class_id != assessment.school_class_id
        or locked.enrolment.status != Enrolment.Status.ACTIVE
    ):
        raise InvalidInput(_("The pupil is no longer enrolled in this class."), code="not_in_class")
    event = record_event(
        actor=actor,
        action="marks.approve_change" if approve else "marks.refuse_change",
        object_type="mark_change_request",
        object_id=locked.uuid,
        data={
            "assessment": str(assessment.uuid),
            "enrolment": str(locked.enrolment.uuid),
            "requested_by": locked.requested_by_id,
            "new": _text(locked.new_value, locked.new_absence),
            "note": note.strip()[:REASON_MAX],
        },
    )
    if approve:
        Assessment.objects.select_for_update().filter(pk=assessment.pk).first()
        year_id = assessment.school_class.year_id
        this_mark = Mark.objects.filter(
            year_id=year_id, assessment=assessment, enrolment=locked.enrolment
        )
        before = this_mark.first()
        after = ParsedMark(value=locked.new_value, absence=locked.new_absence)
        if not _same(before, after):
            if after.is_empty:
                this_mark.delete()
            else:
                Mark.objects.update_or_create(
                    year_id=year_id,
                    assessment=assessment,
                    enrolment=locked.enrolment,
                    defaults={
                        "value": after.value,
                        "absence": after.absence,
                        "updated_at": now,
                        "updated_by": actor,
                    },
                )
            # The director applies the change; the reason is the one given by whoever asked.
            _event(
                assessment=assessment,
                enrolment_id=locked.enrolment_id,
                before=before,
                after=after,
                actor=actor,
                at=now,
                audit_seq=event.seq,
                reason=locked.reason,
            ).save(force_insert=True)
    locked.status = (
        MarkChangeRequest.Status.APPROVED if approve else MarkChangeRequest.Status.REFUSED
    )
    locked.decided_by = actor
    locked.decided_at = now
    locked.decision_note = note.strip()[:REASON_MAX]
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return locked


def _text(value: Decimal | None, absence: str) -> str:
    return absence or ("" if value is None else f"{value:f}")

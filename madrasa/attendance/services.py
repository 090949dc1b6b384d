"""Writes of the attendance domain: registers, justifications, alerts and the national monthly
schooling status. Each is atomic and audited; scope is decided in access.py before they run."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from madrasa.accounts.models import User
from madrasa.core.audit import record_event
from madrasa.core.errors import InvalidInput
from madrasa.enrolment.models import Enrolment, SchoolClass
from madrasa.registry.models import SchoolYear, Student

from .models import (
    AbsenceAlert,
    Justification,
    Mark,
    Register,
    SchoolingStatus,
    Slot,
    StatusRun,
    half_of,
)
from .rules import count_half_days, month_bounds, needs_reason

__all__ = [
    "DOCUMENT_MAX_BYTES",
    "MarkInput",
    "alert_threshold",
    "compute_schooling_status",
    "decide_justification",
    "excessive_threshold",
    "record_register",
    "request_status_run",
    "submit_justification",
]

DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
DOCUMENT_TYPES = {"application/pdf", "image/jpeg", "image/png"}
MAX_LATE_MINUTES = 240


def alert_threshold() -> int:
    """Unjustified half-days in a month after which the parents are alerted."""
    return int(getattr(settings, "MADRASA_ABSENCE_ALERT_HALF_DAYS", 4))


def excessive_threshold() -> int:
    """Unjustified half-days in a month from which the status is "excessive absence"."""
    return int(getattr(settings, "MADRASA_EXCESSIVE_ABSENCE_HALF_DAYS", 4))


@dataclass(frozen=True)
class MarkInput:
    kind: str  # Mark.Kind
    late_minutes: int = 0


def _class_pupil_ids(school_class: SchoolClass) -> set[int]:
    return set(
        Enrolment.objects.filter(
            school_class=school_class, status=Enrolment.Status.ACTIVE
        ).values_list("student_id", flat=True)
    )


def _check_marks(marks: Mapping[int, MarkInput], pupils: set[int]) -> None:
    strangers = set(marks) - pupils
    if strangers:
        raise InvalidInput(_("Some pupils marked are not in this class."), code="not_in_class")
    for mark in marks.values():
        if mark.kind not in Mark.Kind.values:
            raise InvalidInput(_("A pupil is either absent or late."), code="invalid_mark")
        if mark.kind == Mark.Kind.LATE and not 1 <= mark.late_minutes <= MAX_LATE_MINUTES:
            raise InvalidInput(
                _("Lateness is between 1 and %(max)s minutes.") % {"max": MAX_LATE_MINUTES},
                code="invalid_late_minutes",
            )


@transaction.atomic
def record_register(
    *,
    actor: User | None,
    school_class: SchoolClass,
    day: date,
    slot: str,
    marks: Mapping[int, MarkInput],
    reason: str = "",
    today: date | None = None,
) -> Register:
    """Record who was absent or late for a class on a day and slot (everyone else was present).

    Taking or changing a register after its day needs a reason, which is kept in the audit log.
    """
    today = today or timezone.localdate()
    reason = " ".join(reason.split())[:300]
    if slot not in Slot.values:
        raise InvalidInput(_("Unknown slot."), code="invalid_slot")
    if day > today:
        raise InvalidInput(_("Attendance cannot be taken for a future day."), code="future_day")
    year = school_class.year
    if not year.starts_on <= day <= year.ends_on:
        raise InvalidInput(_("This day is outside the class's school year."), code="outside_year")
    late_change = needs_reason(day, today)
    if late_change and not reason:
        raise InvalidInput(
            _("This register is from a past day: give the reason for the change."),
            code="reason_required",
        )
    _check_marks(marks, _class_pupil_ids(school_class))
    now = timezone.now()
    register, created = Register.objects.select_for_update().get_or_create(
        school_class=school_class,
        day=day,
        slot=slot,
        defaults={"taken_by": actor, "taken_at": now, "updated_at": now},
    )
    # Naming the year lets PostgreSQL read only that year's partition.
    existing = {m.student_id: m for m in Mark.objects.filter(year=year, register=register)}
    removed = [m.pk for sid, m in existing.items() if sid not in marks]
    added: list[Mark] = []
    changed: list[Mark] = []
    half = half_of(slot)
    for student_id, wanted in marks.items():
        minutes = wanted.late_minutes if wanted.kind == Mark.Kind.LATE else 0
        mark = existing.get(student_id)
        if mark is None:
            added.append(
                Mark(
                    year=year,
                    register=register,
                    student_id=student_id,
                    kind=wanted.kind,
                    late_minutes=minutes,
                    day=day,
                    half=half,
                )
            )
        elif mark.kind != wanted.kind or mark.late_minutes != minutes:
            mark.kind = wanted.kind
            mark.late_minutes = minutes
            changed.append(mark)
    if removed:
        Mark.objects.filter(year=year, pk__in=removed).delete()
    if added:
        Mark.objects.bulk_create(added)
    if changed:
        Mark.objects.bulk_update(changed, ["kind", "late_minutes"])
    if not created:
        register.updated_at = now
        register.save(update_fields=["updated_at"])
    record_event(
        actor=actor,
        action="attendance.correct" if late_change and not created else "attendance.record",
        object_type="register",
        object_id=register.uuid,
        data={
            "class": str(school_class.uuid),
            "day": day.isoformat(),
            "slot": slot,
            "absent": sum(1 for m in marks.values() if m.kind == Mark.Kind.ABSENT),
            "late": sum(1 for m in marks.values() if m.kind == Mark.Kind.LATE),
            "added": len(added),
            "changed": len(changed),
            "removed": len(removed),
            "reason": reason,
        },
    )
    affected = {m.student_id for m in added} | {m.student_id for m in changed}
    if affected:
        refresh_alerts(student_ids=affected, month=day.replace(day=1))
    return register


def refresh_alerts(*, student_ids: Iterable[int], month: date) -> int:
    """Create the month's alert for each of these pupils who reached the threshold (once per
    pupil and month). Returns how many alerts were created."""
    first, last = month_bounds(month)
    rows: dict[int, list[tuple[date, int, bool]]] = defaultdict(list)
    for student_id, day, half, justified in Mark.objects.filter(
        student_id__in=list(student_ids), kind=Mark.Kind.ABSENT, day__range=(first, last)
    ).values_list("student_id", "day", "half", "is_justified"):
        rows[student_id].append((day, half, justified))
    threshold = alert_threshold()
    now = timezone.now()
    alerts = []
    for student_id, absences in rows.items():
        _absent, unjustified = count_half_days(absences)
        if unjustified >= threshold:
            alerts.append(
                AbsenceAlert(
                    student_id=student_id, month=first, half_days=unjustified, created_at=now
                )
            )
    if not alerts:
        return 0
    already = set(
        AbsenceAlert.objects.filter(
            month=first, student_id__in=[a.student_id for a in alerts]
        ).values_list("student_id", flat=True)
    )
    fresh = [a for a in alerts if a.student_id not in already]
    AbsenceAlert.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


# Justifications -------------------------------------------------------------------------------


def _check_document(document: UploadedFile | None) -> None:
    if document is None:
        return
    if document.size is not None and document.size > DOCUMENT_MAX_BYTES:
        raise InvalidInput(_("The document is larger than 5 MB."), code="document_too_large")
    if (document.content_type or "") not in DOCUMENT_TYPES:
        raise InvalidInput(_("The document must be a PDF, JPEG or PNG file."), code="document_type")


@transaction.atomic
def submit_justification(
    *,
    actor: User | None,
    student: Student,
    mark_ids: Iterable[int],
    reason: str,
    document: UploadedFile | None = None,
) -> Justification:
    """A parent explains absences of their child; the school then accepts or refuses."""
    reason = " ".join(reason.split())
    if not 3 <= len(reason) <= 500:
        raise InvalidInput(_("Give a reason of 3 to 500 characters."), code="invalid_reason")
    _check_document(document)
    ids = sorted(set(mark_ids))
    marks = list(
        Mark.objects.select_for_update()
        .select_related("register__school_class")
        .filter(pk__in=ids, student=student, kind=Mark.Kind.ABSENT)
    )
    if not ids or len(marks) != len(ids):
        raise InvalidInput(_("Choose absences of this pupil."), code="invalid_absences")
    if any(m.is_justified or m.justification_id is not None for m in marks):
        # A refused justification frees its absences again (decide_justification).
        raise InvalidInput(
            _("Some of these absences are already justified or waiting for the school."),
            code="already_justified",
        )
    schools = {m.register.school_class.school_id for m in marks}
    if len(schools) != 1:
        raise InvalidInput(_("Justify the absences of one school at a time."), code="two_schools")
    justification = Justification(
        student=student,
        school_id=schools.pop(),
        reason=reason,
        submitted_by=actor,
        submitted_at=timezone.now(),
    )
    if document is not None:
        justification.document.save(document.name or "document", document, save=False)
    justification.save()
    Mark.objects.filter(pk__in=ids).update(justification=justification)
    record_event(
        actor=actor,
        action="attendance.justify",
        object_type="justification",
        object_id=justification.uuid,
        data={"student": student.national_code, "absences": len(ids), "document": bool(document)},
    )
    return justification


@transaction.atomic
def decide_justification(
    *, actor: User | None, justification: Justification, accept: bool, note: str = ""
) -> Justification:
    """The school accepts (the absences become justified) or refuses (they stay unjustified and
    may be justified again)."""
    justification = Justification.objects.select_for_update().get(pk=justification.pk)
    if justification.status != Justification.Status.PENDING:
        raise InvalidInput(_("This justification was already decided."), code="already_decided")
    note = " ".join(note.split())[:300]
    if not accept and not note:
        raise InvalidInput(_("Say why the justification is refused."), code="note_required")
    justification.status = Justification.Status.ACCEPTED if accept else Justification.Status.REFUSED
    justification.decided_by = actor
    justification.decided_at = timezone.now()
    justification.decision_note = note
    justification.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if accept:
        justification.marks.update(is_justified=True)
    else:
        justification.marks.update(justification=None)
    record_event(
        actor=actor,
        action="attendance.justification_accept" if accept else "attendance.justification_refuse",
        object_type="justification",
        object_id=justification.uuid,
        data={"student": justification.student.national_code, "note": note},
    )
    return justification


# Monthly schooling status ----------------------------------------------------------------------

_STATUS_SQL = """
INSERT INTO {status} (student_id, month, status, unjustified_half_days, school_id, computed_at)
SELECT s.id, %(month)s,
  CASE
    WHEN EXISTS (
      SELECT 1 FROM {enrolment} e
      WHERE e.student_id = s.id AND e.decision IN ('dropped_out', 'excluded')
        AND e.ended_on IS NOT NULL AND e.ended_on <= %(last)s
        AND NOT EXISTS (
          SELECT 1 FROM {enrolment} e2
          WHERE e2.student_id = s.id AND e2.started_on > e.ended_on
            AND e2.started_on <= %(last)s
        )
    ) THEN 'dropped_out'
    WHEN EXISTS (
      SELECT 1 FROM {enrolment} e
      WHERE e.student_id = s.id AND e.started_on <= %(last)s
        AND (e.ended_on IS NULL OR e.ended_on >= %(first)s)
    ) THEN
      CASE WHEN COALESCE(a.halves, 0) >= %(excessive)s THEN 'enrolled_excessive_absence'
           ELSE 'enrolled_attending' END
    ELSE 'not_enrolled'
  END,
  COALESCE(a.halves, 0), s.school_id, %(now)s
FROM {student} s
LEFT JOIN (
  SELECT h.student_id, COUNT(*) AS halves
  FROM (
    SELECT m.student_id, m.day, m.half
    FROM {mark} m
    WHERE m.kind = 'absent' AND m.day BETWEEN %(first)s AND %(last)s AND m.year_id IN ({years})
    GROUP BY m.student_id, m.day, m.half
    HAVING MIN(CASE WHEN m.is_justified THEN 1 ELSE 0 END) = 0
  ) h
  GROUP BY h.student_id
) a ON a.student_id = s.id
WHERE s.merged_into_id IS NULL
"""


def _status_sql(first: date, last: date) -> str:
    # The school years the month overlaps, written out: PostgreSQL then reads only their
    # partitions of the absences (a mark's day is always inside its register's year).
    years = SchoolYear.objects.filter(starts_on__lte=last, ends_on__gte=first).values_list(
        "pk", flat=True
    )
    return _STATUS_SQL.format(
        status=SchoolingStatus._meta.db_table,
        enrolment=Enrolment._meta.db_table,
        student=Student._meta.db_table,
        mark=Mark._meta.db_table,
        years=", ".join(str(int(pk)) for pk in years) or "NULL",
    )


@transaction.atomic
def request_status_run(*, actor: User | None, month: date) -> StatusRun:
    """Queue the national computation of `month` as a background task (run after commit)."""
    from .tasks import run_schooling_status

    run = StatusRun.objects.create(
        month=month.replace(day=1), requested_by=actor, created_at=timezone.now()
    )
    record_event(
        actor=actor,
        action="attendance.status_requested",
        object_type="status_run",
        object_id=run.pk,
        data={"month": run.month.strftime("%Y-%m")},
    )
    transaction.on_commit(lambda: run_schooling_status.enqueue(run.pk))
    return run


def compute_schooling_status(
    *, actor: User | None, month: date, run: StatusRun | None = None
) -> StatusRun:
    """Compute every pupil's status for `month` in one INSERT ... SELECT (the month's previous
    rows are replaced in the same transaction, so running it again is harmless)."""
    first, last = month_bounds(month)
    if run is None:
        run = StatusRun.objects.create(month=first, requested_by=actor, created_at=timezone.now())
    StatusRun.objects.filter(pk=run.pk).update(state=StatusRun.State.RUNNING)
    params: dict[str, Any] = {
        "month": first,
        "first": first,
        "last": last,
        "excessive": excessive_threshold(),
        "now": timezone.now(),
    }
    if connection.vendor == "sqlite":
        # SQLite stores dates and times as ISO text; compare them as such.
        params.update(
            month=first.isoformat(),
            first=first.isoformat(),
            last=last.isoformat(),
            now=params["now"].replace(tzinfo=None).isoformat(sep=" "),
        )
    try:
        with transaction.atomic():
            SchoolingStatus.objects.filter(month=first).delete()
            with connection.cursor() as cursor:
                cursor.execute(_status_sql(first, last), params)
                rows = cursor.rowcount
            counts = {
                row["status"]: row["n"]
                for row in SchoolingStatus.objects.filter(month=first)
                .values("status")
                .annotate(n=Count("id"))
                .order_by()
            }
            run.state = StatusRun.State.DONE
            run.rows = rows
            run.counts = counts
            run.finished_at = timezone.now()
            run.save(update_fields=["state", "rows", "counts", "finished_at"])
            record_event(
                actor=actor,
                action="attendance.status_computed",
                object_type="status_run",
                object_id=run.pk,
                data={"month": first.strftime("%Y-%m"), "rows": rows, "counts": counts},
            )
    except Exception as exc:
        StatusRun.objects.filter(pk=run.pk).update(
            state=StatusRun.State.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
        raise
    return run

"""Attendance: registers (one per class, day and slot), the absences and lateness marked in them,
the families' justifications, the alerts sent to parents, and each pupil's monthly schooling
status.

Invariants:
- one register per class, day and slot (a constraint); a pupil not marked is present;
- a mark belongs to one register and one pupil (a constraint), and carries the register's day and
  half-day so that monthly totals and the national status are one set-based query;
- a justification covers marks of one pupil; accepting it justifies them all at once;
- one alert per pupil and month (a constraint), one status per pupil and month (a constraint).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.db import models
from django.utils.translation import gettext_lazy as _

from madrasa.enrolment.models import SchoolClass
from madrasa.registry.models import School, SchoolYear, Student


class Slot(models.TextChoices):
    """A half-day, or a period of the timetable (periods 1-4 are in the morning)."""

    MORNING = "am", _("Morning")
    AFTERNOON = "pm", _("Afternoon")
    P1 = "p1", _("Period 1")
    P2 = "p2", _("Period 2")
    P3 = "p3", _("Period 3")
    P4 = "p4", _("Period 4")
    P5 = "p5", _("Period 5")
    P6 = "p6", _("Period 6")
    P7 = "p7", _("Period 7")
    P8 = "p8", _("Period 8")


MORNING_SLOTS = frozenset({"am", "p1", "p2", "p3", "p4"})


def half_of(slot: str) -> int:
    """0 for a morning slot, 1 for an afternoon one."""
    return 0 if slot in MORNING_SLOTS else 1


class Register(models.Model):
    """The attendance taken for a class on a day and slot (everyone not marked was present).

    PII: none beyond who took it.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    slot = models.CharField(max_length=2, choices=Slot.choices)
    taken_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["-day", "slot"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["school_class", "day", "slot"], name="register_unique_class_day_slot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_class_id} {self.day} {self.slot}"


def private_storage() -> Storage:
    """Justification documents may reveal health matters: they live outside the static and media
    roots and are served only by the school page, to the school's director."""
    root = getattr(settings, "MADRASA_PRIVATE_FILES_DIR", None) or settings.VAR_DIR / "private"
    return FileSystemStorage(location=root)


class Justification(models.Model):
    """A family's explanation of one or more absences, and the school's answer.

    PII: the reason and an optional document (may reveal health or family matters); retention:
    the school year + 1 year.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the school")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    document = models.FileField(
        upload_to="justifications/%Y/%m/", blank=True, storage=private_storage
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    submitted_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering: ClassVar[list[str]] = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.student_id} {self.status}"


class Mark(models.Model):
    """A pupil absent from, or late to, one register.

    `day` and `half` copy the register's, so monthly counts need no join. `year` copies the
    register's class's school year: on PostgreSQL the table is partitioned by it (one partition
    per school year, see docs/scale.md), so every write sets it.
    PII: attendance; retention: permanent school record (legal archive).
    """

    class Kind(models.TextChoices):
        ABSENT = "absent", _("Absent")
        LATE = "late", _("Late")

    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+", db_index=False)
    register = models.ForeignKey(Register, on_delete=models.CASCADE, related_name="marks")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    late_minutes = models.PositiveSmallIntegerField(default=0)
    day = models.DateField()
    half = models.PositiveSmallIntegerField()  # 0 morning, 1 afternoon
    justification = models.ForeignKey(
        Justification, null=True, blank=True, on_delete=models.SET_NULL, related_name="marks"
    )
    is_justified = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["-day", "half"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # The same as (register, student): the year follows from the register; it leads
            # because a unique constraint on a partitioned table must contain the partition key.
            models.UniqueConstraint(
                fields=["year", "register", "student"], name="mark_unique_per_register"
            )
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["day", "student"], name="attendance_mark_day_idx"),
            models.Index(fields=["student", "day"], name="attendance_mark_student_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.kind} {self.day}"


class AbsenceAlert(models.Model):
    """A notice to the parents: the pupil reached the alert threshold of unjustified half-days in
    a month. PII: attendance; retention: the school year + 1 year."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    half_days = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["-month"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["student", "month"], name="alert_unique_month")
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.month:%Y-%m}"


class SchoolingStatus(models.Model):
    """A pupil's schooling status for a month, computed for the whole country at once.

    PII: schooling status (shared with social aid under its purpose); retention: 5 years.
    """

    class Status(models.TextChoices):
        ATTENDING = "enrolled_attending", _("Enrolled and attending")
        EXCESSIVE_ABSENCE = "enrolled_excessive_absence", _("Enrolled, excessive absence")
        NOT_ENROLLED = "not_enrolled", _("Not enrolled")
        DROPPED_OUT = "dropped_out", _("Dropped out")

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    status = models.CharField(max_length=26, choices=Status.choices)
    unjustified_half_days = models.PositiveSmallIntegerField(default=0)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    computed_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["month", "student"], name="status_unique_month")
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.month:%Y-%m} {self.status}"


class StatusRun(models.Model):
    """One computation of the monthly status for the whole country: its progress and counts.

    PII: none.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    month = models.DateField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    rows = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    requested_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.state}"

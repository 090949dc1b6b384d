"""Enrolment: classes, teaching assignments, enrolments, transfers, year-end decisions and the
journey of each pupil through schools and years.

Invariants:
- a pupil has at most one active enrolment per school year (a constraint);
- `Student.school` is the school of the pupil's latest active enrolment (kept by services.py);
- at most one transfer request per pupil is open at a time (a constraint);
- every step of a pupil's path writes a `JourneyEvent` in the same transaction.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from madrasa.registry.models import Level, School, SchoolYear, Stream, Student


class SchoolClass(models.Model):
    """A class (division) of a school for one year, level and stream. PII: none."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="classes")
    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="classes")
    level = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="classes")
    stream = models.ForeignKey(
        Stream, null=True, blank=True, on_delete=models.PROTECT, related_name="classes"
    )
    name = models.CharField(max_length=40)
    capacity = models.PositiveSmallIntegerField(default=45)

    class Meta:
        ordering: ClassVar[list[str]] = ["level__rank", "name"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["school", "year", "name"], name="schoolclass_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year_id})"


class TeachingAssignment(models.Model):
    """A teacher teaches a subject to a class; the teacher then sees that class's pupils.

    PII: none beyond the teacher's account.
    """

    teacher = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="teaching_assignments"
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="teaching_assignments"
    )
    subject = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["teacher", "school_class", "subject"], name="teaching_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id}@{self.school_class_id} {self.subject}"


class Enrolment(models.Model):
    """A pupil enrolled in a school for a school year, at a level (and stream), maybe in a class;
    and, at the end of the year, the decision taken for the pupil.

    PII: school path and decisions; retention: permanent school record (legal archive).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Enrolled")
        TRANSFERRED = "transferred", _("Transferred out")
        ENDED = "ended", _("Ended")

    class Decision(models.TextChoices):
        PROMOTED = "promoted", _("Admitted to the next level")
        REPEAT = "repeat", _("Repeats the year")
        ORIENTED = "oriented", _("Oriented")
        DROPPED_OUT = "dropped_out", _("Dropped out")
        EXCLUDED = "excluded", _("Excluded")
        GRADUATED = "graduated", _("Completed the cycle")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="enrolments")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="enrolments")
    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="enrolments")
    level = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="enrolments")
    stream = models.ForeignKey(
        Stream, null=True, blank=True, on_delete=models.PROTECT, related_name="enrolments"
    )
    school_class = models.ForeignKey(
        SchoolClass, null=True, blank=True, on_delete=models.PROTECT, related_name="enrolments"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    decision = models.CharField(max_length=12, choices=Decision.choices, blank=True, default="")
    # Where an "oriented" pupil goes next (a stream of the next level).
    decision_stream = models.ForeignKey(
        Stream, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.CharField(max_length=300, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["year__starts_on", "started_on", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["student", "year"],
                condition=models.Q(status="active"),
                name="enrolment_one_active_per_year",
            )
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["school", "year", "status"], name="enrolment_school_year_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id}@{self.school_id} {self.year_id}"


class Transfer(models.Model):
    """A request to move a pupil to another school during a year, approved first by the
    receiving school's director, then by the receiving school's provincial directorate.

    PII: school path, family reasons; retention: permanent school record (legal archive).
    """

    class Status(models.TextChoices):
        PENDING_SCHOOL = "pending_school", _("Waiting for the receiving school")
        PENDING_DIRECTORATE = "pending_directorate", _("Waiting for the directorate")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES: ClassVar[tuple[str, ...]] = ("pending_school", "pending_directorate")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="transfers")
    from_school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    to_school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="incoming_transfers"
    )
    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="transfers")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_SCHOOL)
    reason = models.CharField(max_length=500)
    requested_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    school_decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    school_decided_at = models.DateTimeField(null=True, blank=True)
    school_note = models.CharField(max_length=500, blank=True, default="")
    directorate_decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    directorate_decided_at = models.DateTimeField(null=True, blank=True)
    directorate_note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering: ClassVar[list[str]] = ["-requested_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["student"],
                condition=models.Q(status__in=["pending_school", "pending_directorate"]),
                name="transfer_one_open_per_pupil",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_school=models.F("to_school")),
                name="transfer_to_another_school",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.from_school_id}->{self.to_school_id} ({self.status})"


class JourneyEvent(models.Model):
    """One step of a pupil's path, written by the service that made the step.

    PII: school path; retention: permanent school record (legal archive).
    """

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        CLASS_CHANGED = "class_changed", _("Changed class")
        TRANSFER_REQUESTED = "transfer_requested", _("Transfer requested")
        TRANSFER_ACCEPTED_BY_SCHOOL = "transfer_school_ok", _("Transfer accepted by the school")
        TRANSFER_APPROVED = "transfer_approved", _("Transfer approved by the directorate")
        TRANSFER_REFUSED = "transfer_refused", _("Transfer refused")
        TRANSFER_CANCELLED = "transfer_cancelled", _("Transfer cancelled")
        DECISION = "decision", _("Year-end decision")
        MERGED = "merged", _("Records merged")

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="journey")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField()
    year = models.ForeignKey(
        SchoolYear, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.ForeignKey(
        Level, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["at", "id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["student", "at"], name="journey_student_at_idx")
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.kind} {self.at:%Y-%m-%d}"

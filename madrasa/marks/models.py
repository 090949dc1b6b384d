"""Marks: the assessments (contrôles) of a class in a subject and semester, the pupils' marks,
every change to a mark, and the changes asked for after the term was closed.

PII: marks are a pupil's personal data (the pupil, their parents, their teachers, their school
and the administration above it see them).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madrasa.enrolment.models import Enrolment, SchoolClass
from madrasa.grading.models import AbsenceCode, Subject
from madrasa.registry.models import SchoolYear, Semester


class Assessment(models.Model):
    """One assessment of a class in a subject and semester: contrôle 1..4 (continuous), or the
    school's local exam (collège certificate). PII: none."""

    class Kind(models.TextChoices):
        CONTINUOUS = "continuous", _("Continuous assessment")
        LOCAL_EXAM = "local_exam", _("Local exam")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="assessments"
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="assessments")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="assessments")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CONTINUOUS)
    number = models.PositiveSmallIntegerField()
    held_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["semester", "subject__rank", "kind", "number"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["school_class", "subject", "semester", "kind", "number"],
                name="assessment_unique_number",
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1) & models.Q(number__lte=4),
                name="assessment_number_1_to_4",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_class} {self.subject.code} S{self.semester.number} #{self.number}"


class Mark(models.Model):
    """A pupil's mark in an assessment: a value on the year's scale, or an absence code.

    `year` copies the assessment's semester's year: on PostgreSQL the table is partitioned by it
    (one partition per school year, see docs/scale.md), so every write sets it and the reads of
    one year can name it. Its index is the partitioning itself (and the unique constraint, which
    begins with it, on SQLite).
    PII: a minor's school results; retention: permanent school record (legal archive)."""

    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+", db_index=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="marks")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="marks")
    value = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    absence = models.CharField(max_length=3, choices=AbsenceCode.choices, blank=True, default="")
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            # The same as (assessment, enrolment): the year follows from the assessment; it leads
            # because a unique constraint on a partitioned table must contain the partition key.
            models.UniqueConstraint(fields=["year", "assessment", "enrolment"], name="mark_unique"),
            models.CheckConstraint(
                condition=(models.Q(value__isnull=False) & models.Q(absence=""))
                | (models.Q(value__isnull=True) & ~models.Q(absence="")),
                name="mark_value_or_absence",
            ),
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | models.Q(value__gte=0),
                name="mark_not_negative",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["enrolment", "assessment"], name="mark_by_enrolment"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}@{self.assessment_id}={self.value or self.absence}"


class MarkEvent(models.Model):
    """One change of one mark (append-only): who, the old value, the new value, when, and why
    when a reason was needed. A batch of changes saved together also writes one chained audit
    entry (`audit_seq`), so the history is both queryable per mark and tamper-evident.
    PII: a minor's school results and who changed them; retention: as the audit log."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="events")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="mark_events")
    old_value = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    old_absence = models.CharField(max_length=3, blank=True, default="")
    new_value = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    new_absence = models.CharField(max_length=3, blank=True, default="")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True, default="")
    audit_seq = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["at", "id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["enrolment", "at"], name="markevent_by_enrolment"),
            models.Index(fields=["assessment", "at"], name="markevent_by_assessment"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}@{self.assessment_id}: {self.old_value}→{self.new_value}"


class MarkChangeRequest(models.Model):
    """After the director closed the term, a mark changes only through a request with a reason,
    approved by the director.
    PII: a minor's school results and the reason given; retention: as the audit log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the director")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="change_requests"
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="mark_change_requests"
    )
    old_value = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    old_absence = models.CharField(max_length=3, blank=True, default="")
    new_value = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    new_absence = models.CharField(max_length=3, blank=True, default="")
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering: ClassVar[list[str]] = ["-requested_at"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["assessment", "enrolment"],
                condition=models.Q(status="pending"),
                name="markchange_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}@{self.assessment_id} {self.status}"


class TermClosure(models.Model):
    """A school's semester closed by its director: from then on a mark changes only through an
    approved MarkChangeRequest. (`registry.Semester.closed_at` is the national calendar's end.)
    PII: none."""

    school = models.ForeignKey(
        "registry.School", on_delete=models.PROTECT, related_name="term_closures"
    )
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="closures")
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["school", "semester"], name="termclosure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.semester} closed"

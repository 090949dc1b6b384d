"""Bulletins (report cards): a pupil's results for a semester (S1, S2) or the year (Y), the
lines of a semester bulletin (one per subject of the class), and the background runs that
compute them for a school, a province, a region or the whole country.

The numbers (averages, rank, class size, mention, decision proposal) are written only by
`compute.py`, set-based; remarks, signature and publication only by `services.py`.

PII: a minor's school results; retention: permanent school record (legal archive).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madrasa.enrolment.models import Enrolment
from madrasa.grading.models import Subject
from madrasa.registry.models import SchoolYear, Semester


class Period(models.TextChoices):
    S1 = "S1", _("First semester")
    S2 = "S2", _("Second semester")
    YEAR = "Y", _("Year")


class Bulletin(models.Model):
    """A pupil's report card for one period of one enrolment. `semester` is empty for the year
    bulletin. Parents and the pupil see it only once `published_at` is set.
    PII: a minor's school results and the school's remarks; retention: permanent school record
    (legal archive)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="bulletins")
    semester = models.ForeignKey(
        Semester, on_delete=models.PROTECT, null=True, blank=True, related_name="bulletins"
    )
    period = models.CharField(max_length=2, choices=Period.choices)
    general_average = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    class_size = models.PositiveIntegerField(default=0)
    mention = models.CharField(max_length=20, blank=True, default="")
    decision_proposal = models.CharField(max_length=12, blank=True, default="")
    director_remark = models.CharField(max_length=500, blank=True, default="")
    computed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["enrolment_id", "period"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["enrolment", "period"], name="bulletin_unique_period"),
            models.CheckConstraint(
                condition=(models.Q(period="Y") & models.Q(semester__isnull=True))
                | (~models.Q(period="Y") & models.Q(semester__isnull=False)),
                name="bulletin_semester_matches_period",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["semester", "period"], name="bulletin_by_semester"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.period}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class BulletinLine(models.Model):
    """One subject on a semester bulletin: its coefficient, the pupil's average (empty when no
    mark counted), how many marks counted, and the subject teacher's remark.
    PII: a minor's school results and a teacher's remark; retention: as the bulletin."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="lines")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    coefficient = models.DecimalField(max_digits=4, decimal_places=2)
    average = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    marks_counted = models.PositiveSmallIntegerField(default=0)
    teacher_remark = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering: ClassVar[list[str]] = ["bulletin_id", "subject__rank", "subject__code"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["bulletin", "subject"], name="bulletinline_unique")
        ]

    def __str__(self) -> str:
        return f"{self.bulletin_id} {self.subject_id}={self.average}"


class BulletinRun(models.Model):
    """One computation of the bulletins of a scope (a school, a province, a region or the whole
    country) for a period, run in the background in batches of schools; `done` / `total` count
    schools. PII: none."""

    class ScopeKind(models.TextChoices):
        SCHOOL = "school", _("School")
        PROVINCE = "province", _("Province")
        REGION = "region", _("Region")
        NATION = "nation", _("Whole country")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Computing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    scope_kind = models.CharField(max_length=10, choices=ScopeKind.choices)
    scope_code = models.CharField(max_length=16, blank=True, default="")
    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(
        Semester, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period = models.CharField(max_length=2, choices=Period.choices)
    correction = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0, help_text="Schools already published.")
    bulletins = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.scope_kind}:{self.scope_code} {self.period} {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

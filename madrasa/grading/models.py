"""Grading policy as versioned data: subjects, coefficients, the grading rules of a school year and
the national exam schemes. The ministry edits these for a new year; no code changes.

Morocco's defaults are in `data/` (sources in `data/SOURCES.md`) and are loaded by
`madrasa load_grading`. Every row carries its school year, and the policy and exam schemes carry
the text they were taken from (`source`), because published weights change over the years.

PII: none (ministry configuration).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from madrasa.registry.models import Level, SchoolYear, Stream


class Subject(models.Model):
    """A subject taught and graded (mathématiques, langue arabe…). `code` is stable (MATH).
    PII: none."""

    code = models.CharField(max_length=16, unique=True)
    name_fr = models.CharField(max_length=100)
    name_ar = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    rank = models.PositiveSmallIntegerField(default=0, help_text="Order on the report card.")

    class Meta:
        ordering: ClassVar[list[str]] = ["rank", "code"]

    def __str__(self) -> str:
        return self.code


class SubjectCoefficient(models.Model):
    """A subject taught at a level (and stream, from tronc commun on) in a year, with its
    coefficient in the general average and the number of continuous assessments (contrôles)
    per semester. Classes without a stream use the rows whose stream is empty. PII: none."""

    year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="coefficients")
    level = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="coefficients")
    stream = models.ForeignKey(
        Stream, on_delete=models.PROTECT, null=True, blank=True, related_name="coefficients"
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="coefficients")
    coefficient = models.DecimalField(max_digits=4, decimal_places=2)
    assessments_per_semester = models.PositiveSmallIntegerField(default=2)

    class Meta:
        ordering: ClassVar[list[str]] = ["year", "level__rank", "stream__code", "subject__rank"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["year", "level", "stream", "subject"],
                name="coefficient_unique_per_stream",
            ),
            models.UniqueConstraint(
                fields=["year", "level", "subject"],
                condition=models.Q(stream__isnull=True),
                name="coefficient_unique_per_level",
            ),
            models.CheckConstraint(
                condition=models.Q(coefficient__gt=0), name="coefficient_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(assessments_per_semester__gte=1)
                & models.Q(assessments_per_semester__lte=4),
                name="coefficient_assessments_1_to_4",
            ),
        ]

    def __str__(self) -> str:
        stream = f"/{self.stream.code}" if self.stream is not None else ""
        return f"{self.year.code} {self.level.code}{stream} {self.subject.code} x{self.coefficient}"


class AbsenceCode(models.TextChoices):
    """What may stand in a mark's place. How each counts is the policy's `absence_rules`."""

    JUSTIFIED = "ABJ", _("Absent (justified)")
    UNJUSTIFIED = "ABN", _("Absent (unjustified)")
    EXEMPT = "DIS", _("Exempt")


class AbsenceTreatment(models.TextChoices):
    EXCLUDED = "excluded", _("Not counted in the average")
    ZERO = "zero", _("Counts as zero")


class GradingPolicy(models.Model):
    """The grading rules of one school year. See `rules.py` for how each field is applied.
    PII: none."""

    class Rounding(models.TextChoices):
        HALF_UP = "half_up", _("Half up (12.345 → 12.35)")
        DOWN = "down", _("Truncate (12.349 → 12.34)")

    year = models.OneToOneField(SchoolYear, on_delete=models.CASCADE, related_name="policy")
    scale_max = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("20"))
    pass_mark = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("10"))
    # [{"code": "passable", "min": "10"}, …], lowest first; a mention applies from its `min`.
    mentions = models.JSONField()
    decimals = models.PositiveSmallIntegerField(default=2)
    rounding = models.CharField(max_length=10, choices=Rounding.choices, default=Rounding.HALF_UP)
    # {"ABJ": "excluded", "ABN": "zero", "DIS": "excluded"}
    absence_rules = models.JSONField()
    # Weights of semester 1 and 2 in the year average, e.g. ["1", "1"].
    semester_weights = models.JSONField()
    source = models.CharField(max_length=500)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "grading policies"
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(pass_mark__gt=0)
                & models.Q(pass_mark__lte=models.F("scale_max")),
                name="policy_pass_mark_in_scale",
            ),
            models.CheckConstraint(condition=models.Q(decimals__lte=4), name="policy_decimals"),
        ]

    def __str__(self) -> str:
        return f"policy {self.year.code}"


class ExamScheme(models.Model):
    """How a certificate exam's final average is made from its components, for one year.

    `components` is [{"code": "continuous"|"local"|"regional"|"national", "weight": "0.30"}…]
    (weights sum to 1). A candidate whose final average is in [resit_min, pass_mark) may sit the
    resit (rattrapage) when `resit_min` is set; after it, the best mark of each subject of the
    national exam is kept (`resit_keeps_best`). PII: none.
    """

    class Code(models.TextChoices):
        COLLEGE_CERTIFICATE = "college_certificate", _("Collège certificate (3e année)")
        BACCALAUREAT = "baccalaureat", _("Baccalauréat")
        BACCALAUREAT_FREE = "baccalaureat_free", _("Baccalauréat (free candidates)")

    year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="exam_schemes")
    code = models.CharField(max_length=24, choices=Code.choices)
    level = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="exam_schemes")
    components = models.JSONField()
    resit_min = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    resit_keeps_best = models.BooleanField(default=False)
    source = models.CharField(max_length=500)

    class Meta:
        ordering: ClassVar[list[str]] = ["year", "code"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["year", "code"], name="examscheme_unique_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.year.code} {self.code}"

    def weights(self) -> dict[str, Decimal]:
        return {str(c["code"]): Decimal(str(c["weight"])) for c in self.components}

    def as_rules(self) -> Any:
        from .rules import ExamRules

        return ExamRules.from_scheme(self)

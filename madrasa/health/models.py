"""The school health record (vaccinations, growth, vision and hearing screenings, allergies),
recorded by school health staff, and the guardians' consents to share it.

Invariants:
- at most one active (not revoked) consent per pupil and purpose (a constraint);
- a growth screening has a height and a weight; its BMI is computed by the service (rules.bmi);
- a vision screening has both eyes' acuity, a hearing screening both ears' result (constraints).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from madrasa.registry.models import Guardian, Student


class ConsentPurpose(models.TextChoices):
    """What a guardian may consent to (the agency purpose of the same name)."""

    HEALTH = "health", _("Sharing the school health record with the health ministry")


class Consent(models.Model):
    """A guardian's consent, for one purpose, dated and revocable.

    PII: a family decision about health data; retention: while the child is a pupil + 5 years.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=32, choices=ConsentPurpose.choices)
    guardian = models.ForeignKey(Guardian, on_delete=models.PROTECT, related_name="+")
    given_on = models.DateField()
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    revoked_on = models.DateField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-given_on", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["student", "purpose"],
                condition=Q(revoked_at__isnull=True),
                name="consent_one_active_per_purpose",
            )
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.purpose} {'active' if self.is_active else 'revoked'}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Vaccine(models.TextChoices):
    """Vaccines of Morocco's national immunisation programme given or checked at school."""

    BCG = "BCG", _("BCG (tuberculosis)")
    HEPB = "HepB", _("Hepatitis B")
    DTP = "DTP", _("Diphtheria, tetanus, pertussis")
    TD = "Td", _("Tetanus, diphtheria (booster)")
    POLIO = "Polio", _("Poliomyelitis")
    MR = "MR", _("Measles, rubella")
    HPV = "HPV", _("Human papillomavirus")


class Immunization(models.Model):
    """A vaccine dose given or verified (from the vaccination card).

    PII: health data; retention: while the child is a pupil + 5 years.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    vaccine = models.CharField(max_length=8, choices=Vaccine.choices)
    dose_number = models.PositiveSmallIntegerField(default=1)
    occurred_on = models.DateField()
    lot_number = models.CharField(max_length=40, blank=True, default="")
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.student_id} {self.vaccine} #{self.dose_number}"


class Screening(models.Model):
    """A screening at school: growth (height, weight, BMI), vision or hearing.

    PII: health data; retention: while the child is a pupil + 5 years.
    """

    class Kind(models.TextChoices):
        GROWTH = "growth", _("Height and weight")
        VISION = "vision", _("Vision")
        HEARING = "hearing", _("Hearing")

    class Hearing(models.TextChoices):
        NORMAL = "normal", _("Normal")
        REDUCED = "reduced", _("Reduced: refer to a specialist")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    screened_on = models.DateField()
    height_cm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    weight_kg = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    bmi = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    # Decimal visual acuity (10/10 = 1.0) of each eye.
    acuity_left = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    acuity_right = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    hearing_left = models.CharField(max_length=8, choices=Hearing.choices, blank=True, default="")
    hearing_right = models.CharField(max_length=8, choices=Hearing.choices, blank=True, default="")
    note = models.CharField(max_length=300, blank=True, default="")
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["-screened_on", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=~Q(kind="growth")
                | Q(height_cm__isnull=False, weight_kg__isnull=False, bmi__isnull=False),
                name="screening_growth_complete",
            ),
            models.CheckConstraint(
                condition=~Q(kind="vision")
                | Q(acuity_left__isnull=False, acuity_right__isnull=False),
                name="screening_vision_complete",
            ),
            models.CheckConstraint(
                condition=~Q(kind="hearing") | (~Q(hearing_left="") & ~Q(hearing_right="")),
                name="screening_hearing_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.kind} {self.screened_on}"


class Allergy(models.Model):
    """A known allergy of the pupil.

    PII: health data; retention: while the child is a pupil + 5 years.
    """

    class Category(models.TextChoices):
        FOOD = "food", _("Food")
        MEDICATION = "medication", _("Medication")
        ENVIRONMENT = "environment", _("Environment (pollen, dust, animals)")
        BIOLOGIC = "biologic", _("Insect stings and other biological")

    class Criticality(models.TextChoices):
        LOW = "low", _("Low")
        HIGH = "high", _("High (risk of a severe reaction)")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    substance = models.CharField(max_length=120)
    category = models.CharField(max_length=12, choices=Category.choices)
    criticality = models.CharField(max_length=4, choices=Criticality.choices)
    noted_on = models.DateField()
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["substance"]

    def __str__(self) -> str:
        return f"{self.student_id} {self.substance}"

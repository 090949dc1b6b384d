"""Registry: the territory (regions, prefectures/provinces), schools and pupils.

This issue ships the territory and the minimal school and pupil rows that roles are scoped to;
the national registry issue widens schools and pupils (journey, guardians, duplicates).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """One of Morocco's 12 regions (décret n° 2-15-40). PII: none."""

    code = models.CharField(max_length=2, unique=True)
    name_fr = models.CharField(max_length=100)
    name_ar = models.CharField(max_length=100)
    chef_lieu_fr = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_fr}"


class Province(models.Model):
    """A prefecture or province (75 in all), with its 3-digit geographic code. PII: none."""

    class Kind(models.TextChoices):
        PREFECTURE = "prefecture", _("Prefecture")
        PROVINCE = "province", _("Province")

    code = models.CharField(max_length=3, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="provinces")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name_fr = models.CharField(max_length=100)
    name_ar = models.CharField(max_length=100)

    class Meta:
        ordering: ClassVar[list[str]] = ["region__code", "name_fr"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_fr}"


class School(models.Model):
    """A school (établissement). PII: none (public institution data)."""

    class Milieu(models.TextChoices):
        URBAN = "urban", _("Urban")
        RURAL = "rural", _("Rural")

    class Sector(models.TextChoices):
        PUBLIC = "public", _("Public")
        PRIVATE = "private", _("Private")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=16, unique=True)
    name_fr = models.CharField(max_length=200)
    name_ar = models.CharField(max_length=200)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="schools")
    milieu = models.CharField(max_length=8, choices=Milieu.choices)
    sector = models.CharField(max_length=8, choices=Sector.choices, default=Sector.PUBLIC)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_fr}"


class Student(models.Model):
    """A pupil, known for life by a national code.

    PII: names, birth date, gender; retention: permanent school record (legal archive).
    """

    class Gender(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    national_code = models.CharField(max_length=16, unique=True)
    first_name_ar = models.CharField(max_length=100)
    last_name_ar = models.CharField(max_length=100)
    first_name_latn = models.CharField(max_length=100)
    last_name_latn = models.CharField(max_length=100)
    birth_date = models.DateField()
    gender = models.CharField(max_length=1, choices=Gender.choices)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="students"
    )
    # Every name in both scripts, normalised by rules.student_search_key; kept by the services.
    search_key = models.CharField(max_length=500, blank=True, default="", editable=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["national_code"]

    def __str__(self) -> str:
        return self.national_code

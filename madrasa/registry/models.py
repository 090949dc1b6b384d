"""Registry: the territory, the structure of schooling, schools, pupils and their guardians.

- Territory: 12 regions and 75 prefectures/provinces (reference data in `data/`).
- Structure (ministry-configured data, Morocco's defaults in `data/`): school years and their
  semesters, cycles, levels and streams (filières).
- Schools, with their satellite units attached to a main school.
- Pupils, known for life by a national code (`NationalCodeCounter` hands out serials), their
  guardians, and the possible duplicates found when a pupil is created or imported.

Enrolments, classes, transfers and the journey live in `madrasa.enrolment`.
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


class Cycle(models.Model):
    """A cycle of schooling (préscolaire, primaire, collège, lycée). PII: none."""

    code = models.CharField(max_length=16, unique=True)
    rank = models.PositiveSmallIntegerField(unique=True)
    name_fr = models.CharField(max_length=100)
    name_ar = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)

    class Meta:
        ordering: ClassVar[list[str]] = ["rank"]

    def __str__(self) -> str:
        return self.code


class Level(models.Model):
    """A year of study (1re année primaire … 2e année bac). `rank` orders all levels of the
    country: a pupil admitted at rank r goes to rank r + 1. PII: none."""

    code = models.CharField(max_length=16, unique=True)
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="levels")
    rank = models.PositiveSmallIntegerField(unique=True)
    name_fr = models.CharField(max_length=100)
    name_ar = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    # The age a pupil normally has on 31 December of the school year's first calendar year.
    typical_age = models.PositiveSmallIntegerField()

    class Meta:
        ordering: ClassVar[list[str]] = ["rank"]

    def __str__(self) -> str:
        return self.code


class Stream(models.Model):
    """A stream (filière / شعبة / مسلك) of a level, from tronc commun on. PII: none."""

    level = models.ForeignKey(Level, on_delete=models.PROTECT, related_name="streams")
    code = models.CharField(max_length=16)
    name_fr = models.CharField(max_length=150)
    name_ar = models.CharField(max_length=150)
    name_en = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["level__rank", "code"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["level", "code"], name="stream_unique_code_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.level.code}/{self.code}"


class SchoolYear(models.Model):
    """A school year such as 2025-2026. Exactly one is current. PII: none."""

    code = models.CharField(max_length=9, unique=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    is_current = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["-starts_on"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="schoolyear_one_current",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="schoolyear_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Semester(models.Model):
    """A semester of a school year. `closed_at` is set when the term is closed. PII: none."""

    year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="semesters")
    number = models.PositiveSmallIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["year", "number"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["year", "number"], name="semester_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.year.code} S{self.number}"


class School(models.Model):
    """A school (établissement) or a satellite unit attached to a main school.

    PII: none (public institution data).
    """

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
    cycle = models.ForeignKey(
        Cycle, null=True, blank=True, on_delete=models.PROTECT, related_name="schools"
    )
    # A satellite unit (unité satellite / فرعية) points to its main school.
    main_school = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="satellites"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_fr}"


class NationalCodeCounter(models.Model):
    """The next serial for national codes starting with `letter`. Rows are locked by the single
    UPDATE that takes serials, so concurrent enrolments never share a code; the counter is
    transactional, so a rolled-back enrolment or import gives its serials back. PII: none."""

    letter = models.CharField(max_length=1, primary_key=True)
    next_serial = models.BigIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.letter}:{self.next_serial}"


class Student(models.Model):
    """A pupil, known for life by a national code.

    `school` is the current school, kept by the enrolment services. A record merged into another
    keeps its code (codes are never reused) and points to the record that was kept.
    PII: names, birth date and place, gender; retention: permanent school record (legal archive).
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
    birth_place_ar = models.CharField(max_length=100, blank=True, default="")
    birth_place_latn = models.CharField(max_length=100, blank=True, default="")
    gender = models.CharField(max_length=1, choices=Gender.choices)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="students"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records"
    )
    created_at = models.DateTimeField(auto_now_add=True, null=True)
    # Derived from the names by rules.student_keys and kept by the services: every name in both
    # scripts for search, and the normalised family names that duplicate detection blocks on.
    search_key = models.CharField(max_length=500, blank=True, default="", editable=False)
    last_key_latn = models.CharField(max_length=100, blank=True, default="", editable=False)
    last_key_ar = models.CharField(max_length=100, blank=True, default="", editable=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["national_code"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["birth_date", "last_key_latn"], name="student_dup_latn_idx"),
            models.Index(fields=["birth_date", "last_key_ar"], name="student_dup_ar_idx"),
        ]

    def __str__(self) -> str:
        return self.national_code


class Guardian(models.Model):
    """A parent or legal guardian. `user` is their parent account, once they have one.

    PII: names, national identity card number (CIN), phone; retention: while a child is a pupil.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    first_name_ar = models.CharField(max_length=100, blank=True, default="")
    last_name_ar = models.CharField(max_length=100, blank=True, default="")
    first_name_latn = models.CharField(max_length=100, blank=True, default="")
    last_name_latn = models.CharField(max_length=100, blank=True, default="")
    national_id = models.CharField(max_length=16, blank=True, default="", db_index=True)
    phone = models.CharField(max_length=20, blank=True, default="")
    user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="guardians"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["last_name_latn", "first_name_latn"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["national_id"],
                condition=~models.Q(national_id=""),
                name="guardian_unique_national_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name_latn} {self.last_name_latn}".strip() or str(self.uuid)


class Guardianship(models.Model):
    """A guardian of a pupil, and how they are related.

    PII: family link; retention: while the child is a pupil.
    """

    class Relation(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        TUTOR = "tutor", _("Legal guardian")

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardianships")
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="guardianships")
    relation = models.CharField(max_length=8, choices=Relation.choices)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["-is_primary", "relation"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["student", "guardian"], name="guardianship_unique")
        ]

    def __str__(self) -> str:
        return f"{self.guardian_id}->{self.student_id} ({self.relation})"


class DuplicateCandidate(models.Model):
    """Two pupil records that may be the same person, with a score from rules.duplicate_score.

    `student` is the newer record; `other` the one already in the registry.
    PII: pairs of pupil identities; retention: until reviewed, then kept with the audit log.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Not the same person")

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    detected_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-score", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["student", "other"], name="duplicate_unique_pair"),
            models.CheckConstraint(
                condition=~models.Q(student=models.F("other")), name="duplicate_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_id}~{self.other_id} ({self.score})"

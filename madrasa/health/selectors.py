"""Reads of the school health record (access is checked before)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from madrasa.registry.models import Guardianship, School, Student

from .models import Allergy, Consent, Immunization, Screening

__all__ = [
    "HealthRecord",
    "health_record",
    "pupil_consents",
    "pupil_guardianships",
    "school_pupils",
]


@dataclass(frozen=True)
class HealthRecord:
    immunizations: list[Immunization]
    screenings: list[Screening]
    allergies: list[Allergy]


def health_record(student: Student) -> HealthRecord:
    return HealthRecord(
        immunizations=list(Immunization.objects.filter(student=student)),
        screenings=list(Screening.objects.filter(student=student)),
        allergies=list(Allergy.objects.filter(student=student)),
    )


def pupil_consents(student: Student) -> QuerySet[Consent]:
    return Consent.objects.filter(student=student).select_related("guardian")


def pupil_guardianships(student: Student) -> QuerySet[Guardianship]:
    return Guardianship.objects.filter(student=student).select_related("guardian")


def school_pupils(school: School, query: str = "") -> QuerySet[Student]:
    pupils = Student.objects.filter(school=school, merged_into__isnull=True)
    query = " ".join(query.split())[:100]
    if query:
        pupils = pupils.filter(
            Q(national_code__iexact=query)
            | Q(last_name_latn__icontains=query)
            | Q(last_name_ar__icontains=query)
            | Q(first_name_latn__icontains=query)
        )
    return pupils.order_by("last_name_latn", "first_name_latn", "id")

"""Reads of the registry for pages, the API and the CLI (always scoped by an actor)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from madrasa.accounts.selectors import Actor

from .access import visible_schools, visible_students
from .models import Guardianship, Level, Province, Region, School, SchoolYear, Stream, Student
from .rules import looks_like_national_code, normalise_name

__all__ = [
    "TerritoryCount",
    "count_by_province",
    "list_guardians",
    "list_levels",
    "list_province_schools",
    "list_reference_provinces",
    "list_reference_regions",
    "list_school_students",
    "list_school_years",
    "search_schools",
    "search_students",
]

MAX_SEARCH_WORDS = 6


def list_reference_regions() -> QuerySet[Region]:
    """The public list of regions (reference data, not personal)."""
    return Region.objects.annotate(province_count=Count("provinces")).order_by("code")


def list_reference_provinces(region: Region | None = None) -> QuerySet[Province]:
    provinces = Province.objects.select_related("region")
    if region is not None:
        provinces = provinces.filter(region=region)
    return provinces.order_by("region__code", "code")


@dataclass(frozen=True)
class TerritoryCount:
    code: str
    name_fr: str
    name_ar: str
    schools: int
    pupils: int


def count_by_province(actor: Actor, region: Region) -> list[TerritoryCount]:
    """Schools and pupils per province of a region, within what the actor may see."""
    schools = visible_schools(actor).filter(province__region=region)
    pupils = visible_students(actor).filter(school__province__region=region)
    school_counts = dict(
        schools.values_list("province_id").annotate(n=Count("id")).values_list("province_id", "n")
    )
    pupil_counts = dict(
        pupils.values_list("school__province_id")
        .annotate(n=Count("id"))
        .values_list("school__province_id", "n")
    )
    return [
        TerritoryCount(
            code=p.code,
            name_fr=p.name_fr,
            name_ar=p.name_ar,
            schools=school_counts.get(p.id, 0),
            pupils=pupil_counts.get(p.id, 0),
        )
        for p in Province.objects.filter(region=region).order_by("code")
    ]


def list_province_schools(actor: Actor, province: Province) -> QuerySet[School]:
    return (
        visible_schools(actor)
        .filter(province=province)
        .annotate(pupil_count=Count("students", filter=Q(students__isnull=False)))
        .order_by("code")
    )


def list_school_students(actor: Actor, school: School) -> QuerySet[Student]:
    return (
        visible_students(actor).filter(school=school).order_by("last_name_latn", "first_name_latn")
    )


def search_schools(actor: Actor, query: str = "", province_code: str = "") -> QuerySet[School]:
    """Schools the actor may see, by code or by words of the French or Arabic name."""
    schools = visible_schools(actor).select_related("province", "cycle", "main_school")
    if province_code:
        schools = schools.filter(province__code=province_code)
    query = query.strip()
    if query:
        by_name = Q()
        for word in query.split()[:MAX_SEARCH_WORDS]:
            by_name &= Q(name_fr__icontains=word) | Q(name_ar__icontains=word)
        schools = schools.filter(Q(code__iexact=query) | by_name)
    return schools.order_by("code")


def list_school_years() -> QuerySet[SchoolYear]:
    """School years with their semesters (reference data)."""
    return SchoolYear.objects.prefetch_related("semesters").order_by("-starts_on")


def list_levels() -> QuerySet[Level]:
    """Levels in order, with their cycle and streams (reference data)."""
    return (
        Level.objects.select_related("cycle")
        .prefetch_related(Prefetch("streams", queryset=Stream.objects.order_by("code")))
        .order_by("rank")
    )


def search_students(
    actor: Actor, query: str = "", school: School | None = None
) -> QuerySet[Student]:
    """Pupils the actor may see, found by national code or by any name in either script.

    Names match whatever their accents, case, hamza forms, taa marbuta or alif maqsura: each word
    typed must appear in the pupil's normalised names.
    """
    students = visible_students(actor).select_related("school", "merged_into")
    students = students.filter(merged_into__isnull=True)
    if school is not None:
        students = students.filter(school=school)
    query = query.strip()
    if looks_like_national_code(query):
        return students.filter(national_code=query.upper())
    for word in normalise_name(query).split()[:MAX_SEARCH_WORDS]:
        students = students.filter(search_key__contains=word)
    return students.order_by("last_name_latn", "first_name_latn", "id")


def list_guardians(student: Student) -> QuerySet[Guardianship]:
    """A pupil's guardians, the primary contact first (the caller has checked access)."""
    return Guardianship.objects.filter(student=student).select_related("guardian")

"""Reads of the registry for pages, the API and the CLI (always scoped by an actor)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from madrasa.accounts.selectors import Actor

from .access import visible_schools, visible_students
from .models import Province, Region, School, Student

__all__ = [
    "TerritoryCount",
    "count_by_province",
    "list_province_schools",
    "list_reference_provinces",
    "list_reference_regions",
    "list_school_students",
]


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

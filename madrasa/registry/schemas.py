from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from ninja import Field, Schema


class RegionOut(Schema):
    code: str
    name_fr: str
    name_ar: str
    chef_lieu_fr: str


class ProvinceOut(Schema):
    code: str
    region_code: str

    @staticmethod
    def resolve_region_code(obj: Any) -> str:
        return str(obj.region.code)

    kind: str
    name_fr: str
    name_ar: str


class ProvinceCountOut(Schema):
    code: str
    name_fr: str
    name_ar: str
    schools: int
    pupils: int


class RegionDetailOut(RegionOut):
    provinces: list[ProvinceCountOut]


class SchoolOut(Schema):
    uuid: UUID
    code: str
    name_fr: str
    name_ar: str
    province_code: str
    milieu: str
    sector: str

    @staticmethod
    def resolve_province_code(obj: Any) -> str:
        return str(obj.province.code)


class StudentOut(Schema):
    uuid: UUID
    national_code: str
    first_name_ar: str
    last_name_ar: str
    first_name_latn: str
    last_name_latn: str
    birth_date: date
    gender: str
    school_uuid: UUID | None

    @staticmethod
    def resolve_school_uuid(obj: Any) -> UUID | None:
        school = getattr(obj, "school", None)
        return school.uuid if school is not None else None


class StudentFilter(Schema):
    q: str = Field("", max_length=100, description="national code, or words of a name (ar or latn)")
    school: UUID | None = Field(None, description="only pupils of this school")

from __future__ import annotations

from datetime import date
from uuid import UUID

from ninja import Schema


class RegionOut(Schema):
    code: str
    name_fr: str
    name_ar: str
    chef_lieu_fr: str


class ProvinceOut(Schema):
    code: str
    region_code: str
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

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
    cycle: str | None
    main_school_uuid: UUID | None = Field(description="set for a satellite unit")
    is_active: bool

    @staticmethod
    def resolve_province_code(obj: Any) -> str:
        return str(obj.province.code)

    @staticmethod
    def resolve_cycle(obj: Any) -> str | None:
        return obj.cycle.code if obj.cycle_id else None

    @staticmethod
    def resolve_main_school_uuid(obj: Any) -> UUID | None:
        return obj.main_school.uuid if obj.main_school_id else None


class SchoolFilter(Schema):
    q: str = Field("", max_length=100, description="school code or words of its name")
    province: str = Field("", max_length=3, description="3-digit province code")


class SemesterOut(Schema):
    number: int
    starts_on: date
    ends_on: date
    closed: bool

    @staticmethod
    def resolve_closed(obj: Any) -> bool:
        return obj.closed_at is not None


class SchoolYearOut(Schema):
    code: str
    starts_on: date
    ends_on: date
    is_current: bool
    semesters: list[SemesterOut]

    @staticmethod
    def resolve_semesters(obj: Any) -> list[Any]:
        return list(obj.semesters.all())


class StreamOut(Schema):
    code: str
    name_fr: str
    name_ar: str
    name_en: str


class LevelOut(Schema):
    code: str
    cycle: str
    rank: int
    typical_age: int
    name_fr: str
    name_ar: str
    name_en: str
    streams: list[StreamOut]

    @staticmethod
    def resolve_cycle(obj: Any) -> str:
        return str(obj.cycle.code)

    @staticmethod
    def resolve_streams(obj: Any) -> list[Any]:
        return [s for s in obj.streams.all() if s.is_active]


class StructureOut(Schema):
    years: list[SchoolYearOut]
    levels: list[LevelOut]


class StudentOut(Schema):
    uuid: UUID
    national_code: str
    first_name_ar: str
    last_name_ar: str
    first_name_latn: str
    last_name_latn: str
    birth_date: date
    birth_place_ar: str
    birth_place_latn: str
    gender: str
    school_uuid: UUID | None
    merged_into_code: str | None = Field(description="set when this record was merged into another")

    @staticmethod
    def resolve_school_uuid(obj: Any) -> UUID | None:
        school = getattr(obj, "school", None)
        return school.uuid if school is not None else None

    @staticmethod
    def resolve_merged_into_code(obj: Any) -> str | None:
        return obj.merged_into.national_code if obj.merged_into_id else None


class StudentFilter(Schema):
    q: str = Field("", max_length=100, description="national code, or words of a name (ar or latn)")
    school: UUID | None = Field(None, description="only pupils of this school")


class GuardianOut(Schema):
    relation: str
    is_primary: bool
    first_name_ar: str
    last_name_ar: str
    first_name_latn: str
    last_name_latn: str
    phone: str

    @staticmethod
    def resolve_first_name_ar(obj: Any) -> str:
        return str(obj.guardian.first_name_ar)

    @staticmethod
    def resolve_last_name_ar(obj: Any) -> str:
        return str(obj.guardian.last_name_ar)

    @staticmethod
    def resolve_first_name_latn(obj: Any) -> str:
        return str(obj.guardian.first_name_latn)

    @staticmethod
    def resolve_last_name_latn(obj: Any) -> str:
        return str(obj.guardian.last_name_latn)

    @staticmethod
    def resolve_phone(obj: Any) -> str:
        return str(obj.guardian.phone)


class GuardianIn(Schema):
    relation: str = Field(..., description="mother, father or tutor")
    first_name_ar: str = Field("", max_length=100)
    last_name_ar: str = Field("", max_length=100)
    first_name_latn: str = Field("", max_length=100)
    last_name_latn: str = Field("", max_length=100)
    national_id: str = Field(
        "", max_length=16, description="CIN; a guardian already known by it is reused"
    )
    phone: str = Field("", max_length=20)
    is_primary: bool = False

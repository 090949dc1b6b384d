"""API schemas of the bulletins domain (ninja / pydantic)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema


class BulletinLineOut(Schema):
    subject: str
    coefficient: Decimal
    average: Decimal | None
    marks_counted: int
    teacher_remark: str

    @staticmethod
    def resolve_subject(obj: Any) -> str:
        return str(obj.subject.code)


class BulletinOut(Schema):
    uuid: UUID
    period: str
    year: str
    student_uuid: UUID
    national_code: str
    school_code: str
    class_name: str | None
    general_average: Decimal | None
    rank: int | None
    class_size: int
    mention: str
    decision_proposal: str
    director_remark: str
    computed_at: datetime | None
    published_at: datetime | None
    lines: list[BulletinLineOut]

    @staticmethod
    def resolve_year(obj: Any) -> str:
        return str(obj.enrolment.year.code)

    @staticmethod
    def resolve_student_uuid(obj: Any) -> UUID:
        return obj.enrolment.student.uuid  # type: ignore[no-any-return]

    @staticmethod
    def resolve_national_code(obj: Any) -> str:
        return str(obj.enrolment.student.national_code)

    @staticmethod
    def resolve_school_code(obj: Any) -> str:
        return str(obj.enrolment.school.code)

    @staticmethod
    def resolve_class_name(obj: Any) -> str | None:
        school_class = obj.enrolment.school_class
        return None if school_class is None else str(school_class.name)

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())


class BulletinFilter(Schema):
    period: Literal["S1", "S2", "Y"] = Field("S1", description="S1, S2 or Y (the year)")


class BulletinRunIn(Schema):
    scope: Literal["school", "province", "region", "nation"]
    code: str = Field("", max_length=16, description="school, province or region code")
    period: Literal["S1", "S2", "Y"]
    year: str | None = Field(None, description="school year such as 2025-2026; default current")
    correction: bool = Field(
        False, description="recompute published bulletins (they are withdrawn until republished)"
    )


class BulletinRunOut(Schema):
    uuid: UUID
    scope_kind: str
    scope_code: str
    year: str
    period: str
    correction: bool
    status: str
    done: int
    total: int
    skipped: int
    bulletins: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str

    @staticmethod
    def resolve_year(obj: Any) -> str:
        return str(obj.year.code)


class PublishIn(Schema):
    period: Literal["S1", "S2", "Y"]
    year: str | None = Field(None, description="school year; default the current one")


class PublishOut(Schema):
    published: int

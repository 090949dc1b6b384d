"""API schemas of the enrolment domain (ninja / pydantic)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema


def _code(obj: Any, attr: str) -> str | None:
    value = getattr(obj, attr, None)
    return value.code if value is not None else None


class ClassOut(Schema):
    uuid: UUID
    name: str
    school_uuid: UUID
    year: str
    level: str
    stream: str | None
    capacity: int
    pupil_count: int | None = None

    @staticmethod
    def resolve_school_uuid(obj: Any) -> UUID:
        return obj.school.uuid  # type: ignore[no-any-return]

    @staticmethod
    def resolve_year(obj: Any) -> str:
        return str(obj.year.code)

    @staticmethod
    def resolve_level(obj: Any) -> str:
        return str(obj.level.code)

    @staticmethod
    def resolve_stream(obj: Any) -> str | None:
        return _code(obj, "stream")


class ClassIn(Schema):
    name: str = Field(..., min_length=1, max_length=40)
    level: str = Field(..., description="level code, e.g. P3, C1, TC, 2BAC")
    stream: str | None = Field(None, description="stream code, for levels that have streams")
    year: str | None = Field(None, description="school year such as 2026-2027; default current")
    capacity: int = Field(45, ge=1, le=60)


class ClassFilter(Schema):
    year: str | None = Field(None, description="school year; default the current one")


class EnrolmentOut(Schema):
    uuid: UUID
    student_uuid: UUID
    national_code: str
    school_uuid: UUID
    school_code: str
    year: str
    level: str
    stream: str | None
    class_name: str | None
    status: str
    started_on: date
    ended_on: date | None
    decision: str
    decision_stream: str | None
    decision_note: str

    @staticmethod
    def resolve_student_uuid(obj: Any) -> UUID:
        return obj.student.uuid  # type: ignore[no-any-return]

    @staticmethod
    def resolve_national_code(obj: Any) -> str:
        return str(obj.student.national_code)

    @staticmethod
    def resolve_school_uuid(obj: Any) -> UUID:
        return obj.school.uuid  # type: ignore[no-any-return]

    @staticmethod
    def resolve_school_code(obj: Any) -> str:
        return str(obj.school.code)

    @staticmethod
    def resolve_year(obj: Any) -> str:
        return str(obj.year.code)

    @staticmethod
    def resolve_level(obj: Any) -> str:
        return str(obj.level.code)

    @staticmethod
    def resolve_stream(obj: Any) -> str | None:
        return _code(obj, "stream")

    @staticmethod
    def resolve_class_name(obj: Any) -> str | None:
        return obj.school_class.name if obj.school_class_id else None

    @staticmethod
    def resolve_decision_stream(obj: Any) -> str | None:
        return _code(obj, "decision_stream")


class NewPupilIn(Schema):
    first_name_ar: str = Field(..., min_length=1, max_length=100)
    last_name_ar: str = Field(..., min_length=1, max_length=100)
    first_name_latn: str = Field(..., min_length=1, max_length=100)
    last_name_latn: str = Field(..., min_length=1, max_length=100)
    birth_date: date
    gender: Literal["F", "M"]
    birth_place_ar: str = Field("", max_length=100)
    birth_place_latn: str = Field("", max_length=100)


class EnrolmentIn(Schema):
    """Enrol an existing pupil (`student`) or a new one (`pupil`): a pupil is created, and gets
    a national code, at their first enrolment."""

    student: UUID | None = Field(None, description="an existing pupil")
    pupil: NewPupilIn | None = Field(None, description="a new pupil's identity")
    school: UUID
    level: str
    stream: str | None = None
    class_uuid: UUID | None = Field(None, alias="class")
    year: str | None = Field(None, description="default: the current school year")


class MoveIn(Schema):
    class_uuid: UUID = Field(..., alias="class")


class DecisionIn(Schema):
    decision: Literal["promoted", "repeat", "oriented", "dropped_out", "excluded", "graduated"]
    stream: str | None = Field(None, description="for 'oriented': a stream of the next level")
    note: str = Field("", max_length=300)


class JourneyEventOut(Schema):
    kind: str
    at: datetime
    year: str | None
    school_code: str | None
    school_name_fr: str | None
    school_name_ar: str | None
    level: str | None
    detail: dict[str, Any]

    @staticmethod
    def resolve_year(obj: Any) -> str | None:
        return _code(obj, "year")

    @staticmethod
    def resolve_school_code(obj: Any) -> str | None:
        return _code(obj, "school")

    @staticmethod
    def resolve_school_name_fr(obj: Any) -> str | None:
        return obj.school.name_fr if obj.school_id else None

    @staticmethod
    def resolve_school_name_ar(obj: Any) -> str | None:
        return obj.school.name_ar if obj.school_id else None

    @staticmethod
    def resolve_level(obj: Any) -> str | None:
        return _code(obj, "level")


class TransferOut(Schema):
    uuid: UUID
    student_uuid: UUID
    national_code: str
    from_school: str
    to_school: str
    to_school_uuid: UUID
    year: str
    status: str
    reason: str
    requested_at: datetime
    school_decided_at: datetime | None
    school_note: str
    directorate_decided_at: datetime | None
    directorate_note: str

    @staticmethod
    def resolve_student_uuid(obj: Any) -> UUID:
        return obj.student.uuid  # type: ignore[no-any-return]

    @staticmethod
    def resolve_national_code(obj: Any) -> str:
        return str(obj.student.national_code)

    @staticmethod
    def resolve_from_school(obj: Any) -> str:
        return str(obj.from_school.code)

    @staticmethod
    def resolve_to_school(obj: Any) -> str:
        return str(obj.to_school.code)

    @staticmethod
    def resolve_to_school_uuid(obj: Any) -> UUID:
        return obj.to_school.uuid  # type: ignore[no-any-return]

    @staticmethod
    def resolve_year(obj: Any) -> str:
        return str(obj.year.code)


class TransferIn(Schema):
    student: UUID
    to_school: UUID
    reason: str = Field(..., min_length=3, max_length=500)


class TransferFilter(Schema):
    status: Literal["open", "all"] = "open"


class TransferDecisionIn(Schema):
    accept: bool
    note: str = Field("", max_length=500, description="required when refusing")


class DuplicateOut(Schema):
    id: int
    score: int
    reasons: list[str]
    student_uuid: UUID
    student_code: str
    other_uuid: UUID
    other_code: str

    @staticmethod
    def resolve_student_uuid(obj: Any) -> UUID:
        return obj.student.uuid  # type: ignore[no-any-return]

    @staticmethod
    def resolve_student_code(obj: Any) -> str:
        return str(obj.student.national_code)

    @staticmethod
    def resolve_other_uuid(obj: Any) -> UUID:
        return obj.other.uuid  # type: ignore[no-any-return]

    @staticmethod
    def resolve_other_code(obj: Any) -> str:
        return str(obj.other.national_code)


class MergeIn(Schema):
    keep: UUID = Field(..., description="the record that stays (one of the pair)")


class RollOverIn(Schema):
    from_year: str = Field(..., description="the year whose decisions are applied")
    to_year: str = Field(..., description="the year the pupils are enrolled in")


class RollOverOut(Schema):
    created: int
    left: dict[str, int] = Field(
        description="pupils not enrolled, by reason: leaves_cycle, needs_orientation, "
        "no_decision, left_school, already_enrolled"
    )

"""API schemas of the marks domain (ninja / pydantic)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema


class AssessmentOut(Schema):
    uuid: UUID
    class_uuid: UUID
    year: str
    subject: str
    semester: int
    kind: str
    number: int
    held_on: date | None
    mark_count: int | None = None
    closed: bool = False


class AssessmentIn(Schema):
    subject: str = Field(..., description="subject code, e.g. MATH")
    semester: int = Field(..., ge=1, le=2, description="semester number of the class's year")
    kind: Literal["continuous", "local_exam"] = "continuous"
    number: int | None = Field(
        None,
        ge=1,
        le=4,
        description="create this contrôle (returned as it is when it exists); default the next",
    )
    held_on: date | None = None


class AssessmentFilter(Schema):
    subject: str | None = Field(None, description="subject code")
    semester: int | None = Field(None, ge=1, le=2)


class MarkOut(Schema):
    enrolment_uuid: UUID
    student_uuid: UUID
    national_code: str
    name_ar: str
    name_latn: str
    value: Decimal | None = Field(None, description="the mark, or null with an absence code")
    absence: str = Field("", description="ABJ, ABN or DIS; empty with a value")
    text: str = Field("", description="the mark as typed back into a grid (12.5, ABJ, empty)")
    pending_change: str | None = Field(
        None, description="the value a change request waiting for the director asks for"
    )


class MarkEntryIn(Schema):
    enrolment: str = Field(..., description="the pupil's enrolment uuid")
    value: str = Field(
        "",
        max_length=20,
        description="12,5 or 12.5 (0..scale, two decimals), ABJ / ABN / DIS, or empty to remove",
    )


class MarksIn(Schema):
    entries: list[MarkEntryIn] = Field(..., max_length=200)
    reason: str = Field(
        "", max_length=500, description="required once the term is closed (a change request)"
    )


class SaveOut(Schema):
    created: int
    updated: int
    deleted: int
    unchanged: int
    requested: int
    audit_seq: int | None
    marks: list[MarkOut]


class EntryErrorOut(Schema):
    enrolment: str
    value: str
    code: str
    message: str


class MarkErrorsOut(Schema):
    code: str
    detail: str
    errors: list[EntryErrorOut]


class MarkEventOut(Schema):
    enrolment_uuid: UUID
    national_code: str
    old: str
    new: str
    at: datetime
    by: str | None
    reason: str
    audit_seq: int | None

    @staticmethod
    def resolve_enrolment_uuid(obj: Any) -> UUID:
        return obj.enrolment.uuid  # type: ignore[no-any-return]

    @staticmethod
    def resolve_national_code(obj: Any) -> str:
        return str(obj.enrolment.student.national_code)

    @staticmethod
    def resolve_old(obj: Any) -> str:
        return obj.old_absence or ("" if obj.old_value is None else f"{obj.old_value:f}")

    @staticmethod
    def resolve_new(obj: Any) -> str:
        return obj.new_absence or ("" if obj.new_value is None else f"{obj.new_value:f}")

    @staticmethod
    def resolve_by(obj: Any) -> str | None:
        return obj.actor.get_username() if obj.actor else None


class HistoryFilter(Schema):
    enrolment: UUID | None = Field(None, description="one pupil's mark (enrolment uuid)")


class PupilMarkOut(Schema):
    assessment_uuid: UUID
    year: str
    semester: int
    subject: str
    kind: str
    number: int
    value: Decimal | None
    absence: str


class TermClosureIn(Schema):
    semester: int = Field(..., ge=1, le=2, description="semester number of the current year")
    year: str | None = Field(None, description="school year; default the current one")


class TermClosureOut(Schema):
    school_uuid: UUID
    year: str
    semester: int
    closed_at: datetime
    closed_by: str | None
    missing_marks: int


class ChangeRequestOut(Schema):
    uuid: UUID
    assessment_uuid: UUID
    enrolment_uuid: UUID
    national_code: str
    subject: str
    semester: int
    number: int
    old: str
    new: str
    reason: str
    status: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str

    @staticmethod
    def resolve_assessment_uuid(obj: Any) -> UUID:
        return obj.assessment.uuid  # type: ignore[no-any-return]

    @staticmethod
    def resolve_enrolment_uuid(obj: Any) -> UUID:
        return obj.enrolment.uuid  # type: ignore[no-any-return]

    @staticmethod
    def resolve_national_code(obj: Any) -> str:
        return str(obj.enrolment.student.national_code)

    @staticmethod
    def resolve_subject(obj: Any) -> str:
        return str(obj.assessment.subject.code)

    @staticmethod
    def resolve_semester(obj: Any) -> int:
        return int(obj.assessment.semester.number)

    @staticmethod
    def resolve_number(obj: Any) -> int:
        return int(obj.assessment.number)

    @staticmethod
    def resolve_old(obj: Any) -> str:
        return obj.old_absence or ("" if obj.old_value is None else f"{obj.old_value:f}")

    @staticmethod
    def resolve_new(obj: Any) -> str:
        return obj.new_absence or ("" if obj.new_value is None else f"{obj.new_value:f}")

    @staticmethod
    def resolve_requested_by(obj: Any) -> str:
        return str(obj.requested_by.get_username())

    @staticmethod
    def resolve_decided_by(obj: Any) -> str | None:
        return obj.decided_by.get_username() if obj.decided_by else None


class ChangeDecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=500)

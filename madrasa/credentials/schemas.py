"""API schemas of the credentials domain (ninja / pydantic)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema


class VerifyIn(Schema):
    payload: str = Field(
        ...,
        max_length=100_000,
        description="the credential's JSON, or the text of its QR code (VC1:…)",
    )


class CheckOut(Schema):
    name: str
    ok: bool
    detail: str


class VerificationOut(Schema):
    outcome: Literal["valid", "unchecked", "invalid"]
    code: str = Field(..., description="valid, or the failure: tampered, unknown_key, expired…")
    reason: str
    checks: list[CheckOut]
    credential_id: str | None
    issuer: str | None
    key: str | None


class RequestIn(Schema):
    student_uuid: UUID
    kind: Literal["attestation", "transcript", "exam_result"] = "attestation"
    # A transcript's period (S1, S2, Y) and the school year (code; empty: the current one).
    period: Literal["", "S1", "S2", "Y"] = ""
    year: str = Field("", max_length=9)


class DecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=500)


class RevokeIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


class RequestOut(Schema):
    uuid: UUID
    kind: str
    period: str
    year: str
    status: str
    student_uuid: UUID
    school: str
    requested_at: datetime
    decided_at: datetime | None
    age_seconds: int
    note: str
    credential_uuid: UUID | None

    @staticmethod
    def resolve_student_uuid(obj: Any) -> UUID:
        return obj.student.uuid  # type: ignore[no-any-return]

    @staticmethod
    def resolve_year(obj: Any) -> str:
        return str(obj.year.code)

    @staticmethod
    def resolve_school(obj: Any) -> str:
        return str(obj.school.code)

    @staticmethod
    def resolve_age_seconds(obj: Any) -> int:
        return int(obj.age.total_seconds())

    @staticmethod
    def resolve_credential_uuid(obj: Any) -> UUID | None:
        credential = getattr(obj, "credential", None)
        return credential.uuid if credential is not None else None


class CredentialOut(Schema):
    uuid: UUID
    kind: str
    student_uuid: UUID
    issued_at: datetime
    revoked_at: datetime | None
    key_id: str
    status_list: int
    status_index: int

    @staticmethod
    def resolve_student_uuid(obj: Any) -> UUID:
        return obj.student.uuid  # type: ignore[no-any-return]

    @staticmethod
    def resolve_status_list(obj: Any) -> int:
        return int(obj.status_list.number)

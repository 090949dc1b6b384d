"""Schemas of the agency API: exactly the fields each purpose allows, nothing more.

Plain pydantic models, not ninja's `Schema`: a batch holds 10,000 items and ninja's per-object
attribute resolver (for ORM objects) tripled the time of a batch.
"""

from __future__ import annotations

from pydantic import BaseModel as Schema
from pydantic import Field


class IdentifierIn(Schema):
    """A pupil: `national_code`, or `guardian_national_id` with the child's `birth_date`."""

    national_code: str | None = Field(default=None, max_length=32, examples=["A100000001"])
    guardian_national_id: str | None = Field(default=None, max_length=32, examples=["AB123456"])
    birth_date: str | None = Field(default=None, max_length=32, examples=["2012-03-01"])


class SchoolingStatusIn(Schema):
    month: str = Field(examples=["2026-11"], max_length=16)
    identifiers: list[IdentifierIn]


class SchoolingStatusItem(Schema):
    index: int
    status: str = Field(
        description=(
            "enrolled_attending, enrolled_excessive_absence, not_enrolled, dropped_out; "
            "unknown (no pupil matches) or ambiguous (a guardian's children born the same day "
            "with different statuses)"
        )
    )


class SchoolingStatusOut(Schema):
    month: str
    request_id: str
    results: list[SchoolingStatusItem]


class AgencyErrorOut(Schema):
    code: str
    detail: str


class DiplomaCheckIn(Schema):
    """The person as the candidate declared them, and the baccalauréat they claim."""

    national_code: str = Field(max_length=32, examples=["A100000001"])
    birth_date: str = Field(max_length=32, examples=["2008-04-17"])
    last_name: str = Field(max_length=100, examples=["Idrissi"])
    year: int = Field(examples=[2026], description="the year of the exam (the school year's end)")
    stream: str = Field(max_length=16, examples=["SEXP"], description="the stream's code")
    mention: str | None = Field(
        default=None,
        max_length=16,
        examples=["bien"],
        description="passable, assez_bien, bien, tres_bien; omit to check the diploma only",
    )


class DiplomaCheckOut(Schema):
    """`holds` only; when true, the year, stream and mention on record (nothing else)."""

    holds: bool
    year: int | None = None
    stream: str | None = None
    mention: str | None = None
    request_id: str

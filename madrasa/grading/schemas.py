"""API schemas of the grading policy (ninja / pydantic). Decimals travel as exact strings
("12.50"); inputs accept a JSON string or number."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


class MentionIO(Schema):
    code: str = Field(..., max_length=32, description="e.g. passable, assez_bien, bien, tres_bien")
    min: Decimal = Field(..., description="the lowest average that gets this mention")


class PolicyIn(Schema):
    scale_max: Decimal = Field(..., description="top of the scale, e.g. 20")
    pass_mark: Decimal = Field(..., description="e.g. 10")
    mentions: list[MentionIO] = Field(..., max_length=10, description="lowest first")
    decimals: int = Field(..., description="decimal places of every average, 0 to 4")
    rounding: str = Field(..., description="half_up or down (truncate)")
    absence_rules: dict[str, str] = Field(
        ..., description='per absence code (ABJ, ABN, DIS): "zero" or "excluded"'
    )
    semester_weights: list[Decimal] = Field(
        ..., max_length=4, description="weight of each semester in the year average"
    )
    source: str = Field(..., max_length=500, description="the text these values come from")


class PolicyOut(PolicyIn):
    updated_at: datetime

    @staticmethod
    def resolve_mentions(obj: Any) -> list[dict[str, str]]:
        return list(obj.mentions)


class CoefficientOut(Schema):
    level: str
    stream: str | None
    subject: str
    coefficient: Decimal
    assessments_per_semester: int

    @staticmethod
    def resolve_level(obj: Any) -> str:
        return str(obj.level.code)

    @staticmethod
    def resolve_stream(obj: Any) -> str | None:
        return obj.stream.code if obj.stream is not None else None

    @staticmethod
    def resolve_subject(obj: Any) -> str:
        return str(obj.subject.code)


class CoefficientRowIn(Schema):
    subject: str = Field(..., max_length=16, description="subject code, e.g. MATH")
    coefficient: Decimal
    assessments_per_semester: int = Field(..., description="contrôles per semester, 1 to 4")


class CoefficientsIn(Schema):
    level: str = Field(..., max_length=16, description="level code, e.g. P5, 2BAC")
    stream: str | None = Field(
        None, max_length=16, description="stream code; none for the level's own table"
    )
    rows: list[CoefficientRowIn] = Field(
        ..., max_length=40, description="the whole table: subjects left out are removed"
    )


class CoefficientsOut(Schema):
    level: str
    stream: str | None
    rows: list[CoefficientOut]
    added: list[str]
    changed: list[dict[str, str]]
    removed: list[str]


class ComponentIO(Schema):
    code: str = Field(..., max_length=16, description="continuous, local, regional or national")
    weight: Decimal


class SchemeIn(Schema):
    level: str = Field(..., max_length=16, description="level of the exam, e.g. C3, 2BAC")
    components: list[ComponentIO] = Field(..., max_length=4, description="weights sum to 1")
    resit_min: Decimal | None = Field(None, description="lowest average that may resit")
    resit_keeps_best: bool = Field(False, description="best mark per subject kept after resit")
    source: str = Field(..., max_length=500)


class SchemeOut(Schema):
    code: str
    level: str
    components: list[ComponentIO]
    resit_min: Decimal | None
    resit_keeps_best: bool
    source: str

    @staticmethod
    def resolve_level(obj: Any) -> str:
        return str(obj.level.code)

    @staticmethod
    def resolve_components(obj: Any) -> list[dict[str, str]]:
        return list(obj.components)


class YearGradingOut(Schema):
    year: str
    locked: bool = Field(..., description="all semesters closed: the policy can no longer change")
    closed_semesters: list[int]
    policy: PolicyOut | None
    coefficients: list[CoefficientOut]
    schemes: list[SchemeOut]

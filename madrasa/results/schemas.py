"""Schemas of the results API."""

from __future__ import annotations

from ninja import Schema

__all__ = ["LookupErrorOut", "ResultOut"]


class ResultOut(Schema):
    """One pupil's published exam result (small: what results day shows)."""

    session: str
    publication: int
    national_code: str
    name_ar: str
    name_latn: str
    stream: str
    average: str
    mention: str
    outcome: str


class LookupErrorOut(Schema):
    """`no_result` (the same for a wrong birth date and an unknown code), `not_published`,
    `rate_limited` (with Retry-After)."""

    code: str
    detail: str

from __future__ import annotations

from uuid import UUID

from ninja import Schema


class AssignmentOut(Schema):
    role: str
    scope_kind: str | None
    scope_code: str | None


class MeOut(Schema):
    uuid: UUID
    username: str
    primary_role: str | None
    roles: list[str]

"""The agency API's refusals: a domain error with its own HTTP status."""

from __future__ import annotations

from django.utils.functional import Promise

from madrasa.core.errors import DomainError


class AgencyError(DomainError):
    """A refusal of an agency request (`code` is stable; `http_status` set per refusal)."""

    code = "agency_error"

    def __init__(self, message: str | Promise, *, code: str, status: int) -> None:
        super().__init__(message, code=code)
        self.http_status = status

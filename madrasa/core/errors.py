"""Domain errors: raised by services and access functions, turned into responses at the edges."""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A refusal the user can understand. `code` is stable and machine-readable."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: str | Promise, *, code: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        if code is not None:
            self.code = code


class NotFound(DomainError):
    """The object does not exist *or* the actor may not know that it exists."""

    code = "not_found"
    http_status = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    http_status = 403


class InvalidInput(DomainError):
    code = "invalid_input"
    http_status = 422

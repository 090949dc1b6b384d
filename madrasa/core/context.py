"""Who is asking, from where: set by middleware for each request, read by the audit log."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str | None = None


_context: ContextVar[RequestContext | None] = ContextVar("madrasa_request", default=None)


def current_request_context() -> RequestContext:
    return _context.get() or RequestContext()


def set_request_context(context: RequestContext) -> object:
    return _context.set(context)


def reset_request_context(token: object) -> None:
    _context.reset(token)  # type: ignore[arg-type]  # token comes from set_request_context

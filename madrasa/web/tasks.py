"""Background tasks of the web app: thin and idempotent (running one twice is harmless)."""

from __future__ import annotations

from uuid import UUID

from django_tasks import task

from .dashboard import run_refresh


@task()
def refresh_indicators(refresh_uuid: str) -> dict[str, str]:
    """Compute the national indicators of a queued refresh (madrasa/web/dashboard.py)."""
    refresh = run_refresh(UUID(refresh_uuid))
    return {} if refresh is None else {"state": refresh.state}

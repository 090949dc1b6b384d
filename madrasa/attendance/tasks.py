"""Background tasks of the attendance app: thin and idempotent (running one twice is harmless)."""

from __future__ import annotations

from django_tasks import task

from .models import StatusRun
from .services import compute_schooling_status


@task()
def run_schooling_status(run_id: int) -> dict[str, int]:
    """Compute the national monthly status of a queued run (replaces the month's rows)."""
    run = StatusRun.objects.filter(pk=run_id).first()
    if run is None:
        return {}
    run = compute_schooling_status(actor=run.requested_by, month=run.month, run=run)
    return {"rows": run.rows}

"""Background tasks of the bulletins app: thin and idempotent (running one twice is harmless)."""

from __future__ import annotations

from uuid import UUID

from django_tasks import task

from .services import execute_run


@task()
def compute_bulletins(run_uuid: str) -> dict[str, int | str]:
    """Compute the bulletins of a queued run, batch by batch, with progress in the run row."""
    run = execute_run(run_uuid=UUID(run_uuid))
    if run is None:
        return {}
    return {"status": run.status, "done": run.done, "total": run.total}

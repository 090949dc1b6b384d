"""Background tasks of the imports app: thin and idempotent (running one twice is harmless)."""

from __future__ import annotations

from uuid import UUID

from django_tasks import task

from .services import run_batch


@task()
def run_import_batch(batch_uuid: str) -> dict[str, int]:
    """Stage and apply an uploaded batch, resuming from its checkpoint."""
    batch = run_batch(batch_uuid=UUID(batch_uuid))
    if batch is None:
        return {}
    return {
        "created": batch.created_count,
        "updated": batch.updated_count,
        "unchanged": batch.unchanged_count,
        "errors": batch.error_count,
    }

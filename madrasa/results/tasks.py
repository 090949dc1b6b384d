"""Background tasks of the results app: thin, and safe to run twice (a computation replaces
the session's results)."""

from __future__ import annotations

from django_tasks import task

from madrasa.accounts.models import User

from .services import run_compute


@task()
def compute_session_task(session_id: int, user_id: int | None = None) -> dict[str, int]:
    actor = User.objects.filter(pk=user_id).first() if user_id is not None else None
    return run_compute(session_id=session_id, actor=actor)

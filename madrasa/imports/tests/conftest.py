from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.db import connection

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.imports.models import ImportBatch
from madrasa.imports.services import apply_batch, receive_batch
from madrasa.imports.tests.dump import dump
from madrasa.imports.tests.factories import csv_bytes

RunImport = Callable[..., ImportBatch]


@pytest.fixture
def run_import(world: World) -> RunImport:
    """Import rows (or bytes) as a role of the world, in this process; returns the batch."""

    def run(
        rows: Sequence[dict[str, Any]] | bytes,
        *,
        role: Role | None = Role.DIRECTOR,
        chunk_size: int = 1000,
        filename: str = "eleves.csv",
    ) -> ImportBatch:
        data = rows if isinstance(rows, bytes) else csv_bytes(rows)
        actor = world.actor(role) if role is not None else None
        batch, _created = receive_batch(
            actor=actor, kind="pupils", filename=filename, data=data, chunk_size=chunk_size
        )
        return apply_batch(batch=batch, actor=actor)

    return run


@pytest.fixture
def business_dump() -> Callable[[], dict[str, list[str]]]:
    def take() -> dict[str, list[str]]:
        with connection.cursor() as cursor:
            return dump(cursor)

    return take

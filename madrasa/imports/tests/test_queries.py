"""Applying a chunk costs a fixed number of queries, whatever its size: never one per row."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.imports.models import ImportBatch
from madrasa.imports.services import apply_batch, receive_batch, stage_batch
from madrasa.imports.tests.factories import csv_bytes, pupil_row

# Small enough that SQLite's 999-parameter limit never splits a bulk statement (with chunks of
# 1,000 rows it does: a few more statements per chunk on SQLite, still none per row).
SIZES = (8, 32)


def _chunk_queries(world: World, size: int, offset: int) -> int:
    actor = world.actor(Role.DIRECTOR)
    rows = [
        pupil_row(offset + i, classe=f"C{size}-{i % 2}", tuteur_cin=f"Q{offset + i}")
        for i in range(size)
    ]
    # One known pupil per chunk, matched by code, so every path runs.
    rows[0] = pupil_row(0, code_national="A100000001", niveau="P5", classe="5A")
    rows[0] |= {"nom_ar": "العلوي", "prenom_ar": "ياسين", "nom_fr": "Alaoui"}
    rows[0] |= {"prenom_fr": "Yassine", "date_naissance": "01/03/2012", "genre": "M"}
    rows[0] |= {"lieu_naissance_fr": f"Rabat {size}", "tuteur_cin": f"Q{offset}"}
    batch, _created = receive_batch(
        actor=actor, kind="pupils", filename=f"{size}.csv", data=csv_bytes(rows), chunk_size=size
    )
    batch = stage_batch(batch=batch, actor=actor)
    assert batch.error_count == 0
    with CaptureQueriesContext(connection) as queries:
        batch = apply_batch(batch=batch, actor=actor)
    assert (batch.status, batch.created_count, batch.updated_count) == (
        ImportBatch.Status.DONE,
        size - 1,
        1,
    )
    return len(queries)


def test_applying_a_chunk_takes_the_same_queries_whatever_its_size(world: World) -> None:
    small, large = (_chunk_queries(world, size, 100 * size) for size in SIZES)
    assert small == large
    assert large <= 60

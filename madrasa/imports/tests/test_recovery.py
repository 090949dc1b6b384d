"""RELIABILITY T12: an import killed at any point, then run again, ends with exactly the database
an uninterrupted run gives; nothing half-written remains in between."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection, connections, transaction
from psycopg import sql

from conftest import World, build_world
from madrasa.accounts.roles import Role
from madrasa.imports.models import ImportBatch, ImportRow
from madrasa.imports.services import SimulatedCrash, apply_batch, receive_batch
from madrasa.imports.tests.dump import dump
from madrasa.imports.tests.factories import csv_bytes, pupil_row

ROOT = Path(__file__).resolve().parents[3]
Dump = Callable[[], dict[str, list[str]]]


def _rows(count: int) -> list[dict[str, str]]:
    """New pupils, a few refused rows, a known pupil, and siblings sharing a guardian across
    chunks: every path of applying a chunk."""
    rows = [pupil_row(i, classe=f"3{'ABCD'[i % 4]}") for i in range(count)]
    rows[3] = pupil_row(3, date_naissance="31/02/2017")
    rows[17] = pupil_row(17, code_etablissement="T0002")
    rows[25]["tuteur_cin"] = rows[4]["tuteur_cin"]
    rows[40] = pupil_row(40, code_national="A100000001", niveau="P5", classe="5A")
    rows.append(pupil_row(5, tuteur_telephone=""))  # row 5's pupil again
    return rows


def _outcome() -> dict[str, Any]:
    rows = ImportRow.objects.order_by("number").values_list(
        "number", "outcome", "planned_code", "student_uuid", "errors"
    )
    batches = ImportBatch.objects.values_list(
        "uuid", "status", "created_count", "updated_count", "unchanged_count", "error_count"
    )
    return {"rows": [repr(r) for r in rows], "batches": [repr(b) for b in batches]}


FAULTS = ["stage:1", "stage:4", "apply:1", "apply:3", "apply:6"]


def test_an_import_killed_at_any_point_and_run_again_ends_as_an_uninterrupted_one(
    world: World, business_dump: Dump, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: 61 rows in chunks of 10, run as the director
    data = csv_bytes(_rows(60))
    actor = world.actor(Role.DIRECTOR)

    def import_once() -> ImportBatch:
        batch, _created = receive_batch(
            actor=actor, kind="pupils", filename="eleves.csv", data=data, chunk_size=10
        )
        return apply_batch(batch=batch, actor=actor)

    def in_a_fresh_database(run: Callable[[], None]) -> dict[str, Any]:
        savepoint = transaction.savepoint()
        try:
            run()
            return business_dump() | _outcome()
        finally:
            transaction.savepoint_rollback(savepoint)

    def uninterrupted() -> None:
        import_once()

    baseline = in_a_fresh_database(uninterrupted)
    assert "'created'" in "".join(baseline["rows"])

    for fault in FAULTS:

        def interrupted(fault: str = fault) -> None:
            # when: the import dies at the fault point, and is run again
            monkeypatch.setenv("MADRASA_IMPORT_FAULT", fault)
            with pytest.raises(SimulatedCrash):
                import_once()
            monkeypatch.delenv("MADRASA_IMPORT_FAULT")
            batch = ImportBatch.objects.get()
            stage, number = fault.split(":")
            if stage == "stage":
                # nothing staged, and the national-code serials went back
                assert batch.status == ImportBatch.Status.RECEIVED
                assert not ImportRow.objects.exists()
            else:
                # the chunks before the fault are kept; the one that died left nothing
                assert batch.applied_rows == 10 * (int(number) - 1)
            assert import_once().status == ImportBatch.Status.DONE

        # then
        assert in_a_fresh_database(interrupted) == baseline, fault


@pytest.fixture
def fresh_copy(flushable_db: None) -> Iterator[tuple[World, str, str]]:
    """The world, committed, and a copy of the test database taken before any import: the
    test database's name and the copy's."""
    if connection.vendor != "postgresql":
        pytest.skip("two processes share the database: PostgreSQL only")
    world = build_world()
    name = str(connection.settings_dict["NAME"])
    copy = f"{name}_fresh"
    connections.close_all()
    with _admin() as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(copy), sql.Identifier(name)
            )
        )
    try:
        yield world, name, copy
    finally:
        with _admin() as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(copy)))


def _conninfo(database: str) -> str:
    settings = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        host=settings["HOST"] or "127.0.0.1",
        port=str(settings["PORT"] or 5432),
        user=settings["USER"] or "postgres",
        password=settings["PASSWORD"] or None,
        dbname=database,
    )


def _admin() -> psycopg.Connection[Any]:
    return psycopg.connect(_conninfo("postgres"), autocommit=True)


def _madrasa(database: str, tmp_path: Path, *args: str, fault: str = "") -> subprocess.Popen[bytes]:
    settings = connection.settings_dict
    url = (
        f"postgresql://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{database}"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MADRASA_", "DJANGO_"))}
    env |= {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "madrasa.settings",
        "MADRASA_VAR_DIR": str(tmp_path / "var"),
    }
    if fault:
        env["MADRASA_IMPORT_FAULT"] = fault
    return subprocess.Popen(  # noqa: S603  this interpreter, running madrasa; no shell
        [sys.executable, "-m", "madrasa.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _applied_rows(database: str) -> int:
    with psycopg.connect(_conninfo(database)) as conn:
        row = conn.execute("SELECT max(applied_rows) FROM imports_importbatch").fetchone()
    return int(row[0] or 0) if row else 0


def _dump_of(database: str) -> dict[str, list[str]]:
    with psycopg.connect(_conninfo(database)) as conn, conn.cursor() as cursor:
        return dump(cursor)


@pytest.mark.postgres_only
def test_kill_9_of_the_import_command_then_a_rerun_ends_as_an_uninterrupted_run(
    fresh_copy: tuple[World, str, str], tmp_path: Path
) -> None:
    # given: 900 rows applied in chunks of 60
    _world, database, copy = fresh_copy
    path = tmp_path / "eleves.csv"
    path.write_bytes(csv_bytes(_rows(900)))
    command = ("import", "pupils", str(path), "--chunk-size", "60", "--no-progress")
    # when: the command dies inside a chunk's transaction (the hook's os._exit), then is killed
    # with SIGKILL while applying, then runs to the end
    died = _madrasa(database, tmp_path, *command, fault="apply:3:exit")
    assert died.wait(timeout=120) == 137
    assert _applied_rows(database) == 120
    process = _madrasa(database, tmp_path, *command)
    deadline = time.monotonic() + 120
    while _applied_rows(database) < 400 and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert process.poll() is None, "the import ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert 400 <= _applied_rows(database) < 900
    final = _madrasa(database, tmp_path, *command)
    _out, err = final.communicate(timeout=180)
    assert final.returncode == 4, err.decode()  # two rows are refused by design
    # and the same file into a copy of the database taken before any import, uninterrupted
    clean = _madrasa(copy, tmp_path, *command)
    _out, err = clean.communicate(timeout=180)
    assert clean.returncode == 4, err.decode()
    # then
    assert _dump_of(database) == _dump_of(copy)

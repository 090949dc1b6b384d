"""Time `madrasa synth` on PostgreSQL, and compare with a raw COPY of the same rows.

    .venv/bin/python bench/synth_vs_copy.py --pupils 200000

Creates a scratch database (`bench_madrasa_<random>`, dropped at the end unless --keep) and a
scratch directory under var/, migrates the database, then times:

1. `madrasa synth --pupils N` (a subprocess, as an operator would run it): planning, making the
   rows in Python, COPY, index rebuild, duplicate detection, everything;
2. for each table synth filled, `COPY TO` a file, then `COPY FROM` that file into a bare copy of
   the table (`CREATE TABLE … (LIKE … INCLUDING ALL)`: the same columns and the same indexes,
   GIN trigram included, no foreign keys): the floor for "getting these rows into PostgreSQL";
3. the same COPY into the bare table without its indexes, then building them (the strategy synth
   uses for big loads).

Prints a table (scenario, madrasa seconds, raw COPY seconds, raw/madrasa, rows/s) and writes it
with synth's own timings to bench/results/synth_vs_copy-<N>-<time>.json. Needs PostgreSQL at
--server (default postgresql://postgres@127.0.0.1:5432) and a role that may create databases.

`measure()` is also the `registry_ingest` scenario of `madrasa bench` (bench/registry_ingest.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from benchkit import (
    RESULTS,
    ROOT,
    Progress,
    madrasa,
    no_progress,
    postgres_settings,
    scratch,
    synth,
)
from psycopg import sql

# The tables synth fills, the pupils' first.
TABLES = (
    "registry_student",
    "registry_guardian",
    "registry_guardianship",
    "enrolment_enrolment",
    "enrolment_journeyevent",
    "enrolment_schoolclass",
    "registry_school",
)


def say(*parts: object, flush: bool = False) -> None:
    """Print to stdout (the bench's report)."""
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    if flush:
        sys.stdout.flush()


def copy_out(conn: psycopg.Connection[Any], table: str, path: Path) -> int:
    """`COPY table TO` a file (text format); returns the number of rows."""
    with (
        conn.cursor() as cursor,
        cursor.copy(sql.SQL("COPY {} TO STDOUT").format(sql.Identifier(table))) as copy,
        path.open("wb") as handle,
    ):
        for block in copy:
            handle.write(block)
    row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
    return int(row[0]) if row else 0


def copy_in(conn: psycopg.Connection[Any], table: str, path: Path) -> float:
    """`COPY table FROM` the file, in one transaction; returns the seconds it took."""
    started = time.perf_counter()
    with (
        conn.transaction(),
        conn.cursor() as cursor,
        cursor.copy(sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(table))) as copy,
        path.open("rb") as handle,
    ):
        while block := handle.read(1 << 20):
            copy.write(block)
    return time.perf_counter() - started


def raw_copy(conn: psycopg.Connection[Any], table: str, path: Path) -> tuple[float, float]:
    """Seconds to COPY the rows into a bare copy of `table` with its indexes, and to COPY them
    into one without indexes and build the indexes after."""
    bare = sql.Identifier(f"bench_raw_{table}")
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(bare))
    conn.execute(
        sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(bare, sql.Identifier(table))
    )
    with_indexes = copy_in(conn, f"bench_raw_{table}", path)
    definitions = [
        str(row[0])
        for row in conn.execute(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass",
            [f"bench_raw_{table}"],
        )
    ]
    conn.execute(sql.SQL("TRUNCATE {}").format(bare))
    for (name,) in conn.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u')",
        [f"bench_raw_{table}"],
    ).fetchall():
        conn.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(bare, sql.Identifier(name))
        )
    for (name,) in conn.execute(
        "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s::regclass",
        [f"bench_raw_{table}"],
    ).fetchall():
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    started = time.perf_counter()
    copy_in(conn, f"bench_raw_{table}", path)
    with conn.transaction():
        conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for definition in definitions:
            conn.execute(definition)  # SQL from pg_get_indexdef
    built_after = time.perf_counter() - started
    conn.execute(sql.SQL("DROP TABLE {}").format(bare))
    return with_indexes, built_after


def measure(
    pupils: int,
    *,
    seed: int = 1,
    indexes: str = "auto",
    keep: bool = False,
    server: str | None = None,
    progress: Progress = no_progress,
) -> dict[str, Any]:
    """Run synth on a scratch database, then the raw COPYs of the same rows; return the lines
    of the table and synth's own figures."""
    with scratch("bench_madrasa", keep=keep, server=server) as where:
        progress(0.0, "migrate")
        done = madrasa(where.env(), "migrate", "--verbosity", "0")
        if done.returncode != 0:
            raise RuntimeError(f"migrate failed:\n{done.stdout}\n{done.stderr}")
        synth_seconds, summary_path = synth(
            where, pupils, progress, start=0.05, end=0.6, seed=seed, indexes=indexes
        )
        synth_summary = json.loads(summary_path.read_text(encoding="utf-8"))

        lines: list[dict[str, Any]] = []
        total_rows = 0
        raw_total = raw_after_total = 0.0
        with where.connect() as conn:
            for number, table in enumerate(TABLES):
                progress(0.6 + 0.4 * number / len(TABLES), f"raw COPY {table}")
                path = where.path / f"{table}.copy"
                rows = copy_out(conn, table, path)
                with_indexes, built_after = raw_copy(conn, table, path)
                path.unlink()
                total_rows += rows
                raw_total += with_indexes
                raw_after_total += built_after
                lines.append(
                    {
                        "scenario": f"  {table} (synth's COPY, indexes {synth_summary['indexes']})",
                        "rows": rows,
                        "madrasa_seconds": synth_summary["seconds"].get(f"write {table}"),
                        "raw_seconds": with_indexes,
                        "raw_then_index_seconds": built_after,
                    }
                )
            settings = postgres_settings(conn)
        progress(1.0, "done")
    student = lines[0]
    lines[:0] = [
        {
            "scenario": "madrasa synth, all rows",
            "rows": total_rows,
            "madrasa_seconds": synth_seconds,
            "raw_seconds": raw_total,
            "raw_then_index_seconds": raw_after_total,
        },
        {
            "scenario": "pupil rows (registry_student)",
            "rows": student["rows"],
            "madrasa_seconds": synth_seconds,
            "raw_seconds": student["raw_seconds"],
            "raw_then_index_seconds": student["raw_then_index_seconds"],
        },
    ]
    return {
        "pupils": pupils,
        "seed": seed,
        "indexes": indexes,
        "cpus": os.cpu_count(),
        "postgres": settings,
        "synth_seconds": synth_seconds,
        "synth": synth_summary,
        "lines": lines,
    }


def print_table(result: dict[str, Any]) -> None:
    header = (
        f"{'scenario':<58} {'rows':>12} {'madrasa s':>10} {'raw COPY s':>11} "
        f"{'raw/madrasa':>11} {'madrasa rows/s':>15} {'raw rows/s':>12} {'COPY+index s':>12}"
    )
    say()
    say(header)
    say("-" * len(header))
    for line in result["lines"]:
        ours, raw = line["madrasa_seconds"], line["raw_seconds"]
        ratio = f"{raw / ours:.2f}" if ours else "-"
        rate = f"{line['rows'] / ours:,.0f}" if ours else "-"
        say(
            f"{line['scenario']:<58} {line['rows']:>12,} "
            f"{(f'{ours:.1f}' if ours is not None else '-'):>10} {raw:>11.1f} {ratio:>11} "
            f"{rate:>15} {line['rows'] / raw:>12,.0f} {line['raw_then_index_seconds']:>12.1f}"
        )
    synth_summary, synth_seconds = result["synth"], result["synth_seconds"]
    say()
    say(
        f"synth: {synth_summary['pupils']:,} pupils ({result['pupils'] / synth_seconds:,.0f} "
        f"pupils/s), {synth_summary['rows']:,} rows in {synth_seconds:.1f} s including start-up; "
        "phases: "
        + ", ".join(
            f"{k} {v:.1f} s"
            for k, v in synth_summary["seconds"].items()
            if not k.startswith("write")
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--indexes", choices=["auto", "keep", "rebuild"], default="auto")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    options = parser.parse_args()

    def progress(share: float, label: str) -> None:
        say(f"[{share:4.0%}] {label}", flush=True)

    started = time.perf_counter()
    result = measure(
        options.pupils, seed=options.seed, indexes=options.indexes, keep=options.keep,
        server=options.server, progress=progress,
    )  # fmt: skip
    print_table(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"synth_vs_copy-{options.pupils}-{stamp}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    say(f"written to {out.relative_to(ROOT)} ({time.perf_counter() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

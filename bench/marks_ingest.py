"""Scenario `marks_ingest` of `madrasa bench`: the bulk marks import (madrasa/marks/bulk.py,
`madrasa marks import`) against a raw COPY of the same marks into a bare table with the same
indexes.

    .venv/bin/madrasa bench --only marks_ingest [--scale small|province|national]
    .venv/bin/python bench/marks_ingest.py --pupils 50000 [--keep]     (alone, prints the result)

On a scratch database: `madrasa synth --pupils N` (schools, classes, pupils enrolled in them),
then one set-based `COPY (SELECT …) TO STDOUT` writes the CSV file an older system would give:
for every pupil enrolled in a class, every contrôle of semester 1 the coefficients of their
level and stream plan (`assessments_per_semester`, 2 to 4 per subject: ~22-27 marks per
pupil), marks 0-20 with a decimal comma, 3 % ABN and 2 % ABJ, `;`-separated, no assessment
existing beforehand (the import creates them).

Madrasa figure: `import_marks()` called in this process (Django on the scratch database, as the
command runs it, minus the interpreter's start-up): the file loaded by COPY into a temporary
table, checked set-based, the assessments created, the marks inserted (`INSERT … SELECT … ON
CONFLICT`), one MarkEvent per mark, one audit entry — all in one transaction, committed. In rows
per second of the file.

Raw figure: the marks the import wrote, `COPY … TO` a file in PostgreSQL's text format, then
`COPY … FROM STDIN` of that file into `CREATE TABLE bench_raw_marks (LIKE marks_mark INCLUDING
ALL)`: same columns, defaults, check constraints and indexes (on a partitioned marks_mark, LIKE
gives a plain table with the parent's columns and index definitions), no foreign keys, no
history, no checks of the rows. Ratio = Madrasa rows/s / raw rows/s. Goal: ratio ≥ 0.5.

Also measured (details): the same file imported again (nothing changes: the check and the
comparison with the marks in place), and the time of every SQL statement of the first import.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchkit import (
    Progress,
    migrate,
    no_progress,
    postgres_settings,
    pupils_for,
    scratch,
    setup_django,
    synth,
)

GOAL = 0.5

# The CSV of semester 1, straight from the tables. Deterministic: the hash of (enrolment,
# subject, contrôle) chooses the mark.
EXPORT = """
COPY (
    WITH taught AS (
        SELECT k.level_id, k.stream_id, co.subject_id, co.assessments_per_semester AS planned
        FROM (SELECT DISTINCT level_id, stream_id FROM enrolment_schoolclass
              WHERE year_id = {year}) k
        JOIN grading_subjectcoefficient co ON co.year_id = {year} AND co.level_id = k.level_id
         AND (co.stream_id = k.stream_id OR (co.stream_id IS NULL AND (k.stream_id IS NULL
              OR NOT EXISTS (SELECT 1 FROM grading_subjectcoefficient o WHERE o.year_id = {year}
                             AND o.level_id = k.level_id AND o.stream_id = k.stream_id))))
    ), cells AS (
        SELECT s.code AS school, st.national_code AS pupil, sub.code AS subject, n,
               abs(hashint8(e.id * 1000 + sub.id * 10 + n)) % 10000 AS h
        FROM enrolment_enrolment e
        JOIN enrolment_schoolclass c ON c.id = e.school_class_id
        JOIN registry_school s ON s.id = e.school_id
        JOIN registry_student st ON st.id = e.student_id
        JOIN taught t ON t.level_id = c.level_id
         AND coalesce(t.stream_id, 0) = coalesce(c.stream_id, 0)
        JOIN grading_subject sub ON sub.id = t.subject_id
        CROSS JOIN LATERAL generate_series(1, t.planned) n
        WHERE e.year_id = {year} AND e.status = 'active'
    )
    SELECT school AS code_etablissement, pupil AS code_national, subject AS matiere,
           1 AS semestre, n AS controle,
           CASE WHEN h < 300 THEN 'ABN' WHEN h < 500 THEN 'ABJ'
                ELSE replace(to_char((h % 2001) / 100.0, 'FM990.00'), '.', ',') END AS note
    FROM cells ORDER BY school, pupil, subject, n
) TO STDOUT WITH (FORMAT csv, HEADER true, DELIMITER ';')
"""


def _export(conn: Any, year_id: int, path: Path) -> None:
    with path.open("wb") as out, conn.cursor() as cursor:
        statement = EXPORT.format(year=int(year_id))
        with cursor.copy(statement) as copy:
            for chunk in copy:
                out.write(chunk)


def _raw_copy(conn: Any, where: Any, year_id: int) -> dict[str, Any]:
    """COPY the marks the import wrote to a file, then from it into a bare indexed copy of
    marks_mark; returns the rows and seconds."""
    path = where.path / "marks_mark.copy"
    columns = [
        row[0]
        for row in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'marks_mark' "
            "ORDER BY ordinal_position"
        )
    ]
    has_year = "year_id" in columns
    partitioned = conn.execute(
        "SELECT count(*) FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.relname = 'marks_mark'"
    ).fetchone()[0]
    where = f" WHERE year_id = {int(year_id)}" if has_year else ""
    select = "SELECT * FROM marks_mark" + where  # noqa: S608  # nosec B608: an integer
    with (
        path.open("wb") as out,
        conn.cursor() as cursor,
        cursor.copy(f"COPY ({select}) TO STDOUT") as copy,
    ):
        for chunk in copy:
            out.write(chunk)
    conn.execute("DROP TABLE IF EXISTS bench_raw_marks")
    conn.execute("CREATE TABLE bench_raw_marks (LIKE marks_mark INCLUDING ALL)")
    indexes = [
        row[0]
        for row in conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'bench_raw_marks' ORDER BY 1"
        )
    ]
    conn.execute("CHECKPOINT")
    started = time.perf_counter()
    with (
        path.open("rb") as source,
        conn.cursor() as cursor,
        cursor.copy("COPY bench_raw_marks FROM STDIN") as copy,
    ):
        while chunk := source.read(1 << 20):
            copy.write(chunk)
    seconds = time.perf_counter() - started
    rows = conn.execute("SELECT count(*) FROM bench_raw_marks").fetchone()[0]
    return {
        "rows": int(rows),
        "seconds": seconds,
        "indexes": indexes,
        "marks_mark_partitioned": bool(partitioned),
        "bytes": path.stat().st_size,
    }


class _StatementTimer:
    """Django's execute_wrapper: the time of every statement (the first words of each)."""

    def __init__(self) -> None:
        self.times: list[tuple[str, float]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            label = " ".join(sql.split())[:70]
            self.times.append((label, time.perf_counter() - started))

    def slowest(self, count: int = 12) -> list[tuple[str, float]]:
        return sorted(self.times, key=lambda item: -item[1])[:count]


def measure(pupils: int, progress: Progress = no_progress, *, keep: bool = False) -> dict[str, Any]:
    with scratch("bench_marks", keep=keep) as where:
        progress(0.0, "migrate")
        migrate(where)
        synth_seconds, _summary = synth(where, pupils, progress, start=0.02, end=0.35)
        setup_django(where)
        from django.db import connection

        from madrasa.enrolment.services import current_year
        from madrasa.marks.bulk import import_marks
        from madrasa.marks.models import Mark, MarkEvent

        year = current_year()
        csv_path = where.path / "marks.csv"
        with where.connect() as conn:
            progress(0.36, "export the CSV")
            started = time.perf_counter()
            _export(conn, year.pk, csv_path)
            export_seconds = time.perf_counter() - started
            conn.execute("ANALYZE")
            conn.execute("CHECKPOINT")
            settings = postgres_settings(conn)
        size = csv_path.stat().st_size

        def on_progress(start: float, end: float) -> Any:
            def report(stage: str, done: int, total: int) -> None:
                share = {"reading": 0.0, "checking": 0.3, "writing": 0.5}.get(stage, 0.0)
                share += (done / total if total else 1.0) * (0.3 if stage != "writing" else 0.5)
                progress(start + (end - start) * share, f"import: {stage}")

            return report

        timer = _StatementTimer()
        started = time.perf_counter()
        with connection.execute_wrapper(timer), csv_path.open("rb") as source:
            result = import_marks(
                source=source,
                filename=csv_path.name,
                year=year,
                actor=None,
                progress=on_progress(0.4, 0.75),
            )
        seconds = time.perf_counter() - started
        marks = Mark.objects.count()
        events = MarkEvent.objects.count()
        progress(0.75, "import again (no change)")
        started = time.perf_counter()
        with csv_path.open("rb") as source:
            again = import_marks(
                source=source,
                filename=csv_path.name,
                year=year,
                actor=None,
                progress=on_progress(0.75, 0.9),
            )
        again_seconds = time.perf_counter() - started
        if again.written or MarkEvent.objects.count() != events:
            raise RuntimeError("importing the same file again changed marks")
        connection.close()
        progress(0.9, "raw COPY")
        with where.connect() as conn:
            raw = _raw_copy(conn, where, year.pk)
        progress(1.0, "done")
    if raw["rows"] != result.written or marks != result.written:
        raise RuntimeError(f"rows differ: import {result.written}, marks {marks}, raw {raw}")
    ours = result.rows / seconds
    raw_rate = raw["rows"] / raw["seconds"]
    ratio = ours / raw_rate
    return {
        "madrasa": ours,
        "raw": raw_rate,
        "unit": "rows/s",
        "ratio": ratio,
        "goal": f"ratio ≥ {GOAL}",
        "met": ratio >= GOAL,
        "rows": result.rows,
        "notes": (
            f"{pupils:,} pupils, {result.rows:,} marks ({result.rows / pupils:.1f}/pupil, "
            f"{size / 2**20:.0f} MB CSV): import {seconds:.1f} s in-process (load "
            f"{result.seconds.get('load', 0):.1f}, check {result.seconds.get('check', 0):.1f}, "
            f"write {result.seconds.get('write', 0):.1f}, foreign-key checks "
            f"{result.seconds.get('constraints', 0):.1f}; {result.assessments_created:,} "
            f"assessments, {events:,} events); raw COPY {raw['seconds']:.1f} s; "
            f"same file again {again_seconds:.1f} s"
        ),
        "details": {
            "pupils": pupils,
            "csv_bytes": size,
            "synth_seconds": synth_seconds,
            "export_seconds": export_seconds,
            "import_seconds": seconds,
            "import_stages": result.seconds,
            "loader": result.loader,
            "created": result.created,
            "assessments_created": result.assessments_created,
            "events": events,
            "again_seconds": again_seconds,
            "again_stages": again.seconds,
            "raw": raw,
            "slowest_statements": timer.slowest(),
            "postgres": settings,
            "in_process": True,
        },
    }


# ~21 marks per pupil: 100,000 pupils are 2.1 million marks, enough to see the rates, and keep
# `make bench` (small) within its 10 minutes; province and national use the usual sizes.
PUPILS = {"small": 100_000}


def run(scale: str, progress: Progress = no_progress) -> dict[str, Any]:
    return measure(PUPILS.get(scale) or pupils_for(scale), progress)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=50_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    options = parser.parse_args()

    def show(share: float, label: str) -> None:
        sys.stderr.write(f"{share:4.0%} {label}\n")

    result = measure(options.pupils, show, keep=options.keep)
    sys.stdout.write(json.dumps(result, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

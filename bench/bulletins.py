"""Scenario `bulletins` of `madrasa bench`, and a standalone script: the national bulletin
computation on PostgreSQL against one hand-written SQL statement, and DuckDB over Parquet.

    .venv/bin/madrasa bench --only bulletins [--scale small|province|national]
    .venv/bin/python bench/bulletins.py --pupils 20000 [--per-school 400] [--batch 100] [--keep]

On a scratch database (migrated; territory, structure and grading defaults loaded), generates
with INSERT … SELECT generate_series (no Python loop over rows): schools of --per-school pupils
in classes of 40 (collège 1-3, tronc commun scientifique, 1re bac sciences expérimentales),
every assessment of the first semester that the coefficients call for (2 to 4 per subject:
about 25 marks per pupil, the national rate), marks 0-20 with two decimals, 3 % unjustified and
2 % justified absences.

Then times, in the same run, on the same rows:
1. Madrasa: the national computation as the application runs it (`services.start_bulletin_run`
   + `execute_run`: batches of schools, each one transaction of set-based statements, writing
   bulletins and their subject lines, ranks, mentions, decisions);
2. raw: one hand-written statement computing the same subject averages, coefficient-weighted
   general averages and ranks into an unlogged table (PostgreSQL numeric, round half up);
3. a second raw reference: the marks, assessments, enrolments, classes and coefficients exported
   from PostgreSQL (COPY … TO, CSV) and written as Parquet by DuckDB, then the same averages and
   ranks computed by DuckDB over the Parquet files (exact integer arithmetic in hundredths, the
   same rounding); export time reported apart.
Both references are checked against Madrasa's bulletins (general average and rank of every
pupil). Goal: Madrasa's time ≤ 1.5 x the hand-written statement's.

The script prints the figures and writes bench/results/bulletins-<N>-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

from benchkit import (  # noqa: E402  bench/ put on sys.path just above
    DEFAULT_SERVER,
    NATIONAL_PUPILS,
    RESULTS,
    Progress,
    Scratch,
    migrate,
    no_progress,
    postgres_settings,
    scratch,
    setup_django,
)

GOAL = 1.5  # Madrasa's time at most GOAL x the hand-written statement's
# Pupils per scale: `small` runs in a minute or two on 2 cores (generation included).
SCALE_PUPILS = {"small": 60_000, "province": 1_000_000, "national": NATIONAL_PUPILS}
PER_SCHOOL = 400  # pupils per school (classes of 40)
BATCH = 100
# Disk a pupil takes during the scenario (marks and their indexes, bulletins and lines, the CSV
# and Parquet exports): about 9 kB measured at 40,000-60,000 pupils, with a margin. National is
# measured on the largest share the free disk allows, extrapolated linearly when the whole does
# not fit (and the note says so).
BYTES_PER_PUPIL = 12_000

# (level, stream) of the classes, in turn.
CLASS_KINDS = [("C1", None), ("C2", None), ("C3", None), ("TC", "TCS"), ("1BAC", "SEXP")]


def say(*parts: object) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    sys.stdout.flush()


# One statement each (progress moves between them); %(name)s are filled in by `generate`.
GENERATE = [
    "SELECT setseed(0.42)",
    """
INSERT INTO registry_school (uuid, code, name_fr, name_ar, province_id, milieu, sector, is_active)
SELECT gen_random_uuid(), 'B' || lpad(g::text, 5, '0'), 'École ' || g, 'مدرسة ' || g,
       (SELECT id FROM registry_province ORDER BY id OFFSET (g %% 75) LIMIT 1),
       CASE WHEN g %% 3 = 0 THEN 'rural' ELSE 'urban' END, 'public', true
FROM generate_series(1, %(schools)s) g""",
    "CREATE TEMP TABLE kinds (k int, level_id int, stream_id int)",
    """
INSERT INTO kinds SELECT k.k - 1, l.id, s.id
FROM (VALUES %(kinds)s) AS k(k, level_code, stream_code)
JOIN registry_level l ON l.code = k.level_code
LEFT JOIN registry_stream s ON s.level_id = l.id AND s.code = k.stream_code""",
    """
INSERT INTO enrolment_schoolclass (uuid, school_id, year_id, level_id, stream_id, name, capacity)
SELECT gen_random_uuid(), sch.id, %(year)s, k.level_id, k.stream_id, 'K' || c, 45
FROM registry_school sch
CROSS JOIN generate_series(0, %(classes_per_school)s - 1) c
JOIN kinds k ON k.k = c %% %(kind_count)s
WHERE sch.code LIKE 'B%%'""",
    """
INSERT INTO registry_student (uuid, national_code, first_name_ar, last_name_ar, first_name_latn,
    last_name_latn, birth_date, birth_place_ar, birth_place_latn, gender, school_id, search_key,
    last_key_latn, last_key_ar)
SELECT gen_random_uuid(), 'Z' || lpad(g::text, 9, '0'), 'تلميذ', 'رقم ' || g, 'Pupil', 'N' || g,
       date '2010-01-01' + (g %% 1500), '', '', CASE WHEN g %% 2 = 0 THEN 'F' ELSE 'M' END,
       NULL, '', '', ''
FROM generate_series(1, %(pupils)s) g""",
    # Pupil g goes to the ((g - 1) / 40)-th class (classes ordered by id).
    """
WITH numbered AS (
    SELECT c.*, row_number() OVER (ORDER BY c.id) - 1 AS n FROM enrolment_schoolclass c
    WHERE c.year_id = %(year)s AND c.name LIKE 'K%%'
)
INSERT INTO enrolment_enrolment (uuid, student_id, school_id, year_id, level_id, stream_id,
    school_class_id, status, started_on, decision, decision_note)
SELECT gen_random_uuid(), st.id, c.school_id, c.year_id, c.level_id, c.stream_id, c.id,
       'active', date '2025-09-01', '', ''
FROM registry_student st
JOIN numbered c ON c.n = (substr(st.national_code, 2)::int - 1) / 40
WHERE st.national_code LIKE 'Z%%'""",
    """
UPDATE registry_student st SET school_id = e.school_id
FROM enrolment_enrolment e WHERE e.student_id = st.id AND st.national_code LIKE 'Z%%'""",
    """
INSERT INTO marks_assessment (uuid, school_class_id, subject_id, semester_id, kind, number,
    created_at)
SELECT gen_random_uuid(), c.id, sc.subject_id, %(semester)s, 'continuous', n, now()
FROM enrolment_schoolclass c
JOIN grading_subjectcoefficient sc ON sc.year_id = c.year_id AND sc.level_id = c.level_id
     AND sc.stream_id IS NOT DISTINCT FROM c.stream_id
CROSS JOIN LATERAL generate_series(1, sc.assessments_per_semester) n
WHERE c.name LIKE 'K%%'""",
    """
INSERT INTO marks_mark (assessment_id, enrolment_id, value, absence, updated_at%(mark_cols)s)
SELECT a.id, e.id,
       CASE WHEN r < 0.05 THEN NULL ELSE round((random() * 2000)::numeric) / 100 END,
       CASE WHEN r < 0.03 THEN 'ABN' WHEN r < 0.05 THEN 'ABJ' ELSE '' END,
       now()%(mark_values)s
FROM enrolment_enrolment e
JOIN marks_assessment a ON a.school_class_id = e.school_class_id
CROSS JOIN LATERAL (SELECT random() + e.id * 0 + a.id * 0 AS r) x
WHERE e.year_id = %(year)s""",
    # Marks are entered over weeks before a bulletin run: autovacuum has long been through
    # them (hint bits set, visibility map, statistics). Without this the first reader of the
    # fresh rows (the Madrasa run) would pay for that alone.
    "VACUUM ANALYZE",
]

# The same averages and ranks in one statement: subject averages (ABN counts 0, ABJ/DIS left
# out), coefficient-weighted general averages over the subjects that have one, RANK() per class.
HAND_WRITTEN = """
CREATE UNLOGGED TABLE bench_hand AS
WITH pupils AS (
    SELECT e.id, e.school_class_id, c.year_id, c.level_id, c.stream_id
    FROM enrolment_enrolment e JOIN enrolment_schoolclass c ON c.id = e.school_class_id
    WHERE e.year_id = %(year)s AND e.status = 'active'
), subjects AS (
    SELECT p.id AS enrolment_id, p.school_class_id, sc.subject_id, sc.coefficient
    FROM pupils p JOIN grading_subjectcoefficient sc
      ON sc.year_id = p.year_id AND sc.level_id = p.level_id
     AND (sc.stream_id = p.stream_id OR (sc.stream_id IS NULL AND (p.stream_id IS NULL
          OR NOT EXISTS (SELECT 1 FROM grading_subjectcoefficient s2 WHERE s2.year_id = p.year_id
                         AND s2.level_id = p.level_id AND s2.stream_id = p.stream_id))))
), averages AS (
    SELECT m.enrolment_id, a.subject_id, round(avg(coalesce(m.value, 0)), 2) AS average
    FROM marks_mark m JOIN marks_assessment a ON a.id = m.assessment_id
    WHERE m.year_id = %(year)s AND a.semester_id = %(semester)s AND a.kind = 'continuous'
      AND (m.value IS NOT NULL OR m.absence = 'ABN')
    GROUP BY m.enrolment_id, a.subject_id
), generals AS (
    SELECT s.enrolment_id, s.school_class_id,
           round(sum(av.average * s.coefficient)
                 / nullif(sum(s.coefficient) FILTER (WHERE av.average IS NOT NULL), 0), 2)
           AS general
    FROM subjects s LEFT JOIN averages av USING (enrolment_id, subject_id)
    GROUP BY s.enrolment_id, s.school_class_id
)
SELECT enrolment_id, general,
       CASE WHEN general IS NULL THEN NULL ELSE rank() OVER (
           PARTITION BY school_class_id, general IS NULL ORDER BY general DESC) END AS rank
FROM generals
"""

COMPARE = """
SELECT count(*) FILTER (WHERE b.general_average IS DISTINCT FROM h.general
                         OR b.rank IS DISTINCT FROM h.rank),
       count(*)
FROM bulletins_bulletin b JOIN {table} h ON h.enrolment_id = b.enrolment_id
WHERE b.period = 'S1'
"""

# What DuckDB reads: the rows the two statements above read, as Parquet files.
EXPORTS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "marks": (
        "SELECT enrolment_id, assessment_id, value, absence FROM marks_mark",
        [("enrolment_id", "BIGINT"), ("assessment_id", "BIGINT"), ("value", "DECIMAL(5,2)"),
         ("absence", "VARCHAR")],
    ),
    "assessments": (
        "SELECT id, subject_id, semester_id, kind FROM marks_assessment",
        [("id", "BIGINT"), ("subject_id", "BIGINT"), ("semester_id", "BIGINT"),
         ("kind", "VARCHAR")],
    ),
    "enrolments": (
        "SELECT id, school_class_id, year_id, status FROM enrolment_enrolment",
        [("id", "BIGINT"), ("school_class_id", "BIGINT"), ("year_id", "BIGINT"),
         ("status", "VARCHAR")],
    ),
    "classes": (
        "SELECT id, year_id, level_id, stream_id FROM enrolment_schoolclass",
        [("id", "BIGINT"), ("year_id", "BIGINT"), ("level_id", "BIGINT"),
         ("stream_id", "BIGINT")],
    ),
    "coefficients": (
        "SELECT year_id, level_id, stream_id, subject_id, coefficient "
        "FROM grading_subjectcoefficient",
        [("year_id", "BIGINT"), ("level_id", "BIGINT"), ("stream_id", "BIGINT"),
         ("subject_id", "BIGINT"), ("coefficient", "DECIMAL(5,2)")],
    ),
}  # fmt: skip

# The hand-written statement in DuckDB over the Parquet files, in exact integers: marks and
# coefficients in hundredths; round half up of p/q (p, q ≥ 0) is (2p + q) // 2q. Averages come
# out in hundredths.
DUCKDB_QUERY = """
CREATE OR REPLACE TABLE duck_hand AS
WITH coef AS (
    SELECT year_id, level_id, stream_id, subject_id,
           CAST(round(coefficient * 100) AS BIGINT) AS coefficient
    FROM read_parquet('{dir}/coefficients.parquet')
), pupils AS (
    SELECT e.id, e.school_class_id, c.year_id, c.level_id, c.stream_id
    FROM read_parquet('{dir}/enrolments.parquet') e
    JOIN read_parquet('{dir}/classes.parquet') c ON c.id = e.school_class_id
    WHERE e.year_id = {year} AND e.status = 'active'
), subjects AS (
    SELECT p.id AS enrolment_id, p.school_class_id, sc.subject_id, sc.coefficient
    FROM pupils p JOIN coef sc
      ON sc.year_id = p.year_id AND sc.level_id = p.level_id
     AND (sc.stream_id = p.stream_id OR (sc.stream_id IS NULL AND (p.stream_id IS NULL
          OR NOT EXISTS (SELECT 1 FROM coef s2 WHERE s2.year_id = p.year_id
                         AND s2.level_id = p.level_id AND s2.stream_id = p.stream_id))))
), averages AS (
    SELECT m.enrolment_id, a.subject_id,
           (2 * sum(coalesce(CAST(round(m.value * 100) AS BIGINT), 0)) + count(*))
           // (2 * count(*)) AS average
    FROM read_parquet('{dir}/marks.parquet') m
    JOIN read_parquet('{dir}/assessments.parquet') a ON a.id = m.assessment_id
    WHERE a.semester_id = {semester} AND a.kind = 'continuous'
      AND (m.value IS NOT NULL OR m.absence = 'ABN')
    GROUP BY m.enrolment_id, a.subject_id
), generals AS (
    SELECT s.enrolment_id, s.school_class_id,
           sum(av.average * s.coefficient) AS weighted,
           sum(s.coefficient) FILTER (WHERE av.average IS NOT NULL) AS weights
    FROM subjects s LEFT JOIN averages av USING (enrolment_id, subject_id)
    GROUP BY s.enrolment_id, s.school_class_id
), rounded AS (
    SELECT enrolment_id, school_class_id,
           CASE WHEN weights > 0 THEN (2 * weighted + weights) // (2 * weights) END AS general
    FROM generals
)
SELECT enrolment_id, general,
       CASE WHEN general IS NULL THEN NULL ELSE rank() OVER (
           PARTITION BY school_class_id, general IS NULL ORDER BY general DESC) END AS rank
FROM rounded
"""


def measured_pupils(scale: str, where: Scratch) -> int:
    """The pupils to generate: the scale's, or at national scale the largest share the free disk
    allows (when the server is on this machine)."""
    try:
        pupils = SCALE_PUPILS[scale]
    except KeyError:
        raise ValueError(f"unknown scale {scale!r}: one of {', '.join(SCALE_PUPILS)}") from None
    local = any(host in where.url for host in ("@127.0.0.1", "@localhost", "@/", "@["))
    if local:
        free = shutil.disk_usage(where.path).free
        fits = int(free * 0.8 / BYTES_PER_PUPIL) // PER_SCHOOL * PER_SCHOOL
        pupils = max(min(pupils, fits), PER_SCHOOL)
    return pupils


def generate(
    url: str, year: int, semester: int, pupils: int, per_school: int, progress: Progress
) -> dict[str, Any]:
    """Fill the scratch database (set-based); returns the counts and the seconds taken."""
    schools = -(-pupils // per_school)
    kinds = ", ".join(
        f"({i + 1}, '{level}', " + (f"'{stream}')" if stream else "NULL)")
        for i, (level, stream) in enumerate(CLASS_KINDS)
    )
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        # Another change may give marks a NOT NULL school year (partitioning by year): fill it.
        columns = {
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'marks_mark' AND table_schema = current_schema()"
            )
        }
        extra = "year_id" in columns
        values = {
            "schools": schools,
            "classes_per_school": -(-per_school // 40),
            "kind_count": len(CLASS_KINDS),
            "pupils": pupils,
            "year": year,
            "semester": semester,
            "mark_cols": ", year_id" if extra else "",
            "mark_values": f", {int(year)}" if extra else "",
        }
        for i, statement in enumerate(GENERATE):
            progress(i / len(GENERATE), "generating")
            # Literal VALUES and integers only, built above: no user input.
            conn.execute(statement.replace("%(kinds)s", kinds) % values)
        marks = conn.execute("SELECT count(*) FROM marks_mark").fetchone()
        enrolled = conn.execute("SELECT count(*) FROM enrolment_enrolment").fetchone()
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    return {
        "pupils": int(enrolled[0]) if enrolled else 0,
        "schools": schools,
        "marks": int(marks[0]) if marks else 0,
        "database_bytes": int(size[0]) if size else 0,
        "seconds": time.perf_counter() - started,
    }


def duckdb_reference(
    url: str, folder: Path, year: int, semester: int, progress: Progress
) -> dict[str, Any]:
    """Export the rows to Parquet (PostgreSQL COPY to CSV, DuckDB writes Parquet), time the
    same averages and ranks in DuckDB over the Parquet files, and load its answers back into
    PostgreSQL (`bench_duck`) to be compared."""
    try:
        import duckdb
    except ImportError:
        return {"error": "duckdb is not installed (pip install -e '.[dev]')"}
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    duck = duckdb.connect(str(folder / "bench.duckdb"))
    parquet_bytes = 0
    with psycopg.connect(url, autocommit=True) as conn:
        for i, (name, (query, columns)) in enumerate(EXPORTS.items()):
            progress(i / len(EXPORTS), f"Parquet: {name}")
            csv = folder / f"{name}.csv"
            with (
                conn.cursor().copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy,
                csv.open("wb") as out,
            ):
                for chunk in copy:
                    out.write(chunk)
            types = ", ".join(f"'{column}': '{kind}'" for column, kind in columns)
            # PostgreSQL writes NULL unquoted and '' quoted: keep '' a string.
            duck.execute(
                f"COPY (SELECT * FROM read_csv('{csv}', header = false, "  # noqa: S608  our paths and types
                f"allow_quoted_nulls = false, columns = {{{types}}})) "
                f"TO '{folder / name}.parquet' (FORMAT parquet)"
            )
            parquet_bytes += (folder / f"{name}.parquet").stat().st_size
            csv.unlink()
        exported = time.perf_counter() - started
        progress(1.0, "DuckDB over Parquet")
        query = DUCKDB_QUERY.format(dir=folder, year=int(year), semester=int(semester))
        started = time.perf_counter()
        duck.execute(query)
        seconds = time.perf_counter() - started
        # A second run, files and engine warm (the first one is the figure).
        started = time.perf_counter()
        duck.execute(query)
        warm = time.perf_counter() - started
        answers = folder / "duck_hand.csv"
        duck.execute(f"COPY duck_hand TO '{answers}' (FORMAT csv, HEADER false)")
        settings = dict(
            duck.execute(
                "SELECT name, value FROM duckdb_settings() "
                "WHERE name IN ('threads', 'memory_limit')"
            ).fetchall()
        )
        duck.close()
        conn.execute(
            "CREATE UNLOGGED TABLE bench_duck_units (enrolment_id bigint, units bigint, rank int)"
        )
        with (
            conn.cursor().copy("COPY bench_duck_units FROM STDIN (FORMAT csv)") as copy,
            answers.open("rb") as source,
        ):
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        conn.execute(
            "CREATE UNLOGGED TABLE bench_duck AS SELECT enrolment_id, "
            "round(units / 100.0, 2) AS general, rank FROM bench_duck_units"
        )
        different, compared = conn.execute(COMPARE.format(table="bench_duck")).fetchone() or (0, 0)
    return {
        "seconds": seconds,
        "warm_seconds": warm,
        "export_seconds": exported,
        "parquet_bytes": parquet_bytes,
        "differences": int(different),
        "compared": int(compared),
        "duckdb_version": duckdb.__version__,
        "duckdb_settings": settings,
    }


def measure(
    where: Scratch,
    pupils: int,
    *,
    per_school: int = PER_SCHOOL,
    batch: int = BATCH,
    progress: Progress = no_progress,
) -> dict[str, Any]:
    """Generate, time the national run, the hand-written statement and DuckDB; compare.
    Django must be set up on `where` (benchkit.setup_django), the database migrated."""
    from django.db import connection

    from madrasa.bulletins.models import BulletinRun
    from madrasa.bulletins.services import BulletinTarget, execute_run, start_bulletin_run
    from madrasa.enrolment.services import current_year
    from madrasa.grading.services import load_grading
    from madrasa.registry.services import load_structure, load_territory

    progress(0.0, "defaults")
    load_territory(actor=None)
    load_structure(actor=None)
    load_grading(actor=None)
    year = current_year()
    semester = year.semesters.get(number=1)
    made = generate(
        where.url,
        year.pk,
        semester.pk,
        pupils,
        per_school,
        lambda share, label: progress(0.02 + 0.3 * share, label),
    )
    say(
        f"generated {made['pupils']:,} pupils in {made['schools']:,} schools, "
        f"{made['marks']:,} marks ({made['marks'] / max(made['pupils'], 1):.1f} per pupil) "
        f"in {made['seconds']:.1f} s"
    )

    def on_run(run: BulletinRun) -> None:
        share = run.done / run.total if run.total else 0.0
        progress(0.32 + 0.4 * share, f"national run {run.done}/{run.total} schools")

    progress(0.32, "national run")
    started = time.perf_counter()
    run = start_bulletin_run(
        actor=None,
        scope_kind="nation",
        target=BulletinTarget(year=year, semester=semester),
        schedule=False,
    )
    finished = execute_run(run_uuid=run.uuid, batch_size=batch, progress=on_run)
    ours = time.perf_counter() - started
    if finished is None or finished.status != "done":
        raise RuntimeError(f"the national run failed: {finished.error if finished else 'no run'}")
    say(f"madrasa (national run, {finished.total} schools): {ours:.2f} s")

    progress(0.72, "hand-written statement")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(HAND_WRITTEN % {"year": year.pk, "semester": semester.pk})
    raw = time.perf_counter() - started
    say(f"one hand-written statement: {raw:.2f} s")
    with connection.cursor() as cursor:
        cursor.execute(COMPARE.format(table="bench_hand"))
        different, compared = cursor.fetchone()
    say(f"compared {compared:,} pupils: {different} differ in general average or rank")
    connection.close()

    duck = duckdb_reference(
        where.url,
        where.path / "parquet",
        year.pk,
        semester.pk,
        lambda share, label: progress(0.8 + 0.18 * share, label),
    )
    if "error" in duck:
        say("DuckDB:", duck["error"])
    else:
        say(
            f"DuckDB over Parquet: {duck['seconds']:.2f} s (warm {duck['warm_seconds']:.2f} s; "
            f"export {duck['export_seconds']:.1f} s, {duck['parquet_bytes'] / 1e6:.1f} MB); "
            f"{duck['differences']} of {duck['compared']:,} pupils differ"
        )
    with psycopg.connect(where.url, autocommit=True) as conn:
        settings = postgres_settings(conn)
    progress(1.0, "done")
    generated = made.pop("seconds")
    return {
        **made,
        "generate_seconds": generated,
        "bulletins": finished.bulletins,
        "batch": batch,
        "per_school": per_school,
        "madrasa_seconds": ours,
        "hand_written_seconds": raw,
        "ratio": ours / raw if raw else float("inf"),
        "differences": int(different),
        "compared": int(compared),
        "duckdb": duck,
        "postgres": settings,
    }


def run(scale: str, progress: Progress = no_progress) -> dict[str, Any]:
    target = SCALE_PUPILS.get(scale, 0)
    with scratch("bench_bulletins") as where:
        pupils = measured_pupils(scale, where)
        progress(0.0, "migrate")
        migrate(where)
        setup_django(where)
        result = measure(where, pupils, progress=progress)
    if result["differences"]:
        raise RuntimeError(
            f"{result['differences']} pupils differ between Madrasa and the hand-written statement"
        )
    ours, raw = result["madrasa_seconds"], result["hand_written_seconds"]
    factor = target / result["pupils"] if result["pupils"] and target > pupils else 1.0
    duck = result["duckdb"]
    if "error" in duck:
        duck_note = f"DuckDB: {duck['error']}"
    else:
        same = "same" if not duck["differences"] else f"{duck['differences']:,} differ"
        duck_note = (
            f"DuckDB over Parquet {duck['seconds']:.2f} s ({same} averages and ranks; "
            f"export to Parquet {duck['export_seconds']:.1f} s)"
        )
    notes = (
        f"{result['pupils']:,} pupils, {result['marks']:,} marks "
        f"({result['marks'] / max(result['pupils'], 1):.1f}/pupil), "
        f"{result['schools']:,} schools in batches of {result['batch']}; {duck_note}"
    )
    if factor > 1:
        notes += (
            f"; measured on {result['pupils']:,} of {target:,} pupils (disk): national "
            f"estimate {ours * factor:,.0f} s vs {raw * factor:,.0f} s raw (linear)"
        )
    return {
        "madrasa": ours,
        "raw": raw,
        "unit": "s",
        "goal": f"time ≤ {GOAL:g} x raw",
        "met": ours <= GOAL * raw,
        "rows": result["marks"],
        "notes": notes,
        "details": {**result, "target_pupils": target, "extrapolation_factor": factor},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=20_000)
    parser.add_argument("--per-school", type=int, default=PER_SCHOOL)
    parser.add_argument("--batch", type=int, default=BATCH, help="schools per batch")
    parser.add_argument("--server", default=DEFAULT_SERVER)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    options = parser.parse_args()
    with scratch("bench_bulletins", keep=options.keep, server=options.server) as where:
        say(f"setting up {where.name}…")
        migrate(where)
        setup_django(where)
        result = measure(where, options.pupils, per_school=options.per_school, batch=options.batch)
    say(f"ratio madrasa / hand-written: {result['ratio']:.2f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S")
    out = RESULTS / f"bulletins-{options.pupils}-{stamp}.json"
    out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    say(f"written {out}")
    return 0 if result["differences"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
